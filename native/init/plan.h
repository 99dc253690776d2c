/* The decoded Plan (see lib/plan/types.ts for the meaning of every field). All strings point
 * into the received frame buffer, which lives as long as the process: nothing is copied. */
#ifndef TSRC_PLAN_H
#define TSRC_PLAN_H

#include "common.h"

struct str_list {
	const char **v; /* NULL-terminated, so it can be handed to execve */
	uint32_t n;
};

struct ns_join {
	uint32_t flag;
	const char *path;
};

struct id_map {
	uint32_t container_id, host_id, size;
};

struct mount_step {
	const char *source, *destination, *fstype, *data;
	uint32_t flags, remount_flags, propagation;
	bool dest_is_file;
	bool dest_no_symlinks; /* no component of the destination may be a symlink (/proc, /sys) */
	const char *label;     /* SELinux label for the new mount's root ("" = none) */
};

struct device_step {
	const char *path;
	uint32_t type, major, minor, mode, uid, gid;
	bool bind;
};

struct symlink_step {
	const char *target, *linkpath;
};

struct kv {
	const char *key, *value;
};

struct rlimit_step {
	uint32_t resource;
	uint64_t soft, hard;
};

struct caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct hook {
	const char *path;
	uint32_t timeout;
	struct str_list args, env;
};

/* linux.seccomp, already in libseccomp's numbers (lib/plan/seccomp.ts); names resolve in C. */
struct seccomp_arg {
	uint32_t index, op;
	uint64_t value, value_two;
};

struct seccomp_rule {
	const char *name;
	uint32_t action;
	uint32_t n_args;
	struct seccomp_arg args[6];
};

struct seccomp_plan {
	uint32_t default_action;
	uint32_t flags; /* SECCOMP_FILTER_FLAG_*: TSYNC 1, LOG 2, SPEC_ALLOW 4 */
	uint32_t *arches;
	uint32_t n_arches;
	struct seccomp_rule *rules;
	uint32_t n_rules;
};

/* Bitmask sizes in 64-bit words: 1024 NUMA nodes (MAX_NUMNODES), 8192 CPUs (NR_CPUS). */
#define MAX_NODE_WORDS 16
#define MAX_CPU_WORDS 128

struct process_plan {
	struct str_list args, env;
	const char *cwd;
	uint32_t uid, gid;
	uint32_t *gids;
	uint32_t n_gids;
	int32_t umask; /* -1 = leave alone */
	struct rlimit_step *rlimits;
	uint32_t n_rlimits;
	bool has_caps;
	struct caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	bool terminal;
	/* process.env has no HOME: set it from /etc/passwd (home.c), as runc does. */
	bool home_from_passwd;
	const char *apparmor_profile; /* NULL = none */
	const char *selinux_label;    /* NULL = none: exec and keyring creation context */
	bool has_console_size;
	uint32_t console_height, console_width;
	/* tuning.c, each applied just before execve when its has_ flag is set */
	bool has_personality;
	uint32_t personality;
	bool has_scheduler;
	struct sched_plan {
		uint32_t policy, priority;
		int32_t nice;
		uint64_t flags, runtime, deadline, period;
	} scheduler;
	bool has_io_priority;
	uint32_t io_priority;
	bool has_memory_policy;
	uint32_t mempolicy_mode; /* with its MPOL_F_* flags */
	uint32_t n_mempolicy_nodes;
	uint64_t mempolicy_nodes[MAX_NODE_WORDS];
	/* exec only: the first before joining the cgroup, the second before execve; 0 words = leave alone */
	uint32_t n_cpus_initial, n_cpus_final;
	uint64_t cpus_initial[MAX_CPU_WORDS], cpus_final[MAX_CPU_WORDS];
};

struct plan {
	uint32_t clone_flags;
	struct ns_join *joins;
	uint32_t n_joins;
	struct id_map *uid_maps, *gid_maps;
	uint32_t n_uid_maps, n_gid_maps;

	const char *rootfs;
	/* On "/" before the rootfs bind, and after the root switch (0: none). */
	uint32_t setup_propagation, rootfs_propagation;
	bool root_readonly, no_pivot, no_new_keyring, hooks_before_pivot, wait_for_exit;
	/* No mount namespace of its own: nothing is mounted, the root switch is chroot(rootfs). */
	bool chroot_only;

	struct mount_step *mounts;
	uint32_t n_mounts;
	struct device_step *devices;
	uint32_t n_devices;
	struct symlink_step *symlinks;
	uint32_t n_symlinks;
	struct str_list masked, readonly;
	const char *masked_tmpfs_data; /* NULL = none: data of the tmpfs over masked directories */

	const char *hostname, *domainname; /* NULL = do not set */
	struct kv *sysctls;
	uint32_t n_sysctls;

	struct process_plan process;

	const char *exec_fifo; /* "" = do not wait */
	uint32_t preserve_fds;
	struct hook *start_hooks;
	uint32_t n_start_hooks;

	struct seccomp_plan *seccomp; /* NULL = no filter */
	const char *console_socket;   /* NULL = none */
	const char *seccomp_socket;   /* PLAN: where the notify listener fd goes; NULL = none */

	/* PLAN only: v1 cgroup directories the first stage joins itself ("0" to each tasks file),
	 * and the cgroup2 directory the container init is cloned into (NULL = none). */
	struct str_list cgroup_tasks;
	const char *cgroup_into;

	/* EXEC only (`tsrc-init exec`): the container init whose namespaces and root are joined.
	 * wait_for_exit = !detach; no_new_keyring as in a PLAN. */
	uint32_t exec_pid;
	uint64_t exec_start_time; /* 0 = unchecked */
};

/* `tsrc-init enter`: join the namespaces of a running process and run one program there. */
struct enter_req {
	uint32_t pid;
	uint32_t ns_flags; /* OR of CLONE_NEW* kinds to join (those equal to ours are skipped) */
	const char *path, *cwd;
	struct str_list args, env;
};

#endif
