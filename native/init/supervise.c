/* The first stage's supervision of the child it started. */
#include "supervise.h"
#include "protocol.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int status_of(int st)
{
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

pid_t reap(pid_t pid, int *st)
{
	pid_t r;

	do
		r = waitpid(pid, st, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

void supervise(const char *what, pid_t pid, int status_fd, int sync_fd, bool wait_for_exit, bool eof_is_ready)
{
	int st = 0;

	for (;;) {
		/* POLLRDHUP only on the sync socket: data there is for the child, not for us. */
		struct pollfd pf[2] = { { status_fd, POLLIN, 0 }, { sync_fd, POLLRDHUP, 0 } };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("init", errno, "poll");
		}
		if (pf[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
			/* The runtime is gone before the child was ready: take it down with us. */
			kill(pid, SIGKILL);
			reap(pid, &st);
			_exit(1);
		}
		if (!pf[0].revents)
			continue;
		char c = 0;
		ssize_t n = read(status_fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && c == 'R')
			break;
		if (n == 0 && eof_is_ready) {
			if (frame_send(sync_fd, MSG_READY, NULL, 0) < 0)
				die("init", errno, "report READY");
			break;
		}
		reap(pid, &st);
		if (n == 1 && c == 'E')
			_exit(1); /* the child has reported its ERROR */
		g_report.status_fd = -1;
		die("init", 0, "%s %s %d before it was ready", what, WIFSIGNALED(st) ? "was killed by signal" : "exited with status",
		    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	if (!wait_for_exit)
		_exit(0); /* the child is reparented to the caller's subreaper */
	close(status_fd);
	if (reap(pid, &st) < 0)
		die("init", errno, "wait for the %s", what);
	send_i32(sync_fd, MSG_EXIT, status_of(st));
	_exit(0);
}
