#include "output.h"

#include <string.h>

#include "json.h"

static void field(struct buf *out, const char *sep, const char *name, struct span raw)
{
	buf_printf(out, "%s\"%s\":%s", sep, name, sep[0] == ',' && sep[1] == 0 ? "" : " ");
	buf_add(out, raw.p, raw.n);
}

bool print_state(struct buf *out, const struct saved_state *s, enum status st)
{
	buf_str(out, "{\n");
	field(out, "  ", "ociVersion", s->oci_version);
	field(out, ",\n  ", "id", s->id);
	buf_printf(out, ",\n  \"pid\": %lld", st == ST_STOPPED ? 0LL : s->pid);
	buf_printf(out, ",\n  \"status\": \"%s\"", status_name(st));
	field(out, ",\n  ", "bundle", s->bundle);
	field(out, ",\n  ", "rootfs", s->rootfs);
	field(out, ",\n  ", "created", s->created);
	field(out, ",\n  ", "owner", s->owner);
	if (s->annotations.n) {
		buf_str(out, ",\n  \"annotations\": {");
		const char *cur = s->annotations.p + 1, *end = s->annotations.p + s->annotations.n;
		struct span k, v;
		int r, n = 0;
		while ((r = json_next_member(&cur, end, &k, &v)) == 1) {
			if (!json_is(v, '"'))
				return false;
			buf_str(out, n++ ? ",\n    \"" : "\n    \"");
			buf_add(out, k.p, k.n);
			buf_str(out, "\": ");
			buf_add(out, v.p, v.n);
		}
		if (r < 0)
			return false;
		buf_str(out, n ? "\n  }" : "}");
	}
	buf_str(out, "\n}\n");
	return true;
}

void print_state_compact(struct buf *out, const struct saved_state *s, enum status st)
{
	buf_str(out, "{\"ociVersion\":");
	buf_add(out, s->oci_version.p, s->oci_version.n);
	buf_str(out, ",\"id\":");
	buf_add(out, s->id.p, s->id.n);
	buf_printf(out, ",\"pid\":%lld,\"status\":\"%s\"", st == ST_STOPPED ? 0LL : s->pid, status_name(st));
	field(out, ",", "bundle", s->bundle);
	field(out, ",", "rootfs", s->rootfs);
	field(out, ",", "created", s->created);
	field(out, ",", "owner", s->owner);
	if (s->annotations.n)
		field(out, ",", "annotations", s->annotations);
	buf_str(out, "}");
}

void print_table(struct buf *out, struct list_row *rows, int n)
{
	size_t width[6] = { 0 };
	for (int r = 0; r < n; r++)
		for (int c = 0; c < 6; c++) {
			size_t w = utf16_length(rows[r].cells[c]);
			if (w > width[c])
				width[c] = w;
		}
	for (int r = 0; r < n; r++) {
		size_t start = out->n;
		for (int c = 0; c < 6; c++) {
			buf_str(out, rows[r].cells[c]);
			if (c < 5)
				for (size_t pad = utf16_length(rows[r].cells[c]); pad < width[c] + 3; pad++)
					buf_add(out, " ", 1);
		}
		/* trimEnd: whitespace at the end of the line, which can only be padding or the owner's own. */
		while (out->n > start && (out->p[out->n - 1] == ' ' || out->p[out->n - 1] == '\t'))
			out->n--;
		buf_add(out, "\n", 1);
	}
}
