#include "config.h"
#include "client/xsession.h"
#include "client/backoff.h"
#include "client/conf.h"
#include "client/modemem.h"
#include "client/retry.h"
#include "shared/arena.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The ranges a server's open answer is clamped to (doc/meek-client.1). */
#define XS_WINDOW_MIN (16UL * 1024)
#define XS_WINDOW_MAX (256UL * 1024 * 1024)
#define XS_HOLD_MIN 100UL
#define XS_HOLD_MAX 120000UL
#define XS_STREAM_MIN 1000UL
#define XS_STREAM_MAX 3600000UL
#define XS_KEEPALIVE_MIN 500UL
#define XS_KEEPALIVE_MAX 60000UL

/* `v` within [lo, hi]; `def` when absent (0). */
static unsigned long
xs_clamp(unsigned long v, unsigned long def, unsigned long lo,
    unsigned long hi)
{
	if (v == 0)
		return def;
	return v < lo ? lo : v > hi ? hi : v;
}
#define XS_UP_ANSWER_MAX 1024      /* ACK + RESET fit easily */
#define XS_UP_FRAMES (3 * FRAME_HEAD) /* DATA head, ACK, END */

/* Failure bookkeeping of one side (spec section 5). */
struct xs_retry {
	struct retry r;      /* RETRY_RESUME: client/retry's rules */
	char why[120];       /* the latest failure, for "resumed after" */
};

enum xs_down_state {
	XS_RUNNING = 0,
	XS_ENDED,          /* END received and everything written */
	XS_RESET,          /* the server reset the session */
	XS_FAILED          /* gave up, or the SOCKS side failed */
};

struct xs {
	const struct mode_ctx *c;
	struct httpc down;
	int down_ready;
	unsigned mode;             /* EXT_MODE_STREAM or EXT_MODE_POLL */
	unsigned accepted;         /* modes the server accepted */
	int may_fallback;          /* stream may fall back to poll */
	size_t body;               /* negotiated largest body */
	unsigned long window, hold_ms, stream_ms, keepalive_ms;
	char op_up[EXT_VALUE_MAX], op_stream[EXT_VALUE_MAX],
	    op_poll[EXT_VALUE_MAX];
	int wake[2];               /* down -> up: look at the shared state */
	int dstop[2];              /* up -> down: stop (down's stop_fd) */
	pthread_t down_thread;

	pthread_mutex_t lock;      /* guards the fields below */
	uint64_t down_off;         /* downstream bytes received */
	uint64_t down_acked;       /* last ACK the up side sent */
	int ack_wanted;            /* a wake for an ACK is pending */
	int down_state;            /* enum xs_down_state */
	atomic_int stopping;       /* the up side ends the session (set
	                              under lock, read anywhere) */
	int end_sent;              /* END is (being) sent upstream */
	struct xs_retry *down_retry; /* down thread only */
};

/*
 * Pure pieces.
 */

unsigned
xsession_offer(int mode, int mem, int *first)
{
	*first = 0;
	switch (mode) {
	case CLIENT_MODE_STREAM:
		*first = EXT_MODE_STREAM;
		return EXT_MODE_STREAM;
	case CLIENT_MODE_POLL:
		*first = EXT_MODE_POLL;
		return EXT_MODE_POLL;
	case CLIENT_MODE_AUTO:
		if (mem == MODEMEM_CLASSIC)
			return 0;
		if (mem == MODEMEM_POLL) {
			*first = EXT_MODE_POLL;
			return EXT_MODE_POLL;
		}
		*first = EXT_MODE_STREAM;
		return EXT_MODE_STREAM | EXT_MODE_POLL;
	default:
		return 0;
	}
}

unsigned
xsession_choose(unsigned offered, int first, unsigned accepted)
{
	unsigned both = offered & accepted;

	if (first > 0 && (both & (unsigned)first) != 0)
		return (unsigned)first;
	if (both & EXT_MODE_STREAM)
		return EXT_MODE_STREAM;
	if (both & EXT_MODE_POLL)
		return EXT_MODE_POLL;
	return 0;
}

int
xsession_poll_wait(int prev, long long elapsed_ms, unsigned long hold_ms,
    int had_data)
{
	if (had_data || elapsed_ms * 2 >= (long long)hold_ms)
		return 0;
	/* A server past its limits answers at once: poll as classic meek. */
	return backoff_next(prev, 0);
}

