/*
 * decoy: --fallback.  A request that is not meek (not a POST, no valid
 * X-Session-Id, or without the --require-header secret) is proxied to a
 * real web site, so an active probe sees that site's status, headers and
 * body instead of a fixed string.  One new connection to the decoy per
 * request (closed after its answer; the client's own Connection wish is
 * passed on, and a decoy that closes makes us close); hop-by-hop headers, X-Session-Id, Meek-IP
 * and the secret header are not forwarded.
 * Thread: any worker; a struct decoy is read-only once set up.
 */
#ifndef MEEK_SERVER_DECOY_H
#define MEEK_SERVER_DECOY_H
#include <stddef.h>
#include "shared/conn.h"
#include "shared/http.h"
#include "shared/tls.h"
#include "shared/url.h"

#define DECOY_CONNECT_MS 10000
#define DECOY_IO_MS 20000
#define DECOY_RELAY_MS 10000        /* whole life of a relayed bad request */
#define DECOY_RELAY_MAX (1LL << 20) /* client bytes relayed after its head */

struct decoy {
	const struct url *url;          /* borrowed */
	struct tls_anchors *anchors;    /* for an https decoy, borrowed */
	const char *secret_name;        /* header never forwarded, or NULL */
};

/* A worker's scratch space for one proxied request. */
struct decoy_bufs {
	struct http_msg resp;
	unsigned char rbuf[HTTP_HEAD_MAX];
	char head[HTTP_HEAD_MAX];
	char target[HTTP_HEAD_MAX];     /* the target sent to the decoy */
};

/* The request target the decoy gets for `method` `target` (into `out`,
 * `cap` bytes): origin-form ("/path?q") and "*" as they are, the path and
 * query of an absolute-form target ("/" without one), and for CONNECT the
 * decoy's own authority: never another host a proxying decoy would reach. */
void decoy_target(const struct decoy *d, const char *method,
    const char *target, char *out, size_t cap);

/* A chunked request body read in part already (the first `len` bytes
 * given to decoy_proxy() as `body`, then `npeek` bytes in `peek`); the rest
 * is read from the client through `qb`. */
struct decoy_rest {
	struct http_body qb;
	unsigned char peek[1];
	size_t npeek;
};

/* Proxies request `m` with body `body` (`len` bytes) to the decoy (its
 * target made safe by decoy_target()) and copies its answer to `c`.  When
 * m->content_length is more than `len`, the rest of the body is read from
 * `c` and streamed to the decoy in pieces of `cap` bytes through
 * `scratch`, whatever its size; with `body` NULL and a chunked `m`, the
 * body is read from `c` and passed on chunked the same way; with `rest`
 * (else NULL) and a chunked `m`, `body`, rest->peek and then the rest of
 * the body read through rest->qb are passed on chunked.  The answer: one
 * with a Content-Length is
 * streamed the same way; a chunked or close-delimited one is buffered in
 * `scratch` and may be at most `cap` bytes (larger: 502).  The decoy
 * unreachable or not speaking HTTP: 502.  Returns the pool's verdict. */
int decoy_proxy(const struct decoy *d, struct conn *c,
    struct http_msg *m, const unsigned char *body, size_t len,
    struct decoy_rest *rest, struct decoy_bufs *b, unsigned char *scratch,
    size_t cap);

/* A request head meek-server cannot parse (`raw`, `len` bytes: malformed,
 * too large, an unsupported version or coding): relays it to the decoy
 * (request line target made safe as above), then bytes both ways until
 * the decoy closes, the client leaves, DECOY_RELAY_MS pass, the client
 * sent DECOY_RELAY_MAX bytes more, or (before the decoy's first byte) the
 * client sends slower than a request body must (httpd.h), so the client
 * sees the decoy's own answer and close.  Returns POOL_CLOSE. */
int decoy_relay(const struct decoy *d, struct conn *c, const unsigned char *raw,
    size_t len, struct decoy_bufs *b, unsigned char *scratch, size_t cap);

#endif
