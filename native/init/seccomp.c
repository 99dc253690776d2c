/* libseccomp glue. The C side holds no policy: actions, architectures, operators and flags arrive
 * as libseccomp's own numbers; only syscall names are resolved here, by the library that knows
 * them for every architecture of the filter.
 *
 * libseccomp compiles the filter to BPF right away and is then done with: its rule database is
 * freed before the init waits for `start` (a Docker profile would otherwise keep ~1 MB resident),
 * and loading is one seccomp(2) call with the plan's flags, as runc loads its (patched) export. */
#include "seccomp.h"
#include "protocol.h"
#include "console.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <stddef.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct filter {
	struct sock_fprog prog;
	uint32_t flags; /* SECCOMP_FILTER_FLAG_*, the plan's bits are the kernel's */
};

static void set_attr(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value, const char *what)
{
	int r = seccomp_attr_set(ctx, attr, value);
	if (r < 0)
		die("seccomp", -r, "set %s", what);
}

/* Append name to the warning list, keeping it bounded. */
static void note_unknown(char *buf, size_t size, uint32_t *n, const char *name)
{
	size_t used = strlen(buf);

	if (used + strlen(name) + 8 < size)
		snprintf(buf + used, size - used, "%s%s", *n ? ", " : "", name);
	else if (used + 5 < size && !strstr(buf, ", ..."))
		snprintf(buf + used, size - used, ", ...");
	(*n)++;
}

/* runc's ENOSYS stub: a syscall newer than every one the profile names gets ENOSYS rather than
 * the default action, so that a C library falls back to an older call (glibc tries clone3, then
 * clone) instead of failing on EPERM. Only for the native architecture, whose numbers `max_nr`
 * is in; x32 numbers and other architectures go straight to libseccomp's program. */
static const struct sock_filter ENOSYS_STUB[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 2, 0), /* __X32_SYSCALL_BIT */
	BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0 /* max_nr, set below */, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
};
#define STUB_MAX_NR 4

/* Export the BPF libseccomp generated (through a memfd: its export API writes to an fd), then
 * drop the library's state and give the memory back. With max_nr >= 0 the ENOSYS stub above
 * goes in front of it. */
static struct filter *compile(scmp_filter_ctx ctx, uint32_t flags, int max_nr)
{
	struct filter *f = calloc(1, sizeof(*f));
	int fd = memfd_create("tsrc-seccomp", MFD_CLOEXEC);
	struct stat st;

	if (!f || fd < 0)
		die("seccomp", errno ? errno : ENOMEM, "prepare the filter export");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		die("seccomp", -r, "generate the filter");
	if (fstat(fd, &st) < 0)
		die("seccomp", errno, "stat the filter");
	size_t len = (size_t)st.st_size, stub = max_nr >= 0 ? ARRAY_LEN(ENOSYS_STUB) : 0;
	if (len == 0 || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) + stub > BPF_MAXINSNS)
		die("seccomp", E2BIG, "the filter has %zu bytes; the kernel takes at most %d instructions", len, BPF_MAXINSNS);
	f->prog.len = (unsigned short)(len / sizeof(struct sock_filter) + stub);
	f->prog.filter = malloc(len + stub * sizeof(struct sock_filter));
	if (!f->prog.filter || pread(fd, f->prog.filter + stub, len, 0) != (ssize_t)len)
		die("seccomp", errno ? errno : EIO, "read the filter back");
	if (stub) {
		/* Relative jumps: libseccomp's program is unchanged behind the prefix. */
		memcpy(f->prog.filter, ENOSYS_STUB, sizeof(ENOSYS_STUB));
		f->prog.filter[STUB_MAX_NR].k = (uint32_t)max_nr;
	}
	close(fd);
	f->flags = flags;
	seccomp_release(ctx);
	malloc_trim(0);
	return f;
}

