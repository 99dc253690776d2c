/* Frame I/O and the bounds-checked decoder for PLAN / ENTER payloads (format: PROTOCOL.md).
 * Decoding never trusts a length: every read is checked against the end of its record, every
 * string must be NUL-terminated exactly at its stated length, and unknown tags are refused. */
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- little-endian helpers ---- */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- frames ---- */

static char errbuf[192];

int frame_recv(int fd, struct frame *f, const char **err)
{
	uint8_t hdr[TSRC_FRAME_HEADER];
	int r = read_full(fd, hdr, sizeof(hdr));

	if (r == 1)
		return 1;
	if (r < 0) {
		*err = errno == EPROTO ? "truncated frame header" : "read frame header";
		return -1;
	}
	if (le32(hdr) != TSRC_MAGIC) {
		errno = EPROTO;
		*err = "bad frame magic (not a tsrc protocol stream)";
		return -1;
	}
	if (le16(hdr + 4) != TSRC_PROTOCOL_VERSION) {
		errno = EPROTO;
		snprintf(errbuf, sizeof(errbuf), "unsupported protocol version %u (this tsrc-init speaks %u)",
			 le16(hdr + 4), TSRC_PROTOCOL_VERSION);
		*err = errbuf;
		return -1;
	}
	f->type = le16(hdr + 6);
	f->len = le32(hdr + 8);
	if (f->len > TSRC_FRAME_MAX) {
		errno = EMSGSIZE;
		snprintf(errbuf, sizeof(errbuf), "frame of %u bytes exceeds the %u byte limit", f->len, TSRC_FRAME_MAX);
		*err = errbuf;
		return -1;
	}
	f->data = malloc((size_t)f->len + 1);
	if (!f->data) {
		*err = "allocate frame";
		return -1;
	}
	f->data[f->len] = 0;
	if (f->len && read_full(fd, f->data, f->len) != 0) {
		free(f->data);
		f->data = NULL;
		errno = EPROTO;
		snprintf(errbuf, sizeof(errbuf), "truncated frame: expected %u payload bytes", f->len);
		*err = errbuf;
		return -1;
	}
	return 0;
}

void frame_expect(int fd, uint16_t want, struct frame *f)
{
	const char *err = NULL;
	int r = frame_recv(fd, f, &err);

	if (r == 1)
		die("protocol", EPIPE, "runtime closed the sync socket while tsrc-init waited for message 0x%02x", want);
	if (r < 0)
		die("protocol", errno, "%s", err);
	if (f->type != want)
		die("protocol", EPROTO, "expected message 0x%02x, got 0x%02x", want, f->type);
}

int frame_send(int fd, uint16_t type, const void *payload, uint32_t len)
{
	uint8_t hdr[TSRC_FRAME_HEADER];

	put32(hdr, TSRC_MAGIC);
	put16(hdr + 4, TSRC_PROTOCOL_VERSION);
	put16(hdr + 6, type);
	put32(hdr + 8, len);
	/* One sendmsg so a frame is never interleaved; MSG_NOSIGNAL: a vanished runtime is EPIPE. */
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)payload, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	size_t total = sizeof(hdr) + len;
	ssize_t n;

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != total) {
		/* A short write on a blocking stream socket; finish the rest plainly. */
		uint8_t *all = malloc(total);
		if (!all)
			return -1;
		memcpy(all, hdr, sizeof(hdr));
		if (len)
			memcpy(all + sizeof(hdr), payload, len);
		int r = write_full(fd, all + n, total - (size_t)n);
		free(all);
		return r;
	}
	return 0;
}

static size_t put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	put32(p, (uint32_t)n);
	memcpy(p + 4, s, n);
	p[4 + n] = 0;
	return 5 + n;
}

int send_error(int fd, const char *step, int err, const char *msg)
{
	uint8_t buf[64 + 1100 + 140];
	char reason[128] = "";
	size_t off = 0;

	/* The C library's wording, first letter lowered: the same text Go (so runc) prints. */
	if (err) {
		snprintf(reason, sizeof(reason), "%s", strerror(err));
		if (reason[0] >= 'A' && reason[0] <= 'Z' && !(reason[1] >= 'A' && reason[1] <= 'Z'))
			reason[0] = (char)(reason[0] - 'A' + 'a');
	}
	off += put_str(buf + off, step, 60);
	put32(buf + off, (uint32_t)err);
	off += 4;
	off += put_str(buf + off, msg, 1090);
	off += put_str(buf + off, reason, sizeof(reason) - 1);
	return frame_send(fd, MSG_ERROR, buf, (uint32_t)off);
}

