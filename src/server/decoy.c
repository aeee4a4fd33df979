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

int
decoy_proxy(const struct decoy *d, struct conn *c, struct http_msg *m,
    const unsigned char *body, size_t len, struct decoy_rest *brest,
    struct decoy_bufs *b, unsigned char *scratch, size_t cap)
{
	const struct url *u = d->url;
	struct http_msg *r = &b->resp;
	struct stream up;
	const char *why = "";
	size_t n = 0, blen = 0;
	int head_only, streamed, rc, verdict, ok, cut = 0, more = 0;
	struct http_body rb;
	long long left = 0, rest;
	char *target = b->target;
	size_t room;

	/* The request head (the client's, minus hop-by-hop) goes in b->head,
	 * within what the whole head may take beside the request line and
	 * Host (headers that do not fit are dropped, never a 502). */
	decoy_target(d, m->method, m->target, target, sizeof b->target);
	room = strlen(target) + strlen(m->method) + strlen(u->host_header) +
	    512;
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

	rc = dial_stream(&up, NULL, u->host, u->port, u->https, d->anchors,
	    u->host, TLSHELLO_CHROME_WS, b->rbuf, sizeof b->rbuf, DECOY_CONNECT_MS, DECOY_IO_MS,
	    &why);
	if (rc < 0)
		return decoy_fail(c, m, why);
	/* A Content-Length body longer than `len`: the rest comes from the
	 * client now, in pieces. */
	rest = m->content_length > (long long)len ?
	    m->content_length - (long long)len : 0;
	if ((body == NULL || brest != NULL) && m->chunked) {
		/* A chunked body not read yet (or not all of it): passed on
		 * chunked, piece by piece, whatever its size. */
		rc = decoy_chunked_body(d, c, &up, m, body, len, brest, b,
		    scratch, cap);
		if (rc == -2) {
			stream_close(&up);
			return decoy_fail(c, m, "cannot write the request");
		}
		if (rc == -1) {
			stream_close(&up);
			return POOL_CLOSE;   /* the client's body broke off */
		}
		cut = rc;
	} else if (http_write_request_head(&up, m->method, u->host_header,
	    target, b->head, (unsigned long long)len +
	    (unsigned long long)rest) < 0 ||
	    (len > 0 && stream_write(&up, body, len) < 0)) {
		stream_close(&up);
		return decoy_fail(c, m, "cannot write the request");
	}
	while (rest > 0) {
		long got = stream_read(&c->st, scratch,
		    (unsigned long long)rest < cap ? (size_t)rest : cap);

		if (got <= 0) {
			/* The client stopped sending: nothing to answer. */
			stream_close(&up);
			return POOL_CLOSE;
		}
		rest -= got;
		if (stream_write(&up, scratch, (size_t)got) < 0) {
			/* The decoy stopped reading (it may have answered
			 * already, as nginx does with a 413): its answer,
			 * then the close. */
			cut = 1;
			break;
		}
	}
	if (stream_flush(&up) < 0)
		cut = 1;
	do {
		rc = http_read_response(&up, r, &why);
	} while (rc == 0 && r->status >= 100 && r->status < 200);
	if (rc < 0) {
		stream_close(&up);
		return decoy_fail(c, m, why);
	}
	/* meek-server's own pages name the decoy's server from now on. */
	httpd_server_learn(http_header_get(r, "Server"));

	head_only = strcmp(m->method, "HEAD") == 0 || r->status == 204 ||
	    r->status == 304;
	if (!r->keep_alive)
		cut = 1;   /* the decoy closes after this answer: so do we */
	streamed = !head_only && !r->chunked && r->content_length >= 0;
	if (!head_only && !streamed) {
		/* Chunked or until EOF: buffered, so we can give a length;
		 * one larger than `scratch` goes on chunked (or, to an
		 * HTTP/1.0 client, until the close) instead. */
		http_body_begin(&rb, r, 1);
		while (blen < cap) {
			long got = http_body_read(&up, &rb, scratch + blen,
			    cap - blen, &why);
			if (got < 0) {
				stream_close(&up);
				return decoy_fail(c, m, why);
			}
			if (got == 0)
				break;
			blen += (size_t)got;
		}
		more = blen == cap && !rb.done;
		if (more && m->version_minor == 0)
			cut = 1;
	}

	/* The response head, as the decoy sent it minus hop-by-hop. */
	n = 0;
	decoy_add(b->head, sizeof b->head, &n, "HTTP/1.1 %d %s\r\n", r->status,
	    r->reason != NULL && r->reason[0] != '\0' ? r->reason :
	    http_reason(r->status));
	for (size_t i = 0; i < r->nheaders; i++)
		if (!decoy_skip(r->headers[i].name, NULL))
			decoy_add(b->head, sizeof b->head - 128, &n, "%s: %s\r\n",
			    r->headers[i].name, r->headers[i].value);
	if (head_only) {
		const char *cl = http_header_get(r, "Content-Length");

		if (cl != NULL)
			decoy_add(b->head, sizeof b->head, &n,
			    "Content-Length: %s\r\n", cl);
	} else if (streamed) {
		left = r->content_length;
		decoy_add(b->head, sizeof b->head, &n, "Content-Length: %lld\r\n",
		    left);
	} else if (more && !cut) {
		decoy_add(b->head, sizeof b->head, &n,
		    "Transfer-Encoding: chunked\r\n");
	} else if (!more) {
		decoy_add(b->head, sizeof b->head, &n, "Content-Length: %zu\r\n",
		    blen);
	}
	/* As nginx and most servers say it, even to HTTP/1.1. */
	decoy_add(b->head, sizeof b->head, &n, m->keep_alive && !cut ?
	    "Connection: keep-alive\r\n" : "Connection: close\r\n");
	decoy_add(b->head, sizeof b->head, &n, "\r\n");

	ok = stream_write(&c->st, b->head, n) == 0;
	if (ok && more)
		ok = decoy_copy_more(c, &up, &rb, scratch, cap, blen, !cut) == 0;
	else if (ok && !head_only && !streamed && blen > 0)
		ok = stream_write(&c->st, scratch, blen) == 0;
	while (ok && left > 0) {
		long got = stream_read(&up, scratch,
		    (size_t)left < cap ? (size_t)left : cap);

		if (got <= 0 || stream_write(&c->st, scratch, (size_t)got) < 0) {
			/* The length is promised: a short body must end the
			 * connection. */
			ok = 0;
			break;
		}
		left -= got;
	}
	if (ok)
		ok = stream_flush(&c->st) == 0;
	stream_close(&up);
	verdict = ok && m->keep_alive && !cut ? POOL_KEEP : POOL_CLOSE;
	log_debug("decoy: %s: %d", m->method, r->status);
	return verdict;
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