void *seccomp_prepare(const struct seccomp_plan *s, int report_fd)
{
	char unknown[768] = "";
	uint32_t n_unknown = 0;

	if (!s)
		return NULL;
	scmp_filter_ctx ctx = seccomp_init(s->default_action);
	if (!ctx)
		die("seccomp", EINVAL, "create a filter with default action 0x%x", s->default_action);
	set_attr(ctx, SCMP_FLTATR_API_SYSRAWRC, 1, "raw error codes"); /* not libseccomp's -ECANCELED */
	/* A binary tree instead of a linear list for long profiles (Docker's has ~350 names), as
	 * runc does; an older libseccomp without it is merely slower. */
	if (s->n_rules > 32)
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	for (uint32_t i = 0; i < s->n_arches; i++) {
		int r = seccomp_arch_add(ctx, s->arches[i]);
		if (r < 0 && r != -EEXIST) /* EEXIST: the native one is always there */
			die("seccomp", -r, "add architecture 0x%08x (not supported by libseccomp %u.%u.%u)", s->arches[i],
			    seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
	}
	int max_nr = -1;
	for (uint32_t i = 0; i < s->n_rules; i++) {
		const struct seccomp_rule *rule = &s->rules[i];
		int nr = seccomp_syscall_resolve_name(rule->name);
		if (nr > max_nr)
			max_nr = nr;
		if (nr == __NR_SCMP_ERROR) {
			bool seen = false;
			for (uint32_t j = 0; j < i && !seen; j++)
				seen = !strcmp(s->rules[j].name, rule->name);
			if (!seen)
				note_unknown(unknown, sizeof(unknown), &n_unknown, rule->name);
			continue;
		}
		struct scmp_arg_cmp cmp[ARRAY_LEN(rule->args)];
		for (uint32_t j = 0; j < rule->n_args; j++)
			cmp[j] = (struct scmp_arg_cmp){ .arg = rule->args[j].index,
							.op = (enum scmp_compare)rule->args[j].op,
							.datum_a = rule->args[j].value,
							.datum_b = rule->args[j].value_two };
		int r = seccomp_rule_add_array(ctx, rule->action, nr, rule->n_args, cmp);
		if (r < 0)
			die("seccomp", -r, "add the rule #%u for syscall %s (action 0x%x, %u conditions)", i, rule->name,
			    rule->action, rule->n_args);
	}
	if (n_unknown && report_fd >= 0) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "seccomp: ignored %u syscall name%s unknown to libseccomp %u.%u.%u: %s", n_unknown,
			 n_unknown == 1 ? "" : "s", seccomp_version()->major, seccomp_version()->minor,
			 seccomp_version()->micro, unknown);
		if (send_warning(report_fd, msg) < 0)
			die("seccomp", errno, "report a warning");
	}
	/* The stub only changes what the default action would do to newer syscalls: with a default
	 * that allows (or only logs) there is nothing to change. */
	bool allowing = s->default_action == SCMP_ACT_ALLOW || s->default_action == SCMP_ACT_LOG;
	return compile(ctx, s->flags, allowing ? -1 : max_nr);
}

bool seccomp_load_early(const struct process_plan *pp) { return !pp->no_new_privileges; }

/* With SECCOMP_FILTER_FLAG_NEW_LISTENER, seccomp(2) returns the notify fd (close-on-exec). */
static int g_listener = -1;

void seccomp_load_filter(void *filter)
{
	struct filter *f = filter;

	if (!f)
		return;
	/* no_new_privs is the plan's business (identity_apply): without it the kernel wants
	 * CAP_SYS_ADMIN, which is why seccomp_load_early exists. */
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &f->prog);
	if (r < 0)
		die("seccomp", errno, "load the filter (%u instructions, flags 0x%x)", f->prog.len, f->flags);
	if (f->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		g_listener = (int)r;
}

void seccomp_send_listener(void **filter, int sock)
{
	if (sock < 0)
		return;
	seccomp_load_filter(*filter);
	*filter = NULL;
	int listener = g_listener;
	g_listener = -1;
	if (listener < 0)
		die("seccomp", EINVAL, "a seccomp socket, but the filter has no notify listener");
	fd_send(sock, listener, "seccompFd", "seccomp", "the notify fd to the runtime");
	close(listener);
	close(sock);
}
