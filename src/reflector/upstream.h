/*
 * upstream: meek-reflect's kept-alive connections to its meek-server.
 * A connection idle for more than UPSTREAM_IDLE_MS, or readable while idle
 * (closed by the server), is dropped instead of reused, so a forwarded
 * body is never written into a connection the server already gave up.
 * A failed exchange is not retried: the body may have reached meek-server,
 * and sending it twice would corrupt the tor stream (the caller answers
 * 502 and the client's own policy decides).
 * A connection goes back to the idle list only after its whole response
 * was read: a response cut short (a stream the client left) leaves bytes
 * on the wire that would be taken for the next answer.
 * Thread: any; the idle list is guarded by upstream->lock (a leaf lock:
 * no I/O under it).  A struct upconn belongs to the thread that began it.
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
struct upconn;
struct stream;

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

/* The same exchange piece by piece (meek-reflect's pass-through of
 * extension requests): takes a kept-alive connection or dials one, and
 * writes a POST head with "Content-Length: `len`" and the header lines
 * `extra`, not flushed.  The caller writes the body to upstream_stream(),
 * flushes, reads the response there, then calls upstream_end().  Returns 0
 * with *out, or a dial / TLS / stream error with *why. */
int upstream_begin(struct upstream *up, struct upconn **out,
    const char *extra, unsigned long long len, const char **why);
/* The connection's stream (timeout UPSTREAM_IO_MS unless the caller sets
 * another; upstream_end() restores it). */
struct stream *upstream_stream(struct upconn *uc);
/* Hands `uc` back: kept for reuse when `reuse` (the whole response was
 * read and it allows keep-alive), else closed.  NULL is fine. */
void upstream_end(struct upstream *up, struct upconn *uc, int reuse);

#endif
