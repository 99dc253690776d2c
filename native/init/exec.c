/* Executable lookup, the exec fifo, startContainer hooks and the final execve. */
#include "exec.h"
#include "home.h"
#include "process.h"
#include "seccomp.h"
#include "tuning.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../linux_compat.h"

/* Go's findExecutable: 0, or an errno (stat's, EISDIR, or access's). stat_failed tells which. */
static int find_executable(const char *path, bool *stat_failed)
{
	struct stat st;

	*stat_failed = false;
	if (stat(path, &st) < 0) {
		*stat_failed = true;
		return errno;
	}
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
		return 0;
	if (errno != ENOSYS && errno != EPERM)
		return errno;
	return (st.st_mode & 0111) ? 0 : EACCES;
}

char *exec_lookup(const struct process_plan *pp)
{
	const char *name = pp->args.v[0];
	bool stat_failed;
	int err;

	if (!*name)
		die("exec", ENOENT, "\"\": empty executable name");
	if (strchr(name, '/')) {
		err = find_executable(name, &stat_failed);
		if (err == 0)
			return strdup(name);
		if (stat_failed)
			die("exec", err, "\"%s\": stat %s", name, name);
		die("exec", err, "\"%s\"", name);
	}
	/* The last PATH= wins, as when the env is applied in order. No PATH: nothing is searched. */
	const char *path = "";
	for (uint32_t i = 0; i < pp->env.n; i++)
		if (!strncmp(pp->env.v[i], "PATH=", 5))
			path = pp->env.v[i] + 5;
	char buf[PATH_MAX];
	while (*path) {
		const char *end = strchrnul(path, ':');
		size_t dlen = (size_t)(end - path);
		int n = dlen ? snprintf(buf, sizeof(buf), "%.*s/%s", (int)dlen, path, name)
			     : snprintf(buf, sizeof(buf), "./%s", name);
		if (n > 0 && (size_t)n < sizeof(buf) && find_executable(buf, &stat_failed) == 0)
			return strdup(buf);
		path = *end ? end + 1 : end;
	}
	die("exec", 0, "\"%s\": executable file not found in $PATH", name);
}

int exec_fifo_open(const struct plan *p)
{
	if (!p->exec_fifo[0])
		return -1;
	/* O_RDWR never blocks on a fifo and keeps a writer open ourselves, so a `start` that opens
	 * and closes without writing cannot turn the wait into an EOF spin. `start` opens it
	 * O_WRONLY|O_NONBLOCK and gets ENXIO once we are gone (no reader left). */
	int fd = open(p->exec_fifo, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("exec fifo", errno, "open %s", p->exec_fifo);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		die("exec fifo", errno ? errno : EINVAL, "%s is not a fifo", p->exec_fifo);
	return fd;
}

void exec_fifo_wait(int fd)
{
	char c;
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die("exec fifo", n < 0 ? errno : EPIPE, "wait for start");
	close(fd);
}

void signals_reset(void)
{
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL); /* fails harmlessly for the libc-reserved RT signals */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run one hook: state on its stdin, stdout+stderr captured (the tail goes into the error). */
static void hook_run(const struct hook *h, uint32_t index, const char *state)
{
	int in[2], out[2];
	char output[2048];
	size_t out_len = 0;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die("startContainer hook", errno, "#%u %s: pipe", index, h->path);
	pid_t pid = fork();
	if (pid < 0)
		die("startContainer hook", errno, "#%u %s: fork", index, h->path);
	if (pid == 0) {
		g_report.status_fd = -1;
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
		signals_reset();
		const char *fallback[] = { h->path, NULL };
		execve(h->path, h->args.n ? (char *const *)h->args.v : (char *const *)fallback, (char *const *)h->env.v);
		dprintf(2, "exec %s: %s\n", h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("startContainer hook", errno, "#%u %s: pidfd_open", index, h->path);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);

	const char *rest = state;
	size_t left = strlen(state);
	long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : 0;
	bool exited = false, out_open = true;
	if (left == 0) {
		close(in[1]);
		in[1] = -1;
	}
	while (!exited || out_open) {
		struct pollfd pf[3] = { { pidfd, exited ? 0 : POLLIN, 0 },
					{ out[0], out_open ? POLLIN : 0, 0 },
					{ in[1], in[1] >= 0 ? POLLOUT : 0, 0 } };
		int timeout = -1;
		if (deadline) {
			long long t = deadline - now_ms();
			timeout = t > 0 ? (int)(t > INT32_MAX ? INT32_MAX : t) : 0;
		}
		int r = poll(pf, 3, timeout);
		if (r < 0 && errno != EINTR)
			die("startContainer hook", errno, "#%u %s: poll", index, h->path);
		if (r == 0 && !exited) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			die("startContainer hook", ETIMEDOUT, "#%u %s: timed out after %u seconds", index, h->path,
			    h->timeout);
		}
		if (r == 0)
			break; /* exited, but a grandchild holds the output pipe: stop at the deadline */
		if (pf[2].revents) {
			ssize_t n = write(in[1], rest, left);
			if (n > 0) {
				rest += n;
				left -= (size_t)n;
			}
			if (left == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in[1]); /* EPIPE included: the hook need not read its stdin */
				in[1] = -1;
			}
		}
		if (pf[1].revents) {
			char buf[512];
			ssize_t n = read(out[0], buf, sizeof(buf));
			if (n > 0) {
				/* Keep the last sizeof(output)-1 bytes (buf is smaller than output). */
				size_t k = (size_t)n;
				if (out_len + k > sizeof(output) - 1) {
					size_t drop = out_len + k - (sizeof(output) - 1);
					memmove(output, output + drop, out_len - drop);
					out_len -= drop;
				}
				memcpy(output + out_len, buf, k);
				out_len += k;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				out_open = false;
			}
		}
		if (pf[0].revents)
			exited = true;
	}
	close_quiet(in[1]);
	close(out[0]);
	close(pidfd);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("startContainer hook", errno, "#%u %s: wait", index, h->path);
	output[out_len] = 0;
	while (out_len && (output[out_len - 1] == '\n' || output[out_len - 1] == ' '))
		output[--out_len] = 0;
	if (WIFSIGNALED(status))
		die("startContainer hook", 0, "#%u %s: killed by signal %d%s%s", index, h->path, WTERMSIG(status),
		    out_len ? ", output: " : "", output);
	if (WEXITSTATUS(status) != 0)
		die("startContainer hook", 0, "#%u %s: exit status %d%s%s", index, h->path, WEXITSTATUS(status),
		    out_len ? ", output: " : "", output);
}

