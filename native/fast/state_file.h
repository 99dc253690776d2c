/* <root>/<id>/state.json as the TypeScript side writes it (lib/container/state.ts SavedState;
 * the format is schemas/state-file.schema.json). Fields the output repeats are kept as raw JSON
 * spans into the file's text; the ones syscalls need are decoded. */
#ifndef TSRC_FAST_STATE_FILE_H
#define TSRC_FAST_STATE_FILE_H

#include <stdbool.h>

#include "json.h"

struct cgroup_path {
	char *controller; /* "" for the cgroup2 (unified) directory */
	char *dir;
};

struct saved_state {
	char *text;
	/* Raw JSON strings, with their quotes, exactly as written. */
	struct span oci_version, id, bundle, rootfs, created, owner;
	struct span annotations; /* n == 0: none */
	long long pid, pid_start_time;
	bool cgroup_v2, systemd, shared_pidns;
	int n_poststart, n_poststop;
	struct cgroup_path paths[32];
	int n_paths;
	char *created_dirs[64];
	int n_created;
};

/* Reads and checks <atfd>/<prefix>state.json (prefix "" or "<id>/"). 0, or -1 with errno
 * (EINVAL: not the expected format). */
int state_load(int atfd, const char *prefix, struct saved_state *s);
void state_free(struct saved_state *s);

/* The directory of `controller` ("" = unified), or NULL. */
const char *state_cgroup_dir(const struct saved_state *s, const char *controller);

/* Reads a whole file into a NUL-terminated malloc'd buffer; NULL with errno. */
char *read_file_at(int dirfd, const char *path, size_t *len);

#endif
