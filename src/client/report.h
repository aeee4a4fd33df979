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

/* Returns the failure class of an error code `rc` from dial_stream()/httpc
 * (decided on the code alone, never on its text), or of HTTP status
 * `status` (> 0): "dns", "tcp-refused", "tcp-timeout", "tcp", "tls-alert"
 * (MEEK_EALERT), "tls", "cert-name-mismatch", "cert-expired",
 * "cert-not-yet-valid", "cert-not-yet-valid-or-expired" (MEEK_ECERTDATES),
 * "cert-unknown-ca", "cert", "http-NNN", "http-malformed",
 * "stream-reset" (MEEK_ERESET: an HTTP/2 front's RST_STREAM, never taken
 * for blocking), "connection-closed", "timeout", "proxy", "io".  `buf`
 * (at least 16 bytes) holds the http-NNN form. */
const char *report_class(int rc, int status, char *buf, size_t len);

/* How far a failed try got, for the classes a censor causes. */
enum report_phase {
	REPORT_ANY,      /* unknown: report_class() */
	REPORT_DIAL,     /* connecting, then the TLS handshake (dial_stream) */
	REPORT_REQUEST,  /* the request written (or being written), no answer */
	REPORT_PAGE      /* a 200 answer that is not meek-server's: its
	                  * Content-Type is not application/octet-stream */
};

/* The failures a censor typically causes (report_censor()). */
enum report_censor {
	REPORT_CENSOR_NONE,
	REPORT_RESET_AFTER_HELLO,   /* closed or reset during the handshake */
	REPORT_BLACKHOLE,           /* connected, then silence */
	REPORT_RESET_AFTER_REQUEST, /* closed or reset after the request */
	REPORT_BLOCK_PAGE,          /* a web page instead of meek-server */
	REPORT_MIDDLEBOX            /* a certificate from a CA we do not trust */
};

/* Returns the censor class of a failure by its code and phase: a
 * connection closed or reset (MEEK_ECLOSED, MEEK_EIO) during the TLS
 * handshake is a reset after the hello, after the request a reset after
 * the request; a timeout once connected (MEEK_ETIMEDOUT; the TCP connect's
 * own is MEEK_ECONNTIMEDOUT) a black hole; REPORT_PAGE a block page; a
 * certificate from an unknown CA (class cert-unknown-ca) looks like a
 * TLS-intercepting middlebox.  Based on the codes the dial/stream layer
 * returns, whatever the TLS engine. */
enum report_censor report_censor(int rc, int status,
    enum report_phase phase);
/* As report_class(), with the censor classes "reset-after-hello",
 * "blackhole", "reset-after-request" and "block-page" (a middlebox's
 * certificate keeps its cert-unknown-ca class). */
const char *report_class_at(int rc, int status,
    enum report_phase phase, char *buf, size_t len);
/* The same rules as a hint for the user ("this looks like blocking: ..."),
 * or NULL when the failure is not one a censor typically causes. */
const char *report_censor_hint(int rc, int status,
    enum report_phase phase);
/* The hint of a web page answering instead of meek-server ("block-page"). */
#define REPORT_BLOCK_PAGE_HINT "this looks like blocking (a block page, " \
	"or url= is not a meek-server)"
/* The hint of a certificate from an unknown CA. */
#define REPORT_MIDDLEBOX_HINT "(a TLS-intercepting middlebox looks like this)"
/* Writes `why` followed by `hint` (NULL: none) into buf (len bytes):
 * "why: hint", or "why (hint)" for a hint in parentheses.  Returns buf. */
const char *report_join(char *buf, size_t len, const char *why,
    const char *hint);

/* Reports that `front` failed with class `cls` and detail `msg` for
 * session `sid_log` (already loggable); `action` says what happens next. */
void report_failure(const char *sid_log, const char *front, const char *cls,
    const char *msg, const char *action);

#endif
