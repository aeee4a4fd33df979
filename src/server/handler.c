#include "config.h"
#include "server/handler.h"
#include "server/xhandler.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/pool.h"
#include "shared/sessid.h"
#include "shared/useraddr.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

char *
handler_useraddr(const struct handler *h, const struct http_msg *m,
    const struct sockaddr *peer, char *buf, size_t len)
{
	static atomic_int said;
	char ip[NET_ADDRSTR_MAX];
	const struct useraddr_rule *r = h != NULL ? &h->useraddr : NULL;

	if ((r == NULL || (r->nmeek_ip_from == 0 && r->trusted_proxies <= 0)) &&
	    (http_header_get(m, "Meek-IP") != NULL ||
	    http_header_get(m, "X-Forwarded-For") != NULL) &&
	    atomic_exchange(&said, 1) == 0)
		log_info("Meek-IP / X-Forwarded-For ignored: neither "
		    "--meek-ip-from nor --trusted-proxies is set, USERADDR is "
		    "the peer's address");
	(void)useraddr_pick(r, m, peer, ip, sizeof ip);
	/* tor wants a port; the client's own is not ours to give. */
	return net_hostport(buf, len, ip, 1);
}

int
handler_backend(const char *id, size_t len, int n)
{
	/* FNV-1a: stable across restarts, so nginx-free setups can predict
	 * nothing about it but a session stays on one backend. */
	unsigned long h = 2166136261UL;

	if (n <= 1)
		return 0;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h = (h * 16777619UL) & 0xffffffffUL;
	}
	return (int)(h % (unsigned long)n);
}

/* Answers 503/500 for session_table_get_from's error `rc`. */
static int
handler_table_error(const struct handler *h, struct conn *c, int rc,
    int per_source, int keep_alive)
{
	if (rc == MEEK_EFULL) {
		if (per_source)
			log_debug("--max-per-source reached: 503");
		else
			log_debug("session table full: 503");
		stats_add(h->stats, STATS_5XX, 1);
		return httpd_reply(&c->st, 503, NULL, keep_alive);
	}
	stats_add(h->stats, STATS_5XX, 1);
	return httpd_reply(&c->st, 500, NULL, keep_alive);
}

/* Caller holds s->lock; `s` is an extension session (open or running) and
 * q a classic-looking POST for it.  Returns 1 when the request goes on as
 * classic meek; 0 when it was answered here (*verdict): a repeated open
 * gets the same answer again, a classic request in a running extension
 * session a 400.  A 0 has unlocked and unreferenced `s`. */
static int
handler_ext_session_locked(const struct handler *h, struct conn *c,
    const struct hreq *q, struct session *s, int keep_alive, int *verdict)
{
	char answer[EXT_VALUE_MAX + 1];

	if (q->op == EXT_OP_OPEN && !s->closed) {
		/* A repeated open (its answer was lost): the same answer,
		 * nothing else. */
		snprintf(answer, sizeof answer, "%s", s->ext->answer);
		session_touch(s, clock_ms());
		pthread_mutex_unlock(&s->lock);
		session_unref(s);
		log_debug("session %s: open repeated", q->sid);
		*verdict = xhandler_answer_open(c, answer, keep_alive);
		return 0;
	}
	if (s->mode == SESSION_EXT_OPEN) {
		/* No extension request yet, so no ORPort byte was read:
		 * classic from here on loses nothing. */
		session_ext_downgrade_locked(s);
		log_debug("session %s: classic request after the open: "
		    "classic", q->sid);
		return 1;
	}
	pthread_mutex_unlock(&s->lock);
	session_unref(s);
	log_debug("session %s: classic request in an extension session: 400",
	    q->sid);
	stats_add(h->stats, STATS_4XX, 1);
	*verdict = httpd_reply(&c->st, 400, NULL, keep_alive);
	return 0;
}

/* The session of classic or open request q: looked up, or created and
 * dialed (*first = 1) when this is its first request.  Returns 1 with *sp
 * referenced and locked; 0 when the request was answered (*verdict). */
