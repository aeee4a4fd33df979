#include "config.h"
#include "server/decoy.h"
#include "shared/dial.h"
#include "shared/err.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/pool.h"
#include "shared/clock.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Headers that belong to one hop, or must not leave this server. */
static int
decoy_skip(const char *name, const char *secret)
{
	static const char *const hop[] = {
		"Connection", "Keep-Alive", "Proxy-Connection", "TE",
		"Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
		"Host", "Expect", "X-Session-Id", "Meek-IP", NULL
	};

	for (size_t i = 0; hop[i] != NULL; i++)
		if (strcasecmp(name, hop[i]) == 0)
			return 1;
	return secret != NULL && strcasecmp(name, secret) == 0;
}

/* Appends "name: value\r\n" to buf[*n..cap) when it fits (a header that
 * does not fit is dropped: the decoy head must stay under 8 KiB). */
static void decoy_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void
decoy_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k >= 0 && (size_t)k < cap - *n)
		*n += (size_t)k;
	else
		buf[*n] = '\0';
}

void
decoy_target(const struct decoy *d, const char *method, const char *target,
    char *out, size_t cap)
{
	const char *p;

	if (strcasecmp(method, "CONNECT") == 0) {
		/* Authority-form: never someone else's host and port. */
		snprintf(out, cap, "%s", d->url->host_header);
		return;
	}
	if (target[0] == '/' || strcmp(target, "*") == 0) {
		snprintf(out, cap, "%s", target);
		return;
	}
	/* Absolute-form (or anything else): only its path and query. */
	p = strstr(target, "://");
	p = p != NULL ? strchr(p + 3, '/') : strchr(target, '/');
	snprintf(out, cap, "%s", p != NULL ? p : "/");
}

static int
decoy_fail(struct conn *c, const struct http_msg *m, const char *why)
{
	log_info("decoy: %s: 502", why);
	return httpd_reply(&c->st, 502, NULL, m->keep_alive);
}

/* Copies a decoy body longer than `scratch`: the `have` bytes in it, then
 * the rest, as chunks (`chunked`) or bytes until the close.  Returns 0 or
 * -1 (the connection must close). */
static int
decoy_copy_more(struct conn *c, struct stream *up, struct http_body *rb,
    unsigned char *scratch, size_t cap, size_t have, int chunked)
{
	const char *why = "";
	long got = (long)have;

	while (got > 0) {
		if ((chunked ? http_write_chunk(&c->st, scratch, (size_t)got) :
		    stream_write(&c->st, scratch, (size_t)got)) < 0)
			return -1;
		got = http_body_read(up, rb, scratch, cap, &why);
	}
	if (got < 0)
		return -1;
	if (chunked && http_write_chunk(&c->st, NULL, 0) < 0)
		return -1;
	return 0;
}

/* Writes the request head (target b->target, headers b->head) with
 * "Transfer-Encoding: chunked" to `up`, then the client's chunked body as
 * chunks (with `rest`: `body`, rest->peek, then the rest through
 * rest->qb).  Returns 0, 1 when the decoy stopped reading (answer, then
 * close), -1 when the client's body broke off or was malformed, -2 when
 * the head could not be written. */
static int
decoy_chunked_body(const struct decoy *d, struct conn *c, struct stream *up,
    struct http_msg *m, const unsigned char *body, size_t len,
    struct decoy_rest *rest, struct decoy_bufs *b, unsigned char *scratch,
    size_t cap)
{
	struct http_body qb, *q = &qb;
	const char *why = "";
	int n;
	long got;

	n = snprintf((char *)scratch, cap, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Transfer-Encoding: chunked\r\n%s\r\n", m->method, b->target,
	    d->url->host_header, b->head);
	if (n < 0 || (size_t)n >= cap || stream_write(up, scratch, (size_t)n) < 0)
		return -2;
	if (rest != NULL) {
		q = &rest->qb;
		if ((len > 0 && http_write_chunk(up, body, len) < 0) ||
		    (rest->npeek > 0 && http_write_chunk(up, rest->peek,
		    rest->npeek) < 0))
			return 1;
	} else
		http_body_begin(&qb, m, 0);
	while ((got = http_body_read(&c->st, q, scratch, cap, &why)) > 0)
		if (http_write_chunk(up, scratch, (size_t)got) < 0)
			return 1;
	if (got < 0)
		return -1;
	if (http_write_chunk(up, NULL, 0) < 0)
		return 1;
	return 0;
}

