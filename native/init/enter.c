/* `tsrc-init enter <syncfd>`: read ENTER {pid, namespace kinds, path, args, env, cwd}, join
 * /proc/<pid>/ns/<kind> (user first, mnt last; namespaces we already share are skipped), chdir,
 * fork (so a joined pid namespace applies) and exec the program there. Reports PID of the
 * program, then EXIT with its status, or ERROR. Used for createContainer hooks, which run in
 * the container's namespaces while its init waits before pivot_root. */
#include "enter.h"
#include "exec.h"
#include "nsjoin.h"
#include "protocol.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../linux_compat.h"

void enter_main(int sync_fd)
{
	struct frame f;
	struct enter_req req;
	struct ns_set ns;

	g_report.sync_fd = sync_fd;
	frame_expect(sync_fd, MSG_ENTER, &f);
	const char *err = enter_decode(f.data, f.len, &req);
	if (err)
		die("enter", EINVAL, "%s", err);

	int procfd = proc_open("enter");
	ns_open(procfd, (pid_t)req.pid, req.ns_flags, &ns, "enter");
	close(procfd);
	ns_join(&ns, (pid_t)req.pid, "enter");
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
