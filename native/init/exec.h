/* The end of the init: find the executable, wait on the exec fifo, run startContainer hooks,
 * and execve. */
#ifndef TSRC_EXEC_H
#define TSRC_EXEC_H

#include "plan.h"

/* Resolve args[0] through the PATH of the plan's env, as Go's exec.LookPath does for runc, so
 * a missing executable is a create-time error. Returns a malloc'd path. */
char *exec_lookup(const struct process_plan *pp);
/* What a container init and an exec'd process both do once they stand in the container, in
 * runc's order: compile the seccomp filter (while its errors can still reach the runtime), mark
 * every fd above stdio and the preserved ones close-on-exec (before any filter: a profile may not
 * allow close_range), set rlimits, load the filter now if it must precede dropping capabilities,
 * take the user and capabilities, set the umask (the plan's, else `fallback_umask`, else leave it
 * when that is < 0), and find the executable. *late_filter is what exec_process() still loads
 * (NULL once loaded). Every fd opened after this must be O_CLOEXEC. */
char *exec_prepare(const struct plan *p, int report_fd, int fallback_umask, void **late_filter);
/* Open the exec fifo (in the first stage, before any setns); -1 when the plan has none. */
int exec_fifo_open(const struct plan *p);
/* Block until `start` writes a byte into the fifo. */
void exec_fifo_wait(int fd);
void start_hooks_run(const struct plan *p, const char *state);
/* Reset signal dispositions and mask to the defaults a new program expects. */
void signals_reset(void);
/* Reset signals, load the seccomp filter if it is still to be loaded (late_filter, from
 * seccomp_prepare; NULL = none), and execve; dies on failure. */
_Noreturn void exec_process(const struct plan *p, const char *path, void *late_filter);

#endif
