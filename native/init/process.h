/* Process attributes: session/keyring, oom_score_adj, sysctls, hostname, rlimits, identity and
 * capabilities, no_new_privs. */
#ifndef TSRC_PROCESS_H
#define TSRC_PROCESS_H

#include "plan.h"

void session_apply(const struct plan *p);
/* procfd: the host's procfs (proc_open), whatever the container mounts on /proc. */
void oom_score_adj_apply(const struct process_plan *pp, int procfd);
void uts_apply(const struct plan *p);
void sysctls_apply(const struct plan *p);
void rlimits_apply(const struct process_plan *pp);
/* stdio to the user, bounding drop, setgroups/setgid/setuid keeping capabilities, chdir(cwd),
 * then capset and ambient; no_new_privs last. */
void identity_apply(const struct process_plan *pp);

#endif
