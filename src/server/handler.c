#include "config.h"
#include "server/handler.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
handler_reply(struct stream *s, int status, const char *extra, int keep_alive)
{
	char body[64];
	int n;

	n = snprintf(body, sizeof body, "%d %s\n", status, http_reason(status));
	if (n < 0)
		n = 0;
	if (http_write_response(s, status, http_reason(status),
	    "text/plain; charset=utf-8", extra, body, (size_t)n, keep_alive) < 0)
		return POOL_CLOSE;
	return keep_alive ? POOL_KEEP : POOL_CLOSE;
}

/* Copies `src` (trimmed of spaces and tabs, `n` bytes) to `dst` when it is
 * an IP literal.  Returns 1 when it is. */
static int
handler_ip(char *dst, size_t dstlen, const char *src, size_t n)
{
	while (n > 0 && (*src == ' ' || *src == '\t')) {
		src++;
		n--;
	}
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= dstlen)
		return 0;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return net_is_ip_literal(dst);
}

char *
handler_useraddr(const struct http_msg *m, const struct sockaddr *peer,
    char *buf, size_t len)
{
	char ip[NET_ADDRSTR_MAX];
	const char *v;
	int ok = 0;

	v = http_header_get(m, "Meek-IP");
	if (v != NULL)
		ok = handler_ip(ip, sizeof ip, v, strlen(v));
	if (!ok && (v = http_header_get(m, "X-Forwarded-For")) != NULL)
		ok = handler_ip(ip, sizeof ip, v, strcspn(v, ","));
	if (!ok)
		net_ip_format(peer, ip, sizeof ip);
	snprintf(buf, len, strchr(ip, ':') != NULL ? "[%s]:1" : "%s:1", ip);
	return buf;
}

