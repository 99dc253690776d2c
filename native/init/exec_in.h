/* `tsrc-init exec`: one more process inside a running (or created) container. */
#ifndef TSRC_EXEC_IN_H
#define TSRC_EXEC_IN_H

_Noreturn void exec_in_main(int sync_fd);

#endif
