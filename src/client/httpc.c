/*
 * Failure policy of a meek-client session (one httpc per SOCKS connection).
 *
 * - A transport error ends the session: connecting to the front or through
 *   the upstream proxy (15 s), the TLS handshake, writing the request or
 *   reading the response (30 s per read or write), a malformed response, a
 *   response body over 64 KiB.  meek cannot tell whether a request that died
 *   mid-way reached the server, so resending could duplicate or lose bytes
 *   of the tor stream; the SOCKS connection is closed instead and tor
 *   retries with a new circuit.
 * - One exception: a kept-alive connection reused from an earlier request
 *   that fails before any byte of the response has arrived (the server or a
 *   middlebox closed it while idle) is retried once on a fresh connection
 *   when the request body was empty: a poll carries no data, so sending it
 *   twice is always safe.  Before reusing a connection we also check that it
 *   is not readable (EOF or stray bytes) and reconnect first if it is, which
 *   catches most idle closes before any data is risked.
 * - A non-200 status: the same body is sent again, up to 10 tries in total,
 *   waiting 1 s, 2 s, 4 s, 8 s and then 10 s between tries (about 65 s in
 *   all), then the session ends.  Go meek-client makes the same 10 tries 30 s
 *   apart (4.5 minutes); by then meek-server (120 s idle expiry) and tor have
 *   long given up, so we stop sooner.  The connection is closed after a
 *   non-200 answer without reading its body, so every retry starts on a
 *   fresh connection and the payload in the caller's buffer stays intact.
 * - A certificate problem (untrusted CA, wrong name for the front, expired)
 *   fails the TLS handshake before any HTTP byte is written, so no payload
 *   ever leaves; the session ends with a warning naming the reason.
 * - "Connection: close", an EOF-delimited body or EOF between requests:
 *   the connection is closed and the next exchange reconnects (a TLS
 *   reconnect resumes the session cached under the front's name).
 */
#include "config.h"
#include "client/httpc.h"
#include "client/backoff.h"
#include "shared/dial.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
httpc_init(struct httpc *h, const struct client_target *target,
    const struct proxy *proxy, const struct tls_anchors *anchors,
    const char *sid, int stop_fd, const char **why)
{
	memset(h, 0, sizeof *h);
	h->s.fd = -1;
	h->target = target;
	h->proxy = (proxy != NULL && proxy->type != PROXY_NONE) ? proxy : NULL;
	h->anchors = anchors;
	h->stop_fd = stop_fd;
	if (target->url.https && anchors == NULL) {
		if (why)
			*why = "https url but no trust anchors loaded";
		return MEEK_EINVAL;
	}
	if (strlen(sid) >= HTTPC_SID_MAX) {
		if (why)
			*why = "session id too long";
		return MEEK_EINVAL;
	}
	log_sid(h->sid_log, sid);
	snprintf(h->extra, sizeof h->extra, "X-Session-Id: %s\r\n"
	    "Content-Type: application/octet-stream\r\n", sid);
	h->msg = malloc(sizeof *h->msg);
	h->rbuf = malloc(HTTP_HEAD_MAX);
	if (h->msg == NULL || h->rbuf == NULL) {
		httpc_clear(h);
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
	return 0;
}

static void
httpc_disconnect(struct httpc *h)
{
	if (h->s.fd >= 0)
		stream_close(&h->s);
	h->s.fd = -1;
	h->requests = 0;
}

void
httpc_clear(struct httpc *h)
{
	httpc_disconnect(h);
	free(h->msg);
	free(h->rbuf);
	h->msg = NULL;
	h->rbuf = NULL;
}

static int
httpc_connect(struct httpc *h, const char **why)
{
	const struct client_target *t = h->target;
	int rc;

	/* TCP, SNI and the certificate name are the front's (fronting). */
	rc = dial_stream(&h->s, h->proxy, t->front, t->port, t->url.https,
	    h->anchors, t->front, h->rbuf, HTTP_HEAD_MAX,
	    HTTPC_CONNECT_TIMEOUT_MS, HTTPC_IO_TIMEOUT_MS, why);
	if (rc != 0)
		return rc;
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

/* One request and its response. */
static int
httpc_try(struct httpc *h, unsigned char *buf, size_t len, size_t cap,
    size_t *out_len, const char **why)
{
	const struct url *u = &h->target->url;
	int rc, reused;
	long n;

	for (int again = 0;; again++) {
		if (h->s.fd >= 0 && httpc_is_stale(h))
			httpc_disconnect(h);
		if (h->s.fd < 0 && (rc = httpc_connect(h, why)) != 0)
			return rc;
		reused = h->requests > 0;
		h->requests++;
		rc = http_write_request(&h->s, "POST", u->host_header, u->path,
		    h->extra, buf, len);
		if (rc != 0) {
			if (why)
				*why = "sending the request failed";
		} else if (!stream_has_pending(&h->s)) {
			/* Wait for the first response byte here, so that a
			 * dead kept-alive connection is told apart from a
			 * response cut short. */
			n = stream_fill(&h->s);
			if (n < 0) {
				rc = (int)n;
				if (why)
					*why = "no response";
			}
		}
		if (rc == 0)
			break;
		httpc_disconnect(h);
		if (!(reused && len == 0 && again == 0))
			return rc;
		log_debug("session %s: reused connection failed before the "
		    "response (%s); retrying the poll on a new connection",
		    h->sid_log, meek_strerror(rc));
	}

	h->last_status = 0;
	if ((rc = http_read_response(&h->s, h->msg, why)) != 0) {
		httpc_disconnect(h);
		return rc == MEEK_EHEADTOOBIG ? MEEK_EPROTO : rc;
	}
	h->last_status = h->msg->status;
	if (h->msg->status != 200) {
		httpc_disconnect(h);
		if (why)
			*why = "server answered with a non-200 status";
		return MEEK_EHTTP;
	}
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

int
httpc_exchange(struct httpc *h, unsigned char *buf, size_t len, size_t cap,
    size_t *out_len, const char **why)
{
	int rc, delay;

	*out_len = 0;
	for (int tries = 1;; tries++) {
		rc = httpc_try(h, buf, len, cap, out_len, why);
		if (rc != MEEK_EHTTP)
			return rc;
		if (tries >= BACKOFF_MAX_TRIES) {
			if (why)
				*why = "server answered non-200 to every try";
			return MEEK_EHTTP;
		}
		delay = backoff_retry_delay(tries);
		log_warn("session %s: server answered status %d (try %d of %d); "
		    "retrying in %d ms", h->sid_log, h->last_status, tries,
		    BACKOFF_MAX_TRIES, delay);
		if (h->stop_fd >= 0) {
			if (net_wait(h->stop_fd, POLLIN, delay) != 0) {
				if (why)
					*why = "shutting down";
				return MEEK_ECLOSED;
			}
		} else {
			poll(NULL, 0, delay);
		}
	}
}
