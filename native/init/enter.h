/* `tsrc-init enter <syncfd>`: run one program inside the namespaces of a running process. */
#ifndef TSRC_ENTER_H
#define TSRC_ENTER_H

_Noreturn void enter_main(int sync_fd);

#endif