int
xsession_data_skip(uint64_t have, uint64_t off, size_t len, size_t *skip)
{
	if (off > have)
		return MEEK_EPROTO;
	*skip = have - off >= len ? len : (size_t)(have - off);
	return 0;
}

size_t
xsession_up_build(unsigned char *buf, uint64_t off, size_t n, int ack,
    uint64_t ack_off, int end, uint64_t end_off)
{
	size_t len = 0;

	if (n > 0) {
		frame_put(buf, FRAME_DATA, n, off);
		len = FRAME_HEAD + n;
	}
	if (ack)
		len += frame_put_empty(buf + len, FRAME_ACK, ack_off);
	if (end)
		len += frame_put_empty(buf + len, FRAME_END, end_off);
	return len;
}

int
xsession_parse_up_answer(const unsigned char *buf, size_t len,
    uint64_t *ack, int *have_ack, int *reset, char *reason)
{
	size_t pos = 0;

	*have_ack = 0;
	*reset = 0;
	reason[0] = '\0';
	while (pos < len) {
		struct frame f;
		const char *w = NULL;

		if (len - pos < FRAME_HEAD || frame_get(&f, buf + pos, &w) != 0)
			return MEEK_EPROTO;
		pos += FRAME_HEAD;
		if (f.len > len - pos)
			return MEEK_EPROTO;
		if (f.type == FRAME_ACK) {
			*ack = f.off;
			*have_ack = 1;
		} else if (f.type == FRAME_RESET) {
			*reset = 1;
			memcpy(reason, buf + pos, f.len);
			reason[f.len] = '\0';
		}
		pos += f.len;
	}
	return 0;
}

/* Reads up to `len` bytes of the body, 0 at its end. */
static long
xs_body_some(struct stream *s, struct http_body *b, void *buf, size_t len,
    const char **why)
{
	return http_body_read(s, b, buf, len, why);
}

/* Reads the next frame head into *f.  Returns 1 with a frame, 0 at the
 * body's end (before any byte of a head), or an error code. */
static int
xs_down_head(struct xsession_down *d, struct stream *s, struct http_body *b,
    struct frame *f, int first_ms, int io_ms, const char **why)
{
	unsigned char hd[FRAME_HEAD];
	size_t got;
	long n;
	int rc;

	stream_set_timeout(s, d->frames == 0 ? first_ms : io_ms);
	/* The first byte tells a new frame from the body's end. */
	if ((n = xs_body_some(s, b, hd, FRAME_HEAD, why)) <= 0)
		return (int)n;
	got = (size_t)n;
	if (got < FRAME_HEAD && (rc = http_body_read_full(s, b, hd + got,
	    FRAME_HEAD - got, why)) != 0) {
		if (rc != MEEK_ECLOSED)
			return rc;
		return meek_fail(why, "frame cut short", MEEK_EPROTO);
	}
	if ((rc = frame_get(f, hd, why)) != 0)
		return rc;
	if (d->frames++ == 0 && d->first_frame != NULL)
		d->first_frame(d->ctx);
	stream_set_timeout(s, io_ms);
	return 1;
}

/* Reads a frame's `len` payload bytes in pieces of d->cap; the first
 * `skip` bytes (and all of them when `out` is 0) are dropped, the rest
 * written to tor.  Returns 0 or an error code (a cut body: MEEK_EPROTO). */
static int
xs_down_payload(struct xsession_down *d, struct stream *s,
    struct http_body *b, size_t len, size_t skip, int out, const char **why)
{
	int rc;

	while (len > 0) {
		size_t want = len < d->cap ? len : d->cap, drop;

		if ((rc = http_body_read_full(s, b, d->buf, want, why)) != 0)
			return rc == MEEK_ECLOSED ? MEEK_EPROTO : rc;
		len -= want;
		drop = !out ? want : skip < want ? skip : want;
		skip -= out ? drop : 0;
		if (want == drop)
			continue;
		rc = net_write_all(d->out_fd, d->buf + drop, want - drop,
		    CTX_SOCKS_WRITE_MS);
		if (rc != 0) {
			d->out_failed = 1;
			if (why)
				*why = "SOCKS write failed";
			return rc;
		}
		d->off += want - drop;
		d->got_data = 1;
		if (d->advance != NULL)
			d->advance(d->ctx, d->off, want - drop);
	}
	return 0;
}

