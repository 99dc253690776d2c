/* `tsrc-init init <syncfd>`.
 *
 * First stage (the process the runtime spawned):
 *   read PLAN -> stage_host.c (join the v1 cgroups unless the runtime placed it already, close stray fds, connect the console socket) -> open the exec fifo -> setns
 *   joins (user first, mnt last) -> clone(cloneFlags, into the cgroup2 directory) -> write uid/gid maps -> send PID -> let the
 *   child go -> supervise: exit 0 when the child is READY (or, with waitForExit, wait for it and
 *   send EXIT).
 * Container init (the clone; pid 1 when a pid namespace was created):
 *   rootfs, mounts, devices, symlinks, [console], [HOOKS ... CONTINUE], uts, sysctls,
 *   masked/readonly paths, root ro, pivot_root, seccomp filter built, fds close-on-exec, rlimits,
 *   [seccomp loaded], identity + caps, umask, exec lookup, READY, exec fifo, startContainer hooks,
 *   [seccomp loaded], execve.
 * The two talk over an internal socketpair: the first stage sends one "go" byte; the child
 * answers 'R' after READY or 'E' after reporting an ERROR itself. */
#include "stages.h"
#include "cgjoin.h"
#include "stage_host.h"
#include "console.h"
#include "devices.h"
#include "exec.h"
#include "mounts.h"
#include "process.h"
#include "protocol.h"
#include "sealed.h"
#include "seccomp.h"
#include "supervise.h"

#include <fcntl.h>
#include <linux/sched.h>
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

