/* Mounts inside the new mount namespace. Targets are always handed to mount(2) as
 * /proc/self/fd/N of an fd resolved inside the rootfs (pathfs.c), never as a path string that
 * the kernel would walk through the rootfs's symlinks. All of this runs before pivot_root, while
 * /proc is still the host's procfs (checked in stages.c). */
#include "mounts.h"
#include "pathfs.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Remount a bind mount with `flags`. In a user namespace the kernel refuses to clear flags it
 * locked (nosuid, nodev, noexec, atime) on mounts inherited from the host; on EPERM retry with
 * those kept, as the caller cannot have meant to lift them. */
static int remount_bind(int fd, unsigned long flags)
{
	char path[32];
	unsigned long f = flags | MS_REMOUNT | MS_BIND;

	if (mount(NULL, fd_path(fd, path), NULL, f, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return -1;
	unsigned long keep = sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC);
	if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)))
		keep |= sv.f_flag & (ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
	if (keep == 0) {
		errno = EPERM;
		return -1;
	}
	return mount(NULL, path, NULL, f | keep, NULL);
}

/* The mount point (on the host) whose mount holds `dir`: walk up while the mount id stays.
 * *id_out is that mount's id. */
static int mount_point_of(const char *dir, char *out, size_t size, uint64_t *id_out)
{
	struct statx sx;
	char buf[PATH_MAX];

	if (strlen(dir) >= sizeof(buf) || strlen(dir) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, dir);
	if (statx(AT_FDCWD, buf, 0, STATX_MNT_ID, &sx) < 0)
		return -1;
	uint64_t id = sx.stx_mnt_id;
	*id_out = id;
	for (;;) {
		strcpy(out, buf);
		char *slash = strrchr(buf, '/');
		if (!slash || buf[0] != '/' || buf[1] == 0)
			return 0;
		if (slash == buf)
			slash[1] = 0;
		else
			*slash = 0;
		if (statx(AT_FDCWD, buf, 0, STATX_MNT_ID, &sx) < 0)
			return -1;
		if (sx.stx_mnt_id != id)
			return 0;
	}
}

/* The next line of a /proc/self/mountinfo stream, or its first `size`-1 bytes when it is longer
 * (overlay options can be): the rest of a long line is skipped, never taken for a line of its
 * own. The fields read here (id, mount point, optional fields, fstype) come early in a line. */
static bool mountinfo_next(FILE *f, char *line, size_t size)
{
	if (!fgets(line, (int)size, f))
		return false;
	if (!strchr(line, '\n')) {
		int c;
		while ((c = fgetc(f)) != EOF && c != '\n')
			;
	}
	return true;
}

static FILE *mountinfo_open(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		die("rootfs", errno, "open /proc/self/mountinfo");
	return f;
}

/* Whether mount `id` is shared: a "shared:N" optional field (before " - ") on its line. */
static bool mount_is_shared(uint64_t id)
{
	FILE *f = mountinfo_open();
	char line[4096];
	bool shared = false;

	while (mountinfo_next(f, line, sizeof(line))) {
		char *end;
		if (strtoull(line, &end, 10) != id || *end != ' ')
			continue;
		char *sep = strstr(line, " - "), *field = strstr(line, " shared:");
		shared = field && (!sep || field < sep);
		break;
	}
	fclose(f);
	return shared;
}

int rootfs_prepare(const struct plan *p)
{
	if (p->rootfs[0] != '/')
		die("rootfs", EINVAL, "rootfs %s is not an absolute path", p->rootfs);
	if (mount(NULL, "/", NULL, p->setup_propagation, NULL) < 0)
		die("rootfs", errno, "set propagation 0x%x on /", p->setup_propagation);

	/* pivot_root refuses a new root whose parent mount is shared. That parent is the mount the
	 * rootfs bind below stacks on: the rootfs itself when it is a mount point (containerd's
	 * overlay snapshot), else the mount holding it. If it is shared, it is made private, so the
	 * bind is a private clone, as runc does. */
	char mnt[PATH_MAX];
	uint64_t id;
	if (mount_point_of(p->rootfs, mnt, sizeof(mnt), &id) < 0)
		die("rootfs", errno, "find the mount holding %s", p->rootfs);
	if (mount_is_shared(id) && mount(NULL, mnt, NULL, MS_PRIVATE, NULL) < 0)
		die("rootfs", errno, "make %s private", mnt);

	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("rootfs", errno, "bind mount %s onto itself", p->rootfs);
	int fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("rootfs", errno, "open %s", p->rootfs);
	return fd;
}