/* The request head for the decoy (the client's, minus hop-by-hop) into
 * b->head and its target into b->target, within what the whole head may
 * take beside the request line and Host (headers that do not fit are
 * dropped, never a 502). */
static void
decoy_request_head(const struct decoy *d, const struct http_msg *m,
    struct decoy_bufs *b)
{
	size_t n = 0, room;

	decoy_target(d, m->method, m->target, b->target, sizeof b->target);
	room = strlen(b->target) + strlen(m->method) +
	    strlen(d->url->host_header) + 512;
	room = room < sizeof b->head ? sizeof b->head - room : 0;
	b->head[0] = '\0';
	for (size_t i = 0; i < m->nheaders && room > 0; i++)
		if (!decoy_skip(m->headers[i].name, d->secret_name))
			decoy_add(b->head, room, &n, "%s: %s\r\n",
			    m->headers[i].name, m->headers[i].value);
	/* The client's own wish, so the decoy's answer says whether the
	 * decoy would keep the connection (we close ours after the answer
	 * either way). */
	if (!m->keep_alive)
		decoy_add(b->head, sizeof b->head - 512, &n,
		    "Connection: close\r\n");
}

/* Sends the request to the decoy on `up`: the head, `body` (`len` bytes
 * read already), and what is left of the client's body, streamed.
 * Returns 0 (*cut set when the decoy stopped reading: its answer, then
 * the close), or -1 after answering the client itself (*verdict). */
static int
decoy_send_request(const struct decoy *d, struct conn *c, struct stream *up,
    struct http_msg *m, const unsigned char *body, size_t len,
    struct decoy_rest *brest, struct decoy_bufs *b, unsigned char *scratch,
    size_t cap, int *cut, int *verdict)
{
	/* A Content-Length body longer than `len`: the rest comes from the
	 * client now, in pieces. */
	long long rest = m->content_length > (long long)len ?
	    m->content_length - (long long)len : 0;
	int rc;

	*cut = 0;
	if ((body == NULL || brest != NULL) && m->chunked) {
		/* A chunked body not read yet (or not all of it): passed on
		 * chunked, piece by piece, whatever its size. */
		rc = decoy_chunked_body(d, c, up, m, body, len, brest, b,
		    scratch, cap);
		if (rc < 0) {
			/* -1: the client's body broke off, nothing to
			 * answer. */
			*verdict = rc == -2 ? decoy_fail(c, m,
			    "cannot write the request") : POOL_CLOSE;
			return -1;
		}
		*cut = rc;
	} else if (http_write_request_head(up, m->method,
	    d->url->host_header, b->target, b->head, (unsigned long long)len +
	    (unsigned long long)rest) < 0 ||
	    (len > 0 && stream_write(up, body, len) < 0)) {
		*verdict = decoy_fail(c, m, "cannot write the request");
		return -1;
	}
	while (rest > 0) {
		long got = stream_read(&c->st, scratch,
		    (unsigned long long)rest < cap ? (size_t)rest : cap);

		if (got <= 0) {
			/* The client stopped sending: nothing to answer. */
			*verdict = POOL_CLOSE;
			return -1;
		}
		rest -= got;
		if (stream_write(up, scratch, (size_t)got) < 0) {
			/* The decoy stopped reading (it may have answered
			 * already, as nginx does with a 413). */
			*cut = 1;
			break;
		}
	}
	if (stream_flush(up) < 0)
		*cut = 1;
	return 0;
}

/* How the decoy's answer goes back. */
struct decoy_answer {
	int head_only;        /* HEAD, 204, 304: no body */
	int streamed;         /* a Content-Length body, copied as it comes */
	int more;             /* buffered body larger than scratch */
	int cut;              /* the connection closes after the answer */
	size_t blen;          /* body bytes buffered in scratch */
	long long left;       /* streamed body bytes still to copy */
	struct http_body rb;
};

/* The answer head, as the decoy sent it minus hop-by-hop, into b->head.
 * Returns its length. */