/* The meek exchange for one POST whose body is b->body[0..len). */
static int
handler_post(const struct handler *h, struct conn *c, struct handler_bufs *b,
    size_t len)
{
	const struct http_msg *m = &b->msg;
	const char *id = http_header_get(m, "X-Session-Id");
	char sidlog[LOG_SID_LEN], useraddr[NET_ADDRSTR_MAX + 8];
	const char *why = "";
	struct session *s;
	size_t idlen;
	int rc, created, closed;
	long n;

	idlen = id != NULL ? strlen(id) : 0;
	if (idlen < SESSION_ID_MIN || idlen > SESSION_ID_MAX) {
		log_debug("POST with a missing or bad X-Session-Id: 400");
		return handler_reply(&c->st, 400, NULL, m->keep_alive);
	}
	rc = session_table_get(h->table, id, idlen, clock_ms(), &s,
	    &created);
	if (rc == MEEK_EFULL) {
		log_debug("session table full: 503");
		return handler_reply(&c->st, 503, NULL, m->keep_alive);
	}
	if (rc < 0)
		return handler_reply(&c->st, 500, NULL, m->keep_alive);
	log_sid(sidlog, s->id);

	pthread_mutex_lock(&s->lock);
	if (!s->closed && s->fd < 0) {
		/* The first request of a session dials; a concurrent second
		 * request waits on the lock and finds it dialed. */
		handler_useraddr(m, (const struct sockaddr *)&c->peer, useraddr,
		    sizeof useraddr);
		rc = session_dial_locked(s, &h->up, useraddr, &why);
		if (rc < 0) {
			pthread_mutex_unlock(&s->lock);
			log_info("session %s: cannot reach the ORPort: %s",
			    sidlog, why);
			session_table_remove(h->table, s);
			session_unref(s);
			return handler_reply(&c->st, 500, NULL, m->keep_alive);
		}
		log_debug("session %s: new", sidlog);
	}
	session_touch(s, clock_ms());
	n = session_transact_locked(s, &h->up, b->body, len, b->out,
	    sizeof b->out, &why);
	session_touch(s, clock_ms());
	closed = s->closed;
	pthread_mutex_unlock(&s->lock);

	if (closed)
		session_table_remove(h->table, s);
	session_unref(s);
	if (n < 0) {
		log_debug("session %s: %s: 500", sidlog, why);
		return handler_reply(&c->st, 500, NULL, m->keep_alive);
	}
	log_debug("session %s: %zu bytes up, %ld down%s", sidlog, len, n,
	    closed ? ", ORPort closed" : "");
	if (http_write_response(&c->st, 200, "OK", "application/octet-stream",
	    NULL, b->out, (size_t)n, m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}

/* 1 when the request target's path is "/" (query ignored). */
static int
handler_is_root(const char *target)
{
	size_t n = strcspn(target, "?#");

	return n == 1 && target[0] == '/';
}

int
handler_serve(const struct handler *h, struct conn *c, struct handler_bufs *b)
{
	struct http_msg *m = &b->msg;
	const char *why = "";
	const char *expect;
	size_t len = 0;
	int rc, is_post, is_get;

	rc = http_read_request(&c->st, m, &why);
	switch (rc) {
	case 0:
		break;
	case MEEK_EHEADTOOBIG:
		log_debug("request head too big: 431");
		return handler_reply(&c->st, 431, NULL, 0);
	case MEEK_EPROTO:
		log_debug("malformed request (%s): 400", why);
		return handler_reply(&c->st, 400, NULL, 0);
	case MEEK_EUNSUPPORTED:
		/* http says "unsupported" for both a foreign version (an
		 * HTTP/2 preface) and a transfer coding; only the latter is
		 * 501. */
		if (why != NULL && (strstr(why, "coding") != NULL ||
		    strstr(why, "ransfer") != NULL)) {
			log_debug("unsupported transfer coding: 501");
			return handler_reply(&c->st, 501, NULL, 0);
		}
		log_debug("unsupported HTTP version: 505");
		return handler_reply(&c->st, 505, NULL, 0);
	default:
		/* EOF, idle timeout, I/O or TLS error: nothing to answer. */
		return POOL_CLOSE;
	}

	is_post = strcmp(m->method, "POST") == 0;
	is_get = strcmp(m->method, "GET") == 0;
	if (m->content_length > HTTP_BODY_MAX) {
		log_debug("request body of %lld bytes: 413", m->content_length);
		return handler_reply(&c->st, 413, NULL, 0);
	}
	/* curl and others wait for "100 Continue" before a large body. */
	expect = http_header_get(m, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
	    m->version_minor >= 1 && (m->chunked || m->content_length > 0)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (stream_write(&c->st, cont, sizeof cont - 1) < 0 ||
		    stream_flush(&c->st) < 0)
			return POOL_CLOSE;
	}
	rc = http_read_body(&c->st, m, 0, b->body, sizeof b->body, &len, &why);
	if (rc == MEEK_ETOOBIG) {
		log_debug("request body over %d bytes: 413", HTTP_BODY_MAX);
		return handler_reply(&c->st, 413, NULL, 0);
	}
	if (rc == MEEK_EPROTO) {
		log_debug("malformed request body (%s): 400", why);
		return handler_reply(&c->st, 400, NULL, 0);
	}
	if (rc < 0)
		return POOL_CLOSE;

	if (is_post)
		return handler_post(h, c, b, len);
	if (is_get) {
		static const char page[] = HANDLER_GET_BODY;
		if (!handler_is_root(m->target)) {
			log_debug("GET of an unknown path: 404");
			return handler_reply(&c->st, 404, NULL, m->keep_alive);
		}
		log_debug("GET /: 200");
		if (http_write_response(&c->st, 200, "OK",
		    "text/plain; charset=utf-8", NULL, page, sizeof page - 1,
		    m->keep_alive) < 0)
			return POOL_CLOSE;
		return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
	}
	log_debug("method not allowed: 405");
	return handler_reply(&c->st, 405, "Allow: GET, POST\r\n", m->keep_alive);
}
