/* The container's filesystem: rootfs bind, plan mounts, masked/readonly paths, root switch. */
#ifndef TSRC_MOUNTS_H
#define TSRC_MOUNTS_H

#include "plan.h"

/* Apply rootfsPropagation to "/", make the rootfs's parent mount private when needed for
 * pivot_root, bind the rootfs onto itself and return an O_PATH fd of that bind mount. */
int rootfs_prepare(const struct plan *p);
void mounts_apply(const struct plan *p, int rootfd);
void masked_paths_apply(const struct plan *p, int rootfd);
void readonly_paths_apply(const struct plan *p, int rootfd);
void root_readonly_apply(int rootfd);
/* pivot_root (or MS_MOVE + chroot) into rootfd; the old root is detached; cwd becomes "/". */
void root_switch(const struct plan *p, int rootfd);
/* Without a mount namespace: chroot into the rootfs, nothing mounted. */
void root_chroot(const struct plan *p);

#endif
