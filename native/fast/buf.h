/* A growable byte buffer: output is assembled here and written with one write(2). */
#ifndef TSRC_FAST_BUF_H
#define TSRC_FAST_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t n, cap;
};

void buf_add(struct buf *b, const void *p, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes everything to fd; 0 or -1 (errno). */
int buf_write(const struct buf *b, int fd);
void buf_free(struct buf *b);

#endif
