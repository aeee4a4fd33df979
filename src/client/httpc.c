/*
 * Failure policy of a meek-client session (one httpc per SOCKS connection).
 *
 * A bridge line may carry several url/front pairs (targets=, or url= with
 * one front).  They are tried in a random order chosen when the session
 * starts; the session stays with the pair that works and moves on at the
 * first failure.  A failed pair rests HTTPC_DEAD_MS before it is tried
 * again, unless every pair is resting (then the one that rested longest).
 *
 * - The body cannot have reached meek-server (name resolution, TCP connect
 *   refused or timed out, TLS handshake or certificate failure, proxy
 *   failure, the request not fully written): retry at once on the next
 *   pair.  Only when every pair has failed in a row do we wait (1 s, 2 s,
 *   4 s, 8 s, then 10 s).
 * - The request was written but no answer came: when the server closed
 *   the connection (FIN) before answering an empty poll, a kept-alive
 *   connection closed while idle, the poll is retried (first on the same
 *   pair, then on the next).  Any other loss (a reset, a timeout, a
 *   malformed answer) may have cut off an answer carrying downstream
 *   bytes, and a non-empty body may have been delivered: meek-c resends
 *   neither, because tor would get a gap or a second copy spliced into its
 *   stream (no lossless extension is negotiated in classic meek).  The
 *   session ends and the log says so; tor opens a new circuit.  Go
 *   meek-client resends here.
 * - A 200 answer whose body is cut short loses downstream bytes: the
 *   session ends.
 * - A non-200 status, by class:  403, 404, 421 (and other 4xx): the front
 *   does not serve our url (front or configuration error): the pair rests
 *   and the next one is tried at once.  502, 503, 504 (and other 5xx): the
 *   front or reflector cannot reach meek-server for now: the same body is
 *   sent again on the same pair after the wait above.  The connection is
 *   closed without reading the answer's body, so the payload in the
 *   caller's buffer stays intact.
 * - Waits, bounds and the end of a request are client/retry's
 *   (RETRY_BOUNDED): the policy for every mode lives there.  Go
 *   meek-client makes 10 tries 30 s apart (4.5 minutes), when meek-server
 *   (120 s idle expiry) and tor have long given up.
 * - A certificate not valid yet (tlsx509 says "certificate not yet valid";
 *   client/certdates.c reads its dates for the message): our clock is behind, as on a router
 *   without a real-time clock before NTP has run.  Every front would fail
 *   the same way, so the same pair is retried every 5 s, outside the
 *   bounds above, for up to 30 minutes, instead of giving up.
 * - Each failure is reported (client/report.c): a warning that tor shows
 *   as a PT LOG line, and a STATUS line naming the front and the class.
 * - "Connection: close", an EOF-delimited body or EOF between requests:
 *   the connection is closed and the next exchange reconnects (a TLS
 *   reconnect resumes the session cached under the front's name).  Before
 *   reusing a kept-alive connection we check that it is not readable (EOF
 *   or stray bytes) and reconnect first if it is.
 */
