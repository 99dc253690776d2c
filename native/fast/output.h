/* What `state` and `list` print, as lib/cli/state.ts and lib/cli/list.ts print it: the
 * publicState object (lib/container/state.ts) as JSON.stringify writes it, or list's table. */
#ifndef TSRC_FAST_OUTPUT_H
#define TSRC_FAST_OUTPUT_H

#include "buf.h"
#include "state_file.h"
#include "status.h"

/* JSON.stringify(publicState, null, 2) + "\n"; false if the annotations are not a string map. */
bool print_state(struct buf *out, const struct saved_state *s, enum status st);
/* JSON.stringify(publicState): one compact object. */
void print_state_compact(struct buf *out, const struct saved_state *s, enum status st);

struct list_row {
	char *cells[6];
};
/* list's table: columns padded to the widest cell + 3, the last unpadded, lines right-trimmed. */
void print_table(struct buf *out, struct list_row *rows, int n);

#endif
