#include "config.h"
#include "reflector/reflect.h"
#include "reflector/pass.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/pool.h"

#include <stdio.h>
#include <string.h>

char *
reflect_client_ip(int xff, const struct http_msg *m,
    const struct sockaddr *peer, char *buf, size_t len)
{
	const char *v = xff ? http_header_get(m, "X-Forwarded-For") : NULL;

	if (v != NULL) {
		const char *last = strrchr(v, ',');
		size_t n;

		last = last != NULL ? last + 1 : v;
		while (*last == ' ' || *last == '\t')
			last++;
		n = strcspn(last, " \t");
		/* Only blanks may follow the entry: "a b" is not an address. */
		if (n > 0 && n < len
		    && last[n + strspn(last + n, " \t")] == '\0') {
			memcpy(buf, last, n);
			buf[n] = '\0';
			if (net_is_ip_literal(buf))
				return buf;
		}
	}
	return net_ip_format(peer, buf, len);
}

int
reflect_extra(const struct reflect *r, const struct conn *c,
    const struct http_msg *m, const char *sid, char *buf, size_t len)
{
	const char *ctype = http_header_get(m, "Content-Type");
	char ip[NET_ADDRSTR_MAX];
	int n;

	reflect_client_ip(r->xff, m, (const struct sockaddr *)&c->peer, ip,
	    sizeof ip);
	n = snprintf(buf, len, "X-Session-Id: %s\r\nMeek-IP: %s\r\n"
	    "%s%s%s", sid, ip, ctype != NULL ? "Content-Type: " : "",
	    ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= len)
		return MEEK_ETOOBIG;
	return n;
}

int
reflect_post(const struct reflect *r, struct conn *c, struct reflect_bufs *b,
    size_t len)
{
	const struct http_msg *m = &b->req;
	const char *sid = http_header_get(m, "X-Session-Id");
	const char *rtype, *why = "";
	char extra[512], sidlog[LOG_SID_LEN];
	size_t out_len = 0;
	int rc;

	if (sid == NULL || strlen(sid) < REFLECT_SID_MIN ||
	    strlen(sid) > REFLECT_SID_MAX) {
		log_debug("POST with a missing or bad X-Session-Id: 400");
		return httpd_reply(&c->st, 400, NULL, m->keep_alive);
	}
	if (reflect_extra(r, c, m, sid, extra, sizeof extra) < 0)
		return httpd_reply(&c->st, 400, NULL, m->keep_alive);
	log_sid(sidlog, sid);
	rc = upstream_exchange(r->up, extra, b->body, len, &b->resp, b->out,
	    sizeof b->out, &out_len, &why);
	if (rc != 0) {
		log_info("session %s: meek-server failed (%s: %s): 502",
		    sidlog, meek_strerror(rc), why);
		return httpd_reply(&c->st, 502, NULL, m->keep_alive);
	}
	log_debug("session %s: %zu bytes up, %zu down, status %d", sidlog,
	    len, out_len, b->resp.status);
	rtype = http_header_get(&b->resp, "Content-Type");
	if (http_write_response(&c->st, b->resp.status,
	    http_reason(b->resp.status), rtype, NULL, b->out, out_len,
	    m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}

int
reflect_serve(void *ctx, struct conn *c, void *bufs)
{
	struct reflect *r = ctx;
	struct reflect_bufs *b = bufs;
	size_t len;
	int verdict;

	/* The head first: whether X-Meek-Ext is there decides the limit and
	 * whether the body is passed through piece by piece. */
	if (!httpd_read_head(c, &b->req, REFLECT_EXT_BODY_MAX, &verdict))
		return verdict;
	if (strcmp(b->req.method, "POST") == 0 &&
	    http_header_get(&b->req, EXT_HEADER) != NULL)
		return pass_serve(r, c, b);
	if (b->req.content_length > (long long)sizeof b->body) {
		log_debug("request body of %lld bytes: 413",
		    b->req.content_length);
		return httpd_reply(&c->st, 413, NULL, 0);
	}
	if (!httpd_read_body(c, &b->req, b->body, sizeof b->body, &len,
	    &verdict))
		return verdict;
	if (strcmp(b->req.method, "POST") == 0)
		return reflect_post(r, c, b, len);
	return httpd_answer_other(&c->st, &b->req);
}
