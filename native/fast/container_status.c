#include "container_status.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int container_status(const char *dir, enum status *out)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct saved_state s;
	int rc = state_load(fd, "", &s);
	if (rc == 0) {
		rc = derive_status(fd, "", &s, out);
		if (rc < 0)
			errno = ETIMEDOUT;
		state_free(&s);
	}
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}