void start_hooks_run(const struct plan *p, const char *state)
{
	for (uint32_t i = 0; i < p->n_start_hooks; i++)
		hook_run(&p->start_hooks[i], i, state ? state : "");
}

/* Everything above stdio and the preserved fds closes on exec, the sync socket included, so an
 * execve failure can still be reported on it. Done before any seccomp filter is loaded: a
 * profile may not allow close_range (Docker's older allowlists answer EPERM); every fd opened
 * after this point is opened O_CLOEXEC. */
static void fds_mark_cloexec(const struct plan *p)
{
	unsigned first = 3 + p->preserve_fds;

	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		die("exec", errno, "mark fds >= %u close-on-exec", first);
	for (unsigned fd = 3; fd < first; fd++) {
		int fl = fcntl((int)fd, F_GETFD);
		if (fl < 0)
			die("exec", errno, "preserved fd %u is not open", fd);
		if ((fl & FD_CLOEXEC) && fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			die("exec", errno, "clear close-on-exec on preserved fd %u", fd);
	}
}

/* process.apparmorProfile, as runc applies it: "exec <profile>" written to the process's own
 * AppArmor exec attribute, so the profile takes effect at the execve of the container's program
 * (the runtime's own remaining steps are not confined by it). The LSM-specific file first (Linux
 * 5.8+, several LSMs stacked), then the shared one. */
static void apparmor_apply(const struct process_plan *pp)
{
	if (!pp->apparmor_profile)
		return;
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "exec %s", pp->apparmor_profile);
	if (n < 0 || (size_t)n >= sizeof(buf))
		die("apparmor", ENAMETOOLONG, "profile name %s", pp->apparmor_profile);
	if (attr_write("/proc/thread-self/attr/apparmor/exec", buf) < 0 &&
	    (errno != ENOENT || attr_write("/proc/thread-self/attr/exec", buf) < 0))
		die("apparmor", errno, "apply AppArmor profile %s", pp->apparmor_profile);
}

/* process.selinuxLabel, as runc applies it: the context written to the exec attribute, so the
 * kernel switches to it at the execve of the container's program. */
static void selinux_apply(const struct process_plan *pp)
{
	if (pp->selinux_label && attr_write("/proc/thread-self/attr/exec", pp->selinux_label) < 0)
		die("selinux", errno, "set the SELinux exec label %s", pp->selinux_label);
}

/* The process's environment, from exec_prepare (HOME added there, while still root). */
static char *const *exec_env;

void exec_process(const struct plan *p, const char *path, void *late_filter)
{
	signals_reset();
	/* Last, so the filter has to allow as little of our own work as possible. */
	seccomp_load_filter(late_filter);
	execve(path, (char *const *)p->process.args.v, exec_env);
	die("exec", errno, "%s", path);
}

char *exec_prepare(const struct plan *p, int report_fd, int fallback_umask, void **late_filter)
{
	void *filter = seccomp_prepare(p->seccomp, report_fd);

	exec_env = home_env(&p->process);
	apparmor_apply(&p->process);
	selinux_apply(&p->process);
	fds_mark_cloexec(p);
	rlimits_apply(&p->process);
	tuning_apply(&p->process);
	if (seccomp_load_early(&p->process)) {
		seccomp_load_filter(filter);
		filter = NULL;
	}
	identity_apply(&p->process);
	if (p->process.umask >= 0)
		umask((mode_t)p->process.umask);
	else if (fallback_umask >= 0)
		umask((mode_t)fallback_umask);
	*late_filter = filter;
	return exec_lookup(&p->process);
}
