/* Path operations inside the container's rootfs, done with fds so that no symlink in an
 * untrusted rootfs can redirect them outside it (openat2 RESOLVE_IN_ROOT). */
#ifndef TSRC_PATHFS_H
#define TSRC_PATHFS_H

#include "common.h"

/* O_PATH fd (O_CLOEXEC) of `path` resolved inside rootfd as if rootfd were "/", or -1/errno. */
int resolve_in_root(int rootfd, const char *path);
/* Like resolve_in_root, creating missing components: directories (0755), and the last one as an
 * empty regular file (0644) when last_is_file. A created entry is never a symlink. */
int mkpath_in_root(int rootfd, const char *path, bool last_is_file);
/* Split an absolute in-container path into its parent's O_PATH fd (created if missing) and the
 * last component, which is stored in name (size NAME_MAX+1). Refuses "", "/", ".", "..". */
int parent_in_root(int rootfd, const char *path, char *name, size_t name_size);
/* Like mkpath_in_root, but no component of `path` may be a symlink (ELOOP): for mount points
 * whose place the runtime's later steps rely on (/proc, /sys), where a planted symlink would move
 * the mount, and with it what maskedPaths/readonlyPaths protect, elsewhere. */
int mkpath_in_root_nofollow(int rootfd, const char *path);
/* The runtime's own entry `name` in directory dir (from parent_in_root): whatever the rootfs
 * planted there that is not a `mode` file (S_IFREG, S_IFCHR…, matching rdev for devices; any
 * symlink) is removed first, so nothing is ever followed or reused by mistake. 0, or -1/errno. */
int replace_planted(int dir, const char *name, mode_t type, dev_t rdev);
/* The runtime's own empty regular file at `path` (a bind mount target such as /dev/console):
 * whatever else the rootfs has there is replaced (replace_planted). O_PATH fd, or -1/errno. */
int own_file_in_root(int rootfd, const char *path);

#endif
