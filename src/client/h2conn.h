/*
 * h2conn: one HTTP/2 connection to the front, shared by the requests of a
 * meek session (classic POSTs; an extension session's upstream POSTs and
 * its downstream stream or long-poll, from two threads).
 *
 * The connection has a thread of its own, the only one that touches the
 * TLS stream: it sends what client/h2sess.c frames and feeds it what the
 * front sends, so no request waits behind another's blocking read.  The
 * requesting threads only submit, wait on their request's condition
 * variable and take their answer's bytes (no event loop: blocking waits
 * with deadlines on both sides).
 *
 * Ownership: h2conn_start() takes over the stream (fd and TLS) and returns
 * the first reference; every request holds one more; the last
 * h2conn_unref() stops and joins the thread and closes the connection.
 * Never called from the connection's own thread.
 * Thread: any (one lock per connection, taken by every call; the lock is
 * a leaf: nothing else is locked under it).
 * Errors: negative MEEK_E* codes with *why.
 */
#ifndef MEEK_CLIENT_H2CONN_H
#define MEEK_CLIENT_H2CONN_H
#include <stddef.h>
#include "shared/http.h"
#include "shared/stream.h"

#define H2CONN_STACK_KB 64

struct h2conn;
struct h2conn_req;

/* Starts HTTP/2 on `s` (a TLS stream whose ALPN picked h2; moved into the
 * connection: `s` is left closed either way), for requests to `key` (an
 * opaque identity: the url/front pair it was dialed for).  Returns 0 with
 * *out (one reference), or MEEK_ENOMEM with *why. */
int h2conn_start(struct h2conn **out, struct stream *s, const void *key,
    const char **why);
void h2conn_ref(struct h2conn *c);
void h2conn_unref(struct h2conn *c);
/* 1 when a new request to `key` may go on this connection (same key, not
 * failed, no GOAWAY from the front). */
int h2conn_usable(struct h2conn *c, const void *key);
/* Any thread: shuts the connection down; every request on it fails. */
void h2conn_kill(struct h2conn *c);

/* Submits a POST (client/h2sess.h: h2sess_request) of `len` bytes of
 * `body`, borrowed until h2conn_wait_head() returned or the request is
 * freed.  Returns 0 with *out (holding a reference on `c`), or an error as
 * h2sess_request (MEEK_ECLOSED: the connection takes no new request). */
int h2conn_request(struct h2conn *c, const char *authority, const char *path,
    const char *lines, const void *body, size_t len, struct h2conn_req **out,
    const char **why);
/* Waits at most `timeout_ms` (< 0: no bound) for the answer's head and
 * copies it into `m` (an HTTP/1.1 form: status line, headers).  Returns 0,
 * MEEK_ETIMEDOUT (the connection is then killed: a front that stalls one
 * stream is not trusted with the next), MEEK_ECLOSED (the connection closed
 * or the request was refused or aborted: h2conn_req_refused() says whether
 * the front cannot have processed it), MEEK_ERESET (stream reset),
 * MEEK_EPROTO, with *why. */
int h2conn_wait_head(struct h2conn_req *q, struct http_msg *m,
    int timeout_ms, const char **why);
/* 1 when the front cannot have processed the request (it may be resent). */
int h2conn_req_refused(struct h2conn_req *q);
/* Makes `s` the answer body's stream: stream_read() on it takes the body
 * (MEEK_ECLOSED at its end, MEEK_ERESET when reset, MEEK_EIO or the
 * connection's failure when it failed,
 * MEEK_ETIMEDOUT after the stream's timeout: the connection is then
 * killed), stream_close() frees the request (resetting an unfinished
 * stream).  `fd_tag` becomes s->fd.  The request belongs to `s` from then
 * on. */
void h2conn_req_stream(struct h2conn_req *q, struct stream *s, int fd_tag,
    int timeout_ms);
/* Any thread: a waiter on the request returns MEEK_ECLOSED at once. */
void h2conn_req_abort(struct h2conn_req *q);
/* Frees a request not given to a stream (resets an unfinished stream). */
void h2conn_req_free(struct h2conn_req *q);

#endif
