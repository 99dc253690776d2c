#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fast_cli.h"

static const struct opt_spec *lookup(const struct opt_spec *opts, const char *token, size_t len)
{
	if (!opts)
		return NULL;
	bool dashdash = len > 2 && token[1] == '-';
	const char *bare = token + (dashdash ? 2 : 1);
	size_t n = len - (size_t)(bare - token);
	for (const struct opt_spec *o = opts; o->name; o++) {
		if (strlen(o->name) == n && strncmp(o->name, bare, n) == 0)
			return o;
		/* Single-dash long names (-no-subreaper) and one-letter aliases, as urfave/cli takes them. */
		if (!dashdash && o->alias && strlen(o->alias) == n && strncmp(o->alias, bare, n) == 0)
			return o;
	}
	return NULL;
}

static bool all_digits(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool set_value(struct parsed *p, const struct opt_spec *o, const char *v)
{
	if (o->type == OPT_NUMBER && !all_digits(v))
		return false;
	if (o->choices) {
		bool ok = false;
		for (const char *const *c = o->choices; *c && !ok; c++)
			ok = strcmp(*c, v) == 0;
		if (!ok)
			return false;
	}
	for (int i = 0; i < p->n_values; i++) {
		if (p->values[i].spec == o) {
			if (o->type == OPT_ARRAY)
				return false; /* no fast command takes repeated options */
			p->values[i].value = v;
			return true;
		}
	}
	if (p->n_values == MAX_VALUES)
		return false;
	p->values[p->n_values].spec = o;
	p->values[p->n_values++].value = v;
	return true;
}

bool cli_parse(int argc, char **argv, struct parsed *p)
{
	memset(p, 0, sizeof *p);
	for (int i = 1; i < argc; i++) {
		const char *t = argv[i];
		if (!strcmp(t, "-h") || !strcmp(t, "--help") || !strcmp(t, "-v") || !strcmp(t, "--version") || !strcmp(t, "--"))
			return false;
		if (t[0] == '-' && t[1]) {
			const char *eq = strchr(t, '=');
			size_t len = eq && eq > t ? (size_t)(eq - t) : strlen(t);
			const char *inline_value = eq && eq > t ? eq + 1 : NULL;
			const struct opt_spec *o = p->command ? lookup(p->command->options, t, len) : NULL;
			if (!o)
				o = lookup(GLOBAL_OPTIONS, t, len);
			if (!o)
				return false;
			const char *v;
			if (o->type == OPT_BOOLEAN) {
				v = inline_value ? inline_value : "true";
				if (strcmp(v, "true") && strcmp(v, "false"))
					return false;
				/* --debug lines are written by the Node CLI, which says what each step did. */
				if (!strcmp(o->name, "debug") && !strcmp(v, "true"))
					return false;
			} else if (inline_value) {
				v = inline_value;
			} else if (i + 1 < argc) {
				v = argv[++i];
			} else {
				return false;
			}
			if (!set_value(p, o, v))
				return false;
			continue;
		}
		if (!p->command) {
			for (const struct cmd_spec *c = COMMANDS; c->name && !p->command; c++)
				if (!strcmp(c->name, t) || (c->alias && !strcmp(c->alias, t)))
					p->command = c;
			if (!p->command)
				return false;
		} else {
			if (p->n_positionals >= p->command->n_positionals)
				return false;
			p->positionals[p->n_positionals++] = t;
		}
	}
	return p->command && p->n_positionals >= p->command->n_required;
}

const char *cli_value(const struct parsed *p, const char *name)
{
	for (int i = 0; i < p->n_values; i++)
		if (!strcmp(p->values[i].spec->name, name))
			return p->values[i].value;
	for (const struct opt_spec *o = p->command->options; o->name; o++)
		if (!strcmp(o->name, name))
			return o->def;
	for (const struct opt_spec *o = GLOBAL_OPTIONS; o->name; o++)
		if (!strcmp(o->name, name))
			return o->def;
	return NULL;
}

bool cli_flag(const struct parsed *p, const char *name)
{
	const char *v = cli_value(p, name);
	return v && !strcmp(v, "true");
}

int cli_signal(const char *arg)
{
	if (!arg || !*arg)
		return 15; /* SIGTERM, as lib/util/signals.ts */
	if (all_digits(arg) && arg[0] != '-') {
		if (strlen(arg) > 3)
			return -1;
		int n = atoi(arg);
		return n >= 0 && n <= 64 ? n : -1; /* 0: a check that the init exists (lib/util/signals.ts) */
	}
	const char *name = strncasecmp(arg, "SIG", 3) == 0 ? arg + 3 : arg;
	for (const struct signal_name *s = SIGNAL_NAMES; s->name; s++)
		if (!strcasecmp(s->name + 3, name))
			return s->num;
	return -1;
}

bool cli_is_version(int argc, char **argv)
{
	bool seen = false;
	for (int i = 1; i < argc; i++) {
		const char *t = argv[i];
		if (!strcmp(t, "--version") || !strcmp(t, "-v")) {
			seen = true;
			continue;
		}
		const char *eq = strchr(t, '=');
		size_t len = eq ? (size_t)(eq - t) : strlen(t);
		const struct opt_spec *o = t[0] == '-' && t[1] ? lookup(GLOBAL_OPTIONS, t, len) : NULL;
		if (!o)
			return false;
		if (o->type != OPT_BOOLEAN && !eq && ++i >= argc)
			return false;
	}
	return seen;
}
