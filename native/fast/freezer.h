/* The cgroup freezer, the one implementation for build/tsrc and (through the addon) the TypeScript
 * CLI: v1 freezer.state (FREEZING until every task stopped), cgroup2 cgroup.freeze (done when
 * cgroup.events says "frozen 1"). Every call waits until the kernel has really done it. */
#ifndef TSRC_FAST_FREEZER_H
#define TSRC_FAST_FREEZER_H

#include <stdbool.h>

#include "state_file.h"

/* Frozen by its own state, not merely because an ancestor is (runc's GetFreezerState); waits out a
 * freeze in progress. 0, or -1 (ETIMEDOUT) if it does not settle. */
int cgroup_is_frozen(const char *dir, bool v2, bool *out);
/* 0, or -1 with errno and what failed in *why (the cgroup is thawed again). */
int cgroup_freeze(const char *dir, bool v2, const char **why);
int cgroup_thaw(const char *dir, bool v2);

/* The same for a container: its v1 freezer directory if it has one, else its cgroup2 directory. */
int freezer_freeze(const struct saved_state *s, const char **why);
int freezer_thaw(const struct saved_state *s);

#endif