static void mount_one(const struct mount_step *m, int rootfd)
{
	char path[32];
	const char *what = m->source[0] ? m->source : m->fstype;

	if (m->destination[0] != '/')
		die("mount", EINVAL, "destination %s is not absolute", m->destination);
	int fd = m->dest_no_symlinks ? mkpath_in_root_nofollow(rootfd, m->destination) : mkpath_in_root(rootfd, m->destination, m->dest_is_file);
	if (fd < 0 && errno == ELOOP && m->dest_no_symlinks)
		die("mount", ELOOP, "%s mount point %s is a symlink or lies under one", m->fstype, m->destination);
	if (fd < 0)
		die("mount", errno, "create mount point %s in the rootfs", m->destination);
	if (mount(m->source[0] ? m->source : NULL, fd_path(fd, path), m->fstype[0] ? m->fstype : NULL, m->flags,
		  m->data[0] ? m->data : NULL) < 0)
		die("mount", errno, "mount %s to %s", what, m->destination);
	close(fd);
	if (!m->remount_flags && !m->propagation && !m->label[0])
		return;

	/* Reopen: the fd above names the mount point underneath, not the new mount. */
	fd = resolve_in_root(rootfd, m->destination);
	if (fd < 0)
		die("mount", errno, "reopen %s after mounting", m->destination);
	if (m->remount_flags && remount_bind(fd, m->remount_flags) < 0)
		die("mount", errno, "remount %s with flags 0x%x", m->destination, m->remount_flags);
	if (m->propagation && mount(NULL, fd_path(fd, path), NULL, m->propagation, NULL) < 0)
		die("mount", errno, "set propagation 0x%x on %s", m->propagation, m->destination);
	/* setxattr follows the fd's magic link to the new mount's root. */
	if (m->label[0] && setxattr(fd_path(fd, path), "security.selinux", m->label, strlen(m->label), 0) < 0)
		die("mount", errno, "set the SELinux label %s on %s", m->label, m->destination);
	close(fd);
}

void mounts_apply(const struct plan *p, int rootfd)
{
	for (uint32_t i = 0; i < p->n_mounts; i++)
		mount_one(&p->mounts[i], rootfd);
}

void masked_paths_apply(const struct plan *p, int rootfd)
{
	char src[32], dst[32];
	int null_fd = -1;

	for (uint32_t i = 0; i < p->masked.n; i++) {
		const char *path = p->masked.v[i];
		int fd = resolve_in_root(rootfd, path);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			die("maskedPaths", errno, "open %s", path);
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			die("maskedPaths", errno, "stat %s", path);
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", fd_path(fd, dst), "tmpfs", MS_RDONLY, p->masked_tmpfs_data) < 0)
				die("maskedPaths", errno, "mount a read-only tmpfs on %s", path);
		} else {
			if (null_fd < 0) {
				/* The host's /dev/null, checked to be the null device (CVE-2025-31133). */
				null_fd = open("/dev/null", O_PATH | O_CLOEXEC);
				struct stat ns;
				if (null_fd < 0 || fstat(null_fd, &ns) < 0)
					die("maskedPaths", errno, "open /dev/null");
				if (!S_ISCHR(ns.st_mode) || major(ns.st_rdev) != 1 || minor(ns.st_rdev) != 3)
					die("maskedPaths", EINVAL, "/dev/null is not the null device");
			}
			if (mount(fd_path(null_fd, src), fd_path(fd, dst), NULL, MS_BIND, NULL) < 0)
				die("maskedPaths", errno, "bind /dev/null onto %s", path);
		}
		close(fd);
	}
	close_quiet(null_fd);
}