#include "config.h"
#include "client/httpc.h"
#include "client/h2conn.h"
#include "client/retry.h"
#include "client/backoff.h"
#include "client/certdates.h"
#include "client/report.h"
#include "shared/clock.h"
#include "shared/dial.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/rand.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int
httpc_init(struct httpc *h, const struct client_target *targets,
    size_t ntargets, const struct proxy *proxy,
    const struct tls_anchors *anchors, const char *sid, int stop_fd,
    const char **why)
{
	unsigned char rnd[CLIENT_TARGETS_MAX];

	memset(h, 0, sizeof *h);
	h->s.fd = -1;
	if (ntargets == 0 || ntargets > CLIENT_TARGETS_MAX)
		return meek_fail(why, "bad number of url/front pairs",
		    MEEK_EINVAL);
	h->targets = targets;
	h->ntargets = ntargets;
	/* Fisher-Yates: every session spreads over the pairs. */
	if (rand_bytes(rnd, sizeof rnd) != 0)
		memset(rnd, 0, sizeof rnd);
	for (size_t i = 0; i < ntargets; i++)
		h->order[i] = i;
	for (size_t i = ntargets - 1; i > 0; i--) {
		size_t j = rnd[i] % (i + 1), tmp = h->order[i];
		h->order[i] = h->order[j];
		h->order[j] = tmp;
	}
	h->target = &targets[h->order[0]];
	h->proxy = (proxy != NULL && proxy->type != PROXY_NONE) ? proxy : NULL;
	h->anchors = anchors;
	h->stop_fd = stop_fd;
	for (size_t i = 0; i < ntargets; i++)
		if (targets[i].url.https && anchors == NULL)
			return meek_fail(why,
			    "https url but no trust anchors loaded",
			    MEEK_EINVAL);
	if (strlen(sid) >= HTTPC_SID_MAX)
		return meek_fail(why, "session id too long", MEEK_EINVAL);
	log_sid(h->sid_log, sid);
	snprintf(h->extra, sizeof h->extra, "X-Session-Id: %s\r\n"
	    "Content-Type: application/octet-stream\r\n", sid);
	pthread_mutex_init(&h->fd_lock, NULL);
	h->lock_ready = 1;
	h->msg = malloc(sizeof *h->msg);
	h->rbuf = malloc(HTTP_HEAD_MAX);
	if ((h->link = calloc(1, sizeof *h->link)) != NULL) {
		pthread_mutex_init(&h->link->lock, NULL);
		h->link->refs = 1;
	}
	if (h->msg == NULL || h->rbuf == NULL || h->link == NULL) {
		httpc_clear(h);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	return 0;
}

void
httpc_idle(struct httpc *h)
{
	if (h->s.fd >= 0 && stream_has_pending(&h->s))
		return;
	if (h->s.fd >= 0 && h->s.tls != NULL)
		tls_conn_idle(h->s.tls);
	/* (An HTTP/2 connection's thread gives its TLS buffers back itself
	 * while no stream is open.) */
	free(h->msg);
	free(h->rbuf);
	h->msg = NULL;
	h->rbuf = NULL;
	if (h->s.fd >= 0)
		stream_set_rbuf(&h->s, NULL, 0);
}

/* The response head and read-ahead buffers, back after httpc_idle. */
static int
httpc_bufs(struct httpc *h, const char **why)
{
	if (h->msg == NULL)
		h->msg = malloc(sizeof *h->msg);
	if (h->rbuf == NULL && (h->rbuf = malloc(HTTP_HEAD_MAX)) != NULL &&
	    h->s.fd >= 0 && h->s.ops == NULL)
		stream_set_rbuf(&h->s, h->rbuf, HTTP_HEAD_MAX);
	if (h->msg != NULL && h->rbuf != NULL)
		return 0;
	return meek_fail(why, "out of memory", MEEK_ENOMEM);
}

static void
httpc_disconnect(struct httpc *h)
{
	if (h->lock_ready)
		pthread_mutex_lock(&h->fd_lock);
	if (h->s.fd >= 0)
		stream_close(&h->s);
	h->s.fd = -1;
	if (h->lock_ready)
		pthread_mutex_unlock(&h->fd_lock);
	h->requests = 0;
}

/* Drops `h`'s reference on its link (the last one closes its HTTP/2
 * connection). */
static void
httpc_link_release(struct httpc *h)
{
	struct httpc_link *l = h->link;
	struct h2conn *c = NULL;
	int last;

	if (l == NULL)
		return;
	h->link = NULL;
	pthread_mutex_lock(&l->lock);
	last = --l->refs == 0;
	if (last) {
		c = l->conn;
		l->conn = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	if (!last)
		return;
	if (c != NULL)
		h2conn_unref(c);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void
httpc_clear(struct httpc *h)
{
	httpc_disconnect(h);
	httpc_link_release(h);
	free(h->msg);
	free(h->rbuf);
	h->msg = NULL;
	h->rbuf = NULL;
	if (h->lock_ready)
		pthread_mutex_destroy(&h->fd_lock);
	h->lock_ready = 0;
}

static int
httpc_connect(struct httpc *h, const char **why)
{
	const struct client_target *t = h->target;
	struct stream ns;
	int rc, aborted;

	/* TCP, SNI and the certificate name are the front's (fronting).  The
	 * new stream is published under fd_lock for httpc_abort(). */
	ns.fd = -1;
	rc = dial_stream(&ns, h->proxy, t->front, t->port, t->url.https,
	    h->anchors, t->front, t->hello, h->rbuf, HTTP_HEAD_MAX,
	    HTTPC_CONNECT_TIMEOUT_MS, HTTPC_IO_TIMEOUT_MS, why);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&h->fd_lock);
	aborted = h->aborted;
	if (!aborted)
		h->s = ns;
	pthread_mutex_unlock(&h->fd_lock);
	if (aborted) {
		stream_close(&ns);
		return meek_fail(why, "shutting down", MEEK_ECLOSED);
	}
	h->requests = 0;
	return 0;
}

/* A kept-alive connection that is readable between requests has either
 * been closed by the server or holds bytes nobody asked for: drop it. */
static int
httpc_is_stale(struct httpc *h)
{
	if (stream_has_pending(&h->s))
		return 1;
	return net_wait(h->s.fd, POLLIN, 0) != 0;
}


/* meek-server answers with an octet-stream body; a 200 with another
 * Content-Type is a web page (a block page, or url= is not a meek-server).
 * No Content-Type at all is let through (a relay may drop it). */
static int
httpc_is_meek(const struct http_msg *m)
{
	const char *ct = http_header_get(m, "Content-Type");

	return ct == NULL ||
	    strncasecmp(ct, "application/octet-stream", 24) == 0;
}

/* A connection for the next request, under the link's lock (a follower
 * waits while its leader dials, and both then share an HTTP/2 one): the
 * link's HTTP/2 connection when it is usable for this pair (*out, one
 * reference), else a new connection: HTTP/2 when ALPN picked h2 (it goes
 * to the link and *out), else HTTP/1.1 in h->s (*out NULL). */
static int
httpc_conn(struct httpc *h, struct h2conn **out, const char **why)
{
	struct httpc_link *l = h->link;
	struct h2conn *old = NULL;
	struct stream ns;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&l->lock);
	if (l->conn != NULL && h2conn_usable(l->conn, h->target)) {
		h2conn_ref(l->conn);
		*out = l->conn;
		pthread_mutex_unlock(&l->lock);
		return 0;
	}
	old = l->conn;
	l->conn = NULL;
	rc = httpc_connect(h, why);
	if (rc == 0 && h->s.tls != NULL && tls_conn_h2(h->s.tls)) {
		/* The stream moves to the connection's thread. */
		pthread_mutex_lock(&h->fd_lock);
		ns = h->s;
		h->s.fd = -1;
		h->s.tls = NULL;
		pthread_mutex_unlock(&h->fd_lock);
		if ((rc = h2conn_start(&l->conn, &ns, h->target, why)) == 0) {
			h2conn_ref(l->conn);
			*out = l->conn;
			log_info("session %s: HTTP/2 connection to front %s",
			    h->sid_log, h->target->front);
		}
	}
	pthread_mutex_unlock(&l->lock);
	if (old != NULL)
		h2conn_unref(old);
	return rc;
}

/* The request over HTTP/2 connection `c`: a stream, its answer's head
 * into h->msg, and h->s the answer body's stream.  As httpc_request(); a
 * request the front cannot have processed (refused, GOAWAY) stays
 * HTTPC_UNSENT. */
static int
httpc_h2_request(struct httpc *h, struct h2conn *c, const char *extra,
    const void *body, size_t len, int head_ms, const char **why)
{
	const struct url *u = &h->target->url;
	struct h2conn_req *q;
	int rc, aborted, refused;

	rc = h2conn_request(c, u->host_header, u->path, extra, body, len, &q,
	    why);
	if (rc != 0)
		return rc;
	h->requests++;
	pthread_mutex_lock(&h->fd_lock);
	aborted = h->aborted;
	if (!aborted)
		h->h2q = q;
	pthread_mutex_unlock(&h->fd_lock);
	if (aborted) {
		h2conn_req_free(q);
		return meek_fail(why, "shutting down", MEEK_ECLOSED);
	}
	h->last_phase = HTTPC_MAYBE_SENT;
	rc = h2conn_wait_head(q, h->msg, head_ms > 0 ? head_ms :
	    HTTPC_IO_TIMEOUT_MS, why);
	refused = rc != 0 && h2conn_req_refused(q);
	pthread_mutex_lock(&h->fd_lock);
	h->h2q = NULL;
	if (rc == 0)
		h2conn_req_stream(q, &h->s, HTTPC_H2_FD_TAG, HTTPC_IO_TIMEOUT_MS);
	pthread_mutex_unlock(&h->fd_lock);
	if (rc != 0) {
		h2conn_req_free(q);
		if (refused)
			h->last_phase = HTTPC_UNSENT;
		log_debug("session %s: HTTP/2 stream failed before its answer "
		    "(%s)%s", h->sid_log, why != NULL && *why != NULL ? *why :
		    meek_strerror(rc),
		    refused ? ": the front did not process it" : "");
		return rc;
	}
	h->last_status = h->msg->status;
	return 0;
}

/* The one request try of every mode: connects when needed (replacing a
 * stale kept-alive connection), writes the POST with the `extra` header
 * lines and `len` body bytes, reads the answer's head into h->msg, each
 * wait bounded by `head_ms` (<= 0: HTTPC_IO_TIMEOUT_MS).  Sets
 * h->last_phase, h->last_dial_failed and h->last_status.  Returns 0 for any
 * status, or an error with *why (the connection closed).  Over HTTP/2 a
 * request the front refused (a GOAWAY crossing it) goes again at once on a
 * new connection, twice at most. */
static int
httpc_request(struct httpc *h, const char *extra, const void *body,
    size_t len, int head_ms, const char **why)
{
	const struct url *u = &h->target->url;
	int rc, aborted, tries = 0;
	long n;

again:
	h->last_phase = HTTPC_UNSENT;
	h->last_dial_failed = 0;
	h->last_status = 0;
	pthread_mutex_lock(&h->fd_lock);
	aborted = h->aborted;
	pthread_mutex_unlock(&h->fd_lock);
	if (aborted)
		return meek_fail(why, "shutting down", MEEK_ECLOSED);
	if ((rc = httpc_bufs(h, why)) != 0)
		return rc;
	if (h->s.ops != NULL || (h->s.fd >= 0 && httpc_is_stale(h)))
		httpc_disconnect(h);   /* (HTTP/2: the last answer's stream) */
	if (h->s.fd < 0) {
		struct h2conn *c;

		if ((rc = httpc_conn(h, &c, why)) != 0) {
			h->last_dial_failed = 1;
			return rc;
		}
		if (c != NULL) {
			rc = httpc_h2_request(h, c, extra, body, len, head_ms, why);
			h2conn_unref(c);
			if (rc != 0 && h->last_phase == HTTPC_UNSENT &&
			    tries++ < 2 && !httpc_aborted(h))
				goto again;
			return rc;
		}
	}
	stream_set_timeout(&h->s, HTTPC_IO_TIMEOUT_MS);
	h->requests++;
	rc = http_write_request(&h->s, "POST", u->host_header, u->path,
	    extra, body, len);
	if (rc != 0) {
		httpc_disconnect(h);
		if (why)
			*why = "sending the request failed";
		return rc;
	}
	h->last_phase = HTTPC_MAYBE_SENT;
	stream_set_timeout(&h->s, head_ms > 0 ? head_ms : HTTPC_IO_TIMEOUT_MS);
	if (!stream_has_pending(&h->s)) {
		n = stream_fill(&h->s);
		if (n < 0) {
			httpc_disconnect(h);
			if (why)
				*why = n == MEEK_ETIMEDOUT ? "no response in time" :
				    "no response";
			return (int)n;
		}
	}
	if ((rc = http_read_response(&h->s, h->msg, why)) != 0) {
		httpc_disconnect(h);
		return rc == MEEK_EHEADTOOBIG ? MEEK_EPROTO : rc;
	}
	h->last_status = h->msg->status;
	return 0;
}

/* A classic exchange's try: the request, then a 200 answer from
 * meek-server and its body into `buf`. */
static int
httpc_try(struct httpc *h, const char *extra, unsigned char *buf, size_t len,
    size_t cap, size_t *out_len, const char **why)
{
	int rc;

	if ((rc = httpc_request(h, extra, buf, len, 0, why)) != 0)
		return rc;
	if (h->msg->status != 200) {
		h->last_phase = HTTPC_ANSWERED;
		httpc_disconnect(h);
		return meek_fail(why, "server answered with a non-200 status",
		    MEEK_EHTTP);
	}
	if (!httpc_is_meek(h->msg)) {
		h->last_phase = HTTPC_PAGE;
		httpc_disconnect(h);
		return meek_fail(why,
		    "a web page answered (Content-Type not "
		    "application/octet-stream)", MEEK_EPROTO);
	}
	h->last_phase = HTTPC_BODY_LOST;
	*out_len = 0;
	if ((rc = http_read_body(&h->s, h->msg, 1, buf, cap, out_len, why)) != 0) {
		httpc_disconnect(h);
		if (rc == MEEK_ETOOBIG && why)
			*why = "response body over 64 KiB";
		return rc;
	}
	if (!h->msg->keep_alive)
		httpc_disconnect(h);
	return 0;
}

/* Moves to the pair to use next: the current one unless it rests, else
 * the next one in order that does not rest, else the one resting the
 * least. */
static void
httpc_pick(struct httpc *h)
{
	long long now = clock_ms();
	size_t n = h->ntargets, best = h->cur;

	if (h->dead_until[h->order[h->cur]] > now) {
		size_t i;

		for (i = 1; i < n; i++) {
			size_t k = (h->cur + i) % n;
			if (h->dead_until[h->order[k]] <= now)
				break;
		}
		if (i < n) {
			best = (h->cur + i) % n;
		} else {
			for (size_t k = 0; k < n; k++)
				if (h->dead_until[h->order[k]] <
				    h->dead_until[h->order[best]])
					best = k;
		}
	}
	if (best != h->cur) {
		httpc_disconnect(h);
		h->cur = best;
		h->target = &h->targets[h->order[best]];
		log_info("session %s: now using front %s port %u", h->sid_log,
		    h->target->front, (unsigned)h->target->port);
	}
}

/* Waits `ms` unless a stop is requested (returns MEEK_ECLOSED). */
int
httpc_sleep(struct httpc *h, int ms, const char **why)
{
	if (ms <= 0)
		return 0;
	if (h->stop_fd >= 0) {
		if (net_wait(h->stop_fd, POLLIN, ms) != 0)
			return meek_fail(why, "shutting down", MEEK_ECLOSED);
	} else {
		poll(NULL, 0, ms);
	}
	return 0;
}

/* After a certificate failed on its dates (`rc`: meek_is_cert_dates()):
 * reads the front's leaf certificate dates for the message (best effort).
 * Sets *cls and `msg`; returns 1 when the certificate is not valid yet (our
 * clock looks wrong). */
static int
httpc_cert_dates(struct httpc *h, int rc, const char **cls, char *msg,
    size_t len, const char **w)
{
	const struct client_target *t = h->target;
	long long nb = 0, na = 0;
	char d1[32], d2[32], d3[32];
	/* An intermediate out of its dates (MEEK_ECERTDATES) counts as "not
	 * yet valid" unless the leaf's own dates say expired, as before. */
	int not_yet = rc == MEEK_ECERTNOTYET || rc == MEEK_ECERTDATES;
	enum certdates_verdict v;

	v = certdates_probe(h->proxy, t->front, t->port, t->front, t->hello,
	    HTTPC_CONNECT_TIMEOUT_MS, &nb, &na);
	if (v == CERTDATES_NOT_YET_VALID || (v != CERTDATES_EXPIRED && not_yet)) {
		*cls = "cert-not-yet-valid";
		if (v == CERTDATES_NOT_YET_VALID)
			snprintf(msg, len, "certificate not yet valid (valid from "
			    "%s, our clock says %s): the clock looks wrong",
			    certdates_day(d1, sizeof d1, nb),
			    certdates_day(d3, sizeof d3, (long long)time(NULL)));
		else
			snprintf(msg, len, "certificate not yet valid (our clock "
			    "says %s): the clock looks wrong",
			    certdates_day(d3, sizeof d3, (long long)time(NULL)));
		*w = msg;
		return 1;
	}
	*cls = "cert-expired";
	if (v == CERTDATES_EXPIRED)
		snprintf(msg, len, "certificate expired on %s",
		    certdates_day(d2, sizeof d2, na));
	else
		snprintf(msg, len, "certificate expired");
	*w = msg;
	return 0;
}

/* The status of the last try's answer when that answer is its failure (a
 * non-200 status, a web page), else 0. */
static int
httpc_failed_status(const struct httpc *h)
{
	return h->last_phase == HTTPC_ANSWERED || h->last_phase == HTTPC_PAGE ?
	    h->last_status : 0;
}

/* The class of the last try's failure (client/report.c) by its code `rc`
 * and how far it got (h->last_phase, h->last_dial_failed); a failure a
 * censor typically causes gets its hint appended to *w (in msg, mlen
 * bytes).  `cbuf` holds an http-NNN class. */
static const char *
httpc_classify(const struct httpc *h, int rc, const char **w, char *cbuf,
    size_t clen, char *msg, size_t mlen)
{
	int st = httpc_failed_status(h);
	enum report_phase rphase;
	const char *cls, *hint;

	rphase = h->last_phase == HTTPC_PAGE ? REPORT_PAGE :
	    h->last_phase == HTTPC_ANSWERED ? REPORT_ANY : h->last_dial_failed ?
	    REPORT_DIAL : REPORT_REQUEST;
	cls = report_class_at(rc, st, rphase, cbuf, clen);
	hint = report_censor_hint(rc, st, rphase);
	if (hint != NULL)
		*w = report_join(msg, mlen, *w ? *w : meek_strerror(rc), hint);
	return cls;
}

int
httpc_exchange(struct httpc *h, unsigned char *buf, size_t len, size_t cap,
    size_t *out_len, const char **why)
{
	return httpc_exchange_ext(h, NULL, buf, len, cap, out_len, why);
}

/* The current front as host:port ([v6]:port) into fr. */
static void
httpc_front_label(const struct httpc *h, char *fr, size_t len)
{
	net_hostport(fr, len, h->target->front, h->target->port);
}

/* Reports the last failure with `action` and ends the exchange with
 * `reason` in *why; returns rc. */
static int
httpc_end(const struct httpc *h, const char *fr, const char *cls,
    const char *w, int rc, const char *action, const char *reason,
    const char **why)
{
	report_failure(h->sid_log, fr, cls, w ? w : meek_strerror(rc), action);
	if (why)
		*why = reason;
	return rc;
}

/* Why a try that failed in `phase` with `rc` (a body of `len` bytes) must
 * not be repeated without the lossless extension, or NULL when it may be.
 * An empty poll whose connection the server closed (FIN) between our
 * staleness check and the request is a kept-alive connection closed while
 * idle: repeatable.  A reset or a timeout may have cut off an answer that
 * carried downstream bytes, and a body may have arrived: resending would
 * hand tor a gap or a second copy. */
static const char *
httpc_unrepeatable(enum httpc_phase phase, size_t len, int rc)
{
	if (phase == HTTPC_BODY_LOST)
		return "response cut short: downstream bytes lost";
	if (phase == HTTPC_MAYBE_SENT && (len > 0 || rc != MEEK_ECLOSED))
		return "the request may have reached meek-server and is not "
		    "resent without the lossless extension";
	return NULL;
}

int
httpc_exchange_ext(struct httpc *h, const char *ext, unsigned char *buf,
    size_t len, size_t cap, size_t *out_len, const char **why)
{
	char extra[sizeof h->extra + EXT_VALUE_MAX + 32];
	const char *lines = ext == NULL ? h->extra : extra;
	long long clock_until = clock_ms() + HTTPC_CLOCK_WAIT_MAX_MS;
	struct retry r;
	int same_retry = 0;

	*out_len = 0;
	if (ext != NULL)
		snprintf(extra, sizeof extra, "%s" EXT_HEADER ": %s\r\n",
		    h->extra, ext);
	retry_init(&r, RETRY_BOUNDED, clock_ms());
	for (;;) {
		const char *w = NULL, *cls, *lost;
		char cbuf[16], fr[URL_HOST_MAX + 16], msg[200];
		struct retry_fail f;
		struct retry_step step;
		enum httpc_phase phase;
		int rc;

		httpc_pick(h);
		rc = httpc_try(h, lines, buf, len, cap, out_len, &w);
		if (rc == 0) {
			h->dead_until[h->order[h->cur]] = 0;
			return 0;
		}
		phase = (enum httpc_phase)h->last_phase;
		f.status = httpc_failed_status(h);
		f.page = phase == HTTPC_PAGE;
		httpc_front_label(h, fr, sizeof fr);
		cls = httpc_classify(h, rc, &w, cbuf, sizeof cbuf, msg, sizeof msg);
		if (meek_is_cert_dates(rc) &&
		    httpc_cert_dates(h, rc, &cls, msg, sizeof msg, &w) &&
		    clock_ms() < clock_until) {
			/* Our clock is behind the certificate: no front will
			 * work until NTP has run, and giving up would leave tor
			 * stuck.  Retry every few seconds, off the budget. */
			report_failure(h->sid_log, fr, cls, msg,
			    "retrying every 5 s until the clock is right");
			retry_restart(&r, clock_ms());
			if ((rc = httpc_sleep(h, HTTPC_CLOCK_RETRY_MS, why)) != 0)
				return rc;
			continue;
		}
		if ((lost = httpc_unrepeatable(phase, len, rc)) != NULL)
			return httpc_end(h, fr, cls, w, rc, "ending the session",
			    lost, why);
		if (phase == HTTPC_MAYBE_SENT && !same_retry) {
			/* An empty poll the server closed before answering
			 * (httpc_unrepeatable): once on the same pair. */
			same_retry = 1;
			log_debug("session %s: poll failed before the answer "
			    "(%s); retrying it", h->sid_log, meek_strerror(rc));
			continue;
		}
		same_retry = 0;
		retry_failed(&r, &f, h->ntargets, clock_ms(), &step);
		if (step.next == RETRY_END)
			return httpc_end(h, fr, cls, w, rc, step.action,
			    rc == MEEK_EHTTP ?
			    "server answered non-200 to every try" :
			    "no url/front pair worked within the retry bounds", why);
		report_failure(h->sid_log, fr, cls,
		    w ? w : meek_strerror(rc), step.action);
		if (f.status > 0)
			log_info("session %s: status %d (try %d of %d); next try "
			    "in %d ms", h->sid_log, f.status, r.counted,
			    BACKOFF_MAX_TRIES, step.delay_ms);
		if (step.next == RETRY_NEXT)
			h->dead_until[h->order[h->cur]] = clock_ms() + HTTPC_DEAD_MS;
		if ((rc = httpc_sleep(h, step.delay_ms, why)) != 0)
			return rc;
	}
}

int
httpc_send(struct httpc *h, const char *ext, const void *body, size_t len,
    int head_ms, int *sent, const char **why)
{
	char extra[sizeof h->extra + EXT_VALUE_MAX + 32];
	int rc;

	snprintf(extra, sizeof extra, "%s" EXT_HEADER ": %s\r\n", h->extra, ext);
	rc = httpc_request(h, extra, body, len, head_ms, why);
	*sent = h->last_phase != HTTPC_UNSENT;
	return rc;
}

void
httpc_report(struct httpc *h, int rc, const char *w, const char *action)
{
	char cbuf[16], fr[URL_HOST_MAX + 16], msg[200];
	const char *cls;

	cls = httpc_classify(h, rc, &w, cbuf, sizeof cbuf, msg, sizeof msg);
	httpc_front_label(h, fr, sizeof fr);
	report_failure(h->sid_log, fr, cls, w ? w : meek_strerror(rc), action);
}

void
httpc_set_timeout(struct httpc *h, int ms)
{
	if (h->s.fd >= 0)
		stream_set_timeout(&h->s, ms);
}

void
httpc_body_begin(struct httpc *h, struct http_body *b)
{
	http_body_begin(b, h->msg, 1);
	h->keep_alive = h->msg->keep_alive;
	free(h->msg);
	h->msg = NULL;
}

void
httpc_finish(struct httpc *h)
{
	if (h->s.ops != NULL ||
	    (h->msg != NULL ? !h->msg->keep_alive : !h->keep_alive))
		httpc_disconnect(h);
}

void
httpc_drop(struct httpc *h)
{
	httpc_disconnect(h);
}

void
httpc_next_pair(struct httpc *h)
{
	if (h->ntargets < 2)
		return;
	h->dead_until[h->order[h->cur]] = clock_ms() + HTTPC_DEAD_MS;
	httpc_pick(h);
}

void
httpc_follow(struct httpc *h, const struct httpc *src)
{
	memcpy(h->order, src->order, sizeof h->order);
	memcpy(h->dead_until, src->dead_until, sizeof h->dead_until);
	h->cur = src->cur;
	h->target = src->target;
	if (src->link != NULL && src->link != h->link) {
		httpc_link_release(h);
		pthread_mutex_lock(&src->link->lock);
		src->link->refs++;
		pthread_mutex_unlock(&src->link->lock);
		h->link = src->link;
	}
}

void
httpc_abort(struct httpc *h)
{
	pthread_mutex_lock(&h->fd_lock);
	h->aborted = 1;
	if (h->h2q != NULL)
		h2conn_req_abort(h->h2q);
	else if (h->s.ops != NULL)
		h2conn_req_abort(h->s.ops_ctx);
	else if (h->s.fd >= 0)
		shutdown(h->s.fd, SHUT_RDWR);
	pthread_mutex_unlock(&h->fd_lock);
}

int
httpc_aborted(struct httpc *h)
{
	return atomic_load(&h->aborted);
}
