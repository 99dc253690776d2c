/* Why the first stage joins its cgroups itself.
 *
 * Writing a pid to cgroup.procs makes the kernel take its global cgroup_threadgroup_rwsem for
 * writing; a percpu rwsem taken for writing waits for an RCU grace period unless one just ended
 * (12-20 ms on the 2-core test VM, more than everything else the init does). Two moves skip it:
 *  - cgroup v1: "0" written to a hierarchy's `tasks` file moves only the calling thread, which
 *    the kernel does without the global lock. tsrc-init is single-threaded, so the thread is
 *    the whole process; what follows (the clone) inherits every v1 cgroup.
 *  - cgroup2: clone3(CLONE_INTO_CGROUP) creates the container init in its cgroup (forking only
 *    read-locks the rwsem); no write at all. The first stage stays in the runtime's cgroup2 group.
 * The paths come from the runtime's cgroup manager; nothing here decides where to go. */
#include "cgjoin.h"
#include "common.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../linux_compat.h"

static void write_zero(const char *dir, const char *file)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		die("cgroup", ENAMETOOLONG, "join %s", dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("cgroup", errno, "write %s \"0\"", path);
	if (write(fd, "0", 1) != 1)
		die("cgroup", errno, "write %s \"0\"", path);
	close(fd);
}

void cgroup_tasks_join(const struct plan *p)
{
	for (uint32_t i = 0; i < p->cgroup_tasks.n; i++)
		write_zero(p->cgroup_tasks.v[i], "tasks");
}

int cgroup_into_open(const struct plan *p)
{
	if (!p->cgroup_into)
		return -1;
	int fd = open(p->cgroup_into, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("cgroup", errno, "open %s", p->cgroup_into);
	return fd;
}

void cgroup_into_join_self(const struct plan *p)
{
	if (p->cgroup_into)
		write_zero(p->cgroup_into, "cgroup.procs");
}

pid_t fork_into_cgroup(int cgroup_fd)
{
	if (cgroup_fd < 0)
		return fork();
	struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup_fd };
	long r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
		return (pid_t)r;
	int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		die("cgroup", errno, "join the container's cgroup2 directory");
	close(fd);
	return fork();
}
