#include "config.h"
#include "reflector/pass.h"
#include "reflector/forward.h"
#include "shared/sessid.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/pool.h"
#include "shared/tls.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* What a passed request did, for the one debug line it logs. */
struct pass_req {
	const char *sid;
	char sidlog[LOG_SID_LEN];
	const char *op;                /* "open", "up", ... for the log */
	int held;                      /* a stream or long-poll: a slot taken */
	int buffered;                  /* the body is in b->body (len bytes) */
	size_t len;
	unsigned long long up, down;   /* body bytes each way */
	int streamed;                  /* the response went out piece by piece */
};

/* Takes one of the --max-streams slots; 0 when all are taken. */
static int
pass_slot_take(struct reflect *r)
{
	int n = atomic_load(&r->held);

	while (n < r->max_streams)
		if (atomic_compare_exchange_weak(&r->held, &n, n + 1))
			return 1;
	return 0;
}

static const char *
pass_op_name(int op)
{
	switch (op) {
	case EXT_OP_OPEN: return "open";
	case EXT_OP_UP: return "up";
	case EXT_OP_STREAM: return "stream";
	case EXT_OP_POLL: return "poll";
	case EXT_OP_NONE: return "none";
	default: return "other";
	}
}

/*
 * 1 when http_body_read() can go on from bytes already read (`ub` NULL: a
 * response head is awaited).  Inside a chunk any byte will do; at a chunk
 * boundary it needs the CRLF that ends the previous chunk and the next
 * size line, else it would block in the read, deaf to the client leaving.
 * Decrypted TLS bytes are moved into the read-ahead buffer to be seen.
 */
static int
pass_ready(struct stream *us, const struct http_msg *resp,
    const struct http_body *ub)
{
	size_t lines, need;

	if (ub == NULL || !resp->chunked || ub->left > 0)
		return stream_has_pending(us);
	need = ub->started ? 2 : 1;
	for (;;) {
		lines = 0;
		for (size_t i = us->rpos; i < us->rlen && lines < need; i++)
			if (us->rbuf[i] == '\n')
				lines++;
		if (lines >= need)
			return 1;
		if (us->tls == NULL || !tls_conn_has_pending(us->tls))
			return 0;
		if (stream_fill(us) <= 0)
			return 1;       /* full, or an error: the read says */
	}
}

/*
 * Waits until the upstream has bytes to read.  Returns 1; MEEK_ECLOSED
 * when the client hung up (or the pool shut its socket down to stop), so a
 * long-poll the client gave up does not hold a worker for the whole hold
 * time; MEEK_ETIMEDOUT after `ms`.  A client that only half-closes after
 * its request counts as gone: meek clients and fronts never do that.
 */
static int
pass_wait(struct conn *c, struct stream *us, const struct http_msg *resp,
    const struct http_body *ub, int ms)
{
	long long end = clock_ms() + ms;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = us->fd, .events = POLLIN },
			{ .fd = c->st.fd, .events = POLLRDHUP },
		};
		long long left = end - clock_ms();
		int n;

		if (pass_ready(us, resp, ub))
			return 1;
		if (left <= 0)
			return MEEK_ETIMEDOUT;
		n = poll(pfd, 2, left > 1000000 ? 1000000 : (int)left);
		if (n < 0 && errno != EINTR)
			return MEEK_EIO;
		if (n <= 0)
			continue;
		if (pfd[1].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			return MEEK_ECLOSED;
		if (pfd[0].revents != 0)
			return 1;
	}
}

/* Appends "Name: value\r\n" to buf (used `*n` of `len`); 0 or MEEK_ETOOBIG. */
static int
pass_add(char *buf, size_t len, size_t *n, const char *name, const char *value)
{
	int k = snprintf(buf + *n, len - *n, "%s: %s\r\n", name, value);

	if (k < 0 || (size_t)k >= len - *n)
		return MEEK_ETOOBIG;
	*n += (size_t)k;
	return 0;
}

/* The response header lines passed back: the extension's own, and the
 * ones that keep a front from buffering or caching a stream.  A streamed
 * response always says X-Accel-Buffering: no (an nginx front then passes
 * it on at once). */
