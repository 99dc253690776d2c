#include "commands.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "buf.h"
#include "cgroup_rm.h"
#include "fast_cli.h"
#include "freezer.h"
#include "log.h"
#include "output.h"
#include "state_file.h"
#include "status.h"

#include "../linux_compat.h"

/* lib/spec/id.ts: A-Z a-z 0-9 _ + - . only, one path component, at most 255 bytes. */
static bool valid_id(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 255 || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("_+.-", *c)))
			return false;
	return true;
}

struct container {
	int dirfd;
	struct saved_state s;
	enum status st;
};

/* Opens <root>/<id> and its state; with lock, under the container's flock (lib/container/lock.ts).
 * Returns 0, or the errno of a missing container (ENOENT/ENOTDIR), or -1 for anything else. */
static int open_container(const char *root, const char *id, bool lock, struct container *c)
{
	char path[4096];
	if (!valid_id(id) || (size_t)snprintf(path, sizeof path, "%s/%s", root, id) >= sizeof path)
		return -1;
	c->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? errno : -1;
	if (lock && flock(c->dirfd, LOCK_EX) < 0)
		goto fail;
	if (state_load(c->dirfd, "", &c->s) < 0) {
		/* A directory without its state (a create killed before it saved any) is for Node's
		 * recovery (lib/container/stale.ts), not "does not exist". */
		close(c->dirfd);
		return -1;
	}
	if (derive_status(c->dirfd, "", &c->s, &c->st) < 0) {
		state_free(&c->s);
		goto fail;
	}
	return 0;
fail:
	close(c->dirfd);
	return -1;
}

static void close_container(struct container *c)
{
	state_free(&c->s);
	close(c->dirfd); /* drops the flock */
}

static int print(struct buf *b)
{
	int rc = buf_write(b, 1) < 0 ? 1 : 0;
	buf_free(b);
	return rc;
}

int cmd_state(const char *root, const struct parsed *p)
{
	struct container c;
	if (open_container(root, p->positionals[0], false, &c) != 0)
		return FALLBACK;
	struct buf out = { 0 };
	bool ok = print_state(&out, &c.s, c.st);
	close_container(&c);
	if (!ok) {
		buf_free(&out);
		return FALLBACK;
	}
	return print(&out);
}

int cmd_start(const char *root, const struct parsed *p)
{
	struct container c;
	if (open_container(root, p->positionals[0], true, &c) != 0)
		return FALLBACK;
	if (c.st != ST_CREATED || c.s.n_poststart > 0) {
		close_container(&c);
		return FALLBACK;
	}
	/* Opening the fifo for writing releases the init blocked on it; ENXIO means it is gone. */
	int fd = openat(c.dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		close_container(&c);
		return FALLBACK;
	}
	int rc = 0;
	if (write(fd, "", 1) != 1) {
		log_error("cannot start container: write exec fifo: %s", strerror(errno));
		rc = 1;
	}
	close(fd);
	if (rc == 0 && unlinkat(c.dirfd, "exec.fifo", 0) < 0) {
		log_error("cannot start container: remove exec fifo: %s", strerror(errno));
		rc = 1;
	}
	close_container(&c);
	return rc;
}

/* Signals the saved init through a pidfd, so a pid reused since the status check is never hit.
 * 0 also when the process is already gone (as lib/container/kill.ts ignores ESRCH). */
static int signal_init(const struct saved_state *s, int sig)
{
	int pfd = (int)syscall(SYS_pidfd_open, (pid_t)s->pid, 0);
	if (pfd < 0) {
		if (errno == ESRCH)
			return 0;
		if (errno != ENOSYS)
			return -1;
		if (!proc_alive(s->pid, s->pid_start_time))
			return 0;
		return kill((pid_t)s->pid, sig) < 0 && errno != ESRCH ? -1 : 0;
	}
	int rc = 0;
	if (proc_alive(s->pid, s->pid_start_time) && syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0 && errno != ESRCH)
		rc = -1;
	int e = errno;
	close(pfd);
	errno = e;
	return rc;
}

int cmd_kill(const char *root, const struct parsed *p)
{
	int sig = cli_signal(p->n_positionals > 1 ? p->positionals[1] : NULL);
	if (sig < 0 || cli_flag(p, "all"))
		return FALLBACK;
	struct container c;
	if (open_container(root, p->positionals[0], false, &c) != 0)
		return FALLBACK;
	if (c.st == ST_STOPPED) {
		close_container(&c);
		return FALLBACK;
	}
	int rc = 0;
	if (signal_init(&c.s, sig) < 0) {
		log_error("kill %lld: %s", c.s.pid, strerror(errno));
		rc = 1;
	}
	close_container(&c);
	return rc;
}

/* Polls until the init is gone or a zombie (lib/container/proc.ts waitGone): 1, 2, 4… ≤ 50 ms pauses. */
static bool wait_gone(const struct saved_state *s, long timeout_ms)
{
	long waited = 0, delay = 1;
	while (proc_alive(s->pid, s->pid_start_time)) {
		if (waited > timeout_ms)
			return false;
		sleep_ms(delay);
		waited += delay;
		delay = delay * 2 > 50 ? 50 : delay * 2;
	}
	return true;
}

