/* The sync-socket protocol between the runtime (Node) and tsrc-init. Specified in PROTOCOL.md;
 * lib/sys/protocol.ts is the other half and must change in step with this file. */
#ifndef TSRC_PROTOCOL_H
#define TSRC_PROTOCOL_H

#include "plan.h"

#define TSRC_MAGIC 0x43525354u /* bytes "TSRC" read as a little-endian u32 */
#define TSRC_PROTOCOL_VERSION 2
#define TSRC_FRAME_HEADER 12
#define TSRC_FRAME_MAX (16u << 20)

enum msg_type {
	/* runtime -> init */
	MSG_PLAN = 0x01,
	MSG_CONTINUE = 0x02,
	MSG_HOOK_STATE = 0x03,
	MSG_ENTER = 0x04,
	MSG_EXEC = 0x05,
	/* init -> runtime */
	MSG_PID = 0x81,
	MSG_HOOKS = 0x82,
	MSG_READY = 0x83,
	MSG_EXIT = 0x84,
	MSG_ERROR = 0x85,
	MSG_WARNING = 0x86,
};

/* Record tags inside PLAN, ENTER and EXEC payloads. */
enum rec_tag {
	R_CLONE_FLAGS = 1,
	R_JOIN = 2,
	R_UID_MAP = 3,
	R_GID_MAP = 4,
	R_ROOTFS = 5,
	R_ROOTFS_PROPAGATION = 6,
	R_PLAN_FLAGS = 7,
	R_MOUNT = 8,
	R_DEVICE = 9,
	R_SYMLINK = 10,
	R_MASKED = 11,
	R_READONLY = 12,
	R_HOSTNAME = 13,
	R_DOMAINNAME = 14,
	R_SYSCTL = 15,
	R_EXEC_FIFO = 16,
	R_PRESERVE_FDS = 17,
	R_START_HOOK = 18,
	R_SECCOMP = 19,
	R_SECCOMP_RULE = 20,
	R_CONSOLE_SOCKET = 21,
	R_CGROUP_TASKS = 22,
	R_CGROUP_INTO = 23,
	R_SECCOMP_SOCKET = 24,
	R_MASKED_TMPFS_DATA = 25,
	R_ARG = 32,
	R_ENV = 33,
	R_CWD = 34,
	R_USER = 35,
	R_ADDITIONAL_GID = 36,
	R_UMASK = 37,
	R_RLIMIT = 38,
	R_CAPS = 39,
	R_OOM_SCORE_ADJ = 40,
	R_PROCESS_FLAGS = 41,
	R_CONSOLE_SIZE = 42,
	R_APPARMOR_PROFILE = 43,
	R_SELINUX_LABEL = 44,
	R_PERSONALITY = 45,
	R_SCHEDULER = 46,
	R_IO_PRIORITY = 47,
	R_MEMORY_POLICY = 48,
	R_CPU_AFFINITY = 49,
	R_ENTER_PID = 64,
	R_ENTER_NS = 65,
	R_ENTER_PATH = 66,
	R_EXEC_TARGET = 67,
	R_EXEC_FLAGS = 68,
	R_END = 255,
};

/* R_PLAN_FLAGS bits */
#define PF_ROOT_READONLY 0x01u
#define PF_NO_PIVOT 0x02u
#define PF_NO_NEW_KEYRING 0x04u
#define PF_HOOKS_BEFORE_PIVOT 0x08u
#define PF_WAIT_FOR_EXIT 0x10u
#define PF_CHROOT_ONLY 0x20u
#define PF_ALL 0x3fu
/* R_PROCESS_FLAGS bits */
#define XF_NO_NEW_PRIVILEGES 0x01u
#define XF_TERMINAL 0x02u
#define XF_HOME_FROM_PASSWD 0x04u
#define XF_ALL 0x07u
/* R_EXEC_FLAGS bits */
#define EF_DETACH 0x01u
#define EF_NO_NEW_KEYRING 0x02u
#define EF_ALL 0x03u
/* SECCOMP flags (SECCOMP_FILTER_FLAG_*) a plan may carry */
#define SCF_TSYNC 0x01u
#define SCF_LOG 0x02u
#define SCF_SPEC_ALLOW 0x04u
#define SCF_NEW_LISTENER 0x08u
#define SCF_WAIT_KILLABLE_RECV 0x20u
#define SCF_ALL 0x2fu

struct frame {
	uint16_t type;
	uint32_t len;
	uint8_t *data; /* malloc'd, len bytes plus a NUL; owned by the caller */
};

/* Read one frame. 0 = ok, 1 = EOF before any byte, -1 = error (*err says why, errno is set). */
int frame_recv(int fd, struct frame *f, const char **err);
/* Read one frame that must be of type `want`; dies with a protocol ERROR otherwise. EOF dies too. */
void frame_expect(int fd, uint16_t want, struct frame *f);

int frame_send(int fd, uint16_t type, const void *payload, uint32_t len);
int send_error(int fd, const char *step, int err, const char *msg);
int send_u32(int fd, uint16_t type, uint32_t value);
int send_i32(int fd, uint16_t type, int32_t value);
/* A WARNING frame: something was skipped that the runtime may want to log. */
int send_warning(int fd, const char *msg);

/* Decode a PLAN / EXEC / ENTER payload. NULL on success, else a message naming the bad record.
 * An EXEC decodes into a struct plan too: only the process part, seccomp, console socket,
 * preserve_fds, no_new_keyring, wait_for_exit (= !detach) and exec_pid/exec_start_time are set. */
const char *plan_decode(const uint8_t *buf, size_t len, struct plan *out);
const char *exec_decode(const uint8_t *buf, size_t len, struct plan *out);
const char *enter_decode(const uint8_t *buf, size_t len, struct enter_req *out);
/* Decode a HOOK_STATE payload (one string). */
const char *string_decode(const uint8_t *buf, size_t len, const char **out);

#endif
