#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p == '"')
			return p + 1;
		if ((unsigned char)*p < 0x20)
			return NULL;
	}
	return NULL;
}

const char *json_skip_value(const char *p, const char *end)
{
	p = ws(p, end);
	if (p >= end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[') {
		/* Nesting is tracked by a depth counter; strings are skipped whole so brackets in them don't count. */
		int depth = 0;
		while (p < end) {
			if (*p == '"') {
				p = skip_string(p, end);
				if (!p)
					return NULL;
				continue;
			}
			if (*p == '{' || *p == '[')
				depth++;
			else if (*p == '}' || *p == ']') {
				if (--depth == 0)
					return p + 1;
			}
			p++;
		}
		return NULL;
	}
	const char *s = p;
	while (p < end && (strchr("-+.eE", *p) || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
		p++;
	return p > s ? p : NULL;
}

/* The start of the next item of an object or array closed by `close`, past a separating comma;
 * NULL at its end, with *cur moved past `close`. */
static const char *next_item(const char **cur, const char *end, char close)
{
	const char *p = ws(*cur, end);
	if (p < end && *p == ',')
		p = ws(p + 1, end);
	if (p < end && *p == close) {
		*cur = p + 1;
		return NULL;
	}
	return p;
}

/* The value starting at p into *val, *cur past it: 1, or -1 if it is malformed. */
static int take_value(const char *p, const char *end, struct span *val, const char **cur)
{
	const char *v = json_skip_value(p, end);
	if (!v)
		return -1;
	val->p = p;
	val->n = (size_t)(v - p);
	*cur = v;
	return 1;
}

int json_next_member(const char **cur, const char *end, struct span *key, struct span *val)
{
	const char *p = next_item(cur, end, '}');
	if (!p)
		return 0;
	if (p >= end || *p != '"')
		return -1;
	const char *k = skip_string(p, end);
	if (!k)
		return -1;
	key->p = p + 1;
	key->n = (size_t)(k - p - 2);
	p = ws(k, end);
	if (p >= end || *p != ':')
		return -1;
	return take_value(ws(p + 1, end), end, val, cur);
}

int json_next_element(const char **cur, const char *end, struct span *val)
{
	const char *p = next_item(cur, end, ']');
	return p ? take_value(p, end, val, cur) : 0;
}

bool json_get(struct span obj, const char *key, struct span *val)
{
	if (!json_is(obj, '{'))
		return false;
	const char *cur = obj.p + 1, *end = obj.p + obj.n;
	size_t kn = strlen(key);
	struct span k, v;
	int r;
	while ((r = json_next_member(&cur, end, &k, &v)) == 1) {
		if (k.n == kn && memcmp(k.p, key, kn) == 0) {
			*val = v;
			return true;
		}
	}
	return false;
}

bool json_is(struct span v, char first)
{
	return v.n > 0 && v.p[0] == first;
}

bool json_int(struct span v, long long *out)
{
	long long n = 0;
	size_t i = 0;
	bool neg = v.n > 0 && v.p[0] == '-';
	if (neg)
		i++;
	if (i == v.n)
		return false;
	for (; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9' || n > (INT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (v.p[i] - '0');
	}
	*out = neg ? -n : n;
	return true;
}

bool json_bool(struct span v, bool *out)
{
	if (v.n == 4 && memcmp(v.p, "true", 4) == 0)
		*out = true;
	else if (v.n == 5 && memcmp(v.p, "false", 5) == 0)
		*out = false;
	else
		return false;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

char *json_str(struct span v)
{
	if (v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"')
		return NULL;
	char *out = malloc(v.n * 2), *o = out; /* \uXXXX (6 bytes) never grows beyond 4 */
	if (!out)
		return NULL;
	const char *p = v.p + 1, *end = v.p + v.n - 1;
	while (p < end) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= end)
			goto bad;
		char c = *p++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			if (end - p < 4)
				goto bad;
			int cp = hex4(p);
			p += 4;
			if (cp <= 0)
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				int lo = hex4(p + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
			}
			o += utf8_put(o, (uint32_t)cp);
			break;
		}
		default:
			goto bad;
		}
	}
	*o = 0;
	return out;
bad:
	free(out);
	return NULL;
}

size_t utf16_length(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue; /* continuation byte */
		n += *p >= 0xf0 ? 2 : 1;
	}
	return n;
}

void json_quote(struct buf *out, const char *s)
{
	buf_add(out, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': buf_add(out, "\\\"", 2); break;
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\b': buf_add(out, "\\b", 2); break;
		case '\f': buf_add(out, "\\f", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\t': buf_add(out, "\\t", 2); break;
		default:
			if (*p < 0x20)
				buf_printf(out, "\\u%04x", *p);
			else
				buf_add(out, p, 1);
		}
	}
	buf_add(out, "\"", 1);
}