static size_t
decoy_response_head(const struct http_msg *m, const struct http_msg *r,
    const struct decoy_answer *a, struct decoy_bufs *b)
{
	size_t n = 0;

	decoy_add(b->head, sizeof b->head, &n, "HTTP/1.1 %d %s\r\n", r->status,
	    r->reason != NULL && r->reason[0] != '\0' ? r->reason :
	    http_reason(r->status));
	for (size_t i = 0; i < r->nheaders; i++)
		if (!decoy_skip(r->headers[i].name, NULL))
			decoy_add(b->head, sizeof b->head - 128, &n, "%s: %s\r\n",
			    r->headers[i].name, r->headers[i].value);
	if (a->head_only) {
		const char *cl = http_header_get(r, "Content-Length");

		if (cl != NULL)
			decoy_add(b->head, sizeof b->head, &n,
			    "Content-Length: %s\r\n", cl);
	} else if (a->streamed) {
		decoy_add(b->head, sizeof b->head, &n, "Content-Length: %lld\r\n",
		    a->left);
	} else if (a->more && !a->cut) {
		decoy_add(b->head, sizeof b->head, &n,
		    "Transfer-Encoding: chunked\r\n");
	} else if (!a->more) {
		decoy_add(b->head, sizeof b->head, &n, "Content-Length: %zu\r\n",
		    a->blen);
	}
	/* As nginx and most servers say it, even to HTTP/1.1. */
	decoy_add(b->head, sizeof b->head, &n, m->keep_alive && !a->cut ?
	    "Connection: keep-alive\r\n" : "Connection: close\r\n");
	decoy_add(b->head, sizeof b->head, &n, "\r\n");
	return n;
}

/* Reads the decoy's answer head into b->resp and, for a chunked or
 * until-EOF body, buffers up to `cap` bytes of it in `scratch` so it can
 * be given a length (one larger goes on chunked, or to an HTTP/1.0 client
 * until the close).  Returns 0, or an error code with *why. */
static int
decoy_read_answer(struct stream *up, const struct http_msg *m,
    struct decoy_bufs *b, unsigned char *scratch, size_t cap,
    struct decoy_answer *a, const char **why)
{
	struct http_msg *r = &b->resp;
	int rc;

	do
		rc = http_read_response(up, r, why);
	while (rc == 0 && r->status >= 100 && r->status < 200);
	if (rc < 0)
		return rc;
	/* meek-server's own pages name the decoy's server from now on. */
	httpd_server_learn(http_header_get(r, "Server"));
	a->head_only = strcmp(m->method, "HEAD") == 0 || r->status == 204 ||
	    r->status == 304;
	if (!r->keep_alive)
		a->cut = 1;   /* the decoy closes after this answer: so do we */
	a->streamed = !a->head_only && !r->chunked && r->content_length >= 0;
	if (a->streamed)
		a->left = r->content_length;
	if (a->head_only || a->streamed)
		return 0;
	http_body_begin(&a->rb, r, 1);
	while (a->blen < cap) {
		long got = http_body_read(up, &a->rb, scratch + a->blen,
		    cap - a->blen, why);

		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		a->blen += (size_t)got;
	}
	a->more = a->blen == cap && !a->rb.done;
	if (a->more && m->version_minor == 0)
		a->cut = 1;
	return 0;
}

/* Sends the answer to the client.  Returns 1 when all of it went. */
static int
decoy_send_answer(struct conn *c, struct stream *up, struct decoy_answer *a,
    const struct decoy_bufs *b, size_t hlen, unsigned char *scratch,
    size_t cap)
{
	int ok = stream_write(&c->st, b->head, hlen) == 0;

	if (ok && a->more)
		ok = decoy_copy_more(c, up, &a->rb, scratch, cap, a->blen,
		    !a->cut) == 0;
	else if (ok && !a->head_only && !a->streamed && a->blen > 0)
		ok = stream_write(&c->st, scratch, a->blen) == 0;
	while (ok && a->left > 0) {
		long got = stream_read(up, scratch,
		    (size_t)a->left < cap ? (size_t)a->left : cap);

		if (got <= 0 || stream_write(&c->st, scratch, (size_t)got) < 0) {
			/* The length is promised: a short body must end the
			 * connection. */
			ok = 0;
			break;
		}
		a->left -= got;
	}
	return ok && stream_flush(&c->st) == 0;
}

int
decoy_proxy(const struct decoy *d, struct conn *c, struct http_msg *m,
    const unsigned char *body, size_t len, struct decoy_rest *brest,
    struct decoy_bufs *b, unsigned char *scratch, size_t cap)
{
	const struct url *u = d->url;
	struct decoy_answer a;
	struct stream up;
	const char *why = "";
	int rc, ok, verdict;

