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

#endif