int
xsession_down_read(struct xsession_down *d, struct stream *s,
    struct http_body *b, int first_ms, int io_ms, const char **why)
{
	for (;;) {
		struct frame f;
		size_t skip = 0;
		int rc;

		if ((rc = xs_down_head(d, s, b, &f, first_ms, io_ms, why)) <= 0)
			return rc;
		switch (f.type) {
		case FRAME_DATA:
			if (xsession_data_skip(d->off, f.off, f.len, &skip) != 0)
				return meek_fail(why,
				    "DATA beyond the offset asked for",
				    MEEK_EPROTO);
			if ((rc = xs_down_payload(d, s, b, f.len, skip, 1,
			    why)) != 0)
				return rc;
			break;
		case FRAME_END:
			d->have_end = 1;
			d->end_off = f.off;
			if (d->off >= f.off)
				return 0;
			break;
		case FRAME_RESET:
			if (f.len > 0 && (rc = http_body_read_full(s, b, d->reason,
			    f.len, why)) != 0)
				return rc == MEEK_ECLOSED ? MEEK_EPROTO : rc;
			d->reason[f.len] = '\0';
			d->reset = 1;
			return 0;
		default:
			/* ACK, KEEPALIVE: nothing to do; unknown: skip. */
			if ((rc = xs_down_payload(d, s, b, f.len, 0, 0,
			    why)) != 0)
				return rc;
			break;
		}
	}
}

/*
 * Shared state between the two threads.
 */

static void
xs_wake(struct xs *x)
{
	char c = 1;
	ssize_t w;

	do
		w = write(x->wake[1], &c, 1);
	while (w < 0 && errno == EINTR);
}

static void
xs_drain(int fd)
{
	char tmp[64];

	while (read(fd, tmp, sizeof tmp) > 0)
		;
}

static int
xs_stopping(struct xs *x)
{
	return atomic_load(&x->stopping);
}

/* Down thread: the session ends from the downstream side.  The SOCKS fd is
 * shut down (not closed: the up side owns it) so that the up side sees
 * EOF. */
static void
xs_down_end(struct xs *x, int state)
{
	pthread_mutex_lock(&x->lock);
	if (x->down_state == XS_RUNNING)
		x->down_state = state;
	pthread_mutex_unlock(&x->lock);
	shutdown(x->c->fd, SHUT_RDWR);
	if (state != XS_ENDED)
		httpc_abort(x->c->http);
	xs_wake(x);
}

static void
xs_advance(void *ctx, uint64_t off, size_t n)
{
	struct xs *x = ctx;
	int wake = 0;

	pthread_mutex_lock(&x->lock);
	x->down_off = off;
	*x->c->down += n;
	if (x->mode == EXT_MODE_STREAM && !x->ack_wanted &&
	    off - x->down_acked >= x->window / 4) {
		x->ack_wanted = 1;
		wake = 1;
	}
	pthread_mutex_unlock(&x->lock);
	if (wake)
		xs_wake(x);
}

/* A 200 answer that carries X-Meek-Ext: 1 (else an intermediary's). */
static int
xs_answer_ok(struct httpc *h, const char **w)
{
	const char *v;
	struct ext e;

	if (h->last_status != 200) {
		h->last_phase = HTTPC_ANSWERED;
		*w = "server answered with a non-200 status";
		return 0;
	}
	v = http_header_get(h->msg, EXT_HEADER);
	if (v == NULL || ext_parse(&e, v, NULL) != 0) {
		h->last_phase = HTTPC_PAGE;   /* a 200 that is not meek-server's */
		*w = "answer without X-Meek-Ext";
		return 0;
	}
	h->last_phase = HTTPC_BODY_LOST;   /* from here, a failure is in the body */
	return 1;
}


/* Records a failure; returns the delay before the next try, or -1 when
 * the session must end.  client/retry decides; the report (LOG and
 * STATUS with the failure's class) is classic's. */
static int
xs_failed(struct xs *x, struct xs_retry *r, struct httpc *h, const char *side,
    int rc, const char *w)
{
	const char *what = w != NULL ? w : meek_strerror(rc);
	struct retry_fail f = { .status = h->last_status, .page = 0 };
	struct retry_step step;

	snprintf(r->why, sizeof r->why, "%s", what);
	retry_failed(&r->r, &f, h->ntargets, clock_ms(), &step);
	httpc_report(h, rc, w, step.action);
	if (step.next == RETRY_END) {
		log_warn("session %s: ended: no successful %s exchange for %d s "
		    "(%s)", x->c->sid_log, side, step.bound_ms / 1000, what);
		return -1;
	}
	if (step.next == RETRY_NEXT)
		httpc_next_pair(h);   /* the front does not serve our url */
	log_info("session %s: %s request failed (%s); resuming", x->c->sid_log,
	    side, what);
	return step.delay_ms;
}

