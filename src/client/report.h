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
 * "cert-name-mismatch", "cert-not-yet-valid-or-expired", "cert-unknown-ca",
 * "cert", "http-NNN", "http-malformed", "connection-closed", "timeout",
 * "proxy", "io".  `buf` (at least 16 bytes) holds the
 * http-NNN form. */
const char *report_class(int rc, const char *why, int status, char *buf,
    size_t len);

/* How far a failed try got, for the classes a censor causes. */
enum report_phase {
	REPORT_ANY,      /* unknown: report_class() */
	REPORT_DIAL,     /* connecting, then the TLS handshake (dial_stream) */
	REPORT_REQUEST   /* the request written (or being written), no answer */
};

/* As report_class(), and by the phase: a connection closed or reset
 * (MEEK_ECLOSED, MEEK_EIO) during the TLS handshake is "reset-after-hello",
 * after the request "reset-after-request"; a timeout once connected
 * (MEEK_ETIMEDOUT, not the connect's) is "blackhole".  Based on the codes
 * the dial/stream layer returns, whatever the TLS engine. */
const char *report_class_at(int rc, const char *why, int status,
    enum report_phase phase, char *buf, size_t len);
/* The same phase rules as a hint for the user ("this looks like blocking:
 * ..."), or NULL when the failure is not one a censor typically causes. */
const char *report_censor_hint(int rc, const char *why, int status,
    enum report_phase phase);
/* The hint of a web page answering instead of meek-server ("block-page"). */
#define REPORT_BLOCK_PAGE_HINT "this looks like a block page (or url= is " \
	"not a meek-server)"

/* Reports that `front` failed with class `cls` and detail `msg` for
 * session `sid_log` (already loggable); `action` says what happens next. */
void report_failure(const char *sid_log, const char *front, const char *cls,
    const char *msg, const char *action);

#endif
