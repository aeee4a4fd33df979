/*
 * decoy: --fallback.  A request that is not meek (not a POST, no valid
 * X-Session-Id, or without the --require-header secret) is proxied to a
 * real web site, so an active probe sees that site's status, headers and
 * body instead of a fixed string.  One new connection to the decoy per
 * request ("Connection: close"); hop-by-hop headers, X-Session-Id, Meek-IP
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
};

/* Proxies request `m` with body `body` (`len` bytes) to the decoy and
 * copies its answer to `c`.  A body with a Content-Length is streamed in
 * pieces of `cap` bytes through `scratch`, whatever its size; a chunked or
 * close-delimited body is buffered in `scratch` and may be at most `cap`
 * bytes (larger: 502).  The decoy unreachable or not speaking HTTP: 502.  Returns the pool's
 * verdict. */
int decoy_proxy(const struct decoy *d, struct conn *c,
    const struct http_msg *m, const unsigned char *body, size_t len,
    struct decoy_bufs *b, unsigned char *scratch, size_t cap);

#endif
