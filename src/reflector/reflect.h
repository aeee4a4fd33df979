/*
 * reflect: serves one request on a client connection of meek-reflect: the
 * dispatcher.  It reads the head and sends a POST with X-Meek-Ext to the
 * extension's pass-through (reflector/pass.h), another POST to the classic
 * forwarder (reflector/forward.h); other requests get what meek-server
 * would answer (shared/httpd.h).
 * Thread: any worker (see reflector/ctx.h).
 */
#ifndef MEEK_REFLECTOR_REFLECT_H
#define MEEK_REFLECTOR_REFLECT_H
#include "reflector/ctx.h"
#include "shared/conn.h"

/* The pool_service serve() of meek-reflect: `ctx` is a struct reflect,
 * `bufs` a struct reflect_bufs.  Returns POOL_KEEP or POOL_CLOSE. */
int reflect_serve(void *ctx, struct conn *c, void *bufs);

#endif