	decoy_request_head(d, m, b);
	rc = dial_stream(&up, NULL, u->host, u->port, u->https, d->anchors,
	    u->host, TLSHELLO_CHROME_WS, b->rbuf, sizeof b->rbuf,
	    DECOY_CONNECT_MS, DECOY_IO_MS, &why);
	if (rc < 0)
		return decoy_fail(c, m, why);
	memset(&a, 0, sizeof a);
	if (decoy_send_request(d, c, &up, m, body, len, brest, b, scratch, cap,
	    &a.cut, &verdict) < 0) {
		stream_close(&up);
		return verdict;
	}
	if (decoy_read_answer(&up, m, b, scratch, cap, &a, &why) < 0) {
		stream_close(&up);
		return decoy_fail(c, m, why);
	}
	ok = decoy_send_answer(c, &up, &a, b,
	    decoy_response_head(m, &b->resp, &a, b), scratch, cap);
	stream_close(&up);
	log_debug("decoy: %s: %d", m->method, b->resp.status);
	return ok && m->keep_alive && !a.cut ? POOL_KEEP : POOL_CLOSE;
}

/* Writes the head `raw` (`len` bytes) to `up` with the request line's
 * target made origin-form when it parses as "METHOD TARGET VERSION". */
static int
decoy_write_raw(const struct decoy *d, struct stream *up,
    const unsigned char *raw, size_t len, struct decoy_bufs *b)
{
	const char *p = (const char *)raw, *nl, *sp1, *sp2;
	char method[32];
	size_t line, k;

	nl = memchr(p, '\n', len);
	line = nl != NULL ? (size_t)(nl - p) : len;
	sp1 = memchr(p, ' ', line);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - p)) :
	    NULL;
	k = sp1 != NULL ? (size_t)(sp1 - p) : 0;
	if (sp2 == NULL || k == 0 || k >= sizeof method ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof b->head)
		return stream_write(up, raw, len);
	memcpy(method, p, k);
	method[k] = '\0';
	memcpy(b->head, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	b->head[sp2 - sp1 - 1] = '\0';
	decoy_target(d, method, b->head, b->target, sizeof b->target);
	if (stream_write(up, p, k + 1) < 0 ||
	    stream_write(up, b->target, strlen(b->target)) < 0)
		return MEEK_EIO;
	return stream_write(up, sp2, len - (size_t)(sp2 - p));
}

int
decoy_relay(const struct decoy *d, struct conn *c, const unsigned char *raw,
    size_t len, struct decoy_bufs *b, unsigned char *scratch, size_t cap)
{
	const struct url *u = d->url;
	long long start = clock_ms(), deadline = start + DECOY_RELAY_MS;
	long long sent = 0;
	int answered = 0;
	struct stream up;
	const char *why = "";
	int rc;

	rc = dial_stream(&up, NULL, u->host, u->port, u->https, d->anchors,
	    u->host, TLSHELLO_CHROME_WS, b->rbuf, sizeof b->rbuf,
	    DECOY_CONNECT_MS, DECOY_IO_MS, &why);
	if (rc < 0) {
		log_info("decoy: %s: closed", why);
		return POOL_CLOSE;
	}
	if (decoy_write_raw(d, &up, raw, len, b) < 0 || stream_flush(&up) < 0) {
		stream_close(&up);
		return POOL_CLOSE;
	}
	/* Both ways until the decoy closes (as it would for the client), the
	 * client leaves, or the deadline. */
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = c->st.fd, .events = POLLIN },
			{ .fd = up.fd, .events = POLLIN },
		};
		long long now = clock_ms(), left = deadline - now;
		long n;

		if (left <= 0)
			break;
		/* Until the decoy answers, the client must keep sending at
		 * the body's minimum rate: a drip cannot hold the worker. */
		if (!answered && now - start > HTTPD_BODY_GRACE_MS &&
		    sent * 1000 < (now - start - HTTPD_BODY_GRACE_MS) *
		    HTTPD_BODY_MIN_RATE)
			break;
		if (!stream_has_pending(&c->st) && !stream_has_pending(&up) &&
		    poll(p, 2, (int)(left < 1000 ? left : 1000)) <= 0)
			continue;
		if (stream_has_pending(&up) || p[1].revents != 0) {
			n = stream_read(&up, scratch, cap);
			if (n <= 0 || stream_write(&c->st, scratch, (size_t)n) < 0 ||
			    stream_flush(&c->st) < 0)
				break;
			answered = 1;
		}
		if (stream_has_pending(&c->st) || p[0].revents != 0) {
			n = stream_read(&c->st, scratch, cap);
			if (n <= 0 || (sent += n) > DECOY_RELAY_MAX ||
			    stream_write(&up, scratch, (size_t)n) < 0 ||
			    stream_flush(&up) < 0)
				break;
		}
	}
	stream_close(&up);
	log_debug("decoy: a request meek-server could not parse: relayed");
	return POOL_CLOSE;
}
