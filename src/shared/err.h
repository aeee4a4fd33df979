/*
 * err: the project's error codes.
 *
 * Every fallible function returns 0 (or a byte count / fd) on success and a
 * negative MEEK_E* code on failure.  Functions that can say more take
 * `const char **why` and point it at a string literal (thread-safe, nothing
 * to free).  meek_strerror() maps a code to a short fixed text.
 * Thread: any.
 */
#ifndef MEEK_SHARED_ERR_H
#define MEEK_SHARED_ERR_H

#include <stddef.h>

enum {
	MEEK_OK = 0,
	MEEK_EIO = -1,          /* read/write failed (errno-level) */
	MEEK_ETIMEDOUT = -2,    /* a deadline passed */
	MEEK_ECLOSED = -3,      /* peer closed the connection (clean EOF) */
	MEEK_ENOMEM = -4,       /* allocation failed */
	MEEK_EPROTO = -5,       /* malformed input from a peer */
	MEEK_ETOOBIG = -6,      /* body or field over its limit */
	MEEK_EHEADTOOBIG = -7,  /* HTTP header block over its limit */
	MEEK_ETLS = -8,         /* TLS handshake or record failure */
	MEEK_ECERT = -9,        /* certificate rejected (other reasons: usage,
	                         * malformed, weak key, unsupported...); the
	                         * reasons a client reports apart have their
	                         * own codes below (meek_is_cert() for all) */
	MEEK_ERESOLVE = -10,    /* name resolution failed */
	MEEK_ECONNREFUSED = -11,/* TCP connection refused */
	MEEK_ECONNECT = -12,    /* other TCP connect failure (unreachable ...) */
	MEEK_EPROXY = -13,      /* upstream proxy refused or failed */
	MEEK_EAUTH = -14,       /* authentication failed (ExtORPort, proxy) */
	MEEK_EINVAL = -15,      /* bad argument or configuration */
	MEEK_EFULL = -16,       /* a bounded queue or table is full */
	MEEK_EUNSUPPORTED = -17,/* valid but unsupported request or option */
	MEEK_EVERSION = -18,    /* no supported managed-proxy version */
	MEEK_EHTTP = -19,       /* an HTTP peer answered with a non-success status */
	MEEK_ECONNTIMEDOUT = -20,/* TCP connect timed out (a later wait: ETIMEDOUT) */
	MEEK_ECERTCA = -21,     /* certificate: no path to a trust anchor */
	MEEK_ECERTNAME = -22,   /* certificate: not valid for the name asked */
	MEEK_ECERTEXPIRED = -23,/* certificate: the leaf's notAfter passed */
	MEEK_ECERTNOTYET = -24, /* certificate: the leaf's notBefore is ahead */
	MEEK_ECERTDATES = -25,  /* certificate: out of its dates, which one
	                         * unknown (an intermediate, BearSSL's engine) */
	MEEK_EALERT = -26,      /* the TLS peer sent a fatal alert */
	MEEK_ERESET = -27,      /* an HTTP/2 peer reset the stream (RST_STREAM,
	                         * inside TLS: the peer's word, no censor's) */
	MEEK_ECODE_MIN = -27
};

/* How a function with a `why` fails, in one place: points *why (when why
 * is not NULL) at `text` (a literal, or storage that outlives the call's
 * use of it) and returns `code`, as in
 * `return meek_fail(why, "out of memory", MEEK_ENOMEM);`. */
static inline int
meek_fail(const char **why, const char *text, int code)
{
	if (why != NULL)
		*why = text;
	return code;
}

/* 1 when `code` is a certificate rejection (MEEK_ECERT or one of its
 * reasons), 0 else. */
static inline int
meek_is_cert(int code)
{
	return code == MEEK_ECERT ||
	    (code <= MEEK_ECERTCA && code >= MEEK_ECERTDATES);
}

/* 1 when `code` says the certificate's dates (not the trust or the name)
 * made it fail: the clock may be wrong. */
static inline int
meek_is_cert_dates(int code)
{
	return code <= MEEK_ECERTEXPIRED && code >= MEEK_ECERTDATES;
}

/* Returns a fixed text for `code` ("success" for 0, "unknown error" else). */
const char *meek_strerror(int code);

#endif
