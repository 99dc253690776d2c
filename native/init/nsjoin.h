/* Joining the namespaces of a running process (`tsrc-init enter` and `tsrc-init exec`). */
#ifndef TSRC_NSJOIN_H
#define TSRC_NSJOIN_H

#include "common.h"

#define NS_KINDS 8

/* fds of /proc/<pid>/ns/<kind>, -1 where nothing is to be joined. */
struct ns_set {
	int fd[NS_KINDS];
};

/* Open the namespaces of `kinds` (an OR of CLONE_NEW*) that differ from ours, through procfd
 * (the host's procfs, opened by the caller). Kinds this kernel does not have are skipped.
 * Failures die with `step`. */
void ns_open(int procfd, pid_t pid, uint32_t kinds, struct ns_set *out, const char *step);
/* Join them in order: user first (it grants the rights for the rest; then become that
 * namespace's root, as the container's own init is), mount last. Closes the fds. */
void ns_join(struct ns_set *s, pid_t pid, const char *step);
/* Removes the fd of `kind` (one CLONE_NEW* flag) from the set, for the caller to join later
 * itself; -1 if that one is not to be joined. */
int ns_take(struct ns_set *s, int kind);

#endif
