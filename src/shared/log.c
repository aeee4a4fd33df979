#include "config.h"
#include "shared/log.h"
#include "shared/err.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* log_lock guards log_fd; it is a leaf lock. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static volatile int log_level = LOG_INFO;
static volatile int log_unsafe;
static void (*volatile log_hook)(enum log_level, const char *);

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

int
log_open(const char *path, const char **why)
{
	int fd = -1;

	if (path != NULL) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return meek_fail(why, "cannot open log file", MEEK_EIO);
	}
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	pthread_mutex_unlock(&log_lock);
}

void log_set_level(enum log_level level) { log_level = level; }
enum log_level log_get_level(void) { return (enum log_level)log_level; }
void log_set_unsafe(int unsafe) { log_unsafe = unsafe != 0; }
int log_is_unsafe(void) { return log_unsafe; }
void log_set_hook(void (*hook)(enum log_level, const char *)) { log_hook = hook; }

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	size_t off;
	struct tm tm;
	time_t now;
	va_list ap;
	int n;
	void (*hook)(enum log_level, const char *) = log_hook;

	if ((int)level > log_level)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	off = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S ", &tm);
	n = snprintf(line + off, sizeof line - off, "%s ", level_names[level]);
	if (n > 0)
		off += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof line - off - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof line - off - 2)
		n = (int)(sizeof line - off - 2);
	if (hook != NULL && level <= LOG_WARN)
		hook(level, line + off);
	off += (size_t)n;
	line[off++] = '\n';

	pthread_mutex_lock(&log_lock);
	{
		int fd = log_fd >= 0 ? log_fd : STDERR_FILENO;
		const char *p = line;
		size_t left = off;
		while (left > 0) {
			ssize_t w = write(fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			p += w;
			left -= (size_t)w;
		}
	}
	pthread_mutex_unlock(&log_lock);
}

char *
log_escape(char *dst, size_t dstlen, const void *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0;

	if (dstlen == 0)
		return dst;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

char *
log_sid(char buf[LOG_SID_LEN], const char *sid)
{
	if (log_unsafe) {
		log_escape(buf, LOG_SID_LEN, sid, strlen(sid));
	} else {
		size_t n = strlen(sid) < 4 ? strlen(sid) : 4;
		log_escape(buf, LOG_SID_LEN - 4, sid, n);
		strcat(buf, "...");
	}
	return buf;
}
