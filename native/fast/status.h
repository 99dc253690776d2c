/* A container's status, derived as lib/container/state.ts deriveStatus does: stopped unless the
 * saved pid is still the process that had the saved start time; created while the exec fifo
 * exists; paused while its cgroup is frozen; running otherwise. */
#ifndef TSRC_FAST_STATUS_H
#define TSRC_FAST_STATUS_H

#include <stdbool.h>

#include "state_file.h"

enum status { ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

const char *status_name(enum status st);

/* Fields 3 (state) and 22 (starttime) of /proc/<pid>/stat; false if there is no such process. */
bool proc_stat(long long pid, char *state, long long *start_time);
/* True while pid is the same live, non-zombie process that had start_time. */
bool proc_alive(long long pid, long long start_time);

/* The exec fifo is <atfd>/<prefix>exec.fifo. 0, or -1 if the freezer state cannot be decided (stuck FREEZING / not frozen in time). */
int derive_status(int atfd, const char *prefix, const struct saved_state *s, enum status *out);

void sleep_ms(long ms);

#endif