static int
handler_session(const struct handler *h, struct conn *c,
    const struct http_msg *m, const struct hreq *q, struct session **sp,
    int *first, int *verdict)
{
	char useraddr[NET_ADDRSTR_MAX + 8];
	struct session_upstream up = h->up;
	const char *why = "";
	struct session *s;
	int rc, created, per_source;

	*first = 0;
	/* The source that reaches tor, for its per-source cap. */
	handler_useraddr(h, m, (const struct sockaddr *)&c->peer, useraddr,
	    sizeof useraddr);
	rc = session_table_get_from(h->table, q->id, q->idlen, clock_ms(),
	    h->srccap != NULL ? srccap_slot(h->srccap, useraddr) : -1, &s,
	    &created, &per_source);
	if (rc < 0) {
		*verdict = handler_table_error(h, c, rc, per_source,
		    m->keep_alive);
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	if (s->mode != SESSION_CLASSIC && !handler_ext_session_locked(h, c, q,
	    s, m->keep_alive, verdict))
		return 0;
	if (s->closed || s->fd >= 0) {
		*sp = s;
		return 1;
	}
	/* The first request of a session dials; a concurrent second request
	 * waits on the lock and finds it dialed. */
	if (h->norports > 1)
		up.orport = h->orports[handler_backend(q->id, q->idlen,
		    h->norports)];
	if ((rc = session_dial_locked(s, &up, useraddr, &why)) < 0) {
		pthread_mutex_unlock(&s->lock);
		log_info("session %s: cannot reach the ORPort: %s", q->sid, why);
		session_table_remove(h->table, s);
		session_unref(s);
		stats_add(h->stats, STATS_5XX, 1);
		*verdict = httpd_reply(&c->st, 500, NULL, m->keep_alive);
		return 0;
	}
	log_debug("session %s: new", q->sid);
	*first = 1;
	*sp = s;
	return 1;
}

/* The meek exchange for one classic POST (or an open, q->op) whose body is
 * b->body[0..len). */
static int
handler_post(const struct handler *h, struct conn *c, struct handler_bufs *b,
    size_t len, const struct hreq *q)
{
	const struct http_msg *m = &b->msg;
	char answer[EXT_VALUE_MAX + 1];
	const char *why = "";
	struct session *s;
	int closed, first, verdict;
	long n;

	if (q->idlen == 0) {
		log_debug("POST with a missing or bad X-Session-Id: 400");
		stats_add(h->stats, STATS_4XX, 1);
		return httpd_reply(&c->st, 400, NULL, m->keep_alive);
	}
	if (!handler_session(h, c, m, q, &s, &first, &verdict))
		return verdict;
	if (q->op == EXT_OP_OPEN && first && len == 0 &&
	    xhandler_open_locked(h, s, &q->x, answer)) {
		session_touch(s, clock_ms());
		pthread_mutex_unlock(&s->lock);
		session_unref(s);
		return xhandler_answer_open(c, answer, m->keep_alive);
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
		log_debug("session %s: %s: 500", q->sid, why);
		stats_add(h->stats, STATS_5XX, 1);
		return httpd_reply(&c->st, 500, NULL, m->keep_alive);
	}
	log_debug("session %s: %zu bytes up, %ld down%s", q->sid, len, n,
	    closed ? ", ORPort closed" : "");
	if (http_write_response(&c->st, 200, "OK", "application/octet-stream",
	    NULL, b->out, (size_t)n, m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}

/* The dispatch step's classification of the request head in `m`: fills
 * q (the session id checked once, the op) and returns 1 when the request
 * may be meek: a POST with, under --require-header, the secret and, under
 * --fallback, a plausible session id (without a decoy a bad id gets Go's
 * 400). */
static int
handler_classify(const struct handler *h, const struct http_msg *m,
    struct hreq *q)
{
	const char *v;

	memset(q, 0, sizeof *q);
	q->op = EXT_OP_NONE;
	q->id = http_header_get(m, "X-Session-Id");
	q->idlen = sessid_check(q->id);
	if (q->idlen > 0)
		log_sid(q->sid, q->id);
	if (strcmp(m->method, "POST") != 0)
		return 0;
	if (h->req_name != NULL) {
		v = http_header_get(m, h->req_name);
		if (v == NULL || strcmp(v, h->req_value) != 0)
			return 0;
	}
	if (h->decoy != NULL && q->idlen == 0)
		return 0;
	q->op = xhandler_op(h, m, &q->x);
	return 1;
}

/* An op=up, op=stream or op=poll request: its session is looked up, never
 * created (only an open or a classic request creates one). */
static int
handler_ext(const struct handler *h, struct conn *c, struct handler_bufs *b,
    const struct hreq *q)
{
	stats_add(h->stats, STATS_REQUESTS, 1);
	if (q->idlen == 0) {
		/* The body is unread: answer and close. */
		log_debug("POST with a missing or bad X-Session-Id: 400");
		stats_add(h->stats, STATS_4XX, 1);
		return httpd_reply(&c->st, 400, NULL, 0);
	}
	return xhandler_serve(h, c, b, q,
	    session_table_lookup(h->table, q->id, q->idlen));
}

/* Makes the whole request head (or a full read-ahead buffer) sit in c's
 * read-ahead buffer and copies it to `raw` (`cap` >= HTTP_HEAD_MAX bytes).
 * Returns its length, or 0 when the connection ended first. */
static size_t
handler_snapshot(struct conn *c, unsigned char *raw, size_t cap)
{
	struct stream *st = &c->st;

	for (;;) {
		const unsigned char *p = st->rbuf + st->rpos;
		size_t n = st->rlen - st->rpos, i = 0;

		while (i < n && (p[i] == '\r' || p[i] == '\n'))
			i++;   /* empty lines before a request are skipped */
		for (size_t k = i; k + 1 < n; k++) {
			if (p[k] == '\n' && (p[k + 1] == '\n' ||
			    (p[k + 1] == '\r' && k + 2 < n && p[k + 2] == '\n'))) {
				i = n;
				break;
			}
		}
		if (i == n && n > 0) {
			if (n > cap)
				n = cap;
			memcpy(raw, p, n);
			return n;
		}
		if (n >= st->rcap || n >= cap) {
			memcpy(raw, p, n < cap ? n : cap);
			return n < cap ? n : cap;
		}
		if (stream_fill(st) <= 0)
			return 0;
	}
}

/* With --fallback: 1 when the head in `raw` is one meek-server cannot
 * parse (it would answer 400, 431, 501 or 505 itself). */
static int
handler_head_is_bad(unsigned char *raw, size_t len, struct http_msg *scratch)
{
	struct stream t;
	const char *why = "";
	int rc;

	/* Parse the copy, never the connection: a stream over the bytes
	 * alone (fd -1: asking for more fails). */
	stream_init(&t, -1, NULL, raw, HTTP_HEAD_MAX, 0);
	t.rlen = len;
	rc = http_read_request(&t, scratch, &why);
	return rc == MEEK_EPROTO || rc == MEEK_EHEADTOOBIG ||
	    rc == MEEK_EUNSUPPORTED;
}

/* With --fallback, a chunked classic meek request: reads its body into
 * b->body.  Returns 1 when it fits (*len bytes), else 0 with *verdict: a
 * body over b->body went to the decoy with what was read of it, as one
 * with a Content-Length over it does; a malformed one got 400. */
static int
handler_chunked(const struct handler *h, struct conn *c,
    struct handler_bufs *b, size_t *len, int *verdict)
{
	struct decoy_rest rest = { .npeek = 0 };
	const char *why = "";
	long got = 1;

	*len = 0;
	http_body_begin(&rest.qb, &b->msg, 0);
	while (*len < sizeof b->body && (got = http_body_read(&c->st,
	    &rest.qb, b->body + *len, sizeof b->body - *len, &why)) > 0)
		*len += (size_t)got;
	if (got > 0)   /* full: one byte more says whether it is larger */
		got = http_body_read(&c->st, &rest.qb, rest.peek, 1, &why);
	if (got == 0)
		return 1;
	if (got > 0) {
		rest.npeek = (size_t)got;
		stats_add(h->stats, STATS_REQUESTS, 1);
		stats_add(h->stats, STATS_DECOY, 1);
		*verdict = decoy_proxy(h->decoy, c, &b->msg, b->body, *len,
		    &rest, &b->decoy, b->out, sizeof b->out);
		return 0;
	}
	if (got == MEEK_EPROTO) {
		log_debug("malformed request body (%s): 400", why);
		*verdict = httpd_reply(&c->st, 400, NULL, 0);
	} else
		*verdict = POOL_CLOSE;
	return 0;
}

int
handler_serve(const struct handler *h, struct conn *c, struct handler_bufs *b)
{
	struct hreq q;
	size_t len;
	int verdict, meek;
	unsigned long long limit = xhandler_body_limit(h);

	if (h->decoy != NULL) {
		/* Every request meek-server would refuse gets the decoy's
		 * own answer instead. */
		size_t raw = handler_snapshot(c, b->out, sizeof b->out);

		if (raw == 0)
			return POOL_CLOSE;
		if (handler_head_is_bad(b->out, raw, &b->decoy.resp)) {
			stream_consume(&c->st, raw);
			stats_add(h->stats, STATS_REQUESTS, 1);
			stats_add(h->stats, STATS_DECOY, 1);
			return decoy_relay(h->decoy, c, b->out, raw, &b->decoy,
			    b->body, sizeof b->body);
		}
	}
	if (!httpd_read_head(c, &b->msg, h->decoy != NULL ? ~0ULL : limit,
	    &verdict))
		return verdict;
	meek = handler_classify(h, &b->msg, &q);
	if (meek && h->decoy != NULL && b->msg.content_length >= 0 &&
	    (unsigned long long)b->msg.content_length > limit)
		meek = 0;   /* too large for meek: the decoy's answer */
	if (meek && (q.op == EXT_OP_UP || q.op == EXT_OP_STREAM ||
	    q.op == EXT_OP_POLL))
		return handler_ext(h, c, b, &q);   /* bodies up to --max-body */
	if (h->decoy != NULL && (b->msg.content_length >
	    (long long)sizeof b->body || (!meek && b->msg.chunked))) {
		/* Over what a classic request may carry, or a chunked body
		 * for the decoy: the decoy gets the body streamed, whatever
		 * its size, and answers as it does. */
		stats_add(h->stats, STATS_REQUESTS, 1);
		stats_add(h->stats, STATS_DECOY, 1);
		return decoy_proxy(h->decoy, c, &b->msg, NULL, 0, NULL,
		    &b->decoy, b->out, sizeof b->out);
	}
	if (h->decoy != NULL && meek && b->msg.chunked) {
		/* Its size is known only once read: over b->body, the
		 * decoy's answer, as with a Content-Length. */
		if (!handler_chunked(h, c, b, &len, &verdict))
			return verdict;
	} else if (!httpd_read_body(c, &b->msg, b->body, sizeof b->body, &len,
	    &verdict))
		return verdict;
	stats_add(h->stats, STATS_REQUESTS, 1);
	if (meek)
		verdict = handler_post(h, c, b, len, &q);
	else if (h->decoy != NULL) {
		stats_add(h->stats, STATS_DECOY, 1);
		return decoy_proxy(h->decoy, c, &b->msg, b->body, len, NULL,
		    &b->decoy, b->out, sizeof b->out);
	} else if (strcmp(b->msg.method, "POST") == 0) {
		/* Without the secret header: not meek, not a decoy either. */
		stats_add(h->stats, STATS_4XX, 1);
		return httpd_reply(&c->st, 404, NULL, b->msg.keep_alive);
	} else {
		if (strcmp(b->msg.method, "GET") != 0)
			stats_add(h->stats, STATS_4XX, 1);   /* the 405 */
		return httpd_answer_other(&c->st, &b->msg);
	}
	return verdict;
}