int send_u32(int fd, uint16_t type, uint32_t value)
{
	uint8_t buf[4];

	put32(buf, value);
	return frame_send(fd, type, buf, 4);
}

int send_i32(int fd, uint16_t type, int32_t value) { return send_u32(fd, type, (uint32_t)value); }

int send_warning(int fd, const char *msg)
{
	uint8_t buf[1100];

	return frame_send(fd, MSG_WARNING, buf, (uint32_t)put_str(buf, msg, sizeof(buf) - 5));
}

/* ---- payload decoding ---- */

struct cursor {
	const uint8_t *p, *end;
};

static bool take(struct cursor *c, size_t n, const uint8_t **out)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	*out = c->p;
	c->p += n;
	return true;
}

static bool get_u32(struct cursor *c, uint32_t *v)
{
	const uint8_t *p;

	if (!take(c, 4, &p))
		return false;
	*v = le32(p);
	return true;
}

static bool get_i32(struct cursor *c, int32_t *v)
{
	uint32_t u;

	if (!get_u32(c, &u))
		return false;
	*v = (int32_t)u;
	return true;
}

static bool get_u64(struct cursor *c, uint64_t *v)
{
	const uint8_t *p;

	if (!take(c, 8, &p))
		return false;
	*v = le64(p);
	return true;
}

/* u32 n (<= max), n x u64: a bitmask. */
static bool get_words(struct cursor *c, uint64_t *v, uint32_t *n, uint32_t max)
{
	if (!get_u32(c, n) || *n > max)
		return false;
	for (uint32_t i = 0; i < *n; i++)
		if (!get_u64(c, &v[i]))
			return false;
	return true;
}

static bool get_bool(struct cursor *c, bool *v)
{
	const uint8_t *p;

	if (!take(c, 1, &p) || *p > 1)
		return false;
	*v = *p;
	return true;
}

/* u32 length, the bytes, then a NUL: the string is used in place. */
static bool get_str(struct cursor *c, const char **s)
{
	uint32_t n;
	const uint8_t *p;

	if (!get_u32(c, &n) || n == UINT32_MAX || !take(c, (size_t)n + 1, &p))
		return false;
	if (p[n] != 0 || memchr(p, 0, n) != NULL)
		return false;
	*s = (const char *)p;
	return true;
}

/* A counted list of strings inside one record (hook args/env). */
static bool get_str_list(struct cursor *c, struct str_list *l)
{
	uint32_t n;

	if (!get_u32(c, &n) || n > (size_t)(c->end - c->p) / 5) /* each string takes >= 5 bytes */
		return false;
	l->v = calloc((size_t)n + 1, sizeof(*l->v));
	if (!l->v)
		return false;
	l->n = n;
	for (uint32_t i = 0; i < n; i++)
		if (!get_str(c, &l->v[i]))
			return false;
	return true;
}

#define IN_PLAN 1
#define IN_ENTER 2
#define IN_EXEC 4
#define IN_PROC (IN_PLAN | IN_EXEC) /* the process records, shared by PLAN and EXEC */
#define IN_ALL (IN_PLAN | IN_ENTER | IN_EXEC)

struct tag_info {
	const char *name;
	uint8_t scope;    /* messages the record may appear in */
	bool repeat;
	uint8_t required; /* messages the record must appear in */
};

