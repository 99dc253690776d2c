/* The first stage puts itself (v1) and the container init (cgroup2) into the container's
 * cgroups, so the runtime need not write the stage's pid into every cgroup.procs. */
#ifndef TSRC_CGJOIN_H
#define TSRC_CGJOIN_H

#include "plan.h"

#include <sys/types.h>

/* Write "0" to <dir>/tasks for every plan.cgroup_tasks directory: moves this (single-threaded)
 * process there. Dies with step "cgroup" naming the file on failure. */
void cgroup_tasks_join(const struct plan *p);

/* An O_PATH fd of plan.cgroup_into for clone3(CLONE_INTO_CGROUP), or -1 when there is none.
 * Opened before any setns, where the host path means what the runtime meant. */
int cgroup_into_open(const struct plan *p);

/* fork(), with the child started in the cgroup2 directory cgroup_fd (from cgroup_into_open; -1:
 * a plain fork). Where clone3 cannot do that, this process joins it first, through the fd (the
 * host path may not resolve any more after setns). */
pid_t fork_into_cgroup(int cgroup_fd);

/* Without CLONE_INTO_CGROUP (no clone3, or a kernel older than 5.7): move this process into
 * plan.cgroup_into through its cgroup.procs, so the clone inherits it. */
void cgroup_into_join_self(const struct plan *p);

#endif
