/*
 * xhandler: the server side of meek-c's protocol extension 1
 * (doc/protocol.md): accepting an op=open, and serving the op=up,
 * op=stream and op=poll requests of extension sessions (frames, offsets,
 * the retransmit window, streamed and held downstream responses).
 *
 * server/handler's dispatch step calls in: xhandler_open_locked() for a
 * classic-looking POST carrying op=open, xhandler_serve() for the other
 * ops with the session it looked up.  This module never calls back; what
 * both read is in server/hctx.h.
 *
 * Held downstream requests: a stream or held poll occupies its worker for
 * its whole life.  The pool runs --threads + --max-ext workers; at most
 * --max-ext held downstream requests run at a time (every one counts,
 * also one being taken over), a request that finds none left is answered
 * at once, unheld.  A takeover wakes the older request at once (its wake
 * pipe); every other wait of a held handler is bounded by
 * XHANDLER_TICK_MS, so a session end or the pool's shutdown of its
 * connection is noticed within it.
 * Thread: any worker.
 */
#ifndef MEEK_SERVER_XHANDLER_H
#define MEEK_SERVER_XHANDLER_H
#include <stddef.h>
#include "shared/conn.h"
#include "shared/ext.h"
#include "shared/http.h"
#include "server/hctx.h"
#include "server/session.h"

#define XHANDLER_TICK_MS 1000        /* longest wait of a held handler */
#define XHANDLER_SLACK 4096          /* frame heads beside --max-body */
#define XHANDLER_DOWN_BODY_MAX 4096  /* body of a stream/poll request */

/* Sets `x` to the defaults (64 sessions, 50 s, 20 s, 5 s, 1 MiB, 1 MiB). */
void xconf_init(struct xconf *x);
void xstate_init(struct xstate *s);

/* The largest request body the server reads: --max-body plus frame heads
 * while the extension is on, else classic meek's 64 KiB. */
unsigned long long xhandler_body_limit(const struct handler *h);
/* Parses the X-Meek-Ext header of request `m` into `x`.  Returns the op
 * (EXT_OP_OPEN, _UP, _STREAM, _POLL) when the request uses the extension
 * and the extension is on; EXT_OP_NONE for a classic request (no header,
 * another version, a malformed value, no or an unknown op). */
int xhandler_op(const struct handler *h, const struct http_msg *m,
    struct ext *x);

/* Caller holds s->lock; `s` is dialed, classic, and this is its first
 * request (an op=open `x`, empty body).  Accepts the open when the limits
 * allow it: makes `s` an extension session and writes the answer's header
 * value into `answer` (EXT_VALUE_MAX + 1 bytes).  Returns 1 when
 * accepted, 0 when the request goes on as classic meek. */
int xhandler_open_locked(const struct handler *h, struct session *s,
    const struct ext *x, char *answer);
/* Answers an accepted (or repeated) open: 200, empty body, X-Meek-Ext.
 * Returns the pool's verdict. */
int xhandler_answer_open(struct conn *c, const char *answer, int keep_alive);

/* Serves an op=up, op=stream or op=poll request (q->op) whose head is in
 * b->msg (body not read yet).  `s` is the session the dispatch step looked
 * up by q->id, with a reference this call gives back, or NULL when the
 * server holds no such session (the answer is a RESET).  Returns the
 * pool's verdict. */
int xhandler_serve(const struct handler *h, struct conn *c,
    struct handler_bufs *b, const struct hreq *q, struct session *s);

#endif
