/* The seccomp filter, built with libseccomp from the plan's numbers (lib/plan/seccomp.ts). */
#ifndef TSRC_SECCOMP_H
#define TSRC_SECCOMP_H

#include "plan.h"

/* Build and compile the filter (NULL when s is NULL). Done early, while every error still
 * reaches the runtime: syscall names this libseccomp does not know are skipped, as runc skips
 * them, and listed in one WARNING frame on report_fd. Only the BPF program stays in memory. */
void *seccomp_prepare(const struct seccomp_plan *s, int report_fd);
/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, so it must happen before the
 * capabilities are dropped (runc does the same); with it, right before execve. */
bool seccomp_load_early(const struct process_plan *pp);
/* Load the filter into this (single-threaded) process with seccomp(2); no-op for NULL. */
void seccomp_load_filter(void *filter);
/* With a runtime seccomp socket (sock >= 0; the plan's seccompSocket, connected on the host):
 * load the filter now if it is still to be loaded (*filter, which becomes NULL), and send its
 * notify fd (the plan asked for SECCOMP_FILTER_FLAG_NEW_LISTENER) over sock; closes both. */
void seccomp_send_listener(void **filter, int sock);

#endif
