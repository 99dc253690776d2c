#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"

static const char *log_file;
static bool log_json;

void log_setup(const char *file, bool json)
{
	log_file = file;
	log_json = json;
}

void log_touch(void)
{
	if (!log_file)
		return;
	int fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static void format_line(struct buf *b, const char *msg)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (log_json) {
		buf_str(b, "{\"level\":\"error\",\"msg\":");
		json_quote(b, msg);
		buf_printf(b, ",\"time\":\"%s\"}\n", when);
	} else {
		buf_printf(b, "time=\"%s\" level=error msg=", when);
		json_quote(b, msg);
		buf_str(b, "\n");
	}
}

void log_error(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct buf line = { 0 };
	format_line(&line, msg);
	if (log_file) {
		int fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			buf_write(&line, fd);
			close(fd);
		}
		struct buf bare = { 0 };
		buf_printf(&bare, "%s\n", msg);
		buf_write(&bare, 2);
		buf_free(&bare);
	} else {
		buf_write(&line, 2);
	}
	buf_free(&line);
}
