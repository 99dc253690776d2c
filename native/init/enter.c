/* `tsrc-init enter <syncfd>`: read ENTER {pid, namespace kinds, path, args, env, cwd}, join
 * /proc/<pid>/ns/<kind> (user first, mnt last; namespaces we already share are skipped), chdir,
 * fork (so a joined pid namespace applies) and exec the program there. Reports PID of the
 * program, then EXIT with its status, or ERROR. Used for createContainer hooks, which run in
 * the container's namespaces while its init waits before pivot_root. */
#include "enter.h"
#include "exec.h"
#include "protocol.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const struct {
	int flag;
	const char *name;
} KINDS[] = {
	/* Join order: user first (it grants the rights for the rest), mount last. */
	{ CLONE_NEWUSER, "user" }, { CLONE_NEWIPC, "ipc" },   { CLONE_NEWUTS, "uts" },
	{ CLONE_NEWNET, "net" },   { CLONE_NEWPID, "pid" },   { CLONE_NEWCGROUP, "cgroup" },
	{ CLONE_NEWTIME, "time" }, { CLONE_NEWNS, "mnt" },
};

void enter_main(int sync_fd)
{
	struct frame f;
	struct enter_req req;
	int fds[ARRAY_LEN(KINDS)];

	g_report.sync_fd = sync_fd;
	frame_expect(sync_fd, MSG_ENTER, &f);
	const char *err = enter_decode(f.data, f.len, &req);
	if (err)
		die("enter", EINVAL, "%s", err);

	for (size_t i = 0; i < ARRAY_LEN(KINDS); i++) {
		char path[64], self[64];
		struct stat a, b;

		fds[i] = -1;
		if (!(req.ns_flags & (uint32_t)KINDS[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/%u/ns/%s", req.pid, KINDS[i].name);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", KINDS[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && KINDS[i].flag != CLONE_NEWNS && access("/proc/self/ns", F_OK) == 0 &&
			    access(self, F_OK) < 0)
				continue; /* a namespace kind this kernel does not have */
			die("enter", errno, "open %s", path);
		}
		if (fstat(fd, &a) < 0 || stat(self, &b) < 0)
			die("enter", errno, "stat %s", path);
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			close(fd); /* already there; setns to our own user namespace would fail */
			continue;
		}
		fds[i] = fd;
	}
	for (size_t i = 0; i < ARRAY_LEN(KINDS); i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], KINDS[i].flag) < 0)
			die("enter", errno, "join the %s namespace of pid %u", KINDS[i].name, req.pid);
		close(fds[i]);
		/* Act as the container's root, as its own init would: our host uid is usually not
		 * mapped there, and an unmapped fsuid cannot create files (EOVERFLOW). */
		if (KINDS[i].flag == CLONE_NEWUSER) {
			if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
				die("enter", errno, "setgid 0 in the user namespace of pid %u", req.pid);
			if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
				die("enter", errno, "setuid 0 in the user namespace of pid %u", req.pid);
		}
	}
	if (chdir(req.cwd) < 0)
		die("enter", errno, "chdir to %s", req.cwd);

	pid_t pid = fork();
	if (pid < 0)
		die("enter", errno, "fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* killed with us, e.g. on a hook timeout */
		syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
		signals_reset();
		execve(req.path, (char *const *)req.args.v, (char *const *)req.env.v);
		die("exec", errno, "%s", req.path);
	}
	if (send_u32(sync_fd, MSG_PID, (uint32_t)pid) < 0)
		die("enter", errno, "report PID");
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("enter", errno, "wait for %s", req.path);
	send_i32(sync_fd, MSG_EXIT, WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
	_exit(0);
}
