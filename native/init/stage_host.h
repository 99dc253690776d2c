/* What both first stages (`tsrc-init init` and `tsrc-init exec`) do first, on the host, before any
 * setns: the rest of their work can then assume the plan's process part is consistent and that
 * they stand in the container's cgroups. */
#ifndef TSRC_STAGE_HOST_H
#define TSRC_STAGE_HOST_H

#include "plan.h"

struct stage_host {
	/* O_PATH fd of plan.cgroup_into for the clone (cgjoin.c), or -1. */
	int cgroup_fd;
	/* Connected --console-socket, or -1. */
	int console_sock;
	/* Connected seccomp listener socket of the runtime (plan.seccomp_socket), or -1. */
	int seccomp_sock;
};

/* Checks that a terminal comes with a console socket and the other way round, joins the v1
 * cgroups, closes stray fds, opens the cgroup2 directory and connects the console socket; dies
 * with the failing step. */
void stage_host_prepare(const struct plan *p, int sync_fd, struct stage_host *out);

#endif
