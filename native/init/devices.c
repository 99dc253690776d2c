/* Device nodes (mknod, or a bind of the host node where mknod is not allowed) and symlinks,
 * created with *at() calls relative to a parent directory resolved inside the rootfs. The
 * caller set umask 0, so modes are exactly as planned. */
#include "devices.h"
#include "pathfs.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void device_one(const struct device_step *d, int rootfd)
{
	char name[NAME_MAX + 1], path[32];

	if (d->type != S_IFCHR && d->type != S_IFBLK && d->type != S_IFIFO)
		die("devices", EINVAL, "%s: type 0%o is not a char, block or fifo node", d->path, d->type);
	/* A symlink (or anything else) the rootfs planted at a device's path is replaced, never
	 * followed: /dev/null -> /proc/sys/kernel/core_pattern must not survive as the device. */
	if (d->bind) {
		int fd = own_file_in_root(rootfd, d->path);
		if (fd < 0)
			die("devices", errno, "create bind target %s", d->path);
		if (mount(d->path, fd_path(fd, path), NULL, MS_BIND, NULL) < 0)
			die("devices", errno, "bind mount the host's %s", d->path);
		close(fd);
		return;
	}
	int dir = parent_in_root(rootfd, d->path, name, sizeof(name));
	if (dir < 0)
		die("devices", errno, "create the directory of %s", d->path);
	if (replace_planted(dir, name, d->type, makedev(d->major, d->minor)) < 0)
		die("devices", errno, "replace what the rootfs has at %s", d->path);
	if (mknodat(dir, name, d->type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
		/* An existing node is kept, as runc does. */
		if (errno != EEXIST)
			die("devices", errno, "mknod %s", d->path);
	} else if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) {
		die("devices", errno, "chown %s to %u:%u", d->path, d->uid, d->gid);
	}
	close(dir);
}

void devices_apply(const struct plan *p, int rootfd)
{
	for (uint32_t i = 0; i < p->n_devices; i++)
		device_one(&p->devices[i], rootfd);
}

void symlinks_apply(const struct plan *p, int rootfd)
{
	char name[NAME_MAX + 1];

	for (uint32_t i = 0; i < p->n_symlinks; i++) {
		const struct symlink_step *s = &p->symlinks[i];
		int dir = parent_in_root(rootfd, s->linkpath, name, sizeof(name));
		if (dir < 0)
			die("symlinks", errno, "create the directory of %s", s->linkpath);
		/* Kept only if it is already this very symlink: a planted /dev/ptmx pointing elsewhere is
		 * replaced. */
		char have[PATH_MAX];
		ssize_t n = readlinkat(dir, name, have, sizeof(have) - 1);
		if (n >= 0)
			have[n] = 0;
		if (n < 0 || strcmp(have, s->target)) {
			struct stat st;
			if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    unlinkat(dir, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
				die("symlinks", errno, "replace what the rootfs has at %s", s->linkpath);
			if (symlinkat(s->target, dir, name) < 0)
				die("symlinks", errno, "symlink %s -> %s", s->linkpath, s->target);
		}
		close(dir);
	}
}
