/*
 * The requests of an extension session, after the open:
 *
 *   op=up      frames in the body are read one at a time; DATA payloads in
 *              pieces of at most a worker buffer (64 KiB), each piece
 *              written to the ORPort under the session's wlock beyond what
 *              was already written (ext->up_next).  Answered at once.
 *   op=stream  one held chunked response: KEEPALIVE, then DATA as the
 *   op=poll    ORPort delivers, until the stream time (stream), or until
 *              data was sent and nothing more is at hand / the hold time
 *              (poll).
 *
 * Only the current downstream request of a session (ext->gen) reads the
 * ORPort, with a non-blocking recv straight into the window under the
 * session's lock; it waits for the ORPort outside the lock (poll), or for
 * an acknowledgement on ext->cond when the window is full.  Every wait is
 * bounded by XHANDLER_TICK_MS and also watches the client connection, so
 * a handler whose request was taken over, whose session ended, whose client
 * left or whose connection the pool shut down (SIGTERM) ends promptly.
 */
#include "config.h"
#include "server/xhandler.h"
#include "server/orport.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/frame.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Outcomes of the steps of a request. */
enum {
	XH_OK = 0,
	XH_CLIENT = -1,   /* the client connection broke: close it */
	XH_PROTO = -2,    /* answer RESET (*why) and end the session */
	XH_GONE = -3      /* the session ended meanwhile: RESET */
};

#define XH_EXTRA "X-Meek-Ext: 1\r\n"
#define XH_EXTRA_DOWN XH_EXTRA "X-Accel-Buffering: no\r\n" \
	"Cache-Control: no-cache\r\n"

/* One extension request being served. */
struct xreq {
	const struct handler *h;
	struct conn *c;
	struct handler_bufs *b;
	struct http_body body;
	unsigned long long total;   /* body bytes read */
	unsigned long long limit;   /* most body bytes accepted */
	int raw;                    /* HTTP/1.0 request: a downstream answer
	                               is its frames until the close, not
	                               chunked (RFC 9112 forbids that) */
	const char *sid;            /* the request's loggable session id */
};

void
xconf_init(struct xconf *x)
{
	x->max_ext = EXT_MAX_SESSIONS_DEFAULT;
	x->stream_ms = EXT_STREAM_MS_DEFAULT;
	x->hold_ms = EXT_HOLD_MS_DEFAULT;
	x->keepalive_ms = EXT_KEEPALIVE_MS;
	x->window = EXT_WINDOW_DEFAULT;
	x->max_body = EXT_BODY_DEFAULT;
}

void
xstate_init(struct xstate *s)
{
	atomic_init(&s->ext_sessions, 0);
	atomic_init(&s->held, 0);
}

unsigned long long
xhandler_body_limit(const struct handler *h)
{
	unsigned long long lim;

	if (h->x.max_ext <= 0)
		return HTTP_BODY_MAX;
	lim = (unsigned long long)h->x.max_body + XHANDLER_SLACK;
	return lim > HTTP_BODY_MAX ? lim : HTTP_BODY_MAX;
}

int
xhandler_op(const struct handler *h, const struct http_msg *m, struct ext *x)
{
	const char *v = http_header_get(m, EXT_HEADER), *why = "";

	(void)h;
	if (v == NULL || ext_parse(x, v, &why) < 0)
		return EXT_OP_NONE;
	switch (x->op) {
	case EXT_OP_OPEN:
	case EXT_OP_UP:
	case EXT_OP_STREAM:
	case EXT_OP_POLL:
		/* up/stream/poll even with the extension off: they get a
		 * RESET, never a classic session fed with frames. */
		return x->op;
	default:
		return EXT_OP_NONE;
	}
}