static const struct tag_info TAGS[256] = {
	[R_CLONE_FLAGS] = { "CLONE_FLAGS", IN_PLAN, false, IN_PLAN },
	[R_JOIN] = { "JOIN", IN_PLAN, true, 0 },
	[R_UID_MAP] = { "UID_MAP", IN_PLAN, true, 0 },
	[R_GID_MAP] = { "GID_MAP", IN_PLAN, true, 0 },
	[R_ROOTFS] = { "ROOTFS", IN_PLAN, false, IN_PLAN },
	[R_ROOTFS_PROPAGATION] = { "ROOTFS_PROPAGATION", IN_PLAN, false, IN_PLAN },
	[R_PLAN_FLAGS] = { "PLAN_FLAGS", IN_PLAN, false, IN_PLAN },
	[R_MOUNT] = { "MOUNT", IN_PLAN, true, 0 },
	[R_DEVICE] = { "DEVICE", IN_PLAN, true, 0 },
	[R_SYMLINK] = { "SYMLINK", IN_PLAN, true, 0 },
	[R_MASKED] = { "MASKED", IN_PLAN, true, 0 },
	[R_READONLY] = { "READONLY", IN_PLAN, true, 0 },
	[R_HOSTNAME] = { "HOSTNAME", IN_PLAN, false, 0 },
	[R_DOMAINNAME] = { "DOMAINNAME", IN_PLAN, false, 0 },
	[R_SYSCTL] = { "SYSCTL", IN_PLAN, true, 0 },
	[R_EXEC_FIFO] = { "EXEC_FIFO", IN_PLAN, false, IN_PLAN },
	[R_PRESERVE_FDS] = { "PRESERVE_FDS", IN_PROC, false, IN_PROC },
	[R_START_HOOK] = { "START_HOOK", IN_PLAN, true, 0 },
	[R_SECCOMP] = { "SECCOMP", IN_PROC, false, 0 },
	[R_SECCOMP_RULE] = { "SECCOMP_RULE", IN_PROC, true, 0 },
	[R_CONSOLE_SOCKET] = { "CONSOLE_SOCKET", IN_PROC, false, 0 },
	[R_CGROUP_TASKS] = { "CGROUP_TASKS", IN_PROC, true, 0 },
	[R_CGROUP_INTO] = { "CGROUP_INTO", IN_PROC, false, 0 },
	[R_SECCOMP_SOCKET] = { "SECCOMP_SOCKET", IN_PROC, false, 0 },
	[R_MASKED_TMPFS_DATA] = { "MASKED_TMPFS_DATA", IN_PLAN, false, 0 },
	[R_ARG] = { "ARG", IN_ALL, true, IN_ALL },
	[R_ENV] = { "ENV", IN_ALL, true, 0 },
	[R_CWD] = { "CWD", IN_ALL, false, IN_ALL },
	[R_USER] = { "USER", IN_PROC, false, IN_PROC },
	[R_ADDITIONAL_GID] = { "ADDITIONAL_GID", IN_PROC, true, 0 },
	[R_UMASK] = { "UMASK", IN_PROC, false, 0 },
	[R_RLIMIT] = { "RLIMIT", IN_PROC, true, 0 },
	[R_CAPS] = { "CAPS", IN_PROC, false, 0 },
	[R_OOM_SCORE_ADJ] = { "OOM_SCORE_ADJ", IN_PROC, false, 0 },
	[R_PROCESS_FLAGS] = { "PROCESS_FLAGS", IN_PROC, false, IN_PROC },
	[R_CONSOLE_SIZE] = { "CONSOLE_SIZE", IN_PROC, false, 0 },
	[R_APPARMOR_PROFILE] = { "APPARMOR_PROFILE", IN_PROC, false, 0 },
	[R_SELINUX_LABEL] = { "SELINUX_LABEL", IN_PROC, false, 0 },
	[R_PERSONALITY] = { "PERSONALITY", IN_PROC, false, 0 },
	[R_SCHEDULER] = { "SCHEDULER", IN_PROC, false, 0 },
	[R_IO_PRIORITY] = { "IO_PRIORITY", IN_PROC, false, 0 },
	[R_MEMORY_POLICY] = { "MEMORY_POLICY", IN_PROC, false, 0 },
	[R_CPU_AFFINITY] = { "CPU_AFFINITY", IN_PROC, false, 0 },
	[R_ENTER_PID] = { "ENTER_PID", IN_ENTER, false, IN_ENTER },
	[R_ENTER_NS] = { "ENTER_NS", IN_ENTER, false, IN_ENTER },
	[R_ENTER_PATH] = { "ENTER_PATH", IN_ENTER, false, IN_ENTER },
	[R_EXEC_TARGET] = { "EXEC_TARGET", IN_EXEC, false, IN_EXEC },
	[R_EXEC_FLAGS] = { "EXEC_FLAGS", IN_EXEC, false, IN_EXEC },
	[R_END] = { "END", IN_ALL, false, IN_ALL },
};

