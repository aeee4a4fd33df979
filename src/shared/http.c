/*
 * http: HTTP/1.1 heads and bodies over a stream.
 *
 * A head is located in the stream's read-ahead buffer (which callers size to
 * at least HTTP_HEAD_MAX bytes), copied into msg->head and split there in
 * place: every line end and every separator becomes a NUL, so the method,
 * target, reason and header names and values are C strings inside the copy.
 * The parser is strict where laxness enables request smuggling (obs-fold,
 * bare CR, whitespace before the colon, Content-Length together with
 * Transfer-Encoding, disagreeing Content-Lengths) and lenient where RFC 9112
 * allows it (bare LF line ends, empty lines before a request line).
 */
#include "config.h"
#include "shared/http.h"
#include "shared/err.h"
#include "shared/net.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>

/* Bound on a chunk-size line (with extensions) and on each trailer line. */
#define HTTP_LINE_MAX 4096

static int
http_fail(const char **why, int code, const char *msg)
{
	if (why != NULL)
		*why = msg;
	return code;
}

static int
http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values and reason phrases: HTAB, visible ASCII, SP, obs-text. */
static int
http_is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
http_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Case-insensitive comparison of the n bytes at `p` with the string `lit`. */
static int
http_eq(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/*
 * Takes the next line of [*p, end), NUL-terminates it in place (dropping
 * CRLF or LF) and advances *p past it.  A line without LF means the head was
 * not terminated; a CR or NUL left inside the line is rejected because other
 * parsers may treat it as a line end.
 */
static int
http_next_line(char **p, char *end, char **line, size_t *len, const char **why)
{
	char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n;

	if (nl == NULL)
		return http_fail(why, MEEK_EPROTO, "head not terminated by an empty line");
	*nl = '\0';
	n = (size_t)(nl - *p);
	if (n > 0 && (*p)[n - 1] == '\r')
		(*p)[--n] = '\0';
	if (memchr(*p, '\r', n) != NULL || memchr(*p, '\0', n) != NULL)
		return http_fail(why, MEEK_EPROTO, "bare CR or NUL in head");
	*line = *p;
	*len = n;
	*p = nl + 1;
	return 0;
}

/* "HTTP/1.x": sets *minor.  Another major version is MEEK_EUNSUPPORTED. */
static int
http_parse_version(const char *v, int *minor, const char **why)
{
	if (strncmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9' || v[8] != '\0')
		return http_fail(why, MEEK_EPROTO, "malformed HTTP version");
	if (v[5] != '1')
		return http_fail(why, MEEK_EUNSUPPORTED, "HTTP version not supported");
	*minor = v[7] - '0';
	return 0;
}

/* "METHOD SP request-target SP HTTP-version", split in place. */
static int
http_parse_request_line(struct http_msg *m, char *line, const char **why)
{
	char *sp, *p;
	int rc;

	for (p = line; http_is_tchar((unsigned char)*p); p++)
		;
	if (p == line || *p != ' ')
		return http_fail(why, MEEK_EPROTO, "malformed request method");
	*p++ = '\0';
	m->method = line;
	sp = p;
	while (*sp > 0x20 && *sp < 0x7f)
		sp++;
	if (sp == p || *sp != ' ')
		return http_fail(why, MEEK_EPROTO, "malformed request target");
	*sp++ = '\0';
	m->target = p;
	rc = http_parse_version(sp, &m->version_minor, why);
	if (rc == MEEK_EUNSUPPORTED)
		m->refuse = 505;
	return rc;
}

/* "HTTP-version SP 3DIGIT [SP reason]", split in place.  Like Go, a status
 * line without the SP before an empty reason is accepted. */
static int
http_parse_status_line(struct http_msg *m, char *line, const char **why)
{
	char *p = strchr(line, ' ');
	int rc;

	if (p == NULL)
		return http_fail(why, MEEK_EPROTO, "malformed status line");
	*p++ = '\0';
	rc = http_parse_version(line, &m->version_minor, why);
	if (rc == MEEK_EUNSUPPORTED)
		rc = http_fail(why, MEEK_EPROTO, "response version is not HTTP/1.x");
	if (rc < 0)
		return rc;
	if (p[0] < '1' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '\0'))
		return http_fail(why, MEEK_EPROTO, "malformed status code");
	m->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	m->reason = p[3] == ' ' ? p + 4 : p + 3;
	p[3] = '\0';
	for (p = (char *)m->reason; *p != '\0'; p++)
		if (!http_is_vchar((unsigned char)*p))
			return http_fail(why, MEEK_EPROTO, "control byte in reason phrase");
	return 0;
}

/* "name: value" split in place: no whitespace before the colon (RFC 9112
 * §5.1), value trimmed of SP and HTAB. */
static int
http_parse_header(struct http_msg *m, char *line, size_t len, const char **why)
{
	char *p = line, *end = line + len, *v;

	if (http_is_ows(*line))
		return http_fail(why, MEEK_EPROTO, "obsolete header line folding");
	while (http_is_tchar((unsigned char)*p))
		p++;
	if (p == line || *p != ':')
		return http_fail(why, MEEK_EPROTO, "malformed header name");
	*p++ = '\0';
	while (p < end && http_is_ows(*p))
		p++;
	while (end > p && http_is_ows(end[-1]))
		end--;
	*end = '\0';
	for (v = p; v < end; v++)
		if (!http_is_vchar((unsigned char)*v))
			return http_fail(why, MEEK_EPROTO, "control byte in header value");
	if (m->nheaders == HTTP_MAX_HEADERS)
		return http_fail(why, MEEK_EPROTO, "too many header fields");
	m->headers[m->nheaders].name = line;
	m->headers[m->nheaders].value = p;
	m->nheaders++;
	return 0;
}

/* Calls fn(arg, element, length) for each non-empty element of a
 * comma-separated list value, trimmed of OWS. */
static void
http_each_elem(const char *v, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	while (*v != '\0') {
		const char *e = v, *s;

		while (*e != '\0' && *e != ',')
			e++;
		s = e;
		while (http_is_ows(*v))
			v++;
		while (s > v && http_is_ows(s[-1]))
			s--;
		if (s > v)
			fn(arg, v, (size_t)(s - v));
		v = *e == ',' ? e + 1 : e;
	}
}

struct http_conn_opts {
	int close, keep_alive;
};

static void
http_conn_elem(void *arg, const char *e, size_t n)
{
	struct http_conn_opts *c = arg;

	if (http_eq(e, n, "close"))
		c->close = 1;
	else if (http_eq(e, n, "keep-alive"))
		c->keep_alive = 1;
}

struct http_te {
	int n, last_chunked, other;
};

static void
http_te_elem(void *arg, const char *e, size_t n)
{
	struct http_te *t = arg;

	/* chunked may appear only once, as the final coding (RFC 9112 §6.1) */
	if (t->last_chunked)
		t->other = 1;
	t->n++;
	t->last_chunked = http_eq(e, n, "chunked");
	if (!t->last_chunked)
		t->other = 1;
}

/* Sets content_length, chunked and keep_alive from the parsed headers. */
static int
http_parse_framing(struct http_msg *m, const char **why)
{
	struct http_conn_opts conn = { 0, 0 };
	struct http_te te = { 0, 0, 0 };
	int has_te = 0;

	for (size_t i = 0; i < m->nheaders; i++) {
		const char *name = m->headers[i].name;
		const char *v = m->headers[i].value;

		if (strcasecmp(name, "Content-Length") == 0) {
			long long cl = 0;

			if (*v == '\0')
				return http_fail(why, MEEK_EPROTO, "empty Content-Length");
			for (; *v != '\0'; v++) {
				if (*v < '0' || *v > '9')
					return http_fail(why, MEEK_EPROTO, "malformed Content-Length");
				if (cl > (LLONG_MAX - (*v - '0')) / 10)
					return http_fail(why, MEEK_EPROTO, "Content-Length overflow");
				cl = cl * 10 + (*v - '0');
			}
			if (m->content_length >= 0 && m->content_length != cl)
				return http_fail(why, MEEK_EPROTO, "conflicting Content-Length fields");
			m->content_length = cl;
		} else if (strcasecmp(name, "Transfer-Encoding") == 0) {
			has_te = 1;
			http_each_elem(v, http_te_elem, &te);
		} else if (strcasecmp(name, "Connection") == 0) {
			http_each_elem(v, http_conn_elem, &conn);
		}
	}
	if (has_te && m->content_length >= 0)
		return http_fail(why, MEEK_EPROTO, "both Content-Length and Transfer-Encoding");
	if (has_te && te.n == 0)
		return http_fail(why, MEEK_EPROTO, "empty Transfer-Encoding");
	if (has_te && (te.other || !te.last_chunked)) {
		m->refuse = 501;
		return http_fail(why, MEEK_EUNSUPPORTED, "transfer coding not supported");
	}
	m->chunked = has_te;
	if (m->version_minor >= 1)
		m->keep_alive = !conn.close;
	else
		m->keep_alive = conn.keep_alive && !conn.close;
	/* HTTP/1.0 with Transfer-Encoding: framing is suspect (RFC 9112 §6.1) */
	if (m->version_minor == 0 && has_te)
		m->keep_alive = 0;
	return 0;
}

static int
http_parse_head(struct http_msg *m, const char *buf, size_t len, int request,
    const char **why)
{
	char *p, *end, *line;
	size_t n;
	int rc;

	m->method = m->target = m->reason = NULL;
	m->status = 0;
	m->refuse = 0;
	m->version_minor = 0;
	m->nheaders = 0;
	m->content_length = -1;
	m->chunked = 0;
	m->keep_alive = 0;
	if (len > HTTP_HEAD_MAX)
		return http_fail(why, MEEK_EHEADTOOBIG, "header block too large");
	memcpy(m->head, buf, len);
	p = m->head;
	end = p + len;
	/* RFC 9112 §2.2: ignore empty lines before a request line */
	while (request && p < end &&
	    (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
		p += *p == '\n' ? 1 : 2;
	if ((rc = http_next_line(&p, end, &line, &n, why)) < 0)
		return rc;
	if (n == 0)
		return http_fail(why, MEEK_EPROTO, "empty start line");
	rc = request ? http_parse_request_line(m, line, why) :
	    http_parse_status_line(m, line, why);
	if (rc < 0)
		return rc;
	for (;;) {
		if ((rc = http_next_line(&p, end, &line, &n, why)) < 0)
			return rc;
		if (n == 0)
			break;
		if ((rc = http_parse_header(m, line, n, why)) < 0)
			return rc;
	}
	if (p != end)
		return http_fail(why, MEEK_EPROTO, "bytes after the end of the head");
	return http_parse_framing(m, why);
}

int
http_parse_request_head(struct http_msg *m, const char *buf, size_t len,
    const char **why)
{
	return http_parse_head(m, buf, len, 1, why);
}

int
http_parse_response_head(struct http_msg *m, const char *buf, size_t len,
    const char **why)
{
	return http_parse_head(m, buf, len, 0, why);
}

/*
 * Looks for the empty line ending a head in b[0..avail), from *scan on:
 * "\n\n" or "\n\r\n".  Returns the head length with the empty line, or 0 and
 * moves *scan to where the next search must restart.
 */
static size_t
http_find_end(const unsigned char *b, size_t avail, size_t *scan)
{
	size_t lim = avail < HTTP_HEAD_MAX ? avail : HTTP_HEAD_MAX;

	for (size_t i = *scan; i < lim; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < avail && b[i + 1] == '\n')
			return i + 2;
		if (i + 2 < avail && b[i + 1] == '\r' && b[i + 2] == '\n')
			return i + 3;
	}
	*scan = lim >= 2 ? lim - 2 : 0;
	return 0;
}

size_t
http_request_head_end(const unsigned char *b, size_t avail)
{
	size_t i = 0, scan = 0, end;

	while (i < avail && (b[i] == '\r' || b[i] == '\n'))
		i++;
	end = http_find_end(b + i, avail - i, &scan);
	return end > 0 ? i + end : 0;
}

static int
http_read_head(struct stream *s, struct http_msg *m, int request,
    const char **why)
{
	size_t scan = 0, skipped = 0, end;
	int started = 0, rc;
	long n;

	for (;;) {
		const unsigned char *b = s->rbuf + s->rpos;
		size_t avail = s->rlen - s->rpos;

		while (request && !started && avail > 0 &&
		    (b[0] == '\n' || (b[0] == '\r' && avail > 1 && b[1] == '\n'))) {
			size_t k = b[0] == '\n' ? 1 : 2;

			stream_consume(s, k);
			b += k;
			avail -= k;
			skipped += k;
			if (skipped > HTTP_HEAD_MAX)
				return http_fail(why, MEEK_EPROTO, "too many empty lines");
		}
		if (!started && avail > 0 &&
		    !(request && avail == 1 && b[0] == '\r')) {
			started = 1;
			if (!request && (b[0] == '\n' ||
			    (b[0] == '\r' && avail > 1 && b[1] == '\n')))
				return http_fail(why, MEEK_EPROTO, "empty status line");
		}
		if (started && (end = http_find_end(b, avail, &scan)) > 0) {
			if (end > HTTP_HEAD_MAX)
				return http_fail(why, MEEK_EHEADTOOBIG, "header block too large");
			rc = http_parse_head(m, (const char *)b, end, request, why);
			stream_consume(s, end);
			return rc;
		}
		if (avail >= HTTP_HEAD_MAX)
			return http_fail(why, MEEK_EHEADTOOBIG, "header block too large");
		n = stream_fill(s);
		if (n == MEEK_ETOOBIG)
			return http_fail(why, MEEK_EHEADTOOBIG, "head larger than the read buffer");
		/* A request cut short by the client's end is not answered
		 * (nginx does not answer one); a response cut short is
		 * malformed. */
		if (n == MEEK_ECLOSED)
			return started ? http_fail(why, request ? MEEK_ECLOSED :
			    MEEK_EPROTO, "connection closed inside the head") :
			    http_fail(why, MEEK_ECLOSED, "connection closed");
		if (n == MEEK_ETIMEDOUT)
			return http_fail(why, MEEK_ETIMEDOUT, started ?
			    "timed out inside the head" : "idle timeout");
		if (n < 0)
			return http_fail(why, (int)n, "read failed");
	}
}

int
http_read_request(struct stream *s, struct http_msg *m, const char **why)
{
	return http_read_head(s, m, 1, why);
}

int
http_read_response(struct stream *s, struct http_msg *m, const char **why)
{
	return http_read_head(s, m, 0, why);
}

/*
 * Makes a whole line available at the front of the read-ahead buffer and
 * returns its length without the line end in *len and with it in *used.  The
 * line stays valid until the next read from the stream.
 */
static int
http_peek_line(struct stream *s, const char **line, size_t *len, size_t *used,
    const char **why)
{
	size_t scan = 0;
	long n;

	for (;;) {
		const char *b = (const char *)s->rbuf + s->rpos;
		size_t avail = s->rlen - s->rpos;
		size_t lim = avail < HTTP_LINE_MAX ? avail : HTTP_LINE_MAX;
		const char *nl = memchr(b + scan, '\n', lim - scan);

		if (nl != NULL) {
			*line = b;
			*used = (size_t)(nl - b) + 1;
			*len = (size_t)(nl - b);
			if (*len > 0 && b[*len - 1] == '\r')
				(*len)--;
			return 0;
		}
		if (avail >= HTTP_LINE_MAX)
			return http_fail(why, MEEK_EPROTO, "chunk line too long");
		scan = lim;
		n = stream_fill(s);
		if (n == MEEK_ETOOBIG)
			return http_fail(why, MEEK_EPROTO, "chunk line too long");
		if (n < 0)
			return http_fail(why, (int)n, n == MEEK_ECLOSED ?
			    "connection closed inside the body" : "read failed");
	}
}

/* Reads the CRLF (or LF) that ends chunk data. */
static int
http_read_crlf(struct stream *s, const char **why)
{
	unsigned char c;
	int rc;

	if ((rc = stream_read_full(s, &c, 1)) < 0)
		return http_fail(why, rc, "reading chunk end failed");
	if (c == '\r') {
		if ((rc = stream_read_full(s, &c, 1)) < 0)
			return http_fail(why, rc, "reading chunk end failed");
	}
	if (c != '\n')
		return http_fail(why, MEEK_EPROTO, "missing CRLF after chunk data");
	return 0;
}

/* chunk-size [ BWS ";" chunk-ext ]: sets *size. */
static int
http_parse_chunk_size(const char *line, size_t len, unsigned long long *size,
    const char **why)
{
	unsigned long long v = 0;
	size_t i = 0;

	for (; i < len; i++) {
		char c = line[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (v > (~0ULL >> 4))
			return http_fail(why, MEEK_EPROTO, "chunk size overflow");
		v = v << 4 | (unsigned long long)d;
	}
	if (i == 0)
		return http_fail(why, MEEK_EPROTO, "malformed chunk size");
	while (i < len && http_is_ows(line[i]))
		i++;
	if (i < len && line[i] != ';')
		return http_fail(why, MEEK_EPROTO, "malformed chunk size");
	for (; i < len; i++)
		if (!http_is_vchar((unsigned char)line[i]))
			return http_fail(why, MEEK_EPROTO, "control byte in chunk extension");
	*size = v;
	return 0;
}

/* The trailer section after the last chunk: skipped up to its empty line. */
static int
http_skip_trailers(struct stream *s, const char **why)
{
	const char *line;
	size_t n, used, trailers = 0;
	int rc;

	for (;;) {
		if ((rc = http_peek_line(s, &line, &n, &used, why)) < 0)
			return rc;
		stream_consume(s, used);
		if (n == 0)
			return 0;
		trailers += used;
		if (trailers > HTTP_HEAD_MAX)
			return http_fail(why, MEEK_ETOOBIG, "trailer section too large");
	}
}


enum { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_EOF };

void
http_body_begin(struct http_body *b, struct http_msg *m, int is_response)
{
	int response = is_response || m->method == NULL;

	memset(b, 0, sizeof *b);
	if (response && ((m->status >= 100 && m->status < 200) ||
	    m->status == 204 || m->status == 304))
		b->kind = HTTP_BODY_NONE;
	else if (m->chunked)
		b->kind = HTTP_BODY_CHUNKED;
	else if (m->content_length >= 0) {
		b->kind = HTTP_BODY_LENGTH;
		b->left = (unsigned long long)m->content_length;
	} else if (response) {
		b->kind = HTTP_BODY_EOF;
		m->keep_alive = 0;
	} else
		b->kind = HTTP_BODY_NONE;
	if (b->kind == HTTP_BODY_NONE ||
	    (b->kind == HTTP_BODY_LENGTH && b->left == 0))
		b->done = 1;
}

/* Chunked: reads the next chunk-size line (after the CRLF that ends the
 * previous chunk's data, `after_data`); at the last chunk, the trailers. */
static int
http_body_next_chunk(struct stream *s, struct http_body *b, int after_data,
    const char **why)
{
	const char *line;
	size_t n, used;
	unsigned long long size;
	int rc;

	if (after_data && (rc = http_read_crlf(s, why)) < 0)
		return rc;
	if ((rc = http_peek_line(s, &line, &n, &used, why)) < 0)
		return rc;
	rc = http_parse_chunk_size(line, n, &size, why);
	stream_consume(s, used);
	if (rc < 0)
		return rc;
	if (size == 0) {
		if ((rc = http_skip_trailers(s, why)) < 0)
			return rc;
		b->done = 1;
	}
	b->left = size;
	return 0;
}

long
http_body_read(struct stream *s, struct http_body *b, void *buf, size_t cap,
    const char **why)
{
	long n;
	int rc;

	if (b->done || cap == 0)
		return 0;
	if (b->kind == HTTP_BODY_CHUNKED && b->left == 0) {
		/* Either the first chunk or the previous one is used up. */
		rc = http_body_next_chunk(s, b, b->started, why);
		if (rc < 0)
			return rc;
		b->started = 1;
		if (b->done)
			return 0;
	}
	if (b->kind != HTTP_BODY_EOF && cap > b->left)
		cap = (size_t)b->left;
	n = stream_read(s, buf, cap);
	if (n == MEEK_ECLOSED && b->kind == HTTP_BODY_EOF) {
		b->done = 1;
		return 0;
	}
	if (n < 0)
		return http_fail(why, (int)n, n == MEEK_ECLOSED ?
		    "connection closed inside the body" : "reading body failed");
	if (b->kind != HTTP_BODY_EOF) {
		b->left -= (unsigned long long)n;
		if (b->kind == HTTP_BODY_LENGTH && b->left == 0)
			b->done = 1;
	}
	return n;
}

/* What http_body_read_full's reads need, for net_read_exact(). */
struct http_body_rd {
	struct stream *s;
	struct http_body *b;
	const char **why;
};

static long
http_body_rd(void *ctx, void *buf, size_t len)
{
	struct http_body_rd *r = ctx;
	long n = http_body_read(r->s, r->b, buf, len, r->why);

	if (n == 0)
		return http_fail(r->why, MEEK_ECLOSED, "body ended early");
	return n;
}

int
http_body_read_full(struct stream *s, struct http_body *b, void *buf,
    size_t len, const char **why)
{
	struct http_body_rd r = { s, b, why };

	return net_read_exact(http_body_rd, &r, buf, len);
}

int
http_read_body(struct stream *s, struct http_msg *m, int is_response,
    unsigned char *buf, size_t cap, size_t *len, const char **why)
{
	struct http_body b;
	size_t total = 0;

	*len = 0;
	http_body_begin(&b, m, is_response);
	if (b.kind == HTTP_BODY_LENGTH && b.left > cap)
		return http_fail(why, MEEK_ETOOBIG, "body too large");
	for (;;) {
		unsigned char extra;
		long n;

		/* Full: one more byte tells a body that fits from one that
		 * does not. */
		n = http_body_read(s, &b, total < cap ? buf + total : &extra,
		    total < cap ? cap - total : 1, why);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (total == cap)
			return http_fail(why, MEEK_ETOOBIG, "body too large");
		total += (size_t)n;
	}
	*len = total;
	return 0;
}

const char *
http_header_get(const struct http_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

/* 1 when `str` holds a CR or LF, which would let it inject header lines. */
static int
http_has_crlf(const char *str)
{
	return str != NULL && strpbrk(str, "\r\n") != NULL;
}

/*
 * Writes `head` (hlen bytes in a buffer of hcap) and the body, then flushes.
 * A body that fits behind the head goes in the same write, so a plain socket
 * sends one segment instead of two (Nagle would delay the second).
 */
static int
http_write_msg(struct stream *s, char *head, size_t hlen, size_t hcap,
    const void *body, size_t len)
{
	int rc;

	if (len > 0 && len <= hcap - hlen) {
		memcpy(head + hlen, body, len);
		hlen += len;
		len = 0;
	}
	if ((rc = stream_write(s, head, hlen)) < 0)
		return rc;
	if (len > 0 && (rc = stream_write(s, body, len)) < 0)
		return rc;
	return stream_flush(s);
}

/* The one response-head formatter: status line, Content-Type when given,
 * the framing line (`framing`: "Content-Length: `length`", chunked, or
 * none: the body ends with the connection), "Connection: close" when
 * !keep_alive or the close ends the body, `extra`.  Returns the length, or
 * MEEK_EINVAL (bad status, CR/LF in a value, too long for `cap`). */
enum { HTTP_FRAMING_LENGTH, HTTP_FRAMING_CHUNKED, HTTP_FRAMING_CLOSE };
static int
http_format_response_head(char *head, size_t cap, int status,
    const char *reason, const char *content_type, const char *extra,
    int framing, size_t length, int keep_alive)
{
	char fl[48] = "";
	int n;

	if (status < 100 || status > 999 || http_has_crlf(reason) ||
	    http_has_crlf(content_type))
		return MEEK_EINVAL;
	if (framing == HTTP_FRAMING_LENGTH)
		snprintf(fl, sizeof fl, "Content-Length: %zu\r\n", length);
	else if (framing == HTTP_FRAMING_CHUNKED)
		snprintf(fl, sizeof fl, "Transfer-Encoding: chunked\r\n");
	else
		keep_alive = 0;
	n = snprintf(head, cap, "HTTP/1.1 %d %s\r\n%s%s%s%s%s%s\r\n",
	    status, reason != NULL ? reason : http_reason(status),
	    content_type != NULL ? "Content-Type: " : "",
	    content_type != NULL ? content_type : "",
	    content_type != NULL ? "\r\n" : "", fl,
	    keep_alive ? "" : "Connection: close\r\n",
	    extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= cap)
		return MEEK_EINVAL;
	return n;
}

int
http_write_response(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra, const void *body, size_t len,
    int keep_alive)
{
	char head[HTTP_HEAD_MAX];
	int n;

	n = http_format_response_head(head, sizeof head, status, reason,
	    content_type, extra, HTTP_FRAMING_LENGTH, len, keep_alive);
	if (n < 0)
		return n;
	return http_write_msg(s, head, (size_t)n, sizeof head, body, len);
}

/* Formats a request head and sends it, for both request writers: when
 * `whole`, with `body` and a flush (http_write_msg); else the head alone,
 * left unflushed for the caller's body.  Returns 0, a stream error, or
 * MEEK_EINVAL (a bad method or target, CR/LF in `host`, a head too long). */
static int
http_send_request(struct stream *s, const char *method, const char *host,
    const char *target, const char *extra,
    unsigned long long content_length, const void *body, size_t len,
    int whole)
{
	char head[HTTP_HEAD_MAX];
	int n;

	if (strpbrk(method, " \r\n") != NULL || strpbrk(target, " \r\n") != NULL ||
	    http_has_crlf(host))
		return MEEK_EINVAL;
	n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Content-Length: %llu\r\n%s\r\n",
	    method, target, host, content_length, extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= sizeof head)
		return MEEK_EINVAL;
	if (!whole)
		return stream_write(s, head, (size_t)n);
	return http_write_msg(s, head, (size_t)n, sizeof head, body, len);
}

int
http_write_request(struct stream *s, const char *method, const char *host,
    const char *target, const char *extra, const void *body, size_t len)
{
	return http_send_request(s, method, host, target, extra, len, body,
	    len, 1);
}

/* A response head without its body: chunked, or ending with the close. */
static int
http_write_head(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra, int framing, int keep_alive)
{
	char head[HTTP_HEAD_MAX];
	int n;

	n = http_format_response_head(head, sizeof head, status, reason,
	    content_type, extra, framing, 0, keep_alive);
	if (n < 0)
		return n;
	return stream_write(s, head, (size_t)n);
}

int
http_write_chunked_head(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra, int keep_alive)
{
	return http_write_head(s, status, reason, content_type, extra,
	    HTTP_FRAMING_CHUNKED, keep_alive);
}

int
http_write_close_head(struct stream *s, int status, const char *reason,
    const char *content_type, const char *extra)
{
	return http_write_head(s, status, reason, content_type, extra,
	    HTTP_FRAMING_CLOSE, 0);
}

int
http_write_chunk(struct stream *s, const void *buf, size_t len)
{
	char line[24];
	struct iovec v[3];
	int n;

	if (len == 0)
		return stream_write(s, "0\r\n\r\n", 5);
	n = snprintf(line, sizeof line, "%zx\r\n", len);
	v[0].iov_base = line;
	v[0].iov_len = (size_t)n;
	v[1].iov_base = (void *)(uintptr_t)buf;
	v[1].iov_len = len;
	v[2].iov_base = (void *)(uintptr_t)"\r\n";
	v[2].iov_len = 2;
	return stream_writev(s, v, 3);
}

int
http_write_request_head(struct stream *s, const char *method,
    const char *host, const char *target, const char *extra,
    unsigned long long content_length)
{
	return http_send_request(s, method, host, target, extra,
	    content_length, NULL, 0, 0);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 421: return "Misdirected Request";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