/* "stream,poll" for the modes in `modes`, `first` first. */
static const char *
xh_modes_str(unsigned modes, unsigned first, char *buf, size_t len)
{
	const char *a = ext_mode_name(EXT_MODE_STREAM);
	const char *z = ext_mode_name(EXT_MODE_POLL);

	if (first == EXT_MODE_POLL) {
		a = ext_mode_name(EXT_MODE_POLL);
		z = ext_mode_name(EXT_MODE_STREAM);
	}
	if (modes == (EXT_MODE_STREAM | EXT_MODE_POLL))
		snprintf(buf, len, "%s,%s", a, z);
	else
		snprintf(buf, len, "%s", ext_mode_name(modes));
	return buf;
}

int
xhandler_open_locked(const struct handler *h, struct session *s,
    const struct ext *x, char *answer)
{
	unsigned modes = x->modes & (EXT_MODE_STREAM | EXT_MODE_POLL);
	unsigned long client_body;
	char sid[LOG_SID_LEN], list[32];
	struct ext a;
	size_t body;
	int cur;

	if (h->x.max_ext <= 0 || h->xs == NULL || modes == 0 ||
	    s->mode != SESSION_CLASSIC || s->ext != NULL)
		return 0;
	log_sid(sid, s->id);
	cur = atomic_load(&h->xs->ext_sessions);
	do {
		if (cur >= h->x.max_ext) {
			log_debug("session %s: --max-ext reached: classic", sid);
			return 0;
		}
	} while (!atomic_compare_exchange_weak(&h->xs->ext_sessions, &cur,
	    cur + 1));
	if (h->srccap != NULL && s->src >= 0 && !srccap_take(h->srccap->ext,
	    s->src, h->srccap->max_ext)) {
		atomic_fetch_sub(&h->xs->ext_sessions, 1);
		log_debug("session %s: --max-ext-per-source reached: classic",
		    sid);
		return 0;
	}

	/* A client that names no body: classic meek's 64 KiB. */
	client_body = x->body > 0 ? x->body : HTTP_BODY_MAX;
	body = client_body < h->x.max_body ? client_body : h->x.max_body;
	memset(&a, 0, sizeof a);
	a.op = EXT_OP_NONE;
	a.modes = modes;
	a.first_mode = ((unsigned)x->first_mode & modes) != 0 ?
	    x->first_mode : 0;
	a.body = body;
	a.window = h->x.window;
	a.hold_ms = (unsigned long)h->x.hold_ms;
	a.stream_ms = (unsigned long)h->x.stream_ms;
	a.keepalive_ms = (unsigned long)h->x.keepalive_ms;
	if (ext_format(answer, EXT_VALUE_MAX + 1, &a) < 0 ||
	    session_ext_begin_locked(s, h->x.window, body, modes, answer,
	    &h->xs->ext_sessions) < 0) {
		atomic_fetch_sub(&h->xs->ext_sessions, 1);
		if (h->srccap != NULL && s->src >= 0)
			srccap_put(h->srccap->ext, s->src);
		log_debug("session %s: no memory for a window: classic", sid);
		return 0;
	}
	if (h->srccap != NULL && s->src >= 0)
		s->ext->src_count = h->srccap->ext;
	stats_add(h->stats, STATS_EXT_OPENED, 1);
	log_debug("session %s: extension 1, modes %s", sid,
	    xh_modes_str(modes, (unsigned)a.first_mode, list, sizeof list));
	return 1;
}

int
xhandler_answer_open(struct conn *c, const char *answer, int keep_alive)
{
	char extra[EXT_VALUE_MAX + 32];

	snprintf(extra, sizeof extra, "%s: %s\r\n", EXT_HEADER, answer);
	if (http_write_response(&c->st, 200, "OK", "application/octet-stream",
	    extra, "", 0, keep_alive) < 0)
		return POOL_CLOSE;
	return keep_alive ? POOL_KEEP : POOL_CLOSE;
}

/* ---- reading the request body ---- */

/* Reads up to `len` body bytes.  Returns bytes (0: end of body), or
 * XH_CLIENT (I/O error, bad chunk syntax), XH_PROTO (over the limit). */
