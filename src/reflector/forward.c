#include "config.h"
#include "reflector/forward.h"
#include "shared/err.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/pool.h"
#include "shared/sessid.h"
#include "shared/useraddr.h"

#include <stdio.h>
#include <string.h>

char *
forward_client_ip(int xff, const struct http_msg *m,
    const struct sockaddr *peer, char *buf, size_t len)
{
	/* --xff: the front (one proxy of ours) appended the last entry. */
	const struct useraddr_rule rule = { NULL, 0, xff ? 1 : 0 };

	(void)useraddr_pick(&rule, m, peer, buf, len);
	return buf;
}

int
forward_extra(const struct reflect *r, const struct conn *c,
    const struct http_msg *m, const char *sid, char *buf, size_t len)
{
	const char *ctype = http_header_get(m, "Content-Type");
	char ip[NET_ADDRSTR_MAX];
	int n;

	forward_client_ip(r->xff, m, (const struct sockaddr *)&c->peer, ip,
	    sizeof ip);
	n = snprintf(buf, len, "X-Session-Id: %s\r\nMeek-IP: %s\r\n"
	    "%s%s%s", sid, ip, ctype != NULL ? "Content-Type: " : "",
	    ctype != NULL ? ctype : "", ctype != NULL ? "\r\n" : "");
	if (n < 0 || (size_t)n >= len)
		return MEEK_ETOOBIG;
	return n;
}

int
forward_post(const struct reflect *r, struct conn *c, struct reflect_bufs *b,
    size_t len)
{
	const struct http_msg *m = &b->req;
	const char *sid = http_header_get(m, "X-Session-Id");
	const char *rtype, *why = "";
	char extra[512], sidlog[LOG_SID_LEN];
	size_t out_len = 0;
	int rc;

	if (sessid_check(sid) == 0) {
		log_debug("POST with a missing or bad X-Session-Id: 400");
		return httpd_reply(&c->st, 400, NULL, m->keep_alive);
	}
	if (forward_extra(r, c, m, sid, extra, sizeof extra) < 0)
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
