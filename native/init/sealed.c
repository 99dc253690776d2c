/* A process in the container that can see a runtime process (the init blocked on the exec fifo,
 * the child of `tsrc-init exec` before its execve) reaches that process's binary through
 * /proc/<pid>/exe. Were it the host's build/Release/tsrc-init, it could be opened for writing
 * once the process is gone, and the next container would run what was written, as host root
 * (CVE-2019-5736). So tsrc-init runs from an anonymous memfd copy of itself, sealed against
 * writes, growth and shrinking: /proc/<pid>/exe then leads to that copy, never to a host file.
 * The process is also non-dumpable until it execs the container's program (execve makes it
 * dumpable again), so /proc/<pid>/exe is not even reachable from the container. */
#include "sealed.h"
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../linux_compat.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

void sealed_self(char **argv)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		die("seal", errno, "open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS) {
		close(self);
		/* The kernel names a process run from a memfd "memfd:tsrc-init"; ps shows what it is. */
		prctl(PR_SET_NAME, "tsrc-init", 0, 0, 0);
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			die("seal", errno, "make the process non-dumpable");
		return;
	}
	struct stat st;
	if (fstat(self, &st) < 0)
		die("seal", errno, "stat /proc/self/exe");
	int mfd = memfd_create("tsrc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		die("seal", errno, "memfd_create");
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = sendfile(mfd, self, NULL, (size_t)(st.st_size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("seal", n < 0 ? errno : EIO, "copy /proc/self/exe into a memfd");
		done += n;
	}
	close(self);
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		die("seal", errno, "seal the memfd copy");
	/* The fd is close-on-exec: the kernel holds the file once the new image is loaded. */
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	die("seal", errno, "execute the sealed copy");
}

void dumpable_for_userns(void)
{
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		die("user", errno, "make the process dumpable in its user namespace");
}
