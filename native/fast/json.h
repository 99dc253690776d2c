/* Just enough JSON to read tsrc's own state.json (schemas/state-file.schema.json): it was written
 * by JSON.stringify, so values are located as raw spans and, where the output needs them again,
 * copied verbatim: the escaping then matches what the TypeScript side prints, byte for byte. */
#ifndef TSRC_FAST_JSON_H
#define TSRC_FAST_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct span {
	const char *p;
	size_t n;
};

/* The end of the value starting at p (after leading whitespace), or NULL if it is malformed. */
const char *json_skip_value(const char *p, const char *end);

/* The next member of the object whose '{' the cursor *cur has passed (set *cur = obj.p + 1 first).
 * Returns 1 with key (raw, without quotes) and value (raw), 0 at '}', -1 if malformed. */
int json_next_member(const char **cur, const char *end, struct span *key, struct span *val);

/* The next element of an array (set *cur = arr.p + 1 first): 1, 0 at ']', -1 if malformed. */
int json_next_element(const char **cur, const char *end, struct span *val);

/* Member `key` of an object span; false if absent or malformed. Keys are compared raw. */
bool json_get(struct span obj, const char *key, struct span *val);

bool json_is(struct span v, char first);
bool json_int(struct span v, long long *out);
bool json_bool(struct span v, bool *out);

/* Unescapes a string value into a new NUL-terminated buffer (malloc); NULL if not a string.
 * A string holding \u0000 is refused: it cannot be a path or a name. */
char *json_str(struct span v);

/* UTF-16 code units of the UTF-8 text s (what a JavaScript string's length counts). */
size_t utf16_length(const char *s);

/* Appends s to out as a JSON string (JSON.stringify's escaping). */
struct buf;
void json_quote(struct buf *out, const char *s);

#endif
