/*
 * dial: open an outgoing HTTP(S) connection as a stream: TCP (through the
 * upstream proxy when there is one: never a direct fallback), then for
 * https the TLS handshake with `sni` as SNI and certificate name and the
 * ClientHello of profile `hello`.  Used by
 * meek-client (to the front) and meek-reflect (to meek-server).
 * Thread: any; the stream belongs to the caller.
 */
#ifndef MEEK_SHARED_DIAL_H
#define MEEK_SHARED_DIAL_H
#include <stddef.h>
#include <stdint.h>
#include "shared/proxy.h"
#include "shared/stream.h"
#include "shared/tls.h"

/* Connects to host:port within `connect_ms` (TLS handshake included) and
 * initializes `s` over it with read-ahead buffer `rbuf` (`rcap` bytes) and
 * `io_ms` for every later wait.  `proxy` may be NULL; `anchors` and `sni`
 * are needed when `https`.  Returns 0, or an error of proxy_dial() or
 * tls_client_open() with *why. */
int dial_stream(struct stream *s, const struct proxy *proxy,
    const char *host, uint16_t port, int https,
    const struct tls_anchors *anchors, const char *sni,
    enum tlshello_profile hello, unsigned char *rbuf, size_t rcap, int connect_ms, int io_ms,
    const char **why);

#endif
