/*
 * upstream: meek-reflect's kept-alive connections to its meek-server.
 * A connection idle for more than UPSTREAM_IDLE_MS, or readable while idle
 * (closed by the server), is dropped instead of reused, so a forwarded
 * body is never written into a connection the server already gave up.
 * A failed exchange is not retried: the body may have reached meek-server,
 * and sending it twice would corrupt the tor stream (the caller answers
 * 502 and the client's own policy decides).
 * Thread: any; the idle list is guarded by upstream->lock (a leaf lock:
 * no I/O under it).
 */
#ifndef MEEK_REFLECTOR_UPSTREAM_H
#define MEEK_REFLECTOR_UPSTREAM_H
#include <stddef.h>
#include "shared/http.h"
#include "shared/tls.h"
#include "shared/url.h"

#define UPSTREAM_CONNECT_MS 10000
#define UPSTREAM_IO_MS 20000        /* as meek-server's read/write timeout */
#define UPSTREAM_IDLE_MS 10000      /* below meek-server's 20 s idle close */

struct upstream;

/* Creates the pool for `u` (borrowed for its life); `anchors` (borrowed)
 * is needed for https.  Keeps at most `max_idle` idle connections.
 * Returns 0 with *out, MEEK_ENOMEM or MEEK_EINVAL with *why. */
int upstream_new(struct upstream **out, const struct url *u,
    const struct tls_anchors *anchors, size_t max_idle, const char **why);
/* Closes every idle connection and frees; NULL is fine. */
void upstream_free(struct upstream *up);

/* POSTs `body` (`len` bytes) with the header lines `extra` to the url, then
 * reads the response head into `m` and its body into `out` (`cap` bytes,
 * length in *out_len).  Returns 0 (any status), or a MEEK_E* code with
 * *why: a dial, TLS or stream error, MEEK_EPROTO for a malformed response,
 * MEEK_ETOOBIG for a body over `cap`. */
int upstream_exchange(struct upstream *up, const char *extra,
    const void *body, size_t len, struct http_msg *m, unsigned char *out,
    size_t cap, size_t *out_len, const char **why);

#endif
