#include "config.h"
#include "server/handler.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/net.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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
		return httpd_reply(&c->st, 400, NULL, m->keep_alive);
	}
	rc = session_table_get(h->table, id, idlen, clock_ms(), &s,
	    &created);
	if (rc == MEEK_EFULL) {
		log_debug("session table full: 503");
		return httpd_reply(&c->st, 503, NULL, m->keep_alive);
	}
	if (rc < 0)
		return httpd_reply(&c->st, 500, NULL, m->keep_alive);
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
			return httpd_reply(&c->st, 500, NULL, m->keep_alive);
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
		return httpd_reply(&c->st, 500, NULL, m->keep_alive);
	}
	log_debug("session %s: %zu bytes up, %ld down%s", sidlog, len, n,
	    closed ? ", ORPort closed" : "");
	if (http_write_response(&c->st, 200, "OK", "application/octet-stream",
	    NULL, b->out, (size_t)n, m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}

int
handler_serve(const struct handler *h, struct conn *c, struct handler_bufs *b)
{
	size_t len;
	int verdict;

	if (!httpd_read(c, &b->msg, b->body, sizeof b->body, &len, &verdict))
		return verdict;
	if (strcmp(b->msg.method, "POST") == 0)
		return handler_post(h, c, b, len);
	return httpd_answer_other(&c->st, &b->msg);
}
