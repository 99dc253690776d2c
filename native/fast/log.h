/* The final error of a call, as lib/util/log.ts reports it: with --log, one line in that file
 * ({"level","msg","time"} for --log-format json, logrus text otherwise) and the bare message on
 * stderr; without --log, the formatted line on stderr. */
#ifndef TSRC_FAST_LOG_H
#define TSRC_FAST_LOG_H

#include <stdbool.h>

void log_setup(const char *file, bool json);
/* runc creates the log file on every call, so callers can always open it. */
void log_touch(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
