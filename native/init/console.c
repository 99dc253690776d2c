/* The console: everything is done with fds. The ptmx is looked up inside the container's root
 * without following symlinks, checked to be devpts's own ptmx (as runc checks), and only then
 * opened, through /proc/self/fd of a procfs the runtime trusts; the slave comes from
 * TIOCGPTPEER, not from a path. */
#include "console.h"
#include "pathfs.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include "../linux_compat.h"

/* The name runc sends with the master (containerd ignores it). */
#define MASTER_NAME "/dev/pts/ptmx"

int console_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		die("console socket", ENAMETOOLONG, "%s", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("console socket", errno, "socket");
	int r;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("console socket", errno, "connect %s", path);
	return fd;
}

int console_target(int rootfd)
{
	/* A planted /dev/console (a symlink to a host file, to /proc/sys/kernel/core_pattern, a
	 * device of its choosing) is replaced by an empty file the pty is bound onto. */
	int fd = own_file_in_root(rootfd, "/dev/console");
	if (fd < 0)
		die("console", errno, "create /dev/console");
	return fd;
}

/* devpts's ptmx: inode 2, character device 5:2, on a devpts superblock. */
static void check_ptmx(int fd)
{
	struct stat st;
	struct statfs sf;

	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		die("console", errno, "stat /dev/pts/ptmx");
	if (sf.f_type != DEVPTS_SUPER_MAGIC)
		die("console", EINVAL, "/dev/pts/ptmx is not on a devpts mount (super magic 0x%lx)", (unsigned long)sf.f_type);
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2) || st.st_ino != 2)
		die("console", EINVAL, "/dev/pts/ptmx is not the devpts ptmx device (%u:%u, inode %lu)", major(st.st_rdev),
		    minor(st.st_rdev), (unsigned long)st.st_ino);
}

static int open_master(int rootfd, int procfd)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int h = (int)syscall(SYS_openat2, rootfd, "dev/pts/ptmx", &how, sizeof(how));
	if (h < 0)
		die("console", errno, "open /dev/pts/ptmx (a terminal needs a devpts mounted at /dev/pts)");
	check_ptmx(h);
	char self[32];
	snprintf(self, sizeof(self), "self/fd/%d", h);
	int m = openat(procfd, self, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		die("console", errno, "reopen /dev/pts/ptmx");
	close(h);
	check_ptmx(m); /* the same inode, opened now */
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		die("console", errno, "unlock the pty");
	return m;
}

void fd_send(int sock, int fd, const char *name, const char *step, const char *what)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		die(step, errno, "send %s", what);
}

void console_setup(const struct process_plan *pp, int rootfd, int procfd, int sock, int target)
{
	int master = open_master(rootfd, procfd);
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die("console", errno, "open the pty slave");
	if (pp->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)pp->console_height, .ws_col = (unsigned short)pp->console_width };
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			die("console", errno, "set the console size to %ux%u", pp->console_width, pp->console_height);
	}
	if (target >= 0) {
		/* A detached bind mount of the slave, moved onto the target: no path is walked. */
		int tree = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0)
			die("console", errno, "bind the pty for /dev/console");
		if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			die("console", errno, "mount the pty on /dev/console");
		close(tree);
		close(target);
	}
	fd_send(sock, master, MASTER_NAME, "console socket", "the pty master");
	close(master);
	close(sock);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die("console", errno, "make the pty fd %d", fd);
	close(slave);
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		die("console", errno, "make the pty the controlling terminal");
}