static void join_namespaces(const struct plan *p)
{
	int fds[16];

	if (p->n_joins > ARRAY_LEN(fds))
		die("setns", E2BIG, "%u namespaces to join", p->n_joins);
	/* Open every path first: after joining a mount namespace they would resolve elsewhere. */
	for (uint32_t i = 0; i < p->n_joins; i++) {
		if (!(p->joins[i].flag & NS_ALL) || (p->joins[i].flag & (p->joins[i].flag - 1)))
			die("setns", EINVAL, "%s: 0x%x is not one namespace type", p->joins[i].path, p->joins[i].flag);
		fds[i] = open(p->joins[i].path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			die("setns", errno, "open %s", p->joins[i].path);
	}
	/* The user namespace first (it grants the rights for the rest), the mount namespace last. */
	for (int pass = 0; pass < 3; pass++) {
		for (uint32_t i = 0; i < p->n_joins; i++) {
			uint32_t f = p->joins[i].flag;
			int rank = f == CLONE_NEWUSER ? 0 : f == CLONE_NEWNS ? 2 : 1;
			if (rank != pass)
				continue;
			if (setns(fds[i], (int)f) < 0)
				die("setns", errno, "join %s", p->joins[i].path);
			close(fds[i]);
		}
	}
}

static void write_map(pid_t pid, const char *file, const struct id_map *m, uint32_t n)
{
	char path[64], buf[4096];
	size_t off = 0;

	for (uint32_t i = 0; i < n; i++) {
		int k = snprintf(buf + off, sizeof(buf) - off, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
		if (k < 0 || (size_t)k >= sizeof(buf) - off)
			die("id map", E2BIG, "%s: too many mappings", file);
		off += (size_t)k;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("id map", errno, "open %s", path);
	/* The kernel takes a map in one write only. */
	if (write(fd, buf, off) != (ssize_t)off)
		die("id map", errno, "write %s", path);
	close(fd);
}

static void write_id_maps(const struct plan *p, pid_t pid)
{
	if (p->n_uid_maps)
		write_map(pid, "uid_map", p->uid_maps, p->n_uid_maps);
	if (p->n_gid_maps) {
		/* Without CAP_SETGID over the parent namespace a gid map needs setgroups denied. */
		if (geteuid() != 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write_full(fd, "deny", 4) < 0)
				die("id map", errno, "write %s", path);
			close(fd);
		}
		write_map(pid, "gid_map", p->gid_maps, p->n_gid_maps);
	}
}

/* fork-like clone into the new namespaces; clone3 when the kernel (or its seccomp) allows.
 * With cgroup_fd >= 0 the child starts in that cgroup2 directory; where clone3 cannot do that
 * (no clone3: ENOSYS; before Linux 5.7: E2BIG for the longer clone_args, or EINVAL) this process
 * joins the directory first and the child inherits it. */
static pid_t clone_child(const struct plan *p, int cgroup_fd)
{
	uint32_t flags = p->clone_flags;
	struct clone_args ca = { .flags = flags, .exit_signal = SIGCHLD };
	long r;

	if (cgroup_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgroup_fd;
		r = syscall(SYS_clone3, &ca, sizeof(ca));
		if (r >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
			return (pid_t)r;
		cgroup_into_join_self(p);
		ca.flags = flags;
		ca.cgroup = 0;
	}
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r >= 0 || errno != ENOSYS)
		return (pid_t)r;
	/* clone(2) cannot carry CLONE_NEWTIME (it overlaps the signal bits): unshare it for children. */
	if ((flags & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) < 0)
		return -1;
	return (pid_t)syscall(SYS_clone, (unsigned long)(flags & ~CLONE_NEWTIME) | SIGCHLD, 0, 0, 0, 0);
}

static _Noreturn void container_init(const struct plan *p, int status_fd, int sync_fd, int fifo, int console_sock, int seccomp_sock)
{
	char go;
	const char *hook_state = NULL;

	g_report.status_fd = status_fd;
	/* Until READY, die with the first stage (it dies with the runtime). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		die("init", errno, "set the parent-death signal");
	if (read_full(status_fd, &go, 1) != 0)
		_exit(1);
	if (p->clone_flags & CLONE_NEWUSER) {
		/* Become root of the new user namespace if it maps 0, so created files get a mapped
		 * owner; without a mapping for 0 the final setuid decides. */
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			die("user", errno, "setgid 0 in the new user namespace");
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			die("user", errno, "setuid 0 in the new user namespace");
		/* Its root is not host root, so it cannot write a host-root binary anyway; what it
		 * needs is its own /proc files (sealed.c). */
		dumpable_for_userns();
	}
	if (p->n_start_hooks) {
		struct frame f;
		frame_expect(sync_fd, MSG_HOOK_STATE, &f);
		const char *err = string_decode(f.data, f.len, &hook_state);
		if (err)
			die("protocol", EPROTO, "HOOK_STATE: %s", err);
	}
	mode_t old_umask = umask(0);

	session_apply(p);
	/* mount(2) targets are /proc/self/fd/N until pivot_root: /proc must be the real procfs. */
	int procfd = proc_open("init");
	oom_score_adj_apply(&p->process, procfd);

	int rootfd = p->chroot_only ? -1 : rootfs_prepare(p);
	if (!p->chroot_only) {
		mounts_apply(p, rootfd);
		devices_apply(p, rootfd);
		symlinks_apply(p, rootfd);
	}
	if (p->process.terminal) {
		/* Before pivot_root: /dev/console is made before the root may turn read-only. */
		console_setup(&p->process, rootfd, procfd, console_sock, console_target(rootfd));
	}
	close(procfd);
	if (p->hooks_before_pivot) {
		struct frame f;
		if (frame_send(sync_fd, MSG_HOOKS, NULL, 0) < 0)
			die("hooks", errno, "report HOOKS");
		frame_expect(sync_fd, MSG_CONTINUE, &f);
		free(f.data);
	}
	uts_apply(p);
	sysctls_apply(p);
	if (p->chroot_only) {
		root_chroot(p);
	} else {
		masked_paths_apply(p, rootfd);
		readonly_paths_apply(p, rootfd);
		if (p->root_readonly)
			root_readonly_apply(rootfd);
		root_switch(p, rootfd);
		close(rootfd);
	}

	void *filter;
	char *exe = exec_prepare(p, sync_fd, (int)old_umask, &filter);
	/* The agent's notify fd goes to the runtime before READY (it hands it on to the
	 * listenerPath as create's last step), so the filter is in place by then. */
	seccomp_send_listener(&filter, seccomp_sock);

	if (frame_send(sync_fd, MSG_READY, NULL, 0) < 0)
		die("init", errno, "report READY");
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0); /* the first stage exits now, by design */
	if (write_full(status_fd, "R", 1) < 0)
		_exit(1);
	close(status_fd);
	g_report.status_fd = -1;

	/* As runc: the filter is in place before the wait, so startContainer hooks run under it. */
	seccomp_load_filter(filter);
	filter = NULL;
	exec_fifo_wait(fifo);
	start_hooks_run(p, hook_state);
	exec_process(p, exe, filter);
}