/* First pass: check the record framing and count each tag, so arrays are allocated once. */
static const char *scan(const uint8_t *buf, size_t len, uint8_t scope, uint32_t counts[256])
{
	struct cursor c = { buf, buf + len };
	const uint8_t *h, *body;

	memset(counts, 0, 256 * sizeof(counts[0]));
	while (c.p < c.end) {
		size_t at = (size_t)(c.p - buf);
		if (!take(&c, 6, &h)) {
			snprintf(errbuf, sizeof(errbuf), "truncated record header at offset %zu", at);
			return errbuf;
		}
		uint16_t tag = le16(h);
		uint32_t rlen = le32(h + 2);
		const struct tag_info *t = tag < 256 ? &TAGS[tag] : NULL;
		if (!t || !t->name || !(t->scope & scope)) {
			snprintf(errbuf, sizeof(errbuf), "unknown record tag %u at offset %zu", tag, at);
			return errbuf;
		}
		if (!take(&c, rlen, &body)) {
			snprintf(errbuf, sizeof(errbuf), "record %s at offset %zu: truncated (%u bytes announced)", t->name, at, rlen);
			return errbuf;
		}
		if (counts[tag]++ && !t->repeat) {
			snprintf(errbuf, sizeof(errbuf), "record %s appears twice", t->name);
			return errbuf;
		}
		if (tag == R_END) {
			if (rlen != 0 || c.p != c.end) {
				snprintf(errbuf, sizeof(errbuf), "record END at offset %zu is not the empty last record", at);
				return errbuf;
			}
		}
	}
	for (unsigned i = 0; i < 256; i++) {
		if ((TAGS[i].required & scope) && counts[i] == 0) {
			snprintf(errbuf, sizeof(errbuf), "missing record %s%s", TAGS[i].name,
				 i == R_END ? " (truncated payload)" : "");
			return errbuf;
		}
	}
	return NULL;
}

static const char *bad(uint16_t tag, uint32_t index)
{
	snprintf(errbuf, sizeof(errbuf), "record %s #%u: malformed or out of range", TAGS[tag].name, index);
	return errbuf;
}

#define ALLOC(ptr, n)                                                        \
	do {                                                                 \
		(ptr) = calloc((size_t)(n) + 1, sizeof(*(ptr)));             \
		if (!(ptr))                                                  \
			return "out of memory";                              \
	} while (0)

static bool get_seccomp(struct cursor *c, struct seccomp_plan *s)
{
	if (!get_u32(c, &s->default_action) || !get_u32(c, &s->flags) || (s->flags & ~SCF_ALL) ||
	    !get_u32(c, &s->n_arches) || s->n_arches > (size_t)(c->end - c->p) / 4)
		return false;
	s->arches = calloc((size_t)s->n_arches + 1, sizeof(*s->arches));
	if (!s->arches)
		return false;
	for (uint32_t i = 0; i < s->n_arches; i++)
		if (!get_u32(c, &s->arches[i]))
			return false;
	return true;
}

static bool get_seccomp_rule(struct cursor *c, struct seccomp_rule *r)
{
	if (!get_str(c, &r->name) || !*r->name || !get_u32(c, &r->action) || !get_u32(c, &r->n_args) ||
	    r->n_args > ARRAY_LEN(r->args))
		return false;
	for (uint32_t i = 0; i < r->n_args; i++) {
		struct seccomp_arg *a = &r->args[i];
		/* index 0..5; op one of libseccomp's SCMP_CMP_NE (1) .. SCMP_CMP_MASKED_EQ (7) */
		if (!get_u32(c, &a->index) || a->index > 5 || !get_u32(c, &a->op) || a->op < 1 || a->op > 7 ||
		    !get_u64(c, &a->value) || !get_u64(c, &a->value_two))
			return false;
	}
	return true;
}