static void
xs_succeeded(struct xs *x, struct xs_retry *r)
{
	if (r->r.fails > 0)
		log_info("session %s: resumed after %s", x->c->sid_log, r->why);
	retry_succeeded(&r->r);
}

/*
 * Downstream thread.
 */

/* A frame arrived: the downstream request was resumed. */
static void
xs_first_frame(void *ctx)
{
	struct xs *x = ctx;

	xs_succeeded(x, x->down_retry);
}

/* The down thread's state across its requests. */
struct xs_dstate {
	struct xs_retry r;
	int poll_wait;           /* pacing of early empty answers */
	int longpoll_fails;      /* failed long-polls in a row */
	int classic_noted;       /* modemem told: classic here */
	uint64_t off;            /* next downstream byte wanted */
};

/* Whether a RESET from the server is the end we asked for: tor closed
 * and the END went up (or the session is stopping).  A RESET then is
 * not news: typically the answer to our END was lost (a cut stream) and
 * the resend found the session closed already. */
static int
xs_end_ours(struct xs *x)
{
	int ours;

	pthread_mutex_lock(&x->lock);
	ours = x->stopping || x->end_sent;
	pthread_mutex_unlock(&x->lock);
	return ours;
}

/* The server's RESET: the session ends (logged unless we ended it). */
static void
xs_down_reset(struct xs *x, struct httpc *h, const struct xsession_down *d)
{
	char esc[FRAME_RESET_MAX * 4 + 1];

	if (!xs_end_ours(x))
		log_info("session %s: ended by the server: %s", x->c->sid_log,
		    log_escape(esc, sizeof esc, d->reason, strlen(d->reason)));
	httpc_drop(h);
	xs_down_end(x, XS_RESET);
}

/* A downstream answer read to its end (`d`), begun at `t0`: the session's
 * end, a RESET, or the pacing of the next request.  Returns 1 to go on,
 * 0 when the down side is over. */
static int
xs_down_done(struct xs *x, struct httpc *h, struct xs_dstate *st,
    const struct xsession_down *d, int stream, long long t0)
{
	xs_succeeded(x, &st->r);
	st->longpoll_fails = 0;
	if (d->reset) {
		xs_down_reset(x, h, d);
		return 0;
	}
	if (d->have_end && st->off >= d->end_off) {
		httpc_drop(h);
		log_info("session %s: closed by the server", x->c->sid_log);
		xs_down_end(x, XS_ENDED);
		return 0;
	}
	httpc_finish(h);
	/* A stream has worked through this url/front: a later slow first
	 * frame is a slow connection, not a buffering front. */
	if (stream && d->frames > 0)
		x->may_fallback = 0;
	/* An answer that ends early and empty (a server or reflector past
	 * its limits) is paced as classic polls, in both modes. */
	st->poll_wait = xsession_poll_wait(st->poll_wait, clock_ms() - t0,
	    stream ? x->stream_ms : x->hold_ms, d->got_data);
	return st->poll_wait == 0 || httpc_sleep(h, st->poll_wait, NULL) == 0;
}

/* A downstream request that failed with `rc` (`sent`: it left; `frames`:
 * frames it carried): the fallback to poll, the long-poll memory, then
 * client/retry's verdict.  Returns 1 to go on, 0 when over. */
