/* Removing a deleted container's cgroup as lib/cgroups/tree.ts destroyTree does: each leaf
 * directory with any sub-cgroups (children first), then the ancestors this container created,
 * deepest first, only if empty; nothing that is not on a cgroup filesystem. */
#ifndef TSRC_FAST_CGROUP_RM_H
#define TSRC_FAST_CGROUP_RM_H

#include <stdbool.h>

#include "state_file.h"

/* Whether every existing leaf is on a cgroup filesystem and no process is left in the cgroup. */
bool cgroup_removable(const struct saved_state *s);

/* 0, or -1 with errno and the failing path in *where (static storage). */
int cgroup_remove(const struct saved_state *s, const char **where);

/* rm -r of a container's state directory (flat: state.json, config.json, …). */
int remove_state_dir(int rootfd, const char *id);

#endif
