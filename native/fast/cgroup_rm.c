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

static bool is_leaf(const struct saved_state *s, const char *dir, int upto)
{
	for (int i = 0; i < upto; i++)
		if (strcmp(s->paths[i].dir, dir) == 0)
			return true;
	return false;
}

static bool ancestor_or_self(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strncmp(a, b, n) == 0 && (b[n] == 0 || b[n] == '/');
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

static char failed_path[4096];

static int fail_at(const char *path)
{
	int e = errno;
	snprintf(failed_path, sizeof failed_path, "%s", path);
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
		return fail_at(path);
	}
}

static int remove_tree(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : fail_at(dir);
	char path[4096];
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (depth > 16 || (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) {
			errno = ENAMETOOLONG;
			rc = fail_at(dir);
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

int cgroup_remove(const struct saved_state *s, const char **where)
{
	int rc = 0;
	*where = failed_path;
	for (int i = 0; i < s->n_paths; i++) {
		const char *leaf = s->paths[i].dir;
		if (is_leaf(s, leaf, i))
			continue; /* co-mounted controllers share a directory */
		enum where w = on_cgroupfs(leaf);
		if (w == CG_MISSING)
			continue;
		if (w != CG_YES) {
			if (w == CG_NO)
				errno = EXDEV;
			rc = fail_at(leaf);
			continue;
		}
		if (remove_tree(leaf, 0) < 0)
			rc = -1;
	}
	/* Created ancestors of a leaf, deepest first (stable for equal depth, as the TypeScript sort). */
	const char *parents[64];
	int n = 0;
	for (int i = 0; i < s->n_created; i++) {
		const char *d = s->created_dirs[i];
		bool dup = is_leaf(s, d, s->n_paths), related = false;
		for (int j = 0; j < n && !dup; j++)
			dup = strcmp(parents[j], d) == 0;
		for (int j = 0; j < s->n_paths && !related; j++)
			related = ancestor_or_self(d, s->paths[j].dir);
		if (dup || !related)
			continue;
		int k = n++;
		while (k > 0 && depth_of(parents[k - 1]) < depth_of(d)) {
			parents[k] = parents[k - 1];
			k--;
		}
		parents[k] = d;
	}
	for (int i = 0; i < n; i++) {
		if (on_cgroupfs(parents[i]) != CG_YES)
			continue;
		if (rmdir_retry(parents[i], true) < 0)
			rc = -1;
	}
	return rc;
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
