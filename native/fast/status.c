#include "status.h"

#include "freezer.h"

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

bool proc_stat(long long pid, char *state, long long *start_time)
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
	*state = *p;
	/* p is at field 3 (state); starttime is field 22, 19 fields further. */
	for (int i = 0; i < 19; i++) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	*start_time = strtoll(p, NULL, 10);
	return true;
}

bool proc_alive(long long pid, long long start_time)
{
	char state;
	long long t;
	return proc_stat(pid, &state, &t) && t == start_time && state != 'Z' && state != 'X';
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
		if ((v1 || v2) && cgroup_is_frozen(v1 ? v1 : v2, !v1, &frozen) < 0)
			return -1;
		*out = frozen ? ST_PAUSED : ST_RUNNING;
	}
	return 0;
}
