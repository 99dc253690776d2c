/* Shared declarations for tsrc-init: error reporting and small I/O helpers.
 * tsrc-init is single-threaded and holds no policy: every decision arrives in the Plan. */
#ifndef TSRC_COMMON_H
#define TSRC_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where die() reports: the sync socket to the runtime (or -1: stderr), and in the container
 * init also the internal status socket to the first stage, which is told 'E' ("reported"). */
struct report_ctx {
	int sync_fd;
	int status_fd;
};
extern struct report_ctx g_report;

/* Report ERROR{step, err, message} and exit non-zero. err is an errno value or 0. */
_Noreturn void die(const char *step, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write/read exactly len bytes, retrying on EINTR. read_full returns 0 on success, 1 on EOF
 * before the first byte, -1 on error or EOF mid-way (errno set; EPROTO for a short read). */
int write_full(int fd, const void *buf, size_t len);
int read_full(int fd, void *buf, size_t len);

/* "/proc/self/fd/N" for handing an fd to path-only syscalls (mount(2)); buf must hold 32 bytes. */
const char *fd_path(int fd, char buf[32]);

/* Write value, whole, to the LSM attribute file path (/proc/thread-self/attr/...): the kernel
 * takes an attribute in one write. 0, or -1 with errno set. */
int attr_write(const char *path, const char *value);

/* Close fd if >= 0, keeping errno. */
void close_quiet(int fd);

/* Close every fd except stdio, the keep_below-3 preserved ones (3..keep_below-1) and sync_fd. */
void close_stray_fds(unsigned keep_below, int sync_fd);

/* An O_PATH fd of the runtime's /proc, checked to be procfs: the base for /proc/<pid>/... and
 * /proc/self/fd/N lookups that must not depend on what is mounted later. */
int proc_open(const char *step);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