static int
xs_down_failed(struct xs *x, struct httpc *h, struct xs_dstate *st,
    int stream, int sent, int frames, int rc, const char *w)
{
	const struct mode_ctx *c = x->c;
	int delay;

	httpc_drop(h);
	if (xs_stopping(x))
		return 0;
	if (stream && x->may_fallback && sent && frames == 0 &&
	    rc == MEEK_ETIMEDOUT) {
		/* No head and first frame within 2 s: a front that buffers
		 * responses.  The server ends the abandoned stream when the
		 * poll takes over. */
		log_info("session %s: falling back to poll: no stream frame "
		    "within %d s", c->sid_log, XSESSION_FIRST_FRAME_MS / 1000);
		modemem_set(h->target, MODEMEM_POLL);
		pthread_mutex_lock(&x->lock);
		x->mode = EXT_MODE_POLL;  /* the up side reads it */
		pthread_mutex_unlock(&x->lock);
		return 1;
	}
	if (!stream && sent && (rc == MEEK_ETIMEDOUT ||
	    h->last_status == 502 || h->last_status == 504)) {
		if (++st->longpoll_fails >= 2 && !st->classic_noted) {
			st->classic_noted = 1;
			log_info("session %s: long-polls fail through this "
			    "url/front: later sessions there stay classic",
			    c->sid_log);
			modemem_set(h->target, MODEMEM_CLASSIC);
		}
	} else {
		st->longpoll_fails = 0;
	}
	if ((delay = xs_failed(x, &st->r, h, stream ? "stream" : "poll", rc,
	    w)) < 0) {
		xs_down_end(x, XS_FAILED);
		return 0;
	}
	return httpc_sleep(h, delay, NULL) == 0;
}

static void *
xs_down_main(void *arg)
{
	struct xs *x = arg;
	const struct mode_ctx *c = x->c;
	struct httpc *h = &x->down;
	struct xs_dstate st = { .r = { .why = "" } };

	retry_init(&st.r.r, RETRY_RESUME, clock_ms());
	pthread_setname_np(pthread_self(), "meek-down");
	x->down_retry = &st.r;
	while (!xs_stopping(x)) {
		struct xsession_down d = {
			.out_fd = c->fd, .buf = c->buf, .cap = c->cap,
			.off = st.off, .advance = xs_advance,
			.first_frame = xs_first_frame, .ctx = x,
		};
		struct http_body b;
		unsigned char ack[FRAME_HEAD];
		const char *w = NULL;
		int stream = x->mode == EXT_MODE_STREAM, sent = 0, rc;
		int io_ms = stream ? (int)(3 * x->keepalive_ms) :
		    (int)(x->hold_ms + XSESSION_POLL_SLACK_MS);
		int first_ms = stream && x->may_fallback ?
		    XSESSION_FIRST_FRAME_MS : io_ms;
		long long t0 = clock_ms();

		frame_put_empty(ack, FRAME_ACK, st.off);
		rc = httpc_send(h, stream ? x->op_stream : x->op_poll, ack,
		    sizeof ack, first_ms, &sent, &w);
		if (rc == 0 && xs_answer_ok(h, &w)) {
			int left = first_ms == io_ms ? io_ms :
			    first_ms - (int)(clock_ms() - t0);

			httpc_body_begin(h, &b);
			rc = xsession_down_read(&d, &h->s, &b, left > 0 ? left : 1,
			    io_ms, &w);
			st.off = d.off;
			if (d.out_failed) {
				if (!xs_stopping(x))
					log_info("session %s: SOCKS write failed",
					    c->sid_log);
				xs_down_end(x, XS_FAILED);
				break;
			}
			if (rc == 0) {
				if (!xs_down_done(x, h, &st, &d, stream, t0))
					break;
				continue;
			}
		} else if (rc == 0) {
			rc = MEEK_EHTTP;
		}
		if (!xs_down_failed(x, h, &st, stream, sent, d.frames, rc, w))
			break;
	}
	return NULL;
}

/*
 * Upstream side (the session thread).
 */

/* POSTs one up body until it is acknowledged up to `want`.  Returns 0,
 * XS_RESET, or -1 (the session ends; logged).  A RESET that answers a
 * resent body carrying our END counts as its acknowledgement (0): the
 * first copy reached the server, which closed the session, and only its
 * answer was lost. */