static long
xh_read(struct xreq *r, void *buf, size_t len, const char **why)
{
	long n = http_body_read(&r->c->st, &r->body, buf, len, why);

	if (n < 0)
		return XH_CLIENT;
	r->total += (unsigned long long)n;
	if (r->total > r->limit) {
		*why = "request body over the limit";
		return XH_CLIENT;
	}
	return n;
}

/* Reads exactly `len` body bytes: a body that ends first is a frame cut
 * short (XH_PROTO). */
static int
xh_read_full(struct xreq *r, void *buf, size_t len, const char **why)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < len) {
		long n = xh_read(r, p + got, len - got, why);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			*why = "frame cut short by the end of the body";
			return XH_PROTO;
		}
		got += (size_t)n;
	}
	return XH_OK;
}

/* The next frame head: 1, 0 at the end of the body, or an XH_ error. */
static int
xh_next_frame(struct xreq *r, struct frame *f, const char **why)
{
	unsigned char head[FRAME_HEAD];
	long n;
	int rc;

	n = xh_read(r, head, sizeof head, why);
	if (n <= 0)
		return (int)n;
	if ((size_t)n < sizeof head &&
	    (rc = xh_read_full(r, head + n, sizeof head - (size_t)n, why)) < 0)
		return rc;
	if (frame_get(f, head, why) < 0)
		return XH_PROTO;
	return 1;
}

/* Reads and drops `len` body bytes. */
static int
xh_skip(struct xreq *r, size_t len, const char **why)
{
	while (len > 0) {
		size_t n = len < sizeof r->b->body ? len : sizeof r->b->body;
		int rc = xh_read_full(r, r->b->body, n, why);
		if (rc < 0)
			return rc;
		len -= n;
	}
	return XH_OK;
}

/* Reads and drops the rest of the body, so the connection can carry the
 * next request. */
static int
xh_drain(struct xreq *r)
{
	const char *why = "";
	long n;

	while ((n = xh_read(r, r->b->body, sizeof r->b->body, &why)) > 0)
		;
	return n < 0 ? XH_CLIENT : XH_OK;
}

/* ---- answers ---- */

/* Appends a RESET frame with `why` to out[*n]. */
static void
xh_put_reset(const struct xreq *r, unsigned char *out, size_t *n,
    const char *why)
{
	size_t len = strlen(why);

	if (len > FRAME_RESET_MAX)
		len = FRAME_RESET_MAX;
	frame_put(out + *n, FRAME_RESET, len, 0);
	memcpy(out + *n + FRAME_HEAD, why, len);
	*n += FRAME_HEAD + len;
	stats_add(r->h->stats, STATS_EXT_RESETS, 1);
	log_debug("session %s: RESET: %s", r->sid, why);
}

/* The answer to an up request: Content-Length, frames. */
static int
xh_answer_up(struct xreq *r, const unsigned char *frames, size_t n)
{
	int ka = r->b->msg.keep_alive;

	if (http_write_response(&r->c->st, 200, "OK",
	    "application/octet-stream", XH_EXTRA, frames, n, ka) < 0)
		return POOL_CLOSE;
	return ka ? POOL_KEEP : POOL_CLOSE;
}

/* Writes one chunk of frames (raw: the frames) and flushes.  Returns 0
 * or XH_CLIENT. */
static int
xh_chunk(struct xreq *r, const void *frames, size_t n)
{
	int rc = r->raw ? stream_write(&r->c->st, frames, n) :
	    http_write_chunk(&r->c->st, frames, n);

	if (rc < 0 || stream_flush(&r->c->st) < 0)
		return XH_CLIENT;
	return XH_OK;
}

/* The head of a downstream answer: chunked, or for an HTTP/1.0 request a
 * body that ends with the connection.  Returns 0 or a stream error. */
