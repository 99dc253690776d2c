/* Error reporting and small I/O helpers. */
#include "common.h"
#include "protocol.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

struct report_ctx g_report = { .sync_fd = -1, .status_fd = -1 };

void die(const char *step, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (g_report.sync_fd >= 0) {
		/* Best effort: the runtime may already be gone (EPIPE is not signalled, see main). */
		(void)send_error(g_report.sync_fd, step, err, msg);
	} else if (err) {
		fprintf(stderr, "tsrc-init: %s: %s: %s\n", step, msg, strerror(err));
	} else {
		fprintf(stderr, "tsrc-init: %s: %s\n", step, msg);
	}
	if (g_report.status_fd >= 0)
		(void)write_full(g_report.status_fd, "E", 1);
	_exit(1);
}

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			if (got == 0)
				return 1;
			errno = EPROTO;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

const char *fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

int attr_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);
	int saved = errno;
	close(fd);
	if (w == (ssize_t)n)
		return 0;
	errno = w < 0 ? saved : EIO;
	return -1;
}

void close_quiet(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}

void close_stray_fds(unsigned keep_below, int sync_fd)
{
	unsigned s = (unsigned)sync_fd;

	if (s < keep_below)
		die("init", EINVAL, "sync fd %d overlaps the %u preserved fds", sync_fd, keep_below - 3);
	if (s > keep_below && syscall(SYS_close_range, keep_below, s - 1, 0) < 0)
		die("init", errno, "close stray fds");
	if (syscall(SYS_close_range, s + 1, ~0U, 0) < 0)
		die("init", errno, "close stray fds");
}

int proc_open(const char *step)
{
	struct statfs sf;
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fstatfs(fd, &sf) < 0)
		die(step, errno, "open /proc");
	if (sf.f_type != PROC_SUPER_MAGIC)
		die(step, EINVAL, "/proc is not procfs");
	return fd;
}