static int
xs_up_send(struct xs *x, const unsigned char *body, size_t len, uint64_t want,
    int best_effort)
{
	const struct mode_ctx *c = x->c;
	struct httpc *h = c->http;
	struct xs_retry r = { .why = "" };
	unsigned char ans[XS_UP_ANSWER_MAX];
	int resent = 0;

	retry_init(&r.r, RETRY_RESUME, clock_ms());

	for (;;) {
		const char *w = NULL;
		int sent, rc, delay;

		rc = httpc_send(h, x->op_up, body, len, 0, &sent, &w);
		if (rc == 0 && xs_answer_ok(h, &w)) {
			struct http_body b;
			size_t got = 0;
			uint64_t ack = 0;
			int have_ack, reset;
			char reason[FRAME_RESET_MAX + 1];
			long n;

			http_body_begin(&b, h->msg, 1);
			while ((n = http_body_read(&h->s, &b, ans + got,
			    sizeof ans - got, &w)) > 0 && (got += (size_t)n) <
			    sizeof ans)
				;
			if (n < 0) {
				rc = (int)n;
			} else if (n > 0) {
				rc = MEEK_EPROTO;
				w = "up answer too long";
			} else if (xsession_parse_up_answer(ans, got, &ack,
			    &have_ack, &reset, reason) != 0) {
				rc = MEEK_EPROTO;
				w = "malformed up answer";
			} else if (reset) {
				char esc[FRAME_RESET_MAX * 4 + 1];

				httpc_finish(h);
				if (resent && xs_end_ours(x)) {
					log_debug("session %s: the server had "
					    "closed it on our END already",
					    c->sid_log);
					return 0;
				}
				if (!best_effort)
					log_info("session %s: ended by the server: "
					    "%s", c->sid_log, log_escape(esc,
					    sizeof esc, reason, strlen(reason)));
				return XS_RESET;
			} else if (!have_ack || ack < want) {
				rc = MEEK_EPROTO;
				w = "up answer does not acknowledge the data";
			} else {
				httpc_finish(h);
				xs_succeeded(x, &r);
				return 0;
			}
		} else if (rc == 0) {
			rc = MEEK_EHTTP;
		}
		httpc_drop(h);
		if (rc == MEEK_ECLOSED && (httpc_aborted(h) ||
		    net_wait(c->stop_fd, POLLIN, 0) == 1))
			return -1;
		if (best_effort)
			return -1;
		if ((delay = xs_failed(x, &r, h, "up", rc, w)) < 0)
			return -1;
		resent = 1;
		if (httpc_sleep(h, delay, NULL) != 0 || httpc_aborted(h))
			return -1;
	}
}

/* arena_poll's idle hook for the upstream side: its upload buffer and its
 * connection's buffers go back while tor sends nothing. */
struct xs_up_idle {
	struct httpc *http;
	unsigned char **buf;
};

static void
xs_up_idle(void *arg)
{
	struct xs_up_idle *u = arg;

	free(*u->buf);
	*u->buf = NULL;
	httpc_idle(u->http);
}

/* Waits for tor's bytes, a wake from the down side, or the shutdown.
 * Returns 1 when the SOCKS fd is readable, 0 after a wake only, -1 when
 * the session must end. */
static int
xs_up_wait(struct xs *x, struct xs_up_idle *idle)
{
	const struct mode_ctx *c = x->c;
	struct pollfd pfd[3] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = x->wake[0], .events = POLLIN },
		{ .fd = c->stop_fd, .events = POLLIN },
	};

	if (arena_poll(pfd, 3, -1, xs_up_idle, idle) < 0) {
		log_warn("session %s: poll failed", c->sid_log);
		return -1;
	}
	if (pfd[2].revents != 0) {
		log_debug("session %s: shutting down", c->sid_log);
		return -1;
	}
	if (pfd[1].revents != 0)
		xs_drain(x->wake[0]);
	return pfd[0].revents != 0;
}

/* After an up request that carried an ACK of `ack_off` (when `ack`): the
 * offset acknowledged, and whether the next ACK is due at once.  Returns
 * the down side's state. */
static int
xs_up_acked(struct xs *x, int ack, uint64_t ack_off)
{
	int state;

	pthread_mutex_lock(&x->lock);
	if (ack && ack_off > x->down_acked)
		x->down_acked = ack_off;
	/* Bytes that came during this request may already fill a quarter
	 * window: the server may be waiting for this ACK and send nothing
	 * more until it comes, so no later wake would. */
	x->ack_wanted = x->mode == EXT_MODE_STREAM &&
	    x->down_off - x->down_acked >= x->window / 4;
	if (x->ack_wanted)
		xs_wake(x);
	state = x->down_state;
	pthread_mutex_unlock(&x->lock);
	return state;
}

/* tor closed its side (the END went up): logged unless the server ended
 * the session first. */
static void
xs_up_closed(struct xs *x, int state)
{
	unsigned long long down;

	pthread_mutex_lock(&x->lock);
	down = *x->c->down;
	pthread_mutex_unlock(&x->lock);
	if (state != XS_ENDED)
		log_info("session %s: closed by tor (%llu bytes up, %llu down)",
		    x->c->sid_log, *x->c->up, down);
}