static int
xh_down_head(struct xreq *r, int ka)
{
	if (r->raw)
		return http_write_close_head(&r->c->st, 200, "OK",
		    "application/octet-stream", XH_EXTRA_DOWN);
	return http_write_chunked_head(&r->c->st, 200, "OK",
	    "application/octet-stream", XH_EXTRA_DOWN, ka);
}

/* Ends a downstream answer begun with xh_down_head().  Returns the pool's
 * verdict. */
static int
xh_down_finish(struct xreq *r, int ka)
{
	if (r->raw) {
		(void)stream_flush(&r->c->st);
		return POOL_CLOSE;   /* the close ends the body */
	}
	if (http_write_chunk(&r->c->st, NULL, 0) < 0 ||
	    stream_flush(&r->c->st) < 0)
		return POOL_CLOSE;
	return ka ? POOL_KEEP : POOL_CLOSE;
}

/* A whole downstream answer of `n` bytes of frames. */
static int
xh_answer_down(struct xreq *r, const unsigned char *frames, size_t n)
{
	int ka = r->b->msg.keep_alive;

	if (xh_down_head(r, ka) < 0 ||
	    (n > 0 && (r->raw ? stream_write(&r->c->st, frames, n) :
	    http_write_chunk(&r->c->st, frames, n)) < 0))
		return POOL_CLOSE;
	return xh_down_finish(r, ka);
}

/* RESET for a request of `op` (body already read or drained). */
static int
xh_answer_reset(struct xreq *r, int op, const char *why)
{
	unsigned char out[FRAME_HEAD + FRAME_RESET_MAX];
	size_t n = 0;

	xh_put_reset(r, out, &n, why);
	return op == EXT_OP_UP ? xh_answer_up(r, out, n) :
	    xh_answer_down(r, out, n);
}

/* Ends session `s` and unlinks it from the table. */
static void
xh_end_session(const struct handler *h, struct session *s)
{
	pthread_mutex_lock(&s->lock);
	session_end_locked(s);
	pthread_mutex_unlock(&s->lock);
	session_table_remove(h->table, s);
}

/* ---- op=up ---- */

/* Writes piece buf[0..n) at upstream offset `off` to the ORPort, only the
 * part beyond what was already written. */
static int
xh_write_up(struct xreq *r, struct session *s, unsigned long long off,
    const unsigned char *buf, size_t n, const char **why)
{
	struct session_ext *x = s->ext;
	unsigned long long next;
	size_t skip;
	int fd, closed, rc;

	pthread_mutex_lock(&s->wlock);
	pthread_mutex_lock(&s->lock);
	closed = s->closed;
	fd = s->fd;
	pthread_mutex_unlock(&s->lock);
	if (closed) {
		pthread_mutex_unlock(&s->wlock);
		return XH_GONE;
	}
	next = x->up_next;
	if (off > next) {
		pthread_mutex_unlock(&s->wlock);
		*why = "DATA beyond the upstream offset";
		return XH_PROTO;
	}
	if (next - off >= n) {
		/* A resumed request repeating bytes already written. */
		pthread_mutex_unlock(&s->wlock);
		return XH_OK;
	}
	skip = (size_t)(next - off);
	/* The fd stays open while we hold a reference (an ending session
	 * only shuts it down), so writing outside s->lock is safe.  Bytes
	 * tor's side can no longer take are dropped and acknowledged
	 * (orport.h): the window may still hold downstream bytes, and the
	 * client's END comes when the downstream handler reads tor's end. */
	rc = orport_write(fd, buf + skip, n - skip, r->h->up.io_timeout_ms,
	    r->h->up.stats, s->id);
	if (rc < 0) {
		pthread_mutex_unlock(&s->wlock);
		*why = "ORPort write timed out";
		return XH_PROTO;
	}
	x->up_next += n - skip;
	pthread_mutex_unlock(&s->wlock);
	return XH_OK;
}

