/* Removing a deleted container's cgroup, the one implementation for build/tsrc and (through the
 * addon, lib/cgroups/tree.ts destroyTree) the TypeScript CLI: each leaf directory with any
 * sub-cgroups (children first), then the ancestors this container created, deepest first, only if
 * empty; nothing that is not on a cgroup filesystem. */
#ifndef TSRC_FAST_CGROUP_RM_H
#define TSRC_FAST_CGROUP_RM_H

#include <stdbool.h>

#include "state_file.h"

/* Whether every existing leaf is on a cgroup filesystem and no process is left in the cgroup. */
bool cgroup_removable(const struct saved_state *s);

/* The first failure of a removal: op is "rmdir", "read", "statfs", or "refuse" (a leaf that is
 * not on a cgroup filesystem); count is how many failed in all. */
struct cgroup_rm_error {
	const char *op;
	int err;
	int count;
	char path[4096];
};

/* Removes what it can and reports the first failure: 0, or -1 with *err filled in. */
int cgroup_remove_dirs(const char *const *leaves, int n_leaves, const char *const *created, int n_created, struct cgroup_rm_error *err);
int cgroup_remove(const struct saved_state *s, struct cgroup_rm_error *err);

/* rm -r of a container's state directory (flat: state.json, config.json, …). */
int remove_state_dir(int rootfd, const char *id);

#endif
