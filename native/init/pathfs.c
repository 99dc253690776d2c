/* Safe path resolution and creation inside the rootfs. Every lookup starts again from the
 * rootfs fd with RESOLVE_IN_ROOT, so ".." and absolute symlinks are clamped to the rootfs, and
 * magic links (/proc/self/...) inside it are refused. */
#include "pathfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

int resolve_in_root(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	long fd;
	do
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN); /* a concurrent rename in the rootfs: retry */
	return (int)fd;
}

/* Create `name` in directory parent and return an O_PATH fd to what was created (or found). */
static int create_entry(int parent, const char *name, bool as_file)
{
	int r;

	if (as_file) {
		r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (r >= 0)
			close(r);
	} else {
		r = mkdirat(parent, name, 0755);
	}
	if (r < 0 && errno != EEXIST)
		return -1;
	int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
		/* A dangling symlink (or one that raced in): refuse rather than follow it. */
		close(fd);
		errno = ELOOP;
		return -1;
	}
	return fd;
}

int mkpath_in_root(int rootfd, const char *path, bool last_is_file)
{
	int fd = resolve_in_root(rootfd, path);

	if (fd >= 0 || errno != ENOENT)
		return fd;

	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);

	int parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (parent < 0)
		return -1;
	char *p = buf;
	while (*p == '/')
		p++;
	while (*p) {
		char *comp = p;
		char *slash = strchr(p, '/');
		char saved = 0;
		if (slash) {
			saved = *slash;
			*slash = 0;
		}
		bool last = true;
		if (slash) {
			for (char *q = slash + 1; *q; q++)
				if (*q != '/') {
					last = false;
					break;
				}
		}
		/* Resolve the prefix so far from the root again: symlinks stay clamped. */
		fd = resolve_in_root(rootfd, buf);
		if (fd < 0 && errno == ENOENT)
			fd = create_entry(parent, comp, last && last_is_file);
		close_quiet(parent);
		if (fd < 0)
			return -1;
		parent = fd;
		if (!slash)
			break;
		*slash = saved;
		p = slash;
		while (*p == '/')
			p++;
	}
	return parent;
}

int parent_in_root(int rootfd, const char *path, char *name, size_t name_size)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	char *slash = strrchr(buf, '/');
	const char *last = slash ? slash + 1 : buf;
	if (!*last || !strcmp(last, ".") || !strcmp(last, "..") || strlen(last) >= name_size) {
		errno = EINVAL;
		return -1;
	}
	strcpy(name, last);
	if (slash)
		slash[1] = 0;
	else
		buf[0] = 0;
	return mkpath_in_root(rootfd, buf, false);
}
