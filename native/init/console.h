/* Terminals: the console socket, a pty from the container's own devpts, /dev/console. */
#ifndef TSRC_CONSOLE_H
#define TSRC_CONSOLE_H

#include "plan.h"

/* Connect to the console socket, a host path (so: before joining any mount namespace).
 * Returns a close-on-exec fd. Also used for the runtime's seccomp listener socket. */
int console_connect(const char *path);
/* One sendmsg on sock: the bytes of name, and fd (SCM_RIGHTS); dies with step on failure. */
void fd_send(int sock, int fd, const char *name, const char *step, const char *what);
/* The mount point for /dev/console inside rootfd, created as an empty file when missing;
 * an O_PATH fd. Called before the root may become read-only. */
int console_target(int rootfd);
/* Allocate a pty from the devpts mounted at /dev/pts inside rootfd (checked to really be a
 * devpts ptmx), apply the console size, bind the slave onto target (if >= 0), send the master
 * over sock (one sendmsg: SCM_RIGHTS + the name "/dev/pts/ptmx", as runc), and make the slave
 * fds 0, 1, 2 and the controlling terminal (the caller must lead a session without one).
 * procfd is a host procfs directory fd, used to reopen the checked ptmx handle. Closes sock
 * and target. */
void console_setup(const struct process_plan *pp, int rootfd, int procfd, int sock, int target);

#endif
