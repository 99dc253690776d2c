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

#include "../linux_compat.h"

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

/* Create `name` in directory parent; O_PATH fd of what is there afterwards (never followed). */
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
	return openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

#define RESTART (-2)

/* One pass over `path`: resolve each prefix from the root, creating what is missing. A dangling
 * symlink met on the way is not followed here: its target (kept inside the root by the next
 * pass's RESOLVE_IN_ROOT) joined with the rest of the path is written to next, and RESTART is
 * returned, as runc's securejoin.MkdirAll does. */
static int mkpath_pass(int rootfd, char *buf, bool last_is_file, char *next, size_t next_size)
{
	int parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	char *p = buf;

	if (parent < 0)
		return -1;
	while (*p == '/')
		p++;
	while (*p) {
		char *comp = p;
		char *slash = strchr(p, '/');
		if (slash)
			*slash = 0;
		char *rest = slash ? slash + 1 : p + strlen(p);
		while (*rest == '/')
			rest++;
		bool last = !*rest;

		int fd = resolve_in_root(rootfd, buf);
		if (fd < 0 && errno == ENOENT) {
			fd = create_entry(parent, comp, last && last_is_file);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
				char target[PATH_MAX];
				ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
				close(fd);
				close(parent);
				if (n < 0)
					return -1;
				target[n] = 0;
				/* Relative targets are relative to the link's directory: the prefix before comp. */
				comp[0] = 0;
				int k = target[0] == '/' ? snprintf(next, next_size, "%s/%s", target, rest)
							 : snprintf(next, next_size, "%s/%s/%s", buf, target, rest);
				if (k < 0 || (size_t)k >= next_size) {
					errno = ENAMETOOLONG;
					return -1;
				}
				return RESTART;
			}
		}
		close_quiet(parent);
		if (fd < 0)
			return -1;
		parent = fd;
		if (!slash)
			break;
		*slash = '/';
		p = rest;
	}
	return parent;
}

int mkpath_in_root(int rootfd, const char *path, bool last_is_file)
{
	int fd = resolve_in_root(rootfd, path);

	if (fd >= 0 || errno != ENOENT)
		return fd;

	char buf[PATH_MAX], next[PATH_MAX];
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (int hops = 0; hops < 40; hops++) {
		fd = mkpath_pass(rootfd, buf, last_is_file, next, sizeof(next));
		if (fd != RESTART)
			return fd;
		strcpy(buf, next);
	}
	errno = ELOOP;
	return -1;
}

int mkpath_in_root_nofollow(int rootfd, const char *path)
{
	int fd = mkpath_in_root(rootfd, path, false);
	if (fd < 0)
		return -1;
	close(fd);
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd;
}

int replace_planted(int dir, const char *name, mode_t type, dev_t rdev)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((st.st_mode & S_IFMT) == type && (type != S_IFCHR && type != S_IFBLK ? true : st.st_rdev == rdev))
		return 0;
	return unlinkat(dir, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
}

int own_file_in_root(int rootfd, const char *path)
{
	char name[NAME_MAX + 1];
	int dir = parent_in_root(rootfd, path, name, sizeof(name));
	if (dir < 0)
		return -1;
	int fd = replace_planted(dir, name, S_IFREG, 0) < 0 ? -1 : openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	int e = errno;
	close(dir);
	errno = e;
	return fd;
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
