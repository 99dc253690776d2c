/* The end of the first stage, shared by `init` and `exec`: watch the child until it is ready. */
#ifndef TSRC_SUPERVISE_H
#define TSRC_SUPERVISE_H

#include "common.h"

/* Exit status as tsrc reports it: 128+signal for a signal death. */
int status_of(int wstatus);
/* waitpid, retrying on EINTR. */
pid_t reap(pid_t pid, int *wstatus);

/* Wait on status_fd for the child (`what`, for messages) to be ready: 'R' from a container
 * init; with eof_is_ready, its close-on-exec end closing, i.e. a successful execve (READY is
 * then sent from here). 'E' means the child sent its ERROR: exit 1. If the runtime hangs up
 * on sync_fd first, kill the child. Once ready: exit 0, so the child is reparented to the
 * caller's subreaper, or with wait_for_exit wait for it and send EXIT. Never returns. */
_Noreturn void supervise(const char *what, pid_t pid, int status_fd, int sync_fd, bool wait_for_exit, bool eof_is_ready);

#endif
