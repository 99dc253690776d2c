/* `tsrc-init dump`: decode a PLAN, EXEC or ENTER frame from stdin and print it as JSON (for tests). */
#ifndef TSRC_DUMP_H
#define TSRC_DUMP_H

int dump_main(void);

#endif
