#include "cgroup_rm.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "status.h"

enum where { CG_YES, CG_NO, CG_MISSING, CG_ERROR };

static enum where on_cgroupfs(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) < 0)
		return errno == ENOENT ? CG_MISSING : CG_ERROR;
	return sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC ? CG_YES : CG_NO;
}

/* True if a is b or one of its ancestors ("/x" and "/x/" both contain "/x/y"). */
static bool ancestor_or_self(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strncmp(a, b, n) == 0 && (b[n] == 0 || b[n] == '/' || (n > 0 && a[n - 1] == '/'));
}

/* The directory whose subtree lists the container's processes (v1-manager/v2-manager procsDir). */
static const char *procs_dir(const struct saved_state *s)
{
	if (s->cgroup_v2)
		return state_cgroup_dir(s, "");
	static const char *const order[] = { "pids", "memory", "devices", "freezer", "cpu", "" };
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *d = state_cgroup_dir(s, order[i]);
		if (d)
			return d;
	}
	return s->n_paths ? s->paths[0].dir : NULL;
}

/* Whether the tree at dir lists no process; false also when it cannot be read. */
static bool tree_empty(const char *dir, int depth)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	char c;
	ssize_t n = read(fd, &c, 1);
	close(fd);
	if (n != 0)
		return false;
	if (depth > 16)
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT;
	bool empty = true;
	struct dirent *e;
	while (empty && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		empty = tree_empty(path, depth + 1);
	}
	closedir(d);
	return empty;
}

bool cgroup_removable(const struct saved_state *s)
{
	for (int i = 0; i < s->n_paths; i++) {
		enum where w = on_cgroupfs(s->paths[i].dir);
		if (w == CG_NO || w == CG_ERROR)
			return false;
	}
	const char *pd = procs_dir(s);
	return pd && tree_empty(pd, 0);
}

static __thread struct cgroup_rm_error *rm_err;

/* Records the first failure (op, path, errno) and counts them all; always -1. */
static int fail_at(const char *op, const char *path)
{
	int e = errno;
	if (rm_err && rm_err->count++ == 0) {
		rm_err->op = op;
		rm_err->err = e;
		snprintf(rm_err->path, sizeof rm_err->path, "%s", path);
	}
	errno = e;
	return -1;
}

/* rmdir, retrying EBUSY (a task still leaving) with 1, 2, 4… ms pauses; ENOENT is success.
 * With if_empty, a directory still in use is left alone. */
static int rmdir_retry(const char *path, bool if_empty)
{
	long delay = 1;
	for (int tries = 0;; tries++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (if_empty && (errno == ENOTEMPTY || errno == EBUSY || errno == EEXIST))
			return 0;
		if (errno == EBUSY && tries < 10) {
			sleep_ms(delay);
			delay *= 2;
			continue;
		}
		return fail_at("rmdir", path);
	}
}

static int remove_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : fail_at("read", dir);
	char path[4096];
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (depth > 16 || (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
			errno = ENAMETOOLONG;
			rc = fail_at("read", dir);
			break;
		}
		rc = remove_tree(path, depth + 1);
	}
	closedir(d);
	return rc < 0 ? rc : rmdir_retry(dir, false);
}

static int depth_of(const char *p)
{
	int n = 0;
	for (; *p; p++)
		n += *p == '/';
	return n;
}

static bool listed(const char *const *v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int cgroup_remove_dirs(const char *const *leaves, int n_leaves, const char *const *created, int n_created, struct cgroup_rm_error *err)
{
	memset(err, 0, sizeof *err);
	rm_err = err;
	for (int i = 0; i < n_leaves; i++) {
		const char *leaf = leaves[i];
		if (listed(leaves, i, leaf))
			continue; /* co-mounted controllers share a directory */
		enum where w = on_cgroupfs(leaf);
		if (w == CG_MISSING)
			continue;
		if (w == CG_NO) {
			errno = ENOTDIR;
			fail_at("refuse", leaf);
		} else if (w == CG_ERROR) {
			fail_at("statfs", leaf);
		} else {
			remove_tree(leaf, 0);
		}
	}
	/* Created ancestors of a leaf, deepest first (stable for equal depth, as the TypeScript sort was). */
	const char **parents = calloc((size_t)n_created + 1, sizeof *parents);
	int n = 0;
	for (int i = 0; parents && i < n_created; i++) {
		const char *d = created[i];
		bool related = false;
		for (int j = 0; j < n_leaves && !related; j++)
			related = ancestor_or_self(d, leaves[j]);
		if (listed(leaves, n_leaves, d) || listed(parents, n, d) || !related)
			continue;
		int k = n++;
		while (k > 0 && depth_of(parents[k - 1]) < depth_of(d)) {
			parents[k] = parents[k - 1];
			k--;
		}
		parents[k] = d;
	}
	for (int i = 0; i < n; i++) {
		enum where w = on_cgroupfs(parents[i]);
		if (w == CG_ERROR)
			fail_at("statfs", parents[i]);
		else if (w == CG_YES)
			rmdir_retry(parents[i], true);
	}
	free(parents);
	rm_err = NULL;
	return err->count ? -1 : 0;
}

int cgroup_remove(const struct saved_state *s, struct cgroup_rm_error *err)
{
	const char *leaves[32], *created[64];
	for (int i = 0; i < s->n_paths; i++)
		leaves[i] = s->paths[i].dir;
	for (int i = 0; i < s->n_created; i++)
		created[i] = s->created_dirs[i];
	return cgroup_remove_dirs(leaves, s->n_paths, created, s->n_created, err);
}

int remove_state_dir(int rootfd, const char *id)
{
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT) {
			/* The state dir holds only files; anything else is left for the TypeScript path. */
			rc = -1;
		}
	}
	closedir(d);
	if (rc == 0 && unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}
