/*
 * certdates: the validity dates of a front's certificate, for the message
 * after tlsx509 said "certificate expired" or "not yet valid": a second,
 * throw-away handshake to the front with the same ClientHello
 * (tlsclient_cert_dates) that only reads the leaf certificate's dates and
 * then aborts (no data is ever sent).
 * A certificate that is not valid yet almost always means our clock is
 * wrong: routers without a real-time clock boot in 1970 or in their build
 * year until NTP has run.
 * Thread: any.
 */
#ifndef MEEK_CLIENT_CERTDATES_H
#define MEEK_CLIENT_CERTDATES_H
#include <stddef.h>
#include "shared/proxy.h"
#include "shared/tlshello.h"

enum certdates_verdict {
	CERTDATES_UNKNOWN = 0,   /* could not tell (probe failed) */
	CERTDATES_NOT_YET_VALID, /* now < notBefore: the clock looks wrong */
	CERTDATES_EXPIRED,       /* now > notAfter */
	CERTDATES_VALID          /* within its dates now (clock was fixed?) */
};

/* Connects to host:port (through `proxy` when not NULL), reads the leaf
 * certificate sent for `sni` with hello profile `hello` and compares its
 * dates with time(NULL).  Sets *not_before and *not_after (Unix times)
 * when known.  Returns the verdict. */
enum certdates_verdict certdates_probe(const struct proxy *proxy,
    const char *host, unsigned short port, const char *sni,
    enum tlshello_profile hello, int timeout_ms, long long *not_before,
    long long *not_after);

/* Formats a Unix time as YYYY-MM-DD (UTC) into `buf` (>= 11 bytes). */
char *certdates_day(char *buf, size_t len, long long t);

#endif
