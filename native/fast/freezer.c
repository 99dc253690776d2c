#include "freezer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "status.h"

/* open(dir/file); -1 with errno (ENAMETOOLONG when the path does not fit). */
static int open_in(const char *dir, const char *file, int flags)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags | O_CLOEXEC);
}

/* Reads dir/file into buf (trimmed of trailing whitespace); -1 with errno. */
static int read_small(const char *dir, const char *file, char *buf, size_t cap)
{
	int fd = open_in(dir, file, O_RDONLY);
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
	int fd = open_in(dir, file, O_WRONLY);
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
static int is_frozen_v1(const char *dir, bool *out)
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

static int is_frozen_v2(const char *dir, bool *out)
{
	char want[16];
	if (read_small(dir, "cgroup.freeze", want, sizeof want) < 0 || strcmp(want, "1") != 0) {
		*out = false;
		return 0;
	}
	*out = true;
	return wait_frozen_v2(dir, true);
}

int cgroup_is_frozen(const char *dir, bool v2, bool *out)
{
	if (!v2 ? is_frozen_v1(dir, out) == 0 : is_frozen_v2(dir, out) == 0)
		return 0;
	errno = ETIMEDOUT;
	return -1;
}

int cgroup_freeze(const char *dir, bool v2, const char **why)
{
	if (v2) {
		if (write_small(dir, "cgroup.freeze", "1") < 0) {
			*why = "write cgroup.freeze";
			return -1;
		}
		if (wait_frozen_v2(dir, true) < 0) {
			*why = "timed out after 10 s waiting for the cgroup to freeze";
			write_small(dir, "cgroup.freeze", "0");
			errno = ETIMEDOUT;
			return -1;
		}
		return 0;
	}
	/* A task in uninterruptible sleep can hold the cgroup in FREEZING: re-request FROZEN, thawing
	 * briefly every 50 tries so such tasks make progress (as runc); ~10 s in all. */
	char st[64];
	for (int i = 0; i < 1000; i++) {
		if (i % 50 == 49) {
			write_small(dir, "freezer.state", "THAWED");
			sleep_ms(10);
		}
		if (write_small(dir, "freezer.state", "FROZEN") < 0 || read_small(dir, "freezer.state", st, sizeof st) < 0) {
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
	write_small(dir, "freezer.state", "THAWED");
	errno = e;
	return -1;
}

int cgroup_thaw(const char *dir, bool v2)
{
	return v2 ? write_small(dir, "cgroup.freeze", "0") : write_small(dir, "freezer.state", "THAWED");
}

/* The container's freezer: the v1 freezer hierarchy where there is one, else its cgroup2 directory. */
static const char *freezer_dir(const struct saved_state *s, bool *v2)
{
	const char *v1 = state_cgroup_dir(s, "freezer");
	*v2 = !v1;
	return v1 ? v1 : state_cgroup_dir(s, "");
}

int freezer_freeze(const struct saved_state *s, const char **why)
{
	bool v2;
	const char *dir = freezer_dir(s, &v2);
	if (!dir) {
		*why = "the container has no freezer cgroup";
		errno = ENOENT;
		return -1;
	}
	return cgroup_freeze(dir, v2, why);
}

int freezer_thaw(const struct saved_state *s)
{
	bool v2;
	const char *dir = freezer_dir(s, &v2);
	if (!dir) {
		errno = ENOENT;
		return -1;
	}
	return cgroup_thaw(dir, v2);
}
