/*
 * http: HTTP/1.1 messages over a stream: request and response heads,
 * Content-Length and chunked bodies, keep-alive, and writers.
 *
 * A parsed head lives in the caller's struct http_msg: the header block is
 * copied into msg->head (HTTP_HEAD_MAX bytes) and every pointer in the
 * struct points into it, valid until the next read into the same struct.
 * Thread: owner only.
 */
#ifndef MEEK_SHARED_HTTP_H
#define MEEK_SHARED_HTTP_H
#include <stddef.h>
#include "shared/stream.h"

#define HTTP_HEAD_MAX 8192     /* request line + headers, CRLFCRLF included */
#define HTTP_MAX_HEADERS 64
#define HTTP_BODY_MAX 65536    /* meek's maxPayloadLength */

struct http_header {
	const char *name;  /* points into head, NUL-terminated */
	const char *value; /* trimmed of leading/trailing space */
};

struct http_msg {
	char head[HTTP_HEAD_MAX];
	/* request */
	const char *method;   /* "POST", ... */
	const char *target;   /* "/path?q" */
	/* response */
	int status;           /* 100-999 */
	const char *reason;
	/* both */
	int version_minor;    /* HTTP/1.<minor> */
	size_t nheaders;
	struct http_header headers[HTTP_MAX_HEADERS];
	long long content_length; /* -1 when absent */
	int chunked;          /* Transfer-Encoding: chunked */
	int keep_alive;       /* 1.1 without "Connection: close", or 1.0 with keep-alive */
	int refuse;           /* after MEEK_EUNSUPPORTED: the answer a server
	                         owes, 505 (version) or 501 (transfer coding) */
};

/* The length of the request head at the start of `b` (`avail` bytes),
 * from the empty lines the parser skips before a request line to the empty
 * line that ends it, when all of it is there (within HTTP_HEAD_MAX); else
 * 0.  Pure: the pool asks it before it gives a connection to a worker. */
size_t http_request_head_end(const unsigned char *b, size_t avail);
/* Reads and parses a request head.  Returns 0; MEEK_ECLOSED when the peer
 * closed before the head was complete, whether or not it sent a byte (a
 * request cut short gets no answer, as from nginx; an idle timeout
 * with no byte is MEEK_ETIMEDOUT); MEEK_EHEADTOOBIG (-> 431); MEEK_EPROTO with *why for any
 * malformed line, bad Content-Length, both CL and chunked, more than
 * HTTP_MAX_HEADERS headers (-> 400); MEEK_EUNSUPPORTED for a version other
 * than HTTP/1.x or a transfer coding other than chunked (m->refuse: 505
 * or 501);
 * MEEK_ETIMEDOUT / MEEK_EIO / MEEK_ETLS mid-head. */
int http_read_request(struct stream *s, struct http_msg *m, const char **why);
/* Reads and parses a response head (status line, headers).  Returns 0,
 * MEEK_EHEADTOOBIG, MEEK_EPROTO (also for a head cut short by EOF),
 * MEEK_ECLOSED (EOF before a byte), MEEK_ETIMEDOUT, MEEK_EIO. */
int http_read_response(struct stream *s, struct http_msg *m, const char **why);

/* Parse a complete head already in memory: `buf` holds `len` bytes ending
 * with the blank line (CRLF or bare LF line ends).  Copies it into m->head
 * and fills `m` as http_read_request()/http_read_response() do; leading
 * empty lines before a request line are skipped.  Bytes after the blank line
 * or a missing blank line are MEEK_EPROTO.  Returns 0 or the same errors as
 * the stream readers (never an I/O error).  For fuzzers and tests; the
 * stream readers use them. */
int http_parse_request_head(struct http_msg *m, const char *buf, size_t len,
    const char **why);
int http_parse_response_head(struct http_msg *m, const char *buf, size_t len,
    const char **why);