static const char *decode(const uint8_t *buf, size_t len, uint8_t scope, struct plan *out)
{
	uint32_t counts[256];
	const char *err = scan(buf, len, scope, counts);

	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	if (counts[R_SECCOMP_RULE] && !counts[R_SECCOMP])
		return "record SECCOMP_RULE without a SECCOMP record";
	if (counts[R_SECCOMP]) {
		ALLOC(out->seccomp, 1);
		ALLOC(out->seccomp->rules, counts[R_SECCOMP_RULE]);
	}
	struct process_plan *pp = &out->process;
	pp->umask = -1;
	ALLOC(out->joins, counts[R_JOIN]);
	ALLOC(out->uid_maps, counts[R_UID_MAP]);
	ALLOC(out->gid_maps, counts[R_GID_MAP]);
	ALLOC(out->mounts, counts[R_MOUNT]);
	ALLOC(out->devices, counts[R_DEVICE]);
	ALLOC(out->symlinks, counts[R_SYMLINK]);
	ALLOC(out->masked.v, counts[R_MASKED]);
	ALLOC(out->readonly.v, counts[R_READONLY]);
	ALLOC(out->sysctls, counts[R_SYSCTL]);
	ALLOC(out->start_hooks, counts[R_START_HOOK]);
	ALLOC(out->cgroup_tasks.v, counts[R_CGROUP_TASKS]);
	ALLOC(pp->args.v, counts[R_ARG]);
	ALLOC(pp->env.v, counts[R_ENV]);
	ALLOC(pp->gids, counts[R_ADDITIONAL_GID]);
	ALLOC(pp->rlimits, counts[R_RLIMIT]);

	struct cursor all = { buf, buf + len };
	const uint8_t *h, *body;
	while (all.p < all.end) {
		if (!take(&all, 6, &h) || !take(&all, le32(h + 2), &body))
			return "record framing changed between passes"; /* unreachable: scan() checked it */
		uint16_t tag = le16(h);
		uint32_t rlen = le32(h + 2);
		struct cursor c = { body, body + rlen };
		uint32_t idx = 0;
		bool ok = true;
		uint32_t u = 0;

		switch (tag) {
		case R_CLONE_FLAGS:
			ok = get_u32(&c, &out->clone_flags);
			break;
		case R_JOIN: {
			struct ns_join *j = &out->joins[idx = out->n_joins++];
			ok = get_u32(&c, &j->flag) && get_str(&c, &j->path);
			break;
		}
		case R_UID_MAP:
		case R_GID_MAP: {
			struct id_map *m = tag == R_UID_MAP ? &out->uid_maps[idx = out->n_uid_maps++]
							    : &out->gid_maps[idx = out->n_gid_maps++];
			ok = get_u32(&c, &m->container_id) && get_u32(&c, &m->host_id) && get_u32(&c, &m->size);
			break;
		}
		case R_ROOTFS:
			ok = get_str(&c, &out->rootfs);
			break;
		case R_ROOTFS_PROPAGATION:
			ok = get_u32(&c, &out->setup_propagation) && get_u32(&c, &out->rootfs_propagation);
			break;
		case R_PLAN_FLAGS:
			ok = get_u32(&c, &u) && !(u & ~PF_ALL);
			out->root_readonly = u & PF_ROOT_READONLY;
			out->no_pivot = u & PF_NO_PIVOT;
			out->no_new_keyring = u & PF_NO_NEW_KEYRING;
			out->hooks_before_pivot = u & PF_HOOKS_BEFORE_PIVOT;
			out->wait_for_exit = u & PF_WAIT_FOR_EXIT;
			out->chroot_only = u & PF_CHROOT_ONLY;
			break;
		case R_MOUNT: {
			struct mount_step *m = &out->mounts[idx = out->n_mounts++];
			ok = get_str(&c, &m->source) && get_str(&c, &m->destination) && get_str(&c, &m->fstype) &&
			     get_u32(&c, &m->flags) && get_str(&c, &m->data) && get_u32(&c, &m->remount_flags) &&
			     get_u32(&c, &m->propagation) && get_bool(&c, &m->dest_is_file) &&
			     get_bool(&c, &m->dest_no_symlinks) && get_str(&c, &m->label);
			break;
		}
		case R_DEVICE: {
			struct device_step *d = &out->devices[idx = out->n_devices++];
			ok = get_str(&c, &d->path) && get_u32(&c, &d->type) && get_u32(&c, &d->major) &&
			     get_u32(&c, &d->minor) && get_u32(&c, &d->mode) && get_u32(&c, &d->uid) &&
			     get_u32(&c, &d->gid) && get_bool(&c, &d->bind);
			break;
		}
		case R_SYMLINK: {
			struct symlink_step *s = &out->symlinks[idx = out->n_symlinks++];
			ok = get_str(&c, &s->target) && get_str(&c, &s->linkpath);
			break;
		}
		case R_MASKED:
			ok = get_str(&c, &out->masked.v[idx = out->masked.n++]);
			break;
		case R_MASKED_TMPFS_DATA:
			ok = get_str(&c, &out->masked_tmpfs_data) && *out->masked_tmpfs_data;
			break;
		case R_READONLY:
			ok = get_str(&c, &out->readonly.v[idx = out->readonly.n++]);
			break;
		case R_HOSTNAME:
			ok = get_str(&c, &out->hostname);
			break;
		case R_DOMAINNAME:
			ok = get_str(&c, &out->domainname);
			break;
		case R_SYSCTL: {
			struct kv *s = &out->sysctls[idx = out->n_sysctls++];
			ok = get_str(&c, &s->key) && get_str(&c, &s->value);
			break;
		}
		case R_EXEC_FIFO:
			ok = get_str(&c, &out->exec_fifo);
			break;
		case R_PRESERVE_FDS:
			ok = get_u32(&c, &out->preserve_fds) && out->preserve_fds < 65536;
			break;
		case R_START_HOOK: {
			struct hook *k = &out->start_hooks[idx = out->n_start_hooks++];
			ok = get_str(&c, &k->path) && get_u32(&c, &k->timeout) && get_str_list(&c, &k->args) &&
			     get_str_list(&c, &k->env);
			break;
		}
		case R_ARG:
			ok = get_str(&c, &pp->args.v[idx = pp->args.n++]);
			break;
		case R_ENV:
			ok = get_str(&c, &pp->env.v[idx = pp->env.n++]);
			break;
		case R_CWD:
			ok = get_str(&c, &pp->cwd);
			break;
		case R_USER:
			ok = get_u32(&c, &pp->uid) && get_u32(&c, &pp->gid);
			break;
		case R_ADDITIONAL_GID:
			ok = get_u32(&c, &pp->gids[idx = pp->n_gids++]);
			break;
		case R_UMASK:
			ok = get_u32(&c, &u) && u <= 0777;
			pp->umask = (int32_t)u;
			break;
		case R_RLIMIT: {
			struct rlimit_step *r = &pp->rlimits[idx = pp->n_rlimits++];
			ok = get_u32(&c, &r->resource) && get_u64(&c, &r->soft) && get_u64(&c, &r->hard);
			break;
		}
		case R_CAPS:
			pp->has_caps = true;
			ok = get_u64(&c, &pp->caps.bounding) && get_u64(&c, &pp->caps.effective) &&
			     get_u64(&c, &pp->caps.inheritable) && get_u64(&c, &pp->caps.permitted) &&
			     get_u64(&c, &pp->caps.ambient);
			break;
		case R_OOM_SCORE_ADJ:
			pp->has_oom_score_adj = true;
			ok = get_i32(&c, &pp->oom_score_adj) && pp->oom_score_adj >= -1000 && pp->oom_score_adj <= 1000;
			break;
		case R_PROCESS_FLAGS:
			ok = get_u32(&c, &u) && !(u & ~XF_ALL);
			pp->no_new_privileges = u & XF_NO_NEW_PRIVILEGES;
			pp->terminal = u & XF_TERMINAL;
			pp->home_from_passwd = u & XF_HOME_FROM_PASSWD;
			break;
		case R_APPARMOR_PROFILE:
			ok = get_str(&c, &pp->apparmor_profile) && *pp->apparmor_profile;
			break;
		case R_SELINUX_LABEL:
			ok = get_str(&c, &pp->selinux_label) && *pp->selinux_label;
			break;
		case R_PERSONALITY:
			pp->has_personality = true;
			ok = get_u32(&c, &pp->personality);
			break;
		case R_SCHEDULER: {
			struct sched_plan *sp = &pp->scheduler;
			pp->has_scheduler = true;
			ok = get_u32(&c, &sp->policy) && get_u64(&c, &sp->flags) && get_i32(&c, &sp->nice) &&
			     get_u32(&c, &sp->priority) && get_u64(&c, &sp->runtime) && get_u64(&c, &sp->deadline) &&
			     get_u64(&c, &sp->period);
			break;
		}
		case R_IO_PRIORITY:
			pp->has_io_priority = true;
			ok = get_u32(&c, &pp->io_priority) && pp->io_priority <= 0xffff;
			break;
		case R_MEMORY_POLICY:
			pp->has_memory_policy = true;
			ok = get_u32(&c, &pp->mempolicy_mode) &&
			     get_words(&c, pp->mempolicy_nodes, &pp->n_mempolicy_nodes, MAX_NODE_WORDS);
			break;
		case R_CPU_AFFINITY:
			ok = get_words(&c, pp->cpus_initial, &pp->n_cpus_initial, MAX_CPU_WORDS) &&
			     get_words(&c, pp->cpus_final, &pp->n_cpus_final, MAX_CPU_WORDS);
			break;
		case R_CONSOLE_SIZE:
			pp->has_console_size = true;
			ok = get_u32(&c, &pp->console_height) && get_u32(&c, &pp->console_width) &&
			     pp->console_height <= 0xffff && pp->console_width <= 0xffff; /* struct winsize */
			break;
		case R_SECCOMP:
			ok = get_seccomp(&c, out->seccomp);
			break;
		case R_SECCOMP_RULE:
			ok = get_seccomp_rule(&c, &out->seccomp->rules[idx = out->seccomp->n_rules++]);
			break;
		case R_CONSOLE_SOCKET:
			ok = get_str(&c, &out->console_socket) && *out->console_socket;
			break;
		case R_SECCOMP_SOCKET:
			ok = get_str(&c, &out->seccomp_socket) && *out->seccomp_socket == '/';
			break;
		case R_CGROUP_TASKS:
			ok = get_str(&c, &out->cgroup_tasks.v[idx = out->cgroup_tasks.n++]) && *out->cgroup_tasks.v[idx] == '/';
			break;
		case R_CGROUP_INTO:
			ok = get_str(&c, &out->cgroup_into) && *out->cgroup_into == '/';
			break;
		case R_EXEC_TARGET:
			ok = get_u32(&c, &out->exec_pid) && out->exec_pid > 0 && out->exec_pid <= INT32_MAX &&
			     get_u64(&c, &out->exec_start_time);
			break;
		case R_EXEC_FLAGS:
			ok = get_u32(&c, &u) && !(u & ~EF_ALL);
			out->wait_for_exit = !(u & EF_DETACH);
			out->no_new_keyring = u & EF_NO_NEW_KEYRING;
			break;
		case R_END:
			break;
		default:
			ok = false; /* unreachable: scan() refused tags outside the plan */
		}
		if (!ok || c.p != c.end)
			return bad(tag, idx);
	}
	return NULL;
}

