/*
 * report: tells the user why a front failed, where tor can show it.
 * Every failure of a url/front pair is logged (a warning, which reaches
 * tor as a PT "LOG" line in managed mode) and, in managed mode, sent as
 * "STATUS TRANSPORT=meek TYPE=front-failure FRONT=... FAILURE=<class>
 * MESSAGE=...".  Both are rate-limited per front and class: the first
 * report goes out at once, repeats within REPORT_QUIET_MS are logged at
 * debug level only.
 * Thread: any (a small table under a mutex).
 */
#ifndef MEEK_CLIENT_REPORT_H
#define MEEK_CLIENT_REPORT_H
#include <stddef.h>

#define REPORT_QUIET_MS 30000

/* Enables STATUS lines on stdout (managed mode, after VERSION). */
void report_enable_status(void);

/* Returns the failure class of an error `rc` with detail `why` from
 * dial_stream()/httpc, or of HTTP status `status` (> 0): "dns",
 * "tcp-refused", "tcp-timeout", "tcp", "tls-alert", "tls",
 * "cert-name-mismatch", "cert-expired", "cert-not-yet-valid",
 * "cert-not-yet-valid-or-expired" (a why naming both), "cert-unknown-ca",
 * "cert", "http-NNN", "http-malformed", "connection-closed", "timeout",
 * "proxy", "io".  `buf` (at least 16 bytes) holds the
 * http-NNN form. */
const char *report_class(int rc, const char *why, int status, char *buf,
    size_t len);

/* Reports that `front` failed with class `cls` and detail `msg` for
 * session `sid_log` (already loggable); `action` says what happens next. */
void report_failure(const char *sid_log, const char *front, const char *cls,
    const char *msg, const char *action);

#endif
