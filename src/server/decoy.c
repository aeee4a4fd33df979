#include "config.h"
#include "server/decoy.h"
#include "shared/dial.h"
#include "shared/err.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/pool.h"

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

static int
decoy_fail(struct conn *c, const struct http_msg *m, const char *why)
{
	log_info("decoy: %s: 502", why);
	return httpd_reply(&c->st, 502, NULL, m->keep_alive);
}

int
decoy_proxy(const struct decoy *d, struct conn *c, const struct http_msg *m,
    const unsigned char *body, size_t len, struct decoy_bufs *b,
    unsigned char *scratch, size_t cap)
{
	const struct url *u = d->url;
	struct http_msg *r = &b->resp;
	struct stream up;
	const char *why = "";
	size_t n = 0, blen = 0;
	int head_only, streamed, rc, verdict, ok;
	long long left = 0;

	/* The request head (the client's, minus hop-by-hop) goes in b->head. */
	b->head[0] = '\0';
	for (size_t i = 0; i < m->nheaders; i++)
		if (!decoy_skip(m->headers[i].name, d->secret_name))
			decoy_add(b->head, sizeof b->head - 512, &n, "%s: %s\r\n",
			    m->headers[i].name, m->headers[i].value);
	decoy_add(b->head, sizeof b->head - 512, &n, "Connection: close\r\n");

	rc = dial_stream(&up, NULL, u->host, u->port, u->https, d->anchors,
	    u->host, TLSHELLO_CHROME_WS, b->rbuf, sizeof b->rbuf, DECOY_CONNECT_MS, DECOY_IO_MS,
	    &why);
	if (rc < 0)
		return decoy_fail(c, m, why);
	if (http_write_request(&up, m->method, u->host_header, m->target,
	    b->head, body, len) < 0) {
		stream_close(&up);
		return decoy_fail(c, m, "cannot write the request");
	}
	do {
		rc = http_read_response(&up, r, &why);
	} while (rc == 0 && r->status >= 100 && r->status < 200);
	if (rc < 0) {
		stream_close(&up);
		return decoy_fail(c, m, why);
	}

	head_only = strcmp(m->method, "HEAD") == 0 || r->status == 204 ||
	    r->status == 304;
	streamed = !head_only && !r->chunked && r->content_length >= 0;
	if (!head_only && !streamed) {
		/* Chunked or until EOF: buffered, so we can give a length. */
		if (http_read_body(&up, r, 1, scratch, cap, &blen, &why) < 0) {
			stream_close(&up);
			return decoy_fail(c, m, why);
		}
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
	} else {
		decoy_add(b->head, sizeof b->head, &n, "Content-Length: %zu\r\n",
		    blen);
	}
	/* As nginx and most servers say it, even to HTTP/1.1. */
	decoy_add(b->head, sizeof b->head, &n, m->keep_alive ?
	    "Connection: keep-alive\r\n" : "Connection: close\r\n");
	decoy_add(b->head, sizeof b->head, &n, "\r\n");

	ok = stream_write(&c->st, b->head, n) == 0;
	if (ok && !head_only && !streamed && blen > 0)
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
	verdict = ok && m->keep_alive ? POOL_KEEP : POOL_CLOSE;
	log_debug("decoy: %s: %d", m->method, r->status);
	return verdict;
}