const char *plan_decode(const uint8_t *buf, size_t len, struct plan *out) { return decode(buf, len, IN_PLAN, out); }

const char *exec_decode(const uint8_t *buf, size_t len, struct plan *out)
{
	const char *err = decode(buf, len, IN_EXEC, out);

	if (!err)
		out->exec_fifo = ""; /* an exec'd process never waits for `start` */
	return err;
}

const char *enter_decode(const uint8_t *buf, size_t len, struct enter_req *out)
{
	uint32_t counts[256];
	const char *err = scan(buf, len, IN_ENTER, counts);

	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	ALLOC(out->args.v, counts[R_ARG]);
	ALLOC(out->env.v, counts[R_ENV]);

	struct cursor all = { buf, buf + len };
	const uint8_t *h, *body;
	while (all.p < all.end) {
		if (!take(&all, 6, &h) || !take(&all, le32(h + 2), &body))
			return "record framing changed between passes"; /* unreachable: scan() checked it */
		uint16_t tag = le16(h);
		uint32_t rlen = le32(h + 2);
		struct cursor c = { body, body + rlen };
		uint32_t idx = 0;
		bool ok;

		switch (tag) {
		case R_ENTER_PID:
			ok = get_u32(&c, &out->pid) && out->pid > 0 && out->pid <= INT32_MAX;
			break;
		case R_ENTER_NS:
			ok = get_u32(&c, &out->ns_flags);
			break;
		case R_ENTER_PATH:
			ok = get_str(&c, &out->path);
			break;
		case R_CWD:
			ok = get_str(&c, &out->cwd);
			break;
		case R_ARG:
			ok = get_str(&c, &out->args.v[idx = out->args.n++]);
			break;
		case R_ENV:
			ok = get_str(&c, &out->env.v[idx = out->env.n++]);
			break;
		case R_END:
			ok = true;
			break;
		default:
			ok = false;
		}
		if (!ok || c.p != c.end)
			return bad(tag, idx);
	}
	return NULL;
}

const char *string_decode(const uint8_t *buf, size_t len, const char **out)
{
	struct cursor c = { buf, buf + len };

	if (!get_str(&c, out) || c.p != c.end)
		return "malformed string payload";
	return NULL;
}
