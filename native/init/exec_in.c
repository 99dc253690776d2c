/* `tsrc-init exec <syncfd>`.
 *
 * Stage (spawned by the runtime and already placed in the container's cgroups):
 *   read EXEC -> close stray fds -> connect the console socket -> pin the container init with a
 *   pidfd (and check its start time) -> open its namespaces that differ from ours and its root
 *   -> check it is still the same process -> join them (user first, mount last) -> chroot into
 *   the init's root -> fork (a joined pid or time namespace applies to children only) -> send PID
 *   -> "go" -> supervise: READY once the child's close-on-exec status socket closes (execve
 *   succeeded), then exit (detach) or wait and send EXIT.
 * Child: setsid + keyring, oom_score_adj, [pty from the container's devpts -> console socket],
 *   seccomp filter built, rlimits, [seccomp loaded], identity + caps + cwd, umask, exec lookup,
 *   close fds, [seccomp loaded], execve: the same steps, from the same code, as the container
 *   init's. */
#include "exec_in.h"
#include "seccomp.h"
#include "cgjoin.h"
#include "stage_host.h"
#include "console.h"
#include "exec.h"
#include "nsjoin.h"
#include "process.h"
#include "protocol.h"
#include "supervise.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../linux_compat.h"

#define NS_ALL                                                                                       \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |  \
	 CLONE_NEWCGROUP | CLONE_NEWTIME)

static _Noreturn void not_running(pid_t pid)
{
	die("exec", ESRCH, "the container init (pid %d) is not running", pid);
}

static bool exited(int pidfd)
{
	struct pollfd pf = { pidfd, POLLIN, 0 };
	return poll(&pf, 1, 0) == 1;
}

/* Field 22 of /proc/<pid>/stat: the start time in clock ticks after boot. */
static uint64_t start_time(int procfd, pid_t pid)
{
	char path[32], buf[1024];

	snprintf(path, sizeof(path), "%d/stat", pid);
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		not_running(pid);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		not_running(pid);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		die("exec", EPROTO, "cannot parse /proc/%d/stat", pid);
	return strtoull(p + 1, NULL, 10);
}

static _Noreturn void exec_child(const struct plan *p, int status_fd, int sync_fd, int procfd, int console_sock, int seccomp_sock, int cgns)
{
	char go;

	g_report.status_fd = status_fd;
	/* The cgroup namespace, joined only now that this process is in the container's cgroup. */
	if (cgns >= 0 && setns(cgns, CLONE_NEWCGROUP) < 0)
		die("exec", errno, "join the cgroup namespace of the container");
	close_quiet(cgns);
	/* Until it runs the program, die with the stage (it dies with the runtime). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die("exec", errno, "set the parent-death signal");
	if (read_full(status_fd, &go, 1) != 0)
		_exit(1);

	session_apply(p);
	oom_score_adj_apply(&p->process, procfd);
	if (p->process.terminal) {
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			die("console", errno, "open the container's root");
		console_setup(&p->process, root, procfd, console_sock, -1); /* no /dev/console: runc mounts it for the init only */
		close(root);
	}
	close(procfd);

	void *filter;
	char *exe = exec_prepare(p, sync_fd, -1, &filter);
	seccomp_send_listener(&filter, seccomp_sock); /* before execve: the runtime waits for it */
	/* A detached process must outlive the stage, which exits once it runs. */
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
		die("exec", errno, "clear the parent-death signal");
	exec_process(p, exe, filter);
}

void exec_in_main(int sync_fd)
{
	struct frame f;
	struct plan plan;
	struct ns_set ns;
	int sv[2];

	g_report.sync_fd = sync_fd;
	frame_expect(sync_fd, MSG_EXEC, &f);
	const char *err = exec_decode(f.data, f.len, &plan);
	if (err)
		die("plan", EINVAL, "%s", err);
	struct stage_host host;
	stage_host_prepare(&plan, sync_fd, &host);
	int cgroup_fd = host.cgroup_fd, console_sock = host.console_sock, seccomp_sock = host.seccomp_sock;
	int procfd = proc_open("exec");

	/* Pin the init, so none of the /proc/<pid> lookups below can reach a recycled pid. */
	pid_t pid = (pid_t)plan.exec_pid;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		not_running(pid);
	if (plan.exec_start_time && start_time(procfd, pid) != plan.exec_start_time)
		not_running(pid); /* that pid is another process now */
	if (exited(pidfd))
		not_running(pid); /* a zombie has no namespaces left to join */
	ns_open(procfd, pid, NS_ALL, &ns, "exec");
	char root_path[32];
	snprintf(root_path, sizeof(root_path), "%d/root", pid);
	int rootfd = openat(procfd, root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || exited(pidfd))
		not_running(pid);
	close(pidfd);

	/* Cloned into the container's cgroup2 directory, the process must be created while the stage
	 * is still in the host's cgroup namespace: the kernel refuses (ENOENT) a move from a cgroup
	 * outside the caller's namespace root. So the child joins the cgroup namespace itself. */
	int cgns = cgroup_fd >= 0 ? ns_take(&ns, CLONE_NEWCGROUP) : -1;
	ns_join(&ns, pid, "exec");
	/* The init's root, not the mount namespace's: they differ after --no-pivot's chroot. */
	if (fchdir(rootfd) < 0 || chroot(".") < 0)
		die("exec", errno, "enter the root of the container init (pid %d)", pid);
	close(rootfd);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("exec", errno, "socketpair");
	pid_t child = fork_into_cgroup(cgroup_fd);
	if (child < 0)
		die("exec", errno, "fork");
	close_quiet(cgroup_fd);
	if (child == 0) {
		close(sv[0]);
		exec_child(&plan, sv[1], sync_fd, procfd, console_sock, seccomp_sock, cgns);
	}
	close_quiet(cgns);
	close(sv[1]);
	close(procfd);
	close_quiet(console_sock);
	close_quiet(seccomp_sock);
	if (send_u32(sync_fd, MSG_PID, (uint32_t)child) < 0)
		die("exec", errno, "report PID");
	if (write_full(sv[0], "g", 1) < 0)
		die("exec", errno, "start the process");
	supervise("process", child, sv[0], sync_fd, plan.wait_for_exit, true);
}
