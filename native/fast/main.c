/* build/tsrc: the command callers run. The calls that only read or poke a container's saved state
 * (state, start, kill, delete, pause, resume, list) and the fixed answers (features, --version)
 * are served here without starting Node; every
 * other call, and every case these do not handle simply (hooks to run, errors to explain, the
 * systemd driver…), is handed to Node's CLI by exec, with the same arguments. The design is
 * explained in README.md ("The fast path"). TSRC_FAST=0 sends every call to Node; TSRC_FAST=only
 * makes a call the fast path does not serve fail with status 125 instead (tests use it to know
 * which side answered). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "fast_cli.h"
#include "log.h"

/* FNV-1a 64 of the first "flags" line of /proc/cpuinfo, as scripts/gen-fast-cli.mjs computes it. */
static uint64_t cpu_flags_hash(void)
{
	char text[8192];
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	text[n] = 0;
	char *line = strncmp(text, "flags", 5) == 0 ? text : strstr(text, "\nflags");
	if (!line)
		return 0;
	if (*line == '\n')
		line++;
	char *end = strchr(line, '\n');
	if (!end)
		return 0; /* cut off: cannot compare */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (char *p = line; p < end; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return h;
}

/* Whether the startup snapshot can load: present, and this is the node binary and CPU it was built
 * for. Otherwise node would refuse it and exit; bin/tsrc (no snapshot) is slower but works. */
static bool snapshot_usable(const char *blob)
{
	struct stat st;
	if (access(blob, R_OK) != 0 || stat(TSRC_NODE, &st) != 0)
		return false;
	long long mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	return st.st_size == TSRC_NODE_SIZE && mtime_ns == TSRC_NODE_MTIME_NS && cpu_flags_hash() == TSRC_CPU_FLAGS_HASH;
}

/*
 * The caller's environment without NODE_* variables. tsrc's Node takes no flags or preloads from
 * its caller (NODE_OPTIONS could load anything into a runtime running as root), and makes no TLS
 * connection: NODE_EXTRA_CA_CERTS alone makes node parse every certificate in the file before
 * running any code (about 40 ms of a 65 ms start-up on the development VM).
 */
static char **node_environment(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 1, sizeof *env);
	if (!env)
		return environ;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NODE_", 5) != 0)
			env[k++] = environ[i];
	return env;
}

static _Noreturn void exec_node(int argc, char **argv)
{
	const char *fast = getenv("TSRC_FAST");
	if (fast && !strcmp(fast, "only")) {
		fputs("tsrc: TSRC_FAST=only: this call is not served by the fast path\n", stderr);
		exit(125);
	}
	static const char blob[] = TSRC_PACKAGE_ROOT "/build/tsrc.blob";
	static const char script[] = TSRC_PACKAGE_ROOT "/bin/tsrc";
	char **args = calloc((size_t)argc + 4, sizeof *args);
	if (!args)
		abort();
	int n = 0;
	args[n++] = (char *)TSRC_NODE;
	if (snapshot_usable(blob)) {
		/* The snapshot's main reads process.argv[2..]: a name stands where a script would. */
		args[n++] = (char *)"--snapshot-blob";
		args[n++] = (char *)blob;
		args[n++] = (char *)"tsrc";
	} else {
		args[n++] = (char *)script;
	}
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	execve(TSRC_NODE, args, node_environment());
	fprintf(stderr, "tsrc: exec %s: %s\n", TSRC_NODE, strerror(errno));
	exit(127);
}

int main(int argc, char **argv)
{
	const char *fast = getenv("TSRC_FAST");
	struct parsed p;
	if (fast && !strcmp(fast, "0"))
		exec_node(argc, argv);
	if (cli_is_version(argc, argv))
		return fputs(TSRC_VERSION_TEXT, stdout) == EOF || fflush(stdout) ? 1 : 0;
	if (!cli_parse(argc, argv, &p))
		exec_node(argc, argv);
	if (!strcmp(cli_value(&p, "rootless"), "true"))
		exec_node(argc, argv);
	const char *root = cli_value(&p, "root");
	const char *format = cli_value(&p, "log-format");
	log_setup(cli_value(&p, "log"), format && !strcmp(format, "json"));
	log_touch();

	static const struct {
		const char *name;
		int (*run)(const char *root, const struct parsed *p);
	} table[] = {
		{ "state", cmd_state }, { "start", cmd_start }, { "kill", cmd_kill }, { "delete", cmd_delete },
		{ "pause", cmd_pause }, { "resume", cmd_resume }, { "list", cmd_list }, { "features", cmd_features },
	};
	int rc = FALLBACK;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (!strcmp(table[i].name, p.command->name))
			rc = table[i].run(root, &p);
	if (rc == FALLBACK)
		exec_node(argc, argv);
	return rc;
}
