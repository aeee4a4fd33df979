/*
 * forward: meek-reflect's classic forwarder.  A classic meek POST (no
 * X-Meek-Ext) goes to meek-server with only its body, X-Session-Id and
 * Content-Type, plus Meek-IP (the client's address, shared/useraddr.h);
 * the status, Content-Type and body come back.  502 when meek-server
 * cannot be reached or answers garbage.  Payloads and addresses are never
 * logged (addresses only with --unsafe-logging).
 * Thread: any worker (see reflector/ctx.h).
 */
#ifndef MEEK_REFLECTOR_FORWARD_H
#define MEEK_REFLECTOR_FORWARD_H
#include <stddef.h>
#include <sys/socket.h>
#include "reflector/ctx.h"
#include "shared/conn.h"
#include "shared/http.h"

/* Formats the address sent as Meek-IP: with `xff`, the last
 * X-Forwarded-For entry when it is an IP literal (the hop in front of us),
 * else the TCP peer's IP.  Returns `buf`. */
char *forward_client_ip(int xff, const struct http_msg *m,
    const struct sockaddr *peer, char *buf, size_t len);
/* Formats the header lines every forwarded POST carries (X-Session-Id,
 * Meek-IP, Content-Type when the client sent one) into `buf`.  Returns the
 * length, or MEEK_ETOOBIG. */
int forward_extra(const struct reflect *r, const struct conn *c,
    const struct http_msg *m, const char *sid, char *buf, size_t len);
/* Forwards a POST as classic meek (`len` body bytes in b->body).  Returns
 * the pool's verdict. */
int forward_post(const struct reflect *r, struct conn *c,
    struct reflect_bufs *b, size_t len);

#endif
