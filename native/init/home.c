/* HOME from /etc/passwd. The file is the container's and so untrusted: it is opened without
 * blocking (a FIFO there must not hang the runtime), only a regular file is read, and only a
 * bounded amount of it. */
#include "home.h"
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWD_MAX (4u << 20)

/* The 6th field of the passwd line whose 3rd field is uid, or NULL. `line` is changed. */
static const char *home_of(char *line, uint32_t uid)
{
	char *field[7];
	int n = 0;

	for (char *s = line; n < 7;) {
		field[n++] = s;
		char *colon = strchr(s, ':');
		if (!colon)
			break;
		*colon = 0;
		s = colon + 1;
	}
	if (n < 6)
		return NULL;
	char *end;
	unsigned long v = strtoul(field[2], &end, 10);
	if (field[2][0] == 0 || *end || v != uid)
		return NULL;
	return field[5];
}

static const char *lookup(uint32_t uid, char *buf, size_t size)
{
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return NULL;
	}
	const char *home = NULL;
	size_t total = 0;
	while (!home && total < PASSWD_MAX && fgets(buf, (int)size, f)) {
		size_t len = strlen(buf);
		total += len;
		if (len && buf[len - 1] == '\n')
			buf[--len] = 0;
		else if (!feof(f)) {
			/* Longer than any sane entry: skip the rest of it. */
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				total++;
			continue;
		}
		home = home_of(buf, uid);
	}
	fclose(f);
	return home;
}

char *const *home_env(const struct process_plan *pp)
{
	if (!pp->home_from_passwd)
		return (char *const *)pp->env.v;
	static char line[4096];
	const char *home = lookup(pp->uid, line, sizeof(line));
	/* runc: the passwd entry's directory; "/" without an entry (or with an empty one). */
	if (!home || !*home)
		home = "/";
	char **env = calloc(pp->env.n + 2, sizeof(*env));
	char *kv = malloc(strlen(home) + 6);
	if (!env || !kv)
		die("env", ENOMEM, "set HOME");
	memcpy(env, pp->env.v, pp->env.n * sizeof(*env));
	strcpy(kv, "HOME=");
	strcat(kv, home);
	/* An empty HOME= counts as none (Go's Getenv, hence runc): it is the one replaced. */
	uint32_t at = pp->env.n;
	for (uint32_t i = 0; i < pp->env.n; i++)
		if (!strcmp(pp->env.v[i], "HOME="))
			at = i;
	env[at] = kv;
	return env;
}