static int
pass_resp_extra(const struct http_msg *resp, int streamed, char *buf,
    size_t len)
{
	static const char *const names[] = {
		EXT_HEADER, "X-Accel-Buffering", "Cache-Control"
	};
	size_t n = 0;
	int rc = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0] && rc == 0; i++) {
		const char *v = http_header_get(resp, names[i]);
		if (v != NULL)
			rc = pass_add(buf, len, &n, names[i], v);
	}
	if (rc == 0 && streamed &&
	    http_header_get(resp, "X-Accel-Buffering") == NULL)
		rc = pass_add(buf, len, &n, "X-Accel-Buffering", "no");
	return rc;
}

/* Copies the client's body (Content-Length, too long for b->body) to the
 * upstream piece by piece.  Returns 0; MEEK_ECLOSED (and friends) when the
 * client failed, with *upstream_failed 0; a stream error with
 * *upstream_failed 1 when the upstream write failed. */
static int
pass_copy_request(struct conn *c, struct reflect_bufs *b, struct stream *us,
    struct pass_req *q, int *upstream_failed)
{
	struct http_body cb;
	const char *why = "";
	long n;
	int rc;

	*upstream_failed = 0;
	http_body_begin(&cb, &b->req, 0);
	while ((n = http_body_read(&c->st, &cb, b->body, sizeof b->body,
	    &why)) > 0) {
		if ((rc = stream_write(us, b->body, (size_t)n)) < 0) {
			*upstream_failed = 1;
			return rc;
		}
		q->up += (unsigned long long)n;
	}
	return n < 0 ? (int)n : 0;
}

/*
 * Copies a response whose body is chunked, read to EOF, or longer than
 * b->out to the client as it arrives: each piece is written and flushed
 * before the next read, so a frame never waits for more bytes.  The last
 * chunk is written only when the upstream body ended cleanly: a stream cut
 * short upstream must look cut short to the client (it resumes).  Returns
 * the verdict; *reuse says whether the upstream connection may be kept.
 */
static int
pass_stream_response(struct conn *c, struct reflect_bufs *b,
    struct stream *us, struct pass_req *q, int wait_ms, int *reuse)
{
	const struct http_msg *m = &b->req;
	struct http_body ub;
	const char *ctype = http_header_get(&b->resp, "Content-Type");
	const char *why = "";
	char extra[1024];
	int chunked = m->version_minor >= 1, rc;
	long n;

	*reuse = 0;
	q->streamed = 1;
	if (pass_resp_extra(&b->resp, 1, extra, sizeof extra) < 0) {
		log_info("session %s: meek-server's headers too long: 502",
		    q->sidlog);
		return httpd_reply(&c->st, 502, NULL, m->keep_alive);
	}
	http_body_begin(&ub, &b->resp, 1);
	rc = chunked ? http_write_chunked_head(&c->st, b->resp.status,
	    http_reason(b->resp.status), ctype, extra, m->keep_alive) :
	    http_write_close_head(&c->st, b->resp.status, NULL, ctype,
	    extra);
	if (rc < 0 || stream_flush(&c->st) < 0)
		return POOL_CLOSE;
	while (!ub.done) {
		rc = pass_wait(c, us, &b->resp, &ub, wait_ms);
		if (rc == MEEK_ECLOSED) {
			log_debug("session %s: the client left a passed %s "
			    "response", q->sidlog, q->op);
			return POOL_CLOSE;
		}
		if (rc < 0) {
			log_info("session %s: meek-server sent nothing for "
			    "%d s: response cut", q->sidlog, wait_ms / 1000);
			return POOL_CLOSE;
		}
		n = http_body_read(us, &ub, b->out, sizeof b->out, &why);
		if (n == 0)
			break;
		if (n < 0) {
			log_info("session %s: meek-server's response broke "
			    "(%s: %s): cut", q->sidlog, meek_strerror((int)n),
			    why);
			return POOL_CLOSE;
		}
		q->down += (unsigned long long)n;
		rc = chunked ? http_write_chunk(&c->st, b->out, (size_t)n) :
		    stream_write(&c->st, b->out, (size_t)n);
		if (rc < 0 || stream_flush(&c->st) < 0) {
			log_debug("session %s: the client left a passed %s "
			    "response", q->sidlog, q->op);
			return POOL_CLOSE;
		}
	}
	*reuse = b->resp.keep_alive;
	if (!chunked)
		return POOL_CLOSE;
	if (http_write_chunk(&c->st, NULL, 0) < 0 || stream_flush(&c->st) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}

/* A response with a Content-Length that fits b->out (or no body) is read
 * whole and answered with its length, as a classic one. */
static int
pass_small_response(struct conn *c, struct reflect_bufs *b,
    struct stream *us, struct pass_req *q, int *reuse)
{
	const struct http_msg *m = &b->req;
	const char *why = "";
	char extra[1024];
	size_t out_len = 0;
	int rc;

