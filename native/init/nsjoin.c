/* setns into the namespaces of another process, in an order the kernel accepts. */
#include "nsjoin.h"
#include "sealed.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../linux_compat.h"

static const struct {
	int flag;
	const char *name;
} KINDS[NS_KINDS] = {
	/* Join order: user first (it grants the rights for the rest), mount last. */
	{ CLONE_NEWUSER, "user" }, { CLONE_NEWIPC, "ipc" },   { CLONE_NEWUTS, "uts" },
	{ CLONE_NEWNET, "net" },   { CLONE_NEWPID, "pid" },   { CLONE_NEWCGROUP, "cgroup" },
	{ CLONE_NEWTIME, "time" }, { CLONE_NEWNS, "mnt" },
};

void ns_open(int procfd, pid_t pid, uint32_t kinds, struct ns_set *out, const char *step)
{
	for (size_t i = 0; i < NS_KINDS; i++) {
		char path[64], self[64];
		struct stat a, b;

		out->fd[i] = -1;
		if (!(kinds & (uint32_t)KINDS[i].flag))
			continue;
		snprintf(path, sizeof(path), "%d/ns/%s", pid, KINDS[i].name);
		snprintf(self, sizeof(self), "self/ns/%s", KINDS[i].name);
		int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT && KINDS[i].flag != CLONE_NEWNS && faccessat(procfd, "self/ns", F_OK, 0) == 0 &&
			    faccessat(procfd, self, F_OK, 0) < 0)
				continue; /* a namespace kind this kernel does not have */
			die(step, errno, "open /proc/%s", path);
		}
		if (fstat(fd, &a) < 0 || fstatat(procfd, self, &b, 0) < 0)
			die(step, errno, "stat /proc/%s", path);
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			close(fd); /* already there; setns to our own user namespace would fail */
			continue;
		}
		out->fd[i] = fd;
	}
}

void ns_join(struct ns_set *s, pid_t pid, const char *step)
{
	for (size_t i = 0; i < NS_KINDS; i++) {
		if (s->fd[i] < 0)
			continue;
		if (setns(s->fd[i], KINDS[i].flag) < 0)
			die(step, errno, "join the %s namespace of pid %d", KINDS[i].name, pid);
		close(s->fd[i]);
		s->fd[i] = -1;
		/* Act as the container's root, as its own init would: our host uid is usually not
		 * mapped there, and an unmapped fsuid cannot create files (EOVERFLOW). */
		if (KINDS[i].flag == CLONE_NEWUSER) {
			if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
				die(step, errno, "setgid 0 in the user namespace of pid %d", pid);
			if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
				die(step, errno, "setuid 0 in the user namespace of pid %d", pid);
			dumpable_for_userns(); /* see sealed.c */
		}
	}
}

int ns_take(struct ns_set *s, int kind)
{
	for (size_t i = 0; i < NS_KINDS; i++) {
		if (KINDS[i].flag == kind) {
			int fd = s->fd[i];
			s->fd[i] = -1;
			return fd;
		}
	}
	return -1;
}