static int
xh_up_data(struct xreq *r, struct session *s, const struct frame *f,
    const char **why)
{
	unsigned long long off = f->off;
	size_t left = f->len;
	int rc;

	if (f->len > r->h->x.max_body) {
		*why = "DATA longer than the largest body";
		return XH_PROTO;
	}
	while (left > 0) {
		size_t n = left < sizeof r->b->body ? left : sizeof r->b->body;

		if ((rc = xh_read_full(r, r->b->body, n, why)) < 0)
			return rc;
		if ((rc = xh_write_up(r, s, off, r->b->body, n, why)) < 0)
			return rc;
		off += n;
		left -= n;
	}
	return XH_OK;
}

/* An acknowledgement of downstream bytes below `off`. */
static int
xh_ack(struct session *s, unsigned long long off, const char **why)
{
	int rc = XH_OK;

	pthread_mutex_lock(&s->lock);
	if (s->closed)
		rc = XH_GONE;
	else if (window_ack(&s->ext->win, off) < 0) {
		*why = "ACK beyond the downstream bytes sent";
		rc = XH_PROTO;
	} else
		pthread_cond_broadcast(&s->ext->cond);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int
xh_up(struct xreq *r, struct session *s)
{
	unsigned char out[2 * FRAME_HEAD + FRAME_RESET_MAX];
	unsigned long long end_at = 0, up;
	const char *why = "";
	struct frame f;
	size_t n = 0;
	int rc, ended = 0;   /* FRAME_END or FRAME_RESET seen, else 0 */

	for (;;) {
		rc = xh_next_frame(r, &f, &why);
		if (rc <= 0)
			break;
		if (ended != 0 && f.type == FRAME_DATA) {
			why = "DATA after END";
			rc = XH_PROTO;
			break;
		}
		switch (f.type) {
		case FRAME_DATA:
			rc = xh_up_data(r, s, &f, &why);
			break;
		case FRAME_ACK:
			rc = xh_ack(s, f.off, &why);
			break;
		case FRAME_END:
			ended = FRAME_END;
			end_at = f.off;
			break;
		case FRAME_RESET:
			ended = FRAME_RESET;
			rc = xh_skip(r, f.len, &why);
			break;
		default:
			/* KEEPALIVE, and types we do not know: skipped. */
			rc = xh_skip(r, f.len, &why);
			break;
		}
		if (rc < 0)
			break;
	}
	if (rc == XH_CLIENT)
		return POOL_CLOSE;   /* the session stays: the client resumes */
	if (rc < 0 && xh_drain(r) < 0)
		rc = XH_CLIENT;
	if (rc == XH_CLIENT)
		return POOL_CLOSE;

	pthread_mutex_lock(&s->wlock);
	up = s->ext->up_next;
	pthread_mutex_unlock(&s->wlock);
	if (rc == XH_OK && ended == FRAME_END && end_at != up) {
		why = "END does not match the upstream bytes";
		rc = XH_PROTO;
	}
	n = frame_put_empty(out, FRAME_ACK, up);
	if (rc == XH_GONE) {
		xh_put_reset(r, out, &n, "session ended");
		session_table_remove(r->h->table, s);
	} else if (rc == XH_PROTO) {
		xh_put_reset(r, out, &n, why);
		xh_end_session(r->h, s);
	} else if (ended != 0) {
		/* Every byte below END is written: close the ORPort
		 * connection and free the session now. */
		xh_end_session(r->h, s);
		log_debug("session %s: %s by the client", r->sid,
		    ended == FRAME_END ? "closed" : "reset");
	}
	return xh_answer_up(r, out, n);
}

/* ---- op=stream, op=poll ---- */

/* Caller holds s->lock.  Takes one of the --max-ext held-downstream
 * places for this request (every held handler counts, also one a takeover
 * is waking).  Returns 1 when taken. */
static int
xh_hold_locked(const struct handler *h, struct session *s)
{
	int cur = atomic_load(&h->xs->held);

	while (cur < h->x.max_ext) {
		if (atomic_compare_exchange_weak(&h->xs->held, &cur, cur + 1)) {
			s->ext->holders++;
			return 1;
		}
	}
	return 0;
}

/* Gives the place back; `wake_wr` (this request's wake pipe write end, or
 * -1) stops being the session's. */
static void
xh_unhold(const struct handler *h, struct session *s, int wake_wr)
{
	pthread_mutex_lock(&s->lock);
	s->ext->holders--;
	if (wake_wr >= 0 && s->ext->wake_fd == wake_wr)
		s->ext->wake_fd = -1;
	pthread_mutex_unlock(&s->lock);
	atomic_fetch_sub(&h->xs->held, 1);
}

/* A non-blocking close-on-exec pipe for a held request's takeover wake.
 * Returns 0 or -1 (then the request is woken by its XHANDLER_TICK_MS). */
static int
xh_wake_pipe(int p[2])
{
	if (pipe(p) < 0) {
		p[0] = p[1] = -1;
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		(void)fcntl(p[i], F_SETFD, FD_CLOEXEC);
		(void)fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

static void
xh_close_pipe(int p[2])
{
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

/* Caller holds s->lock and is the current downstream request.  One
 * non-blocking read from the ORPort into the window. */
static void
xh_fill_locked(struct xreq *r, struct session *s)
{
	struct session_ext *x = s->ext;
	unsigned char *t;
	size_t room, n;
	int ended = 0;

	t = window_tail(&x->win, &room);
	if (room == 0 || x->eof)
		return;
	n = orport_read(s->fd, t, room, &ended, r->h->up.stats);
	window_commit(&x->win, n);
	if (ended) {
		/* tor's side is over: the client gets END after the last
		 * byte. */
		x->eof = 1;
		log_debug("session %s: ORPort closed after %llu bytes", r->sid,
		    (unsigned long long)x->win.end);
	}
}

/* 1 when the client connection hung up or was shut down (by the pool on
 * SIGTERM), else 0; waits up to `ms` for the ORPort fd `orfd` to turn
 * readable (orfd -1: only the client), or the wake pipe `wake` (-1:
 * none) to be written by a takeover. */
static int
xh_wait_fds(int orfd, int cfd, int wake, int ms)
{
	struct pollfd p[3] = {
		{ .fd = cfd, .events = POLLRDHUP },
		{ .fd = wake, .events = POLLIN },
		{ .fd = orfd, .events = POLLIN },
	};

	/* A negative fd is ignored by poll(). */
	if (poll(p, 3, ms) < 0)
		return 0;
	return (p[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* Waits up to `ms` on ext->cond while the window stays full and this is
 * the current request. */
static void
xh_wait_ack(struct session *s, unsigned long long gen, int ms)
{
	struct timespec ts = clock_after(CLOCK_MONOTONIC, ms);

	pthread_mutex_lock(&s->lock);
	while (!s->closed && s->ext->gen == gen &&
	    window_space(&s->ext->win) == 0)
		if (pthread_cond_timedwait(&s->ext->cond, &s->lock, &ts) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->lock);
}

/* The frames a downstream request sends next, into r->b->out: DATA from
 * the window at *sent (at most `room` bytes: *plen) and END once tor's
 * bytes are all out (*finish).  *full: the window has no space left; *fd:
 * the ORPort to wait on.  Returns their length, or -1 when the request was
 * taken over by a newer one or the session ended. */
static long
xh_down_frames(struct xreq *r, struct session *s, unsigned long long gen,
    unsigned long long *sent, size_t room, size_t *plen, int *finish,
    int *full, int *fd)
{
	struct session_ext *x = s->ext;
	unsigned char *out = r->b->out;
	size_t n = 0;

	*plen = 0;
	*finish = 0;
	pthread_mutex_lock(&s->lock);
	if (x->gen != gen || s->closed) {
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	if (*sent < x->win.base)
		*sent = x->win.base;
	xh_fill_locked(r, s);
	if (*sent < x->win.end && room > 0) {
		*plen = window_copy(&x->win, *sent, out + FRAME_HEAD, room);
		frame_put(out, FRAME_DATA, *plen, *sent);
		n = FRAME_HEAD + *plen;
		*sent += *plen;
	}
	if (x->eof && *sent == x->win.end) {
		n += frame_put_empty(out + n, FRAME_END, *sent);
		*finish = 1;
	}
	*full = window_space(&x->win) == 0;
	*fd = s->fd;
	pthread_mutex_unlock(&s->lock);
	return (long)n;
}

/* How long a held downstream request waits before it looks again: the
 * deadline, a keepalive due, at most XHANDLER_TICK_MS, at least 1 ms. */
static int
xh_down_wait_ms(const struct handler *h, int stream, long long now,
    long long deadline, long long last_send)
{
	long long t = deadline - now;

	if (t > XHANDLER_TICK_MS)
		t = XHANDLER_TICK_MS;
	if (stream && last_send + h->x.keepalive_ms - now < t)
		t = last_send + h->x.keepalive_ms - now;
	return t < 1 ? 1 : (int)t;
}

static int
xh_down_loop(struct xreq *r, struct session *s, int op, unsigned long long
    gen, unsigned long long sent, int held, int wake)
{
	const struct handler *h = r->h;
	struct session_ext *x = s->ext;
	unsigned char *out = r->b->out;
	int stream = op == EXT_OP_STREAM, got_data = 0;
	long long start = clock_ms(), last_send = start, deadline;
	size_t frame_max, sent_bytes = 0;

	deadline = start + (stream ? h->x.stream_ms : h->x.hold_ms);
	frame_max = sizeof r->b->out - 2 * FRAME_HEAD;
	if (frame_max > x->body)
		frame_max = x->body;
	if (stream && xh_chunk(r, out, frame_put_empty(out, FRAME_KEEPALIVE,
	    0)) < 0)
		return XH_CLIENT;
	for (;;) {
		long long now = clock_ms();
		size_t plen, room = frame_max;
		int finish, full, fd, t;
		long n;

		if (!stream && x->body - sent_bytes < room)
			room = x->body - sent_bytes;
		n = xh_down_frames(r, s, gen, &sent, room, &plen, &finish,
		    &full, &fd);
		if (n < 0)
			break;   /* taken over by a newer request, or ended */
		session_touch(s, now);
		if (n > 0) {
			if (xh_chunk(r, out, (size_t)n) < 0)
				return XH_CLIENT;
			last_send = clock_ms();
			if (plen > 0) {
				got_data = 1;
				sent_bytes += plen;
			}
			if (finish || (!stream && sent_bytes >= x->body) ||
			    (stream && last_send >= deadline))
				break;
			continue;
		}
		if (!held || (!stream && got_data) || now >= deadline)
			break;
		if (stream && now - last_send >= h->x.keepalive_ms) {
			if (xh_chunk(r, out, frame_put_empty(out,
			    FRAME_KEEPALIVE, 0)) < 0)
				return XH_CLIENT;
			last_send = now;
			continue;
		}
		t = xh_down_wait_ms(h, stream, now, deadline, last_send);
		if (full) {
			xh_wait_ack(s, gen, t);
			t = 0;
			fd = -1;
		}
		if (xh_wait_fds(fd, r->c->st.fd, wake, t))
			return XH_CLIENT;
	}
	return XH_OK;
}

static int
xh_down(struct xreq *r, struct session *s, int op)
{
	const struct handler *h = r->h;
	struct session_ext *x = s->ext;
	unsigned long long ack = 0, gen, sent;
	const char *why = "";
	struct frame f;
	int rc, have_ack = 0, held, ka = r->b->msg.keep_alive;
	int wake[2] = { -1, -1 };

	for (;;) {
		rc = xh_next_frame(r, &f, &why);
		if (rc <= 0)
			break;
		if (f.type == FRAME_ACK) {
			ack = f.off;
			have_ack = 1;
		} else if ((rc = xh_skip(r, f.len, &why)) < 0)
			break;
	}
	if (rc == XH_CLIENT || (rc < 0 && xh_drain(r) < 0))
		return POOL_CLOSE;
	if (rc == XH_OK && !have_ack) {
		why = "no ACK in a downstream request";
		rc = XH_PROTO;
	}
	if (rc < 0) {
		xh_end_session(h, s);
		return xh_answer_reset(r, op, why);
	}

	(void)xh_wake_pipe(wake);
	pthread_mutex_lock(&s->lock);
	if (s->closed) {
		pthread_mutex_unlock(&s->lock);
		xh_close_pipe(wake);
		session_table_remove(h->table, s);
		return xh_answer_reset(r, op, "session ended");
	}
	if (!window_holds(&x->win, ack)) {
		why = ack < x->win.base ? "offset below the window" :
		    "offset beyond the downstream bytes read";
		pthread_mutex_unlock(&s->lock);
		xh_close_pipe(wake);
		xh_end_session(h, s);
		return xh_answer_reset(r, op, why);
	}
	window_ack(&x->win, ack);
	sent = ack;
	gen = ++x->gen;
	pthread_cond_broadcast(&x->cond);   /* the older request ends */
	if (x->wake_fd >= 0) {
		/* ... now, also when it waits in poll(). */
		(void)write(x->wake_fd, "w", 1);
		x->wake_fd = -1;
	}
	held = xh_hold_locked(h, s);
	if (held && wake[1] >= 0)
		x->wake_fd = wake[1];
	pthread_mutex_unlock(&s->lock);
	stats_add(h->stats, held ? STATS_EXT_HELD : STATS_EXT_UNHELD, 1);
	if (!held)
		log_debug("session %s: no held worker left: answered at once",
		    r->sid);

	if (!held)
		xh_close_pipe(wake);
	if (xh_down_head(r, ka) < 0)
		rc = XH_CLIENT;
	else
		rc = xh_down_loop(r, s, op, gen, sent, held, wake[0]);
	if (held) {
		xh_unhold(h, s, wake[1]);
		xh_close_pipe(wake);
	}
	if (rc < 0)
		return POOL_CLOSE;
	return xh_down_finish(r, ka);
}

int
xhandler_serve(const struct handler *h, struct conn *c,
    struct handler_bufs *b, const struct hreq *q, struct session *s)
{
	struct xreq r;
	int verdict, classic;

	memset(&r, 0, sizeof r);
	r.h = h;
	r.c = c;
	r.b = b;
	r.raw = b->msg.version_minor == 0;
	r.limit = q->op == EXT_OP_UP ? xhandler_body_limit(h) :
	    XHANDLER_DOWN_BODY_MAX;
	http_body_begin(&r.body, &b->msg, 0);
	r.sid = q->sid;
	if (s == NULL) {
		if (xh_drain(&r) < 0)
			return POOL_CLOSE;
		return xh_answer_reset(&r, q->op, "unknown session");
	}
	pthread_mutex_lock(&s->lock);
	classic = s->mode == SESSION_CLASSIC;
	if (!classic && !s->closed) {
		s->mode = SESSION_EXT;
		atomic_store(&s->open_pending, 0);
	}
	pthread_mutex_unlock(&s->lock);
	if (classic) {
		/* Frames must never reach tor as classic payload; the two
		 * ends disagree for good. */
		xh_end_session(h, s);
		session_unref(s);
		if (xh_drain(&r) < 0)
			return POOL_CLOSE;
		return xh_answer_reset(&r, q->op, "not an extension session");
	}
	session_touch(s, clock_ms());
	verdict = q->op == EXT_OP_UP ? xh_up(&r, s) : xh_down(&r, s, q->op);
	session_touch(s, clock_ms());
	session_unref(s);
	return verdict;
}
