/* tsrc-init: the small C half of tsrc. Modes:
 *   tsrc-init init <syncfd>    create a container from the PLAN read on <syncfd>
 *   tsrc-init exec <syncfd>    run one more process in a running (or created) container (EXEC)
 *   tsrc-init enter <syncfd>   run a program in the namespaces of a running process (ENTER)
 *   tsrc-init dump             decode a PLAN, EXEC or ENTER frame from stdin and print it as JSON
 * The protocol is described in PROTOCOL.md. */
#include "common.h"
#include "dump.h"
#include "enter.h"
#include "exec_in.h"
#include "sealed.h"
#include "stages.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int usage(void)
{
	fputs("usage: tsrc-init init <syncfd> | tsrc-init exec <syncfd> | tsrc-init enter <syncfd> | tsrc-init dump\n"
	      "tsrc-init is started by tsrc; it is not meant to be run by hand.\n",
	      stderr);
	return 2;
}

static int parse_sync_fd(const char *s)
{
	char *end;
	errno = 0;
	long fd = strtol(s, &end, 10);
	struct stat st;

	if (errno || *end || end == s || fd < 3 || fd > INT_MAX)
		die("init", EINVAL, "bad sync fd \"%s\"", s);
	if (fstat((int)fd, &st) < 0)
		die("init", errno, "sync fd %ld", fd);
	if (!S_ISSOCK(st.st_mode))
		die("init", ENOTSOCK, "sync fd %ld is not a socket", fd);
	/* The runtime's end is non-blocking; ours must not be. */
	int fl = fcntl((int)fd, F_GETFL);
	if (fl < 0 || fcntl((int)fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		die("init", errno, "sync fd %ld: clear O_NONBLOCK", fd);
	/* Never let the sync socket leak into a program we exec. */
	if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
		die("init", errno, "sync fd %ld: set close-on-exec", fd);
	return (int)fd;
}

int main(int argc, char **argv)
{
	/* A hook or the runtime going away must be an EPIPE, not a silent death; signals_reset()
	 * restores the default before anything is exec'd. */
	signal(SIGPIPE, SIG_IGN);
	/* Every mode but dump runs inside (or next to) a container's processes. */
	if (argc == 3 && (!strcmp(argv[1], "init") || !strcmp(argv[1], "exec") || !strcmp(argv[1], "enter")))
		sealed_self(argv);
	if (argc == 3 && !strcmp(argv[1], "init"))
		init_main(parse_sync_fd(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "exec"))
		exec_in_main(parse_sync_fd(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "enter"))
		enter_main(parse_sync_fd(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "dump"))
		return dump_main();
	return usage();
}