static void
xs_up_loop(struct xs *x)
{
	const struct mode_ctx *c = x->c;
	/* Uploads: at most up_max per request (64 KiB unless --max-body
	 * asked for more), so a bulk upload holds no more than that. */
	size_t body = c->up_max != 0 && c->up_max < x->body ? c->up_max :
	    x->body;
	size_t maxdata = body - XS_UP_FRAMES;
	unsigned char *buf = NULL;
	uint64_t up_off = 0;
	struct xs_up_idle idle = { c->http, &buf };

	for (;;) {
		uint64_t ack_off;
		size_t n = 0, len;
		int end = 0, ack, state, ready;

		if ((ready = xs_up_wait(x, &idle)) < 0)
			break;
		if (buf == NULL && (buf = malloc(body + XS_UP_FRAMES)) == NULL) {
			log_warn("session %s: out of memory for the upload buffer",
			    c->sid_log);
			break;
		}
		pthread_mutex_lock(&x->lock);
		state = x->down_state;
		ack_off = x->down_off;
		ack = ack_off > x->down_acked;
		pthread_mutex_unlock(&x->lock);
		if (state == XS_RESET || state == XS_FAILED)
			break;
		/* Everything tor has ready, up to the body size. */
		if (ready)
			n = net_read_ready(c->fd, buf + FRAME_HEAD, maxdata, &end);
		if (n == 0 && end == 0) {
			/* Nothing to send but an ACK: only a due one. */
			pthread_mutex_lock(&x->lock);
			if (!x->ack_wanted)
				ack = 0;
			pthread_mutex_unlock(&x->lock);
			if (!ack)
				continue;
		}
		if (end != 0) {
			pthread_mutex_lock(&x->lock);
			x->end_sent = 1;
			pthread_mutex_unlock(&x->lock);
		}
		len = xsession_up_build(buf, up_off, n, ack, ack_off, end != 0,
		    up_off + n);
		if (xs_up_send(x, buf, len, up_off + n, end != 0 &&
		    state == XS_ENDED && n == 0) != 0)
			break;
		up_off += n;
		*c->up += n;
		state = xs_up_acked(x, ack, ack_off);
		if (end != 0) {
			xs_up_closed(x, state);
			break;
		}
	}
	free(buf);
}

