/* Device nodes (mknod, or a bind of the host node where mknod is not allowed) and symlinks,
 * created with *at() calls relative to a parent directory resolved inside the rootfs. The
 * caller set umask 0, so modes are exactly as planned. */
#include "devices.h"
#include "pathfs.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void device_one(const struct device_step *d, int rootfd)
{
	char name[NAME_MAX + 1], path[32];

	if (d->type != S_IFCHR && d->type != S_IFBLK && d->type != S_IFIFO)
		die("devices", EINVAL, "%s: type 0%o is not a char, block or fifo node", d->path, d->type);
	if (d->bind) {
		int fd = mkpath_in_root(rootfd, d->path, true);
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
		if (symlinkat(s->target, dir, name) < 0 && errno != EEXIST)
			die("symlinks", errno, "symlink %s -> %s", s->linkpath, s->target);
		close(dir);
	}
}
