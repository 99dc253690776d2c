#include "stage_host.h"

#include "cgjoin.h"
#include "common.h"
#include "console.h"
#include "tuning.h"

void stage_host_prepare(const struct plan *p, int sync_fd, struct stage_host *out)
{
	if (p->process.terminal && !p->console_socket)
		die("plan", EINVAL, "a terminal needs a console socket to send its pty master to");
	if (p->console_socket && !p->process.terminal)
		die("plan", EINVAL, "a console socket without a terminal");
	/* Before anything else, so whatever the stage does is accounted to the container as when
	 * the runtime moved it; and before setns, while the paths resolve on the host. */
	cpu_affinity_initial_apply(&p->process); /* execCPUAffinity: "before the transition to container's cgroup" */
	cgroup_tasks_join(p);
	close_stray_fds(3 + p->preserve_fds, sync_fd);
	out->cgroup_fd = cgroup_into_open(p);
	/* Connected here, in the runtime's mount namespace, where the path means what it said. */
	out->console_sock = p->console_socket ? console_connect(p->console_socket) : -1;
	out->seccomp_sock = p->seccomp_socket ? console_connect(p->seccomp_socket) : -1;
}