static bool has_namespace(const struct plan *p, uint32_t flag)
{
	if (p->clone_flags & flag)
		return true;
	for (uint32_t i = 0; i < p->n_joins; i++)
		if (p->joins[i].flag == flag)
			return true;
	return false;
}

void init_main(int sync_fd)
{
	struct frame f;
	struct plan plan;
	int sv[2];

	g_report.sync_fd = sync_fd;
	frame_expect(sync_fd, MSG_PLAN, &f);
	const char *err = plan_decode(f.data, f.len, &plan);
	if (err)
		die("plan", EINVAL, "%s", err);
	if (plan.clone_flags & ~(uint32_t)NS_ALL)
		die("plan", EINVAL, "cloneFlags 0x%x has bits other than namespace types", plan.clone_flags);
	/* Not policy, a seatbelt: without these namespaces the steps would change the host. */
	if (!has_namespace(&plan, CLONE_NEWNS) && !plan.chroot_only)
		die("plan", EINVAL, "no mount namespace: the rootfs setup would change the host's mounts");
	if (plan.chroot_only && (has_namespace(&plan, CLONE_NEWNS) || plan.n_mounts || plan.n_devices || plan.n_symlinks ||
				 plan.masked.n || plan.readonly.n || plan.root_readonly || plan.process.terminal ||
				 plan.rootfs_propagation || plan.no_pivot))
		die("plan", EINVAL, "chrootOnly with a mount namespace or something to mount");
	if ((plan.hostname || plan.domainname) && !has_namespace(&plan, CLONE_NEWUTS))
		die("plan", EINVAL, "no UTS namespace: setting the hostname would change the host's");
	struct stage_host host;
	stage_host_prepare(&plan, sync_fd, &host);
	int cgroup_fd = host.cgroup_fd, console_sock = host.console_sock, seccomp_sock = host.seccomp_sock;
	/* Opened here, with the runtime's own credentials and mount namespace, so a container root
	 * that is not host root (user namespace) needs no access to the fifo or its directory. */
	int fifo = exec_fifo_open(&plan);
	join_namespaces(&plan);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("init", errno, "socketpair");
	pid_t pid = clone_child(&plan, cgroup_fd);
	if (pid < 0) {
		if (cgroup_fd >= 0)
			die("clone", errno, "clone with flags 0x%x into cgroup %s", plan.clone_flags, plan.cgroup_into);
		die("clone", errno, "clone with flags 0x%x", plan.clone_flags);
	}
	close_quiet(cgroup_fd);
	if (pid == 0) {
		close(sv[0]);
		container_init(&plan, sv[1], sync_fd, fifo, console_sock, seccomp_sock);
	}
	close(sv[1]);
	close_quiet(fifo); /* only the container init holds the reading end now */
	close_quiet(console_sock);
	close_quiet(seccomp_sock);
	if (plan.clone_flags & CLONE_NEWUSER)
		write_id_maps(&plan, pid); /* on failure the child dies by its parent-death signal */
	if (send_u32(sync_fd, MSG_PID, (uint32_t)pid) < 0)
		die("init", errno, "report PID");
	if (write_full(sv[0], "g", 1) < 0)
		die("init", errno, "start the container init");
	supervise("container init", pid, sv[0], sync_fd, plan.wait_for_exit, false);
}
