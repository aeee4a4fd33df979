/*
 * log: levelled log lines to a file (append, mode 0600) or to stderr.
 *
 * Each line is formatted on the stack ("YYYY-MM-DD HH:MM:SS LEVEL msg\n")
 * and written with one write(2) under log_lock, a leaf lock: no other lock
 * may be taken while it is held.  Warnings and errors are also handed to the
 * hook set with log_set_hook() (the programs use it to emit PT LOG lines).
 * Client addresses and session ids must never reach a log line unless
 * log_is_unsafe(): use net_addr_str() and log_sid().
 * Thread: any (after log_open(), which main calls once).
 */
#ifndef MEEK_SHARED_LOG_H
#define MEEK_SHARED_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Opens `path` for appending (created 0600), or uses stderr when `path` is
 * NULL.  Returns 0, or MEEK_EIO with *why set. */
int log_open(const char *path, const char **why);
/* Closes the log file, if any; later lines go to stderr. */
void log_close(void);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* --unsafe-logging: allow addresses and full session ids in logs. */
void log_set_unsafe(int unsafe);
int log_is_unsafe(void);
/* Called (outside log_lock) for each line at LOG_WARN or worse; NULL: none.
 * `msg` is the formatted message without time, level or newline. */
void log_set_hook(void (*hook)(enum log_level level, const char *msg));

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Copies `n` untrusted bytes of `src` into `dst` (NUL-terminated, at most
 * `dstlen` bytes) with non-printable bytes as \xHH.  Returns `dst`. */
char *log_escape(char *dst, size_t dstlen, const void *src, size_t n);
/* Returns a loggable form of session id `sid` in `buf` (LOG_SID_LEN bytes):
 * its first 4 characters and "..." unless unsafe logging, then all of it
 * (truncated to fit).  Returns `buf`. */
#define LOG_SID_LEN 72
char *log_sid(char buf[LOG_SID_LEN], const char *sid);

#endif
