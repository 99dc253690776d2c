/* A container's status from its state directory alone: the one implementation of the rule, used by
 * build/tsrc and, through the addon (native/addon/status.cc), by the TypeScript CLI. */
#ifndef TSRC_FAST_CONTAINER_STATUS_H
#define TSRC_FAST_CONTAINER_STATUS_H

#include "status.h"

/* 0, or -1 with errno: ENOENT (no such container), EINVAL (state.json not in the expected format),
 * ETIMEDOUT (the freezer state did not settle). */
int container_status(const char *dir, enum status *out);

#endif
