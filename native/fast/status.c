#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *status_name(enum status st)
{
	static const char *const names[] = { "created", "running", "paused", "stopped" };
	return names[st];
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool proc_alive(long long pid, long long start_time)
{
	if (pid <= 0)
		return false;
	char path[64], text[1024];
	snprintf(path, sizeof path, "/proc/%lld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = 0;
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	char *p = strrchr(text, ')');
	if (!p || p[1] != ' ')
		return false;
	p += 2;
	char state = *p;
	/* p is at field 3 (state); starttime is field 22, 19 fields further. */
	for (int i = 0; i < 19; i++) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	return strtoll(p, NULL, 10) == start_time && state != 'Z' && state != 'X';
}

/* Reads dir/file into buf (trimmed of trailing whitespace); -1 with errno. */
static int read_small(const char *dir, const char *file, char *buf, size_t cap)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return 0;
}

static int write_small(const char *dir, const char *file, const char *value)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	if (w < 0) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Frozen by its own state, not merely because an ancestor is (runc's GetFreezerState). */
static int frozen_v1(const char *dir, bool *out)
{
	char st[64], self[16];
	for (int i = 0; i < 10000; i++) {
		if (read_small(dir, "freezer.state", st, sizeof st) < 0 || strcmp(st, "THAWED") == 0) {
			*out = false;
			return 0;
		}
		if (strcmp(st, "FROZEN") == 0) {
			*out = read_small(dir, "freezer.self_freezing", self, sizeof self) < 0 || strcmp(self, "1") == 0;
			return 0;
		}
		sleep_ms(1); /* FREEZING: report how it ends */
	}
	return -1;
}

static bool events_frozen(const char *dir)
{
	char ev[1024];
	if (read_small(dir, "cgroup.events", ev, sizeof ev) < 0)
		return false;
	for (char *line = ev; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, "frozen 1", 8) == 0 && (line[8] == '\n' || line[8] == 0))
			return true;
	return false;
}

static int wait_frozen_v2(const char *dir, bool want)
{
	for (int i = 0; i < 1000; i++) {
		if (events_frozen(dir) == want)
			return 0;
		sleep_ms(10);
	}
	errno = ETIMEDOUT;
	return -1;
}

static int frozen_v2(const char *dir, bool *out)
{
	char want[16];
	if (read_small(dir, "cgroup.freeze", want, sizeof want) < 0 || strcmp(want, "1") != 0) {
		*out = false;
		return 0;
	}
	*out = true;
	return wait_frozen_v2(dir, true);
}

int derive_status(int atfd, const char *prefix, const struct saved_state *s, enum status *out)
{
	struct stat st;
	char fifo[512];
	snprintf(fifo, sizeof fifo, "%sexec.fifo", prefix);
	if (!proc_alive(s->pid, s->pid_start_time))
		*out = ST_STOPPED;
	else if (fstatat(atfd, fifo, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode))
		*out = ST_CREATED;
	else {
		bool frozen = false;
		const char *v1 = state_cgroup_dir(s, "freezer"), *v2 = state_cgroup_dir(s, "");
		if (v1 ? frozen_v1(v1, &frozen) < 0 : v2 ? frozen_v2(v2, &frozen) < 0 : 0)
			return -1;
		*out = frozen ? ST_PAUSED : ST_RUNNING;
	}
	return 0;
}

int freezer_freeze(const struct saved_state *s, const char **why)
{
	const char *v1 = state_cgroup_dir(s, "freezer"), *v2 = state_cgroup_dir(s, "");
	if (v1) {
		/* A task in uninterruptible sleep can hold the cgroup in FREEZING: re-request FROZEN, thawing
		 * briefly every 50 tries so such tasks make progress (as runc); ~10 s in all. */
		char st[64];
		for (int i = 0; i < 1000; i++) {
			if (i % 50 == 49) {
				write_small(v1, "freezer.state", "THAWED");
				sleep_ms(10);
			}
			if (write_small(v1, "freezer.state", "FROZEN") < 0 || read_small(v1, "freezer.state", st, sizeof st) < 0) {
				*why = "write freezer.state";
				goto fail;
			}
			if (strcmp(st, "FROZEN") == 0)
				return 0;
			if (strcmp(st, "FREEZING") != 0) {
				*why = "unexpected freezer state";
				errno = EINVAL;
				goto fail;
			}
			if (i % 25 == 24)
				sleep_ms(1);
		}
		*why = "unable to freeze (still FREEZING after ~10 s)";
		errno = ETIMEDOUT;
	fail:;
		int e = errno;
		write_small(v1, "freezer.state", "THAWED");
		errno = e;
		return -1;
	}
	if (v2) {
		if (write_small(v2, "cgroup.freeze", "1") < 0) {
			*why = "write cgroup.freeze";
			return -1;
		}
		if (wait_frozen_v2(v2, true) < 0) {
			*why = "timed out after 10 s waiting for the cgroup to freeze";
			write_small(v2, "cgroup.freeze", "0");
			errno = ETIMEDOUT;
			return -1;
		}
		return 0;
	}
	*why = "the container has no freezer cgroup";
	errno = ENOENT;
	return -1;
}

int freezer_thaw(const struct saved_state *s)
{
	const char *v1 = state_cgroup_dir(s, "freezer"), *v2 = state_cgroup_dir(s, "");
	if (v1)
		return write_small(v1, "freezer.state", "THAWED");
	if (v2)
		return write_small(v2, "cgroup.freeze", "0");
	errno = ENOENT;
	return -1;
}