/* Reads the body of `m` into `buf` (at most `cap` bytes) and sets *len.
 * Content-Length and chunked (trailers skipped) bodies; a response with
 * neither reads until EOF (and clears keep_alive); a request with neither
 * has an empty body.  `is_response`: `m` is a response (a head read by
 * http_read_response() counts as one either way); a response with status
 * 1xx, 204 or 304 has no body.  Returns 0,
 * MEEK_ETOOBIG when the body is longer than `cap` (the stream is then out of
 * sync: close it), MEEK_EPROTO (bad chunk syntax), MEEK_ECLOSED (EOF inside
 * the body), MEEK_ETIMEDOUT, MEEK_EIO. */
int http_read_body(struct stream *s, struct http_msg *m, int is_response,
    unsigned char *buf, size_t cap, size_t *len, const char **why);

/* Incremental body reading, for bodies read piece by piece (meek-c's
 * extension streams, meek-reflect's pass-through).  http_body_begin()
 * prepares `b` for the body of `m` with the same framing rules as
 * http_read_body(); then http_body_read() returns up to `cap` bytes at a
 * time.  Chunk boundaries are not visible to the caller. */
struct http_body {
	int kind;                  /* internal: none, length, chunked, to EOF */
	unsigned long long left;   /* bytes left in the body or current chunk */
	int done;                  /* the end of the body was read */
	int started;               /* chunked: a chunk-size line was read */
};
void http_body_begin(struct http_body *b, struct http_msg *m,
    int is_response);
/* Returns bytes read (>0), 0 at the end of the body (trailers consumed),
 * or MEEK_EPROTO (bad chunk syntax), MEEK_ECLOSED (EOF inside the body),
 * MEEK_ETIMEDOUT, MEEK_EIO, MEEK_ETLS with *why. */
long http_body_read(struct stream *s, struct http_body *b, void *buf,
    size_t cap, const char **why);
/* Reads exactly `len` bytes of the body.  Returns 0, MEEK_ECLOSED when the
 * body (or the connection) ends first, or an error as http_body_read(). */
int http_body_read_full(struct stream *s, struct http_body *b, void *buf,
    size_t len, const char **why);

/* Returns the value of the first header named `name` (case-insensitive),
 * borrowed from `m`, or NULL. */
const char *http_header_get(const struct http_msg *m, const char *name);

/* Writes a response: status line, Date-less minimal headers
 * ("Content-Type" when `content_type` is non-NULL, "Content-Length",
 * "Connection: close" when !keep_alive), `extra` (NULL or complete
 * "Name: value\r\n" lines), the body, then flushes.  Returns 0 or a stream
 * error. */
int http_write_response(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra, const void *body, size_t len,
    int keep_alive);
/* Writes a request with "Host", "Content-Length", `extra` lines, the body,
 * then flushes.  Returns 0 or a stream error. */
int http_write_request(struct stream *s, const char *method, const char *host,
    const char *target, const char *extra, const void *body, size_t len);
/* Writes a response head with "Transfer-Encoding: chunked" (and
 * Content-Type, "Connection: close" when !keep_alive, `extra`), without
 * flushing.  Returns 0 or a stream error / MEEK_EINVAL. */
int http_write_chunked_head(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra, int keep_alive);
/* Writes a response head for a body that ends with the connection (an
 * HTTP/1.0 client cannot take chunks): Content-Type, "Connection: close",
 * `extra`, without flushing.  Returns 0 or a stream error / MEEK_EINVAL. */
int http_write_close_head(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra);
/* Writes one chunk of `len` bytes (len 0: the last chunk, "0\r\n\r\n"),
 * without flushing.  Returns 0 or a stream error. */
int http_write_chunk(struct stream *s, const void *buf, size_t len);
/* Writes a request head with "Host", "Content-Length: content_length" and
 * `extra` lines, without the body and without flushing (the caller writes
 * the body with stream_write(), then stream_flush()).  Returns 0 or a
 * stream error / MEEK_EINVAL. */
int http_write_request_head(struct stream *s, const char *method,
    const char *host, const char *target, const char *extra,
    unsigned long long content_length);
/* The standard reason phrase for `status` ("OK", "Bad Request", ...). */
const char *http_reason(int status);

#endif