/* Starts the downstream side, runs the upstream side, stops and joins. */
static void
xs_run(struct xs *x)
{
	const struct mode_ctx *c = x->c;
	struct httpc *up = c->http;
	const char *why = NULL;

	if (pipe2(x->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		x->wake[0] = x->wake[1] = -1;
		log_warn("session %s: pipe failed", c->sid_log);
		return;
	}
	if (pipe2(x->dstop, O_CLOEXEC | O_NONBLOCK) != 0) {
		close(x->wake[0]);
		close(x->wake[1]);
		log_warn("session %s: pipe failed", c->sid_log);
		return;
	}
	pthread_mutex_init(&x->lock, NULL);
	if (httpc_init(&x->down, up->targets, up->ntargets, up->proxy,
	    up->anchors, c->sid, x->dstop[0], &why) != 0) {
		log_warn("session %s: ended: %s", c->sid_log, why ? why : "-");
	} else {
		httpc_follow(&x->down, up);
		x->down_ready = 1;
		if (thread_start(&x->down_thread, c->stack_kb, "meek-down",
		    xs_down_main, x, &why) != 0) {
			log_warn("session %s: ended: cannot start its downstream "
			    "thread", c->sid_log);
		} else {
			char b = 1;
			ssize_t wr;

			xs_up_loop(x);
			/* Stop the downstream side wherever it waits: its
			 * connection, its retry sleep, a SOCKS write. */
			pthread_mutex_lock(&x->lock);
			x->stopping = 1;
			pthread_mutex_unlock(&x->lock);
			httpc_abort(&x->down);
			do
				wr = write(x->dstop[1], &b, 1);
			while (wr < 0 && errno == EINTR);
			shutdown(c->fd, SHUT_RDWR);
			pthread_join(x->down_thread, NULL);
		}
	}
	httpc_clear(&x->down);
	pthread_mutex_destroy(&x->lock);
	close(x->wake[0]);
	close(x->wake[1]);
	close(x->dstop[0]);
	close(x->dstop[1]);
}

int
xsession_open(const struct mode_ctx *c, struct xsession_open *o)
{
	struct httpc *h = c->http;
	struct ext e, a;
	const char *why = NULL, *v;
	char value[EXT_VALUE_MAX];
	unsigned offered;
	int first, rc;

	memset(o, 0, sizeof *o);
	offered = xsession_offer(c->mode, c->mode == CLIENT_MODE_AUTO ?
	    modemem_get(h->target) : MODEMEM_UNKNOWN, &first);
	if (offered == 0) {
		log_info("session %s: mode classic", c->sid_log);
		return 0;
	}
	memset(&e, 0, sizeof e);
	e.op = EXT_OP_OPEN;
	e.modes = offered;
	e.first_mode = first;
	e.body = (unsigned long)c->max_body;
	if (ext_format(value, sizeof value, &e) < 0) {
		log_warn("session %s: cannot format X-Meek-Ext", c->sid_log);
		return MEEK_EINVAL;
	}
	/* An empty body: a classic poll if the server does not accept. */
	rc = httpc_exchange_ext(h, value, c->buf, 0, c->cap, &o->first, &why);
	if (rc != 0) {
		if (!(rc == MEEK_ECLOSED && net_wait(c->stop_fd, POLLIN, 0) == 1))
			log_warn("session %s: ended: %s (%s)", c->sid_log,
			    meek_strerror(rc), why ? why : "-");
		return rc;
	}
	o->sent = 1;
	v = http_header_get(h->msg, EXT_HEADER);
	if (v != NULL && ext_parse(&a, v, NULL) == 0)
		o->mode = xsession_choose(offered, first, a.modes);
	if (o->mode == 0) {
		/* No header (Go meek-server, a stripping intermediary) or an
		 * unusable one: classic; the server follows (spec section 1). */
		log_info("session %s: mode classic", c->sid_log);
		return 0;
	}
	if (o->first > 0)
		log_debug("session %s: open answer carried %zu body bytes; "
		    "ignored", c->sid_log, o->first);
	o->first = 0;
	o->accepted = a.modes & offered;
	o->body = c->max_body;
	if (a.body != 0 && a.body < o->body)
		o->body = a.body;
	if (o->body < 4096)
		o->body = 4096;
	/* The server's (or an intermediary's) numbers, within sane ranges:
	 * a hostile hold=2147483647 must not wrap a read timeout. */
	o->window = xs_clamp(a.window, EXT_WINDOW_DEFAULT, XS_WINDOW_MIN,
	    XS_WINDOW_MAX);
	o->hold_ms = xs_clamp(a.hold_ms, EXT_HOLD_MS_DEFAULT, XS_HOLD_MIN,
	    XS_HOLD_MAX);
	o->stream_ms = xs_clamp(a.stream_ms, EXT_STREAM_MS_DEFAULT,
	    XS_STREAM_MIN, XS_STREAM_MAX);
	o->keepalive_ms = xs_clamp(a.keepalive_ms, EXT_KEEPALIVE_MS,
	    XS_KEEPALIVE_MIN, XS_KEEPALIVE_MAX);
	if (o->keepalive_ms > o->stream_ms)
		o->keepalive_ms = o->stream_ms;
	log_info("session %s: mode %s", c->sid_log, ext_mode_name(o->mode));
	log_debug("session %s: body %zu, window %lu, hold %lu ms, keepalive "
	    "%lu ms", c->sid_log, o->body, o->window, o->hold_ms,
	    o->keepalive_ms);
	return 0;
}

void
xsession_run(const struct mode_ctx *c, const struct xsession_open *o)
{
	struct ext e;
	struct xs *x;

	if ((x = calloc(1, sizeof *x)) == NULL) {
		log_warn("session %s: out of memory", c->sid_log);
		return;
	}
	x->c = c;
	x->mode = o->mode;
	x->accepted = o->accepted;
	x->may_fallback = o->mode == EXT_MODE_STREAM &&
	    (o->accepted & EXT_MODE_POLL) != 0;
	x->body = o->body;
	x->window = o->window;
	x->hold_ms = o->hold_ms;
	x->stream_ms = o->stream_ms;
	x->keepalive_ms = o->keepalive_ms;
	memset(&e, 0, sizeof e);
	e.op = EXT_OP_UP;
	ext_format(x->op_up, sizeof x->op_up, &e);
	e.op = EXT_OP_STREAM;
	ext_format(x->op_stream, sizeof x->op_stream, &e);
	e.op = EXT_OP_POLL;
	ext_format(x->op_poll, sizeof x->op_poll, &e);
	xs_run(x);
	free(x);
}
