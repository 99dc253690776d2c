/* Device nodes and symlinks inside the rootfs. */
#ifndef TSRC_DEVICES_H
#define TSRC_DEVICES_H

#include "plan.h"

void devices_apply(const struct plan *p, int rootfd);
void symlinks_apply(const struct plan *p, int rootfd);

#endif
