#include "config.h"
#include "shared/httpd.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/pool.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The learnt Server name: httpd_server_state 0 (none yet), 1 (being
 * written or refused), 2 (httpd_server_name is set, read-only). */
static char httpd_server_name[HTTPD_SERVER_MAX + 1];
static atomic_int httpd_server_state;

void
httpd_server_learn(const char *name)
{
	int expect = 0;
	size_t n = name != NULL ? strlen(name) : 0;

	if (!atomic_compare_exchange_strong(&httpd_server_state, &expect, 1))
		return;
	if (n == 0 || n > HTTPD_SERVER_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			return;
	memcpy(httpd_server_name, name, n + 1);
	atomic_store_explicit(&httpd_server_state, 2, memory_order_release);
}

char *
httpd_server_headers(char *buf, size_t len, const char *extra)
{
	char date[64];
	struct tm tm;
	time_t now = time(NULL);

	/* RFC 9110's IMF-fixdate; the C locale's day and month names. */
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
		date[0] = '\0';
	snprintf(buf, len, "Server: %s\r\n%s%s%s%s",
	    atomic_load_explicit(&httpd_server_state, memory_order_acquire) == 2 ?
	    httpd_server_name : HTTPD_SERVER,
	    date[0] != '\0' ? "Date: " : "", date, date[0] != '\0' ? "\r\n" : "",
	    extra != NULL ? extra : "");
	return buf;
}

int
httpd_reply(struct stream *s, int status, const char *extra, int keep_alive)
{
	char body[64], hdrs[HTTPD_HEADERS_MAX];
	int n;

	n = snprintf(body, sizeof body, "%d %s\n", status, http_reason(status));
	if (n < 0)
		n = 0;
	if (http_write_response(s, status, http_reason(status),
	    "text/plain; charset=utf-8", httpd_server_headers(hdrs, sizeof hdrs,
	    extra), body, (size_t)n, keep_alive) < 0)
		return POOL_CLOSE;
	return keep_alive ? POOL_KEEP : POOL_CLOSE;
}

int
httpd_read_head(struct conn *c, struct http_msg *m,
    unsigned long long max_body, int *verdict)
{
	const char *why = "";
	const char *expect;
	int rc;

	/* The previous request's body pace (if any) ends with its head. */
	stream_pace_end(&c->st);
	rc = http_read_request(&c->st, m, &why);
	switch (rc) {
	case 0:
		break;
	case MEEK_EHEADTOOBIG:
		log_debug("request head too big: 431");
		*verdict = httpd_reply(&c->st, 431, NULL, 0);
		return 0;
	case MEEK_EPROTO:
		log_debug("malformed request (%s): 400", why);
		*verdict = httpd_reply(&c->st, 400, NULL, 0);
		return 0;
	case MEEK_EUNSUPPORTED:
		/* A foreign version (an HTTP/2 preface) is 505, a transfer
		 * coding other than chunked 501. */
		if (m->refuse == 501) {
			log_debug("unsupported transfer coding: 501");
			*verdict = httpd_reply(&c->st, 501, NULL, 0);
		} else {
			log_debug("unsupported HTTP version: 505");
			*verdict = httpd_reply(&c->st, 505, NULL, 0);
		}
		return 0;
	default:
		/* EOF, idle timeout, I/O or TLS error: nothing to answer. */
		*verdict = POOL_CLOSE;
		return 0;
	}

	if (m->content_length >= 0 &&
	    (unsigned long long)m->content_length > max_body) {
		log_debug("request body of %lld bytes: 413", m->content_length);
		*verdict = httpd_reply(&c->st, 413, NULL, 0);
		return 0;
	}
	/* curl and others wait for "100 Continue" before a large body. */
	expect = http_header_get(m, "Expect");
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
	    m->version_minor >= 1 && (m->chunked || m->content_length > 0)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (stream_write(&c->st, cont, sizeof cont - 1) < 0 ||
		    stream_flush(&c->st) < 0) {
			*verdict = POOL_CLOSE;
			return 0;
		}
	}
	/* The body (however the caller reads it) must keep up a minimum
	 * rate: a client dripping it cannot hold the worker.  The pool
	 * turns this off after the request. */
	stream_pace_begin(&c->st, HTTPD_BODY_GRACE_MS, HTTPD_BODY_MIN_RATE);
	return 1;
}

int
httpd_read(struct conn *c, struct http_msg *m, unsigned char *body,
    size_t cap, size_t *len, int *verdict)
{
	*len = 0;
	if (!httpd_read_head(c, m, cap, verdict))
		return 0;
	return httpd_read_body(c, m, body, cap, len, verdict);
}

int
httpd_read_body(struct conn *c, struct http_msg *m, unsigned char *body,
    size_t cap, size_t *len, int *verdict)
{
	const char *why = "";
	int rc;

	*len = 0;
	if (m->content_length > (long long)cap) {
		/* httpd_read_head() was given a larger limit (an extension
		 * request might have been coming): this one is too big. */
		log_debug("request body of %lld bytes: 413", m->content_length);
		*verdict = httpd_reply(&c->st, 413, NULL, 0);
		return 0;
	}
	rc = http_read_body(&c->st, m, 0, body, cap, len, &why);
	if (rc == MEEK_ETOOBIG) {
		log_debug("request body over %zu bytes: 413", cap);
		*verdict = httpd_reply(&c->st, 413, NULL, 0);
		return 0;
	}
	if (rc == MEEK_EPROTO) {
		log_debug("malformed request body (%s): 400", why);
		*verdict = httpd_reply(&c->st, 400, NULL, 0);
		return 0;
	}
	if (rc < 0) {
		*verdict = POOL_CLOSE;
		return 0;
	}
	return 1;
}

/* 1 when the request target's path is "/" (query ignored). */
static int
httpd_is_root(const char *target)
{
	size_t n = strcspn(target, "?#");

	return n == 1 && target[0] == '/';
}

int
httpd_answer_other(struct stream *s, const struct http_msg *m)
{
	static const char page[] = HTTPD_GET_BODY;
	char hdrs[HTTPD_HEADERS_MAX];

	if (strcmp(m->method, "GET") != 0) {
		log_debug("method not allowed: 405");
		return httpd_reply(s, 405, "Allow: GET, POST\r\n", m->keep_alive);
	}
	if (!httpd_is_root(m->target)) {
		log_debug("GET of an unknown path: 404");
		return httpd_reply(s, 404, NULL, m->keep_alive);
	}
	log_debug("GET /: 200");
	if (http_write_response(s, 200, "OK", "text/plain; charset=utf-8",
	    httpd_server_headers(hdrs, sizeof hdrs, NULL), page,
	    sizeof page - 1, m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}
