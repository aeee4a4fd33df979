/*
 * pass: meek-reflect's pass-through of meek-c's extension requests
 * (doc/protocol.md): a POST with X-Meek-Ext goes to meek-server with that
 * header, its body copied piece by piece (up to REFLECT_EXT_BODY_MAX);
 * X-Meek-Ext, X-Accel-Buffering and Cache-Control come back with the
 * response, and a chunked (or long) response is copied to the client as
 * each piece arrives, flushed at once, so a streamed download's frames are
 * not held back.  Streams and long-polls (op=stream, op=poll) are counted
 * against --max-streams, which added that many workers: past it, a
 * downstream request gets 503 (the client resumes) and an op=open goes on
 * without X-Meek-Ext, so the new session is classic meek, as meek-server
 * does past its --max-ext.
 * Thread: any worker (state in the caller's conn and buffers; the count
 * is atomic).
 */
#ifndef MEEK_REFLECTOR_PASS_H
#define MEEK_REFLECTOR_PASS_H
#include "reflector/ctx.h"
#include "shared/conn.h"

/* Wait for a held response's head or next piece: above meek-server's
 * 20 s long-poll hold and 5 s keepalive, with room for a longer --hold-time. */
#define PASS_HELD_IO_MS 120000

/* Serves a POST whose head (in b->req, with an X-Meek-Ext header) was read
 * by httpd_read_head(); its body is still on the wire.  Returns the pool's
 * verdict. */
int pass_serve(struct reflect *r, struct conn *c, struct reflect_bufs *b);

#endif