void readonly_paths_apply(const struct plan *p, int rootfd)
{
	char path[32];

	for (uint32_t i = 0; i < p->readonly.n; i++) {
		const char *rp = p->readonly.v[i];
		int fd = resolve_in_root(rootfd, rp);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			die("readonlyPaths", errno, "open %s", rp);
		}
		fd_path(fd, path);
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			die("readonlyPaths", errno, "bind %s onto itself", rp);
		close(fd);
		fd = resolve_in_root(rootfd, rp);
		if (fd < 0)
			die("readonlyPaths", errno, "reopen %s", rp);
		if (remount_bind(fd, MS_RDONLY) < 0)
			die("readonlyPaths", errno, "remount %s read-only", rp);
		close(fd);
	}
}

void root_readonly_apply(int rootfd)
{
	if (remount_bind(rootfd, MS_RDONLY) < 0)
		die("rootfs", errno, "remount the rootfs read-only");
}

/* Whether mount point `point` (a mountinfo path, octal escapes kept) lies under `root`. */
static bool under(const char *point, const char *root)
{
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	return !strncmp(point, root, n) && (point[n] == '/' || point[n] == 0);
}

/* --no-pivot keeps the host's mounts in the container's mount namespace, outside its chroot.
 * The kernel lets a (nested, unprivileged) user namespace mount a fresh procfs or sysfs only if a
 * fully visible one is already in the namespace; the host's /proc would be one. So every procfs
 * and sysfs mount outside the rootfs is detached, or covered by a read-only tmpfs where it cannot
 * be, as runc does. */
static void hide_host_proc_sys(const struct plan *p)
{
	char points[64][PATH_MAX / 4];
	int n = 0;
	FILE *f = mountinfo_open();
	char line[8192];

	while (n < 64 && mountinfo_next(f, line, sizeof(line))) {
		char point[PATH_MAX], fstype[64];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 || sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if ((strcmp(fstype, "proc") && strcmp(fstype, "sysfs")) || under(point, p->rootfs) || strchr(point, '\\'))
			continue;
		if (strlen(point) < sizeof(points[0]))
			strcpy(points[n++], point);
	}
	fclose(f);
	/* Deepest first, so a mount under another goes before it. */
	for (int i = n - 1; i >= 0; i--) {
		if (umount2(points[i], MNT_DETACH) == 0)
			continue;
		if (mount("tmpfs", points[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=000") < 0 && errno != ENOENT)
			die("rootfs", errno, "hide the host's %s", points[i]);
	}
}

void root_switch(const struct plan *p, int rootfd)
{
	if (p->no_pivot) {
		hide_host_proc_sys(p);
		/* runc --no-pivot: move the rootfs over "/" and chroot into it. */
		if (fchdir(rootfd) < 0)
			die("rootfs", errno, "chdir to the rootfs");
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			die("rootfs", errno, "move the rootfs onto /");
		if (chroot(".") < 0)
			die("rootfs", errno, "chroot");
	} else {
		int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (oldroot < 0)
			die("pivot_root", errno, "open the old root");
		if (fchdir(rootfd) < 0)
			die("pivot_root", errno, "chdir to the rootfs");
		/* pivot_root(".", "."): the old root ends up stacked under the new one, no put_old dir. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			die("pivot_root", errno, "pivot_root to %s", p->rootfs);
		if (fchdir(oldroot) < 0)
			die("pivot_root", errno, "chdir to the old root");
		/* Slave first, so detaching the old root cannot propagate unmounts to the host. */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			die("pivot_root", errno, "make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			die("pivot_root", errno, "detach the old root");
		close(oldroot);
	}
	if (chdir("/") < 0)
		die("rootfs", errno, "chdir to /");
	/* After the switch, so that it is the container's own "/" that becomes shared, slave,
	 * private or unbindable (an unbindable one could not have been bind-mounted before). */
	if (p->rootfs_propagation && mount(NULL, "/", NULL, p->rootfs_propagation, NULL) < 0)
		die("rootfs", errno, "set propagation 0x%x on the container's /", p->rootfs_propagation);
}

void root_chroot(const struct plan *p)
{
	if (chroot(p->rootfs) < 0)
		die("rootfs", errno, "chroot to %s", p->rootfs);
	if (chdir("/") < 0)
		die("rootfs", errno, "chdir to /");
}
