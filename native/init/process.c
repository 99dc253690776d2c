/* Process attributes applied by the container init before it execs. */
#include "process.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../linux_compat.h"

void session_apply(const struct plan *p)
{
	if (setsid() < 0)
		die("setsid", errno, "create a new session");
	if (p->no_new_keyring)
		return;
	/* Under SELinux the keyring gets the process's label, as runc creates it (and the label is
	 * not left set for keys made later). */
	const char *label = p->process.selinux_label;
	if (label && attr_write("/proc/thread-self/attr/keycreate", label) < 0)
		die("keyring", errno, "set the SELinux key creation label %s", label);
	/* A fresh anonymous session keyring, so the container cannot read the host's keys. Kernels
	 * built without keys (or a seccomp that refuses keyctl) answer ENOSYS: nothing to isolate. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		die("keyring", errno, "join a new session keyring");
	if (label && attr_write("/proc/thread-self/attr/keycreate", "") < 0)
		die("keyring", errno, "reset the SELinux key creation label");
}

void oom_score_adj_apply(const struct process_plan *pp, int procfd)
{
	char buf[16];

	if (!pp->has_oom_score_adj)
		return;
	int fd = openat(procfd, "self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	int n = snprintf(buf, sizeof(buf), "%d", pp->oom_score_adj);
	if (fd < 0 || write_full(fd, buf, (size_t)n) < 0)
		die("oom_score_adj", errno, "set oom_score_adj to %d", pp->oom_score_adj);
	close(fd);
}

void uts_apply(const struct plan *p)
{
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		die("hostname", errno, "set hostname %s", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		die("domainname", errno, "set domainname %s", p->domainname);
}

/* "net.ipv4.conf.eth0/1.forwarding" -> "net/ipv4/conf/eth0.1/forwarding" (sysctl(8) form). */
static bool sysctl_path(const char *key, char *out, size_t size)
{
	size_t n = strlen(key);

	if (n == 0 || n >= size || key[0] == '.' || key[n - 1] == '.')
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = key[i];
		out[i] = c == '.' ? '/' : c == '/' ? '.' : c;
		if (c == '.' && key[i + 1] == '.')
			return false;
	}
	/* No component may be "." or ".." after the swap. */
	for (const char *s = out; *s;) {
		const char *e = strchrnul(s, '/');
		size_t len = (size_t)(e - s);
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s = *e ? e + 1 : e;
	}
	return true;
}

void sysctls_apply(const struct plan *p)
{
	char rel[PATH_MAX];

	if (p->n_sysctls == 0)
		return;
	/* Written before pivot_root through the host's /proc/sys: namespaced sysctls resolve to
	 * the writer's namespaces, so this is the container's net/ipc/uts view. */
	int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct statfs sf;
	if (dir < 0 || fstatfs(dir, &sf) < 0)
		die("sysctl", errno, "open /proc/sys");
	if (sf.f_type != PROC_SUPER_MAGIC)
		die("sysctl", EINVAL, "/proc/sys is not on procfs");
	for (uint32_t i = 0; i < p->n_sysctls; i++) {
		const struct kv *s = &p->sysctls[i];
		if (!sysctl_path(s->key, rel, sizeof(rel)))
			die("sysctl", EINVAL, "invalid sysctl key %s", s->key);
		struct open_how how = {
			.flags = O_WRONLY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
		};
		int fd = (int)syscall(SYS_openat2, dir, rel, &how, sizeof(how));
		if (fd < 0)
			die("sysctl", errno, "open /proc/sys/%s", rel);
		if (write_full(fd, s->value, strlen(s->value)) < 0)
			die("sysctl", errno, "write %s=%s", s->key, s->value);
		close(fd);
	}
	close(dir);
}

void rlimits_apply(const struct process_plan *pp)
{
	for (uint32_t i = 0; i < pp->n_rlimits; i++) {
		const struct rlimit_step *r = &pp->rlimits[i];
		struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
		if (setrlimit((__rlimit_resource_t)r->resource, &rl) < 0)
			die("rlimit", errno, "set rlimit %u to soft %llu hard %llu", r->resource,
			    (unsigned long long)r->soft, (unsigned long long)r->hard);
	}
}

static void drop_bounding(uint64_t keep)
{
	for (unsigned cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break; /* EINVAL past the kernel's last capability */
		if (r == 1 && !(keep & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			die("capabilities", errno, "drop capability %u from the bounding set", cap);
	}
}

static void set_caps(const struct caps *c)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(c->effective >> (32 * i));
		data[i].permitted = (uint32_t)(c->permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(c->inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("capabilities", errno, "capset effective 0x%llx permitted 0x%llx inheritable 0x%llx",
		    (unsigned long long)c->effective, (unsigned long long)c->permitted,
		    (unsigned long long)c->inheritable);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die("capabilities", errno, "clear the ambient set");
	for (unsigned cap = 0; cap < 64; cap++)
		if ((c->ambient & (1ull << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			die("capabilities", errno, "raise ambient capability %u", cap);
}

/* runc's fixStdioPermissions: the process's stdio (a pty, pipes) becomes its user's, so it can
 * reopen /dev/stdout or /proc/self/fd/N. /dev/null stays as it is; an owner or a file system
 * that will not allow it is no reason to fail. */
static void stdio_chown(uid_t uid)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0 || st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
			die("user", errno, "give stdio fd %d to uid %u", fd, uid);
	}
}

void identity_apply(const struct process_plan *pp)
{
	stdio_chown(pp->uid);
	if (pp->has_caps) {
		drop_bounding(pp->caps.bounding);
		/* Keep the permitted set across the uid change; capset then sets exactly the plan's. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			die("capabilities", errno, "set keepcaps");
	}
	/* A user namespace with setgroups denied refuses even an empty list: nothing to clear then. */
	if (setgroups(pp->n_gids, pp->gids) < 0 && !(errno == EPERM && pp->n_gids == 0))
		die("user", errno, "setgroups (%u additional gids)", pp->n_gids);
	if (setresgid(pp->gid, pp->gid, pp->gid) < 0)
		die("user", errno, "setgid %u", pp->gid);
	if (setresuid(pp->uid, pp->uid, pp->uid) < 0)
		die("user", errno, "setuid %u", pp->uid);
	/* After the switch, so the cwd is checked with the user's own permissions. */
	if (chdir(pp->cwd) < 0)
		die("cwd", errno, "chdir to cwd (\"%s\") set in config.json failed", pp->cwd);
	if (pp->has_caps) {
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			die("capabilities", errno, "clear keepcaps");
		set_caps(&pp->caps);
	}
	if (pp->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privileges", errno, "set no_new_privs");
}