	*reuse = 0;
	rc = http_read_body(us, &b->resp, 1, b->out, sizeof b->out, &out_len,
	    &why);
	if (rc == 0 && (rc = pass_resp_extra(&b->resp, 0, extra,
	    sizeof extra)) < 0)
		why = "headers too long";
	if (rc < 0) {
		log_info("session %s: meek-server failed (%s: %s): 502",
		    q->sidlog, meek_strerror(rc), why);
		return httpd_reply(&c->st, 502, NULL, m->keep_alive);
	}
	*reuse = b->resp.keep_alive;
	q->down = out_len;
	if (http_write_response(&c->st, b->resp.status,
	    http_reason(b->resp.status),
	    http_header_get(&b->resp, "Content-Type"), extra, b->out, out_len,
	    m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}

/* meek-server's answer (head in b->resp) to the client: one with a small
 * known length or none whole, any other streamed.  Returns the verdict. */
static int
pass_answer(struct conn *c, struct reflect_bufs *b, struct stream *us,
    struct pass_req *q, int wait_ms, int *reuse)
{
	const struct http_msg *r = &b->resp;

	if ((!r->chunked && r->content_length >= 0 &&
	    r->content_length <= (long long)sizeof b->out) ||
	    (r->status >= 100 && r->status < 200) || r->status == 204 ||
	    r->status == 304)
		return pass_small_response(c, b, us, q, reuse);
	return pass_stream_response(c, b, us, q, wait_ms, reuse);
}

/* Sends the request to meek-server and passes its answer back. */
static int
pass_forward(struct reflect *r, struct conn *c, struct reflect_bufs *b,
    struct pass_req *q)
{
	const struct http_msg *m = &b->req;
	/* Past a body still on the wire, the connection cannot go on. */
	int keep = q->buffered && m->keep_alive;
	unsigned long long up_len = q->buffered ? q->len :
	    (unsigned long long)m->content_length;
	int wait_ms = q->held ? PASS_HELD_IO_MS : UPSTREAM_IO_MS;
	const char *why = "";
	char extra[2048];
	struct upconn *uc = NULL;
	struct stream *us = NULL;
	size_t n;
	int rc, up_failed = 0, reuse = 0, verdict;

	rc = forward_extra(r, c, m, q->sid, extra, sizeof extra);
	n = rc < 0 ? 0 : (size_t)rc;
	if (rc < 0 || pass_add(extra, sizeof extra, &n, EXT_HEADER,
	    http_header_get(m, EXT_HEADER)) < 0) {
		log_debug("session %s: headers too long to forward: 400",
		    q->sidlog);
		return httpd_reply(&c->st, 400, NULL, keep);
	}
	rc = upstream_begin(r->up, &uc, extra, up_len, &why);
	if (rc == 0) {
		us = upstream_stream(uc);
		if (q->buffered) {
			rc = stream_write(us, b->body, q->len);
			q->up = q->len;
			up_failed = 1;
		} else
			rc = pass_copy_request(c, b, us, q, &up_failed);
		if (rc == 0 && (rc = stream_flush(us)) < 0)
			up_failed = 1;
		if (rc < 0 && up_failed)
			why = "sending to meek-server failed";
	}
	if (rc < 0 && uc != NULL && !up_failed) {
		/* The client broke off its body: the upstream got part of
		 * it and must not see the rest of anything. */
		log_debug("session %s: the client's body broke off (%s)",
		    q->sidlog, meek_strerror(rc));
		upstream_end(r->up, uc, 0);
		return POOL_CLOSE;
	}
	if (rc < 0) {
		upstream_end(r->up, uc, 0);
		log_info("session %s: meek-server failed (%s: %s): 502",
		    q->sidlog, meek_strerror(rc), why);
		return httpd_reply(&c->st, 502, NULL, keep);
	}
	stream_set_timeout(us, wait_ms);
	rc = pass_wait(c, us, NULL, NULL, wait_ms);
	if (rc == MEEK_ECLOSED) {
		log_debug("session %s: the client left before the %s answer",
		    q->sidlog, q->op);
		upstream_end(r->up, uc, 0);
		return POOL_CLOSE;
	}
	if (rc >= 0)
		rc = http_read_response(us, &b->resp, &why);
	if (rc < 0) {
		upstream_end(r->up, uc, 0);
		log_info("session %s: meek-server failed (%s: %s): 502",
		    q->sidlog, meek_strerror(rc == MEEK_EHEADTOOBIG ?
		    MEEK_EPROTO : rc), why);
		return httpd_reply(&c->st, 502, NULL, m->keep_alive);
	}
	verdict = pass_answer(c, b, us, q, wait_ms, &reuse);
	upstream_end(r->up, uc, reuse);
	log_debug("session %s: %llu bytes up, %llu down, status %d (op %s%s)",
	    q->sidlog, q->up, q->down, b->resp.status, q->op,
	    q->streamed ? ", streamed" : "");
	return verdict;
}

int
pass_serve(struct reflect *r, struct conn *c, struct reflect_bufs *b)
{
	struct http_msg *m = &b->req;
	struct pass_req q;
	struct ext x;
	const char *why = "";
	int op = EXT_OP_UNKNOWN, verdict;

	memset(&q, 0, sizeof q);
	if (ext_parse(&x, http_header_get(m, EXT_HEADER), &why) == 0)
		op = x.op;
	q.op = pass_op_name(op);
	/* Bodies that fit the buffer are read before meek-server is asked;
	 * longer ones (an up request of up to 1 MiB) pass piece by piece.  A
	 * chunked body is read whole: meek clients send a Content-Length. */
	q.buffered = m->chunked || m->content_length <= (long long)sizeof b->body;
	if (q.buffered && !httpd_read_body(c, &b->req, b->body,
	    sizeof b->body, &q.len, &verdict))
		return verdict;
	q.sid = http_header_get(m, "X-Session-Id");
	if (sessid_check(q.sid) == 0) {
		log_debug("POST with a missing or bad X-Session-Id: 400");
		return httpd_reply(&c->st, 400, NULL,
		    q.buffered && m->keep_alive);
	}
	log_sid(q.sidlog, q.sid);
	if (op == EXT_OP_OPEN && q.buffered &&
	    atomic_load(&r->held) >= r->max_streams) {
		/* As meek-server past --max-ext: the session goes on as
		 * classic meek, which holds no worker. */
		log_debug("session %s: %d streams held (--max-streams): "
		    "open forwarded as classic", q.sidlog, r->max_streams);
		return forward_post(r, c, b, q.len);
	}
	q.held = op == EXT_OP_STREAM || op == EXT_OP_POLL;
	if (q.held && !pass_slot_take(r)) {
		/* As meek-server with no held worker left: an empty answer
		 * at once, which the client paces like classic polls (a 503
		 * would make it retry until it gives up while sessions that
		 * already hold a slot keep winning it). */
		int keep = q.buffered && m->keep_alive;

		log_debug("session %s: %d streams held (--max-streams): %s "
		    "answered at once", q.sidlog, r->max_streams, q.op);
		if (http_write_response(&c->st, 200, "OK",
		    "application/octet-stream", EXT_HEADER ": 1\r\n"
		    "Cache-Control: no-cache\r\n", NULL, 0, keep) < 0)
			return POOL_CLOSE;
		return keep ? POOL_KEEP : POOL_CLOSE;
	}
	verdict = pass_forward(r, c, b, &q);
	if (q.held)
		atomic_fetch_sub(&r->held, 1);
	return verdict;
}
