#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *read_file_at(int dirfd, const char *path, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	for (;;) {
		if (!p) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		ssize_t r = read(fd, p + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(p);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n + 1 == cap) {
			cap *= 2;
			char *q = realloc(p, cap);
			if (!q)
				free(p);
			p = q;
		}
	}
	close(fd);
	p[n] = 0;
	if (len)
		*len = n;
	return p;
}

static bool raw_string(struct span root, const char *key, struct span *out)
{
	return json_get(root, key, out) && json_is(*out, '"');
}

static int count_array(struct span arr)
{
	if (!json_is(arr, '['))
		return -1;
	const char *cur = arr.p + 1, *end = arr.p + arr.n;
	struct span v;
	int n = 0, r;
	while ((r = json_next_element(&cur, end, &v)) == 1)
		n++;
	return r < 0 ? -1 : n;
}

static int parse_cgroup(struct span cg, struct saved_state *s)
{
	struct span mode, paths, created, v;
	if (!json_get(cg, "mode", &mode) || !json_get(cg, "paths", &paths) || !json_is(paths, '{'))
		return -1;
	if (mode.n == 4 && memcmp(mode.p, "\"v2\"", 4) == 0)
		s->cgroup_v2 = true;
	else if (!(mode.n == 4 && memcmp(mode.p, "\"v1\"", 4) == 0))
		return -1;
	s->systemd = json_get(cg, "systemd", &v) && !(v.n == 4 && memcmp(v.p, "null", 4) == 0);

	const char *cur = paths.p + 1, *end = paths.p + paths.n;
	struct span k;
	int r;
	while ((r = json_next_member(&cur, end, &k, &v)) == 1) {
		if (s->n_paths == (int)(sizeof s->paths / sizeof s->paths[0]) || memchr(k.p, '\\', k.n))
			return -1;
		struct cgroup_path *p = &s->paths[s->n_paths];
		p->controller = strndup(k.p, k.n);
		p->dir = json_str(v);
		if (!p->controller || !p->dir || p->dir[0] != '/')
			return -1;
		s->n_paths++;
	}
	if (r < 0)
		return -1;

	if (json_get(cg, "created", &created)) {
		if (!json_is(created, '['))
			return -1;
		cur = created.p + 1;
		end = created.p + created.n;
		while ((r = json_next_element(&cur, end, &v)) == 1) {
			if (s->n_created == (int)(sizeof s->created_dirs / sizeof s->created_dirs[0]))
				return -1;
			char *d = json_str(v);
			if (!d || d[0] != '/') {
				free(d);
				return -1;
			}
			s->created_dirs[s->n_created++] = d;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

int state_load(int atfd, const char *prefix, struct saved_state *s)
{
	memset(s, 0, sizeof *s);
	size_t n;
	char path[512];
	if ((size_t)snprintf(path, sizeof path, "%sstate.json", prefix) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	s->text = read_file_at(atfd, path, &n);
	if (!s->text)
		return -1;
	struct span root = { s->text, n }, v, hooks, cg;
	while (root.n && (root.p[0] == ' ' || root.p[0] == '\n'))
		root.p++, root.n--;
	const char *end = json_skip_value(root.p, root.p + root.n);
	if (!end || !json_is(root, '{'))
		goto bad;
	root.n = (size_t)(end - root.p);
	if (!raw_string(root, "ociVersion", &s->oci_version) || !raw_string(root, "id", &s->id) ||
	    !raw_string(root, "bundle", &s->bundle) || !raw_string(root, "rootfs", &s->rootfs) ||
	    !raw_string(root, "created", &s->created) || !raw_string(root, "owner", &s->owner))
		goto bad;
	if (!json_get(root, "pid", &v) || !json_int(v, &s->pid) || !json_get(root, "pidStartTime", &v) ||
	    !json_int(v, &s->pid_start_time))
		goto bad;
	if (json_get(root, "annotations", &v)) {
		if (!json_is(v, '{'))
			goto bad;
		s->annotations = v;
	}
	if (!json_get(root, "sharedPidNs", &v) || !json_bool(v, &s->shared_pidns))
		goto bad;
	if (!json_get(root, "hooks", &hooks) || !json_get(hooks, "poststart", &v) || (s->n_poststart = count_array(v)) < 0 ||
	    !json_get(hooks, "poststop", &v) || (s->n_poststop = count_array(v)) < 0)
		goto bad;
	if (!json_get(root, "cgroup", &cg) || parse_cgroup(cg, s) < 0)
		goto bad;
	return 0;
bad:
	state_free(s);
	errno = EINVAL;
	return -1;
}

void state_free(struct saved_state *s)
{
	for (int i = 0; i < s->n_paths; i++) {
		free(s->paths[i].controller);
		free(s->paths[i].dir);
	}
	for (int i = 0; i < s->n_created; i++)
		free(s->created_dirs[i]);
	free(s->text);
	memset(s, 0, sizeof *s);
}

const char *state_cgroup_dir(const struct saved_state *s, const char *controller)
{
	for (int i = 0; i < s->n_paths; i++)
		if (strcmp(s->paths[i].controller, controller) == 0)
			return s->paths[i].dir;
	return NULL;
}