int cmd_delete(const char *root, const struct parsed *p)
{
	bool force = cli_flag(p, "force");
	struct container c;
	int r = open_container(root, p->positionals[0], true, &c);
	if (r == ENOENT || r == ENOTDIR)
		return force ? 0 : FALLBACK; /* runc: delete --force of a missing container succeeds */
	if (r != 0)
		return FALLBACK;
	/* Hooks, the systemd driver, a shared pid namespace (processes outliving the init) and a frozen
	 * cgroup need lib/container/delete.ts in full. */
	if (c.s.n_poststop > 0 || c.s.systemd || c.st == ST_PAUSED || (c.st == ST_RUNNING && !force) ||
	    (c.st != ST_STOPPED && c.s.shared_pidns)) {
		close_container(&c);
		return FALLBACK;
	}
	if (c.st != ST_STOPPED) {
		/* runc deletes a created (never started) container without --force: containerd relies on it.
		 * The init is pid 1 of its own pid namespace: when it dies, the kernel kills the rest. */
		if (signal_init(&c.s, SIGKILL) < 0 || !wait_gone(&c.s, 10000)) {
			close_container(&c);
			return FALLBACK;
		}
	}
	/* Processes of the pid namespace still on their way out: give them a moment, else Node's loop. */
	for (int i = 0; !cgroup_removable(&c.s); i++) {
		if (i == 200) {
			close_container(&c);
			return FALLBACK;
		}
		sleep_ms(10);
	}
	struct cgroup_rm_error err;
	if (cgroup_remove(&c.s, &err) < 0) {
		/* Those cgroup_removable() let through: rmdir (or read) failures only. */
		char more[32] = "";
		if (err.count > 1)
			snprintf(more, sizeof more, " (and %d more)", err.count - 1);
		log_error("cgroup: %s %s: %s%s", err.op, err.path, strerror(err.err), more);
		close_container(&c);
		return 1;
	}
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = rootfd >= 0 && remove_state_dir(rootfd, p->positionals[0]) == 0 ? 0 : FALLBACK;
	if (rootfd >= 0)
		close(rootfd);
	close_container(&c);
	return rc;
}

/* pause (freeze: a running or created container) and resume (thaw: a paused one). */
static int freezer_command(const char *root, const struct parsed *p, bool freeze)
{
	struct container c;
	if (open_container(root, p->positionals[0], true, &c) != 0)
		return FALLBACK;
	bool fits = freeze ? c.st == ST_RUNNING || c.st == ST_CREATED : c.st == ST_PAUSED;
	if (!fits || c.s.systemd) {
		close_container(&c);
		return FALLBACK;
	}
	const char *why = "";
	int rc = 0;
	if (freeze ? freezer_freeze(&c.s, &why) < 0 : freezer_thaw(&c.s) < 0) {
		if (freeze)
			log_error("cgroup: freeze: %s: %s", why, strerror(errno));
		else
			log_error("cgroup: thaw: %s", strerror(errno));
		rc = 1;
	}
	close_container(&c);
	return rc;
}

int cmd_pause(const char *root, const struct parsed *p)
{
	return freezer_command(root, p, true);
}

int cmd_resume(const char *root, const struct parsed *p)
{
	return freezer_command(root, p, false);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(const char *root, const struct parsed *p)
{
	bool quiet = cli_flag(p, "quiet");
	const char *format = cli_value(p, "format");
	bool json = format && !strcmp(format, "json");
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0, cap = 0;
	if (rootfd < 0 && errno != ENOENT)
		return FALLBACK;
	if (rootfd >= 0) {
		DIR *d = fdopendir(dup(rootfd));
		if (!d) {
			close(rootfd);
			return FALLBACK;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
				continue;
			struct stat st;
			if (e->d_type != DT_DIR && !(e->d_type == DT_UNKNOWN && fstatat(rootfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				names = realloc(names, cap * sizeof *names);
				if (!names)
					abort();
			}
			names[n++] = strdup(e->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof *names, by_name);
	}

	struct buf out = { 0 };
	struct list_row *rows = quiet || json ? NULL : calloc(n + 1, sizeof *rows);
	int n_rows = 0, n_listed = 0, rc = 0;
	if (rows) {
		static char *const head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
		memcpy(rows[n_rows++].cells, head, sizeof head);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		char prefix[300];
		struct saved_state s;
		enum status st;
		snprintf(prefix, sizeof prefix, "%s/", names[i]);
		if (strlen(names[i]) > 255 || state_load(rootfd, prefix, &s) < 0) {
			/* Missing: a container being created or deleted right now (skipped, as list.ts does). */
			if (errno != ENOENT && errno != ENOTDIR)
				rc = FALLBACK;
			continue;
		}
		if (derive_status(rootfd, prefix, &s, &st) < 0) {
			state_free(&s);
			rc = FALLBACK;
			break;
		}
		if (quiet) {
			char *id = json_str(s.id);
			if (!id)
				rc = FALLBACK;
			else
				buf_printf(&out, "%s\n", id);
			free(id);
		} else if (json) {
			buf_str(&out, n_listed ? "," : "[");
			print_state_compact(&out, &s, st);
		} else {
			struct list_row *r = &rows[n_rows++];
			r->cells[0] = json_str(s.id);
			r->cells[1] = malloc(24);
			snprintf(r->cells[1], 24, "%lld", st == ST_STOPPED ? 0LL : s.pid);
			r->cells[2] = strdup(status_name(st));
			r->cells[3] = json_str(s.bundle);
			r->cells[4] = json_str(s.created);
			r->cells[5] = json_str(s.owner);
			for (int k = 0; k < 6; k++)
				if (!r->cells[k])
					rc = FALLBACK;
		}
		n_listed++;
		state_free(&s);
	}
	if (rootfd >= 0)
		close(rootfd);
	if (rc != 0) {
		buf_free(&out);
		return rc;
	}
	if (json)
		buf_str(&out, n_listed ? "]\n" : "null\n");
	else if (rows)
		print_table(&out, rows, n_rows);
	return print(&out);
}

int cmd_features(const char *root, const struct parsed *p)
{
	(void)root;
	(void)p;
	struct buf out = { 0 };
	buf_str(&out, TSRC_FEATURES_JSON);
	return print(&out);
}
