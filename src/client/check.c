#include "config.h"
#include "client/check.h"
#include "client/certdates.h"
#include "client/httpc.h"
#include "client/h2conn.h"
#include "client/report.h"
#include "shared/b64.h"
#include "shared/dial.h"
#include "shared/err.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/ptargs.h"
#include "shared/rand.h"
#include "shared/tlshello.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK_TIMEOUT_MS 15000

struct check_buf {
	struct http_msg msg;
	unsigned char rbuf[HTTP_HEAD_MAX];
	unsigned char body[HTTP_BODY_MAX];
};

static void
check_step(FILE *out, const char *step, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
check_step(FILE *out, const char *step, int ok, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "  %-8s %-4s ", step, ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* Bridge-line form "url=A front=B" (or tor's "url=A;front=B") to the
 * escaped "k=v;k=v" form ptargs_parse() reads.  A whole torrc line
 * "Bridge meek_lite ADDR FP url=A front=B" works too: the leading words
 * without '=' (keyword, transport, address, fingerprint) are skipped. */
static int
check_args(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int sep = 0;

	for (;;) {
		const char *w = in, *e;

		while (isspace((unsigned char)*w))
			w++;
		e = w;
		while (*e != '\0' && !isspace((unsigned char)*e) && *e != '=')
			e++;
		if (e == w || *e == '=')
			break;
		in = e;
	}
	for (const char *p = in; *p != '\0'; p++) {
		if (isspace((unsigned char)*p) || *p == ';') {
			sep = o > 0;
			continue;
		}
		if (o + 3 >= len)
			return -1;
		if (sep) {
			out[o++] = ';';
			sep = 0;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

/* Step 1: name resolution (left to the proxy when there is one).
 * Returns 1 when it worked. */
static int
check_resolve(const struct client_target *t, const struct proxy *proxy,
    FILE *out)
{
	struct addrinfo hints, *res = NULL;
	char addr[INET6_ADDRSTRLEN];
	int rc;

	if (proxy == NULL) {
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		rc = getaddrinfo(t->front, NULL, &hints, &res);
		if (rc != 0) {
			check_step(out, "resolve", 0, "%s: %s (class dns)", t->front,
			    gai_strerror(rc));
			return 0;
		}
		addr[0] = '\0';
		if (res->ai_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
			    res->ai_addr)->sin_addr, addr, sizeof addr);
		else if (res->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
			    res->ai_addr)->sin6_addr, addr, sizeof addr);
		freeaddrinfo(res);
		check_step(out, "resolve", 1, "%s -> %s", t->front, addr);
	} else {
		check_step(out, "resolve", 1, "%s: left to the proxy", t->front);
	}
	return 1;
}

/* Step 3 failed with rc/why: the class, the hint, and for "expired or
 * not yet valid" which of the two (our clock may be wrong). */
static void
check_tls_failed(const struct proxy *proxy, const struct client_target *t,
    int rc, const char *why, FILE *out)
{
	/* TCP worked a moment ago: a reset or a silence now is the
	 * handshake's. */
	char cbuf[16], msg[200], d1[32], d2[32];
	const char *cls = report_class_at(rc, 0, REPORT_DIAL, cbuf,
	    sizeof cbuf);
	long long nb = 0, na = 0;

	report_join(msg, sizeof msg, why ? why : meek_strerror(rc),
	    report_censor_hint(rc, 0, REPORT_DIAL));
	if (meek_is_cert_dates(rc)) {
		switch (certdates_probe(proxy, t->front, t->port, t->front,
		    t->hello, CHECK_TIMEOUT_MS, &nb, &na)) {
		case CERTDATES_NOT_YET_VALID:
			cls = "cert-not-yet-valid";
			snprintf(msg, sizeof msg, "certificate not yet valid "
			    "(valid from %s, our clock says %s): the clock "
			    "looks wrong", certdates_day(d1, sizeof d1, nb),
			    certdates_day(d2, sizeof d2,
			    (long long)time(NULL)));
			break;
		case CERTDATES_EXPIRED:
			cls = "cert-expired";
			snprintf(msg, sizeof msg, "certificate expired on %s",
			    certdates_day(d1, sizeof d1, na));
			break;
		default:
			break;
		}
	}
	check_step(out, t->url.https ? "tls" : "http", 0,
	    "SNI %s: %s (class %s)", t->front, msg, cls);
}

/* Step 5: is it meek-server?  It answers a poll with an octet-stream
 * body (empty when the bridge has nothing to say yet).  Closes s; returns
 * 1 when it is. */
static int
check_meek(const struct client_target *t, struct check_buf *b,
    struct stream *s, FILE *out)
{
	const char *why = NULL, *ct;
	size_t got = 0;
	int rc;

	ct = http_header_get(&b->msg, "Content-Type");
	rc = http_read_body(s, &b->msg, 1, b->body, sizeof b->body, &got, &why);
	stream_close(s);
	if (ct == NULL || strncasecmp(ct, "application/octet-stream", 24) != 0) {
		char esc[80];
		check_step(out, "meek", 0, "not meek-server: a web page answered "
		    "(Content-Type %s): " REPORT_BLOCK_PAGE_HINT " (class "
		    "block-page)", ct ? log_escape(esc, sizeof esc, ct,
		    strlen(ct)) : "none");
		return 0;
	}
	if (rc != 0) {
		check_step(out, "meek", 0, "answer body: %s", why ? why : "-");
		return 0;
	}
	check_step(out, "meek", 1, "meek-server answered (%zu bytes from the "
	    "bridge)", got);
	return 1;
}

/* Step 4's request on `s`: an empty POST with the header lines `extra`
 * and its answer's head into b->msg; over HTTP/2 when ALPN picked h2 (as
 * a session would: `s` becomes the answer body's stream).  Returns 0 or
 * an error with *why (`s` closed then). */
static int
check_post(const struct client_target *t, struct check_buf *b,
    struct stream *s, const char *extra, const char **why)
{
	struct h2conn *c;
	struct h2conn_req *q;
	int rc;

	if (s->tls == NULL || !tls_conn_h2(s->tls)) {
		rc = http_write_request(s, "POST", t->url.host_header, t->url.path,
		    extra, NULL, 0);
		if (rc == 0)
			rc = http_read_response(s, &b->msg, why);
		if (rc != 0)
			stream_close(s);
		return rc;
	}
	if ((rc = h2conn_start(&c, s, t, why)) != 0)
		return rc;
	rc = h2conn_request(c, t->url.host_header, t->url.path, extra, NULL, 0,
	    &q, why);
	if (rc == 0 && (rc = h2conn_wait_head(q, &b->msg, CHECK_TIMEOUT_MS,
	    why)) != 0)
		h2conn_req_free(q);
	else if (rc == 0)
		h2conn_req_stream(q, s, HTTPC_H2_FD_TAG, CHECK_TIMEOUT_MS);
	h2conn_unref(c);   /* the request holds the connection now */
	return rc;
}

/* Tests one pair; returns 1 when a meek-server answered. */
static int
check_pair(const struct client_conf *c, const struct tls_anchors *anchors,
    const struct client_target *t, struct check_buf *b, FILE *out)
{
	const struct proxy *proxy = c->has_proxy ? &c->proxy : NULL;
	char cbuf[16], sid[32], extra[160], msg[200];
	unsigned char raw[16];
	const char *why = NULL;
	struct stream s;
	int rc, fd, h2;

	/* 1. Name resolution (the proxy resolves when there is one). */
	if (!check_resolve(t, proxy, out))
		return 0;

	/* 2. TCP. */
	fd = proxy_dial(proxy, t->front, t->port, CHECK_TIMEOUT_MS, &why);
	if (fd < 0) {
		check_step(out, "connect", 0, "%s port %u: %s (class %s)", t->front,
		    (unsigned)t->port, why ? why : meek_strerror(fd),
		    report_class(fd, 0, cbuf, sizeof cbuf));
		return 0;
	}
	close(fd);
	check_step(out, "connect", 1, "%s port %u%s", t->front, (unsigned)t->port,
	    proxy != NULL ? " (through the proxy)" : "");

	/* 3. TLS (part of dial_stream; it reconnects). */
	why = NULL;
	rc = dial_stream(&s, proxy, t->front, t->port, t->url.https, anchors,
	    t->front, t->hello, b->rbuf, sizeof b->rbuf, CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS,
	    &why);
	if (rc != 0) {
		check_tls_failed(proxy, t, rc, why, out);
		return 0;
	}
	if (t->url.https)
		check_step(out, "tls", 1, "SNI %s: TLS %s%s, %s, certificate "
		    "valid for %s", t->front, tls_conn_version(s.tls) == 0x0304 ?
		    "1.3" : "1.2", tls_conn_resumed(s.tls) ? " (resumed)" : "",
		    tlshello_group_name(tls_conn_group(s.tls)), t->front);

	/* 4. A meek POST: an empty poll under a fresh session id. */
	if (rand_bytes(raw, sizeof raw) != 0 ||
	    b64_encode(sid, sizeof sid, raw, sizeof raw, 0) < 0) {
		stream_close(&s);
		check_step(out, "post", 0, "no random session id");
		return 0;
	}
	snprintf(extra, sizeof extra, "X-Session-Id: %s\r\n"
	    "Content-Type: application/octet-stream\r\n", sid);
	h2 = s.tls != NULL && tls_conn_h2(s.tls);
	rc = check_post(t, b, &s, extra, &why);
	if (rc != 0) {
		stream_close(&s);
		check_step(out, "post", 0, "Host %s path %s: %s (class %s)",
		    t->url.host_header, t->url.path, report_join(msg, sizeof msg,
		    why ? why : meek_strerror(rc),
		    report_censor_hint(rc, 0, REPORT_REQUEST)),
		    report_class_at(rc, 0, REPORT_REQUEST, cbuf, sizeof cbuf));
		return 0;
	}
	if (b->msg.status != 200) {
		int s4 = b->msg.status;
		stream_close(&s);
		check_step(out, "post", 0, "Host %s path %s: HTTP %d (class %s: %s)",
		    t->url.host_header, t->url.path, s4,
		    report_class(MEEK_EHTTP, s4, cbuf, sizeof cbuf),
		    s4 == 403 || s4 == 404 || s4 == 421 ?
		    "the front does not serve this url: front or url wrong" :
		    s4 >= 500 ? "the front cannot reach meek-server" :
		    "unexpected answer");
		return 0;
	}
	check_step(out, "post", 1, "Host %s path %s: HTTP 200%s",
	    t->url.host_header, t->url.path, h2 ? " (HTTP/2)" : "");

	/* 5. Is it meek-server? */
	return check_meek(t, b, &s, out);
}

int
check_run(const struct client_conf *c, const struct tls_anchors *anchors,
    FILE *out)
{
	char *norm = NULL;
	struct client_targets *ts = NULL;
	struct check_buf *b = NULL;
	struct ptargs args;
	const char *why = NULL;
	size_t len = strlen(c->check) + 4, good = 0;
	int rc = 1;

	ptargs_init(&args);
	norm = malloc(len);
	ts = malloc(sizeof *ts);
	b = malloc(sizeof *b);
	if (norm == NULL || ts == NULL || b == NULL) {
		fprintf(out, "verdict: FAIL (out of memory)\n");
		goto done;
	}
	if (check_args(c->check, norm, len) != 0 ||
	    ptargs_parse(&args, norm, strlen(norm), &why) != 0) {
		fprintf(out, "verdict: FAIL (bad arguments: %s)\n", why ? why : "-");
		goto done;
	}
	if (client_conf_resolve_all(c, &args, ts, &why) != 0) {
		fprintf(out, "verdict: FAIL (bad arguments: %s)\n", why ? why : "-");
		goto done;
	}
	if (ts->t[0].hello_from_utls == 2 && ptargs_get(&args, "utls") != NULL)
		fprintf(out, "note: utls=%s is not a Chrome hello; Chrome's "
		    "(hello=%s) is sent instead\n", ts->t[0].utls,
		    tlshello_profile_name(ts->t[0].hello));
	for (size_t i = 0; i < ts->n; i++) {
		const struct client_target *t = &ts->t[i];
		fprintf(out, "pair %zu: url %s://%s%s front %s port %u\n", i + 1,
		    t->url.https ? "https" : "http", t->url.host_header,
		    t->url.path, t->front, (unsigned)t->port);
		fflush(out);
		good += (size_t)check_pair(c, anchors, t, b, out);
		fflush(out);
	}
	if (good > 0) {
		fprintf(out, "verdict: OK (%zu of %zu url/front pairs reach "
		    "meek-server)\n", good, ts->n);
		rc = 0;
	} else {
		fprintf(out, "verdict: FAIL (no url/front pair reaches "
		    "meek-server)\n");
	}
done:
	fflush(out);
	ptargs_clear(&args);
	free(norm);
	free(ts);
	free(b);
	return rc;
}
