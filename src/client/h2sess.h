/*
 * h2sess: the HTTP/2 framing of one of meek-client's connections to the
 * front (nghttp2), as pure state: bytes in (h2sess_recv), bytes out
 * (h2sess_send), requests and their answers.  No I/O, no threads, no clock:
 * client/h2conn.c drives it from its connection thread; the fuzzer feeds it
 * bytes.
 *
 * What the front sees is Chrome's: the SETTINGS Chrome sends (header table
 * 65536, push off, initial window 6 MiB, header list 256 KiB, in that
 * order), its connection WINDOW_UPDATE (to 15 MiB), pseudo-headers in its
 * order (:method :authority :scheme :path), HEADERS with its priority
 * (exclusive, on stream 0, weight 256), header names in lower case.
 *
 * Memory: a response's DATA waits in its request's queue until the reader
 * takes it; once a queue holds H2SESS_QUEUE_CAP bytes the session stops
 * taking input (h2sess_recv returns short, h2sess_blocked() is 1) until a
 * reader drains it, so a slow reader holds at most that much per request
 * (TCP's flow control holds the rest back at the front).  A drained queue
 * is kept for the next DATA, and a released request's for the next
 * request (no allocation per classic POST), until h2sess_idle(), which
 * also gives back the pages of nghttp2's 16 KiB frame buffer (a mapping
 * of its own) while nothing waits to be sent.
 *
 * Ownership: the session owns its requests.  A request stays valid after
 * its stream closed until the caller releases it (h2req_release); the
 * session frees released requests once their stream is closed, and all of
 * them in h2sess_free().  A request borrows its body until h2req_release()
 * or until h2req_body_sent() says it went out.
 * Thread: none of its own; the caller serializes every call on a session
 * and its requests (client/h2conn.c: under its lock).
 * Errors: negative MEEK_E* codes with *why.
 */
#ifndef MEEK_CLIENT_H2SESS_H
#define MEEK_CLIENT_H2SESS_H
#include <stddef.h>
#include <stdint.h>
#include "shared/http.h"

#define H2SESS_QUEUE_CAP (64 * 1024)   /* response bytes held per request */

struct h2sess;
struct h2req;

/* A client session whose first output is the connection preface, Chrome's
 * SETTINGS and WINDOW_UPDATE.  Returns 0 or MEEK_ENOMEM with *why. */
int h2sess_new(struct h2sess **out, const char **why);
/* Frees the session and every request (released or not). */
void h2sess_free(struct h2sess *s);

/* Submits a POST of `len` bytes of `body` (borrowed) to https://`authority`
 * `path`, with the header lines in `lines` ("Name: value\r\n" each; names
 * go out in lower case, after content-length).  Returns 0 with *out, or
 * MEEK_ECLOSED when this connection takes no new request (GOAWAY, stream
 * ids used up, failed: use a new connection), MEEK_EINVAL (bad lines),
 * MEEK_ENOMEM, with *why. */
int h2sess_request(struct h2sess *s, const char *authority, const char *path,
    const char *lines, const void *body, size_t len, struct h2req **out,
    const char **why);

/* Takes the `len` bytes the front sent.  Returns how many it consumed
 * (fewer when a request's queue filled: offer the rest again after a
 * reader drained it), or MEEK_EPROTO when the connection cannot go on. */
long h2sess_recv(struct h2sess *s, const unsigned char *in, size_t len,
    const char **why);
/* The next bytes to send: *data (valid until the next call on `s`) and
 * its length, 0 when there is nothing to send.  Returns 0 or MEEK_EPROTO
 * with *why (the connection cannot go on). */
int h2sess_send(struct h2sess *s, const unsigned char **data, size_t *len,
    const char **why);
/* 1 while a full queue stops h2sess_recv. */
int h2sess_blocked(const struct h2sess *s);
/* Nothing came for a while: the queues that hold nothing go back (a
 * drained queue is kept for the next DATA until then), and so do the
 * frame buffer's pages when the last h2sess_send() had nothing. */
void h2sess_idle(struct h2sess *s);
/* 1 when the connection is finished (both sides said GOAWAY, or a fatal
 * error): nothing more to read or write. */
int h2sess_done(const struct h2sess *s);
/* 1 once the front sent GOAWAY (no new request may start here). */
int h2sess_goaway(const struct h2sess *s);
/* The connection failed (reset, EOF, timeout) with `code`: every request
 * not at its end fails with it (a request the front cannot have
 * processed -- above a GOAWAY's last stream, or its body not ended -- is
 * marked refused). */
void h2sess_fail(struct h2sess *s, int code);

/* The response head, when it is there: copies it into `m` as an HTTP/1.1
 * head (status line, the headers but HTTP/2's hop-by-hop ones) and returns
 * 1; 0 while it has not come; an error with *why when the stream ended
 * without one: MEEK_ECLOSED (closed, or refused: h2req_refused()),
 * MEEK_ERESET (reset by the front), MEEK_EPROTO (a head over
 * HTTP_HEAD_MAX) or the connection's failure. */
int h2req_head(struct h2req *r, struct http_msg *m, const char **why);
/* Takes up to `len` body bytes: >0 bytes, 0 when none is there yet,
 * MEEK_ECLOSED at the end of the body (END_STREAM and all read),
 * MEEK_ERESET (reset before its end), MEEK_EIO (the connection closed) or
 * the connection's failure. */
long h2req_read(struct h2req *r, void *buf, size_t len);
/* 1 when body bytes or the body's end (or its failure) can be read now. */
int h2req_readable(const struct h2req *r);
/* 1 when h2req_head() would return nonzero: the head, or why none comes. */
int h2req_settled(const struct h2req *r);
/* 1 when nothing more comes for `r`: its answer ended, its stream closed
 * or failed. */
int h2req_finished(const struct h2req *r);
/* The answer bytes queued for the reader (at most H2SESS_QUEUE_CAP plus
 * one DATA frame). */
size_t h2req_queued(const struct h2req *r);
/* 1 when the front cannot have processed the request (REFUSED_STREAM, a
 * GOAWAY below it, never sent): it may be sent again as it is. */
int h2req_refused(const struct h2req *r);
/* 1 once the whole body went out (the borrowed body is free again). */
int h2req_body_sent(const struct h2req *r);
/* The borrowed body goes back before all of it was sent (an answer came
 * early): the stream is reset when it would need more of it. */
void h2req_drop_body(struct h2req *r);
/* The caller is done with `r`: an open stream is reset (CANCEL); `r` is
 * gone for the caller.  Returns 1 when that reset waits to be sent
 * (h2sess_send has bytes), 0 when nothing more goes out for it. */
int h2req_release(struct h2req *r);

#endif
