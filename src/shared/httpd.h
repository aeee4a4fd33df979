/*
 * httpd: the parts of serving an HTTP request that meek-server and
 * meek-reflect share: reading a request and its body with meek's limits
 * and answering every malformed or oversized one with its status (400, 413,
 * 431, 501, 505), the happy-little-web-server page for GET /, 404 for other
 * GET paths and 405 for other methods.  The caller handles POST.
 * Thread: any worker (all state is in the caller's conn and buffers).
 */
#ifndef MEEK_SHARED_HTTPD_H
#define MEEK_SHARED_HTTPD_H
#include <stddef.h>
#include "shared/conn.h"
#include "shared/http.h"

/* Go meek-server's page, so a probe sees the same thing. */
#define HTTPD_GET_BODY "I'm just a happy little web server.\n"

/* A request body must arrive at HTTPD_BODY_MIN_RATE bytes a second after
 * HTTPD_BODY_GRACE_MS (stream_pace_begin): else the read fails with
 * MEEK_ETIMEDOUT and the connection is closed. */
#define HTTPD_BODY_GRACE_MS 1000
#define HTTPD_BODY_MIN_RATE 1024

/* Reads one request head into `m` and its body into `body` (`cap` bytes,
 * length in *len), answering "Expect: 100-continue".  Returns 1 when the
 * caller must answer the request; 0 when it was already answered or the
 * connection ended, with the pool's verdict (POOL_KEEP or POOL_CLOSE) in
 * *verdict. */
int httpd_read(struct conn *c, struct http_msg *m, unsigned char *body,
    size_t cap, size_t *len, int *verdict);
/* As httpd_read() but stops after the head: answers a malformed head
 * (400, 431, 501, 505) and "Expect: 100-continue", and a body over
 * `max_body` bytes announced by Content-Length with 413.  Returns 1 when
 * the caller must read the body (http_body_begin/http_body_read) and
 * answer; else 0 with the verdict in *verdict. */
int httpd_read_head(struct conn *c, struct http_msg *m,
    unsigned long long max_body, int *verdict);
/* (httpd_read_head() returning 1 has also started the body's minimum rate
 * on c->st; the next httpd_read_head() ends it, and so does the pool after
 * serve().) */
/* The rest of httpd_read() after httpd_read_head(): reads the body into
 * `body` (`cap` bytes, length in *len), answering a body over `cap` (also
 * one announced by Content-Length) with 413 and a malformed one with 400.
 * Returns 1 when the caller must answer; else 0 with the verdict. */
int httpd_read_body(struct conn *c, struct http_msg *m, unsigned char *body,
    size_t cap, size_t *len, int *verdict);
/* Answers a request that is not a POST: GET / -> the page, other GET ->
 * 404, other methods -> 405.  Returns the pool's verdict. */
int httpd_answer_other(struct stream *s, const struct http_msg *m);
/* The Server and Date lines of every answer httpd writes (a web server's,
 * so a probe sees one), then `extra` (NULL or "Name: value\r\n"...), into
 * `buf` (HTTPD_HEADERS_MAX bytes is enough for an extra of 64).  Server:
 * the name httpd_server_learn() took, else HTTPD_SERVER.  Returns `buf`.
 * Thread: any. */
#define HTTPD_SERVER "nginx"
#define HTTPD_SERVER_MAX 63     /* longest name httpd_server_learn() takes */
#define HTTPD_HEADERS_MAX 192
char *httpd_server_headers(char *buf, size_t len, const char *extra);
/* With --fallback: the decoy's Server header value (NULL: it sent none)
 * from its first answer.  Only the first call counts (later ones, and a
 * name that is empty, longer than HTTPD_SERVER_MAX or not printable ASCII,
 * leave HTTPD_SERVER).  Thread: any; the name is copied. */
void httpd_server_learn(const char *name);
/* Writes a short text/plain response "<status> <reason>\n" with the
 * Server and Date lines and `extra` header lines (NULL or
 * "Name: value\r\n"...).  Returns the pool's verdict:
 * POOL_KEEP only when `keep_alive` and the write succeeded. */
int httpd_reply(struct stream *s, int status, const char *extra,
    int keep_alive);

#endif
