/* The command line of the calls native/fast serves, read with the grammar of lib/cli/fast-parse.ts
 * from the table generated out of lib/cli/commands.ts. Anything it does not accept goes to Node,
 * which prints help or the argument error. */
#ifndef TSRC_FAST_CLI_H
#define TSRC_FAST_CLI_H

#include <stdbool.h>

enum opt_type { OPT_STRING, OPT_BOOLEAN, OPT_NUMBER, OPT_ARRAY };

struct opt_spec {
	const char *name, *alias;
	enum opt_type type;
	const char *const *choices;
	const char *def;
};

struct cmd_spec {
	const char *name, *alias;
	int n_positionals, n_required;
	const struct opt_spec *options;
};

struct signal_name {
	const char *name;
	int num;
};

#define MAX_VALUES 16

struct parsed {
	const struct cmd_spec *command;
	const char *positionals[4];
	int n_positionals;
	struct {
		const struct opt_spec *spec;
		const char *value; /* "true"/"false" for booleans */
	} values[MAX_VALUES];
	int n_values;
};

/* false: not a call native/fast parses (unknown command, help, malformed, …). */
bool cli_parse(int argc, char **argv, struct parsed *out);

/* Only global options and --version/-v: what yargs answers with the version text. */
bool cli_is_version(int argc, char **argv);

/* The value of option `name` (command or global), its default if not given, or NULL. */
const char *cli_value(const struct parsed *p, const char *name);
bool cli_flag(const struct parsed *p, const char *name);

/* runc's signal argument: a number 1..64 or a name with or without SIG, any case; -1 if not one. */
int cli_signal(const char *arg);

#endif
