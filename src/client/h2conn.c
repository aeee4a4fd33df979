/*
 * h2conn: an HTTP/2 connection's thread and its requests' waits.  The
 * contract is in h2conn.h.
 *
 * The connection thread loops: feed the front's unread bytes to h2sess
 * (unless a full answer queue holds input back), send what h2sess framed,
 * read what the socket has now, else poll the socket and a wake pipe.  The
 * requesting threads write a byte to the wake pipe when they add work
 * (a request, a reset, a queue drained to half after a full one stalled
 * the thread: not at every read, or thread and reader would take turns
 * for each record).  Each request has its own condition variable, and
 * the connection thread signals only the waiters whose answer moved (a
 * download's reader is not woken for an upstream POST's head, nor the
 * other way round).
 * When nothing comes for ARENA_IDLE_MS (arena_poll) its buffers go back,
 * open streams or not, as an idle HTTP/1.1 connection's do.
 */
#include "config.h"
#include "client/h2conn.h"
#include "client/h2sess.h"
#include "shared/arena.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/tls.h"
#include "shared/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define H2CONN_RBUF 16384          /* the front's bytes, read at once */
#define H2CONN_OUT_SOFT (64 * 1024) /* framed bytes gathered per write */
#define H2CONN_IO_MS 30000          /* bound on one socket write */
#define H2CONN_BATCH (H2SESS_QUEUE_CAP / 2) /* answer bytes per wake-up */

struct h2conn {
	pthread_mutex_t lock;
	struct h2conn_req *reqs; /* the live requests, for h2conn_notify */
	int refs;
	struct h2sess *h2;
	const void *key;
	int dead;                /* the failure that ended it, 0 alive */
	int stop;                /* the last reference is gone */
	int stalled;             /* a full queue stopped the thread's reads */
	int notify_due;          /* input came since the last h2conn_flush */
	int wake[2];             /* requesters -> the connection thread */
	pthread_t thread;
	/* The connection thread's own: */
	struct stream s;
	unsigned char *rbuf;
	unsigned char *out;
	size_t out_cap;
};

enum { H2CONN_WANT_NONE, H2CONN_WANT_HEAD, H2CONN_WANT_BODY };

struct h2conn_req {          /* every field under c->lock */
	struct h2conn *c;
	struct h2req *r;
	struct h2conn_req *next; /* in c->reqs */
	pthread_cond_t cond;     /* its waiter's: the answer moved */
	int want;                /* what its waiter waits for */
	int aborted;
};

static void
h2conn_wake(struct h2conn *c)
{
	ssize_t w;

	do
		w = write(c->wake[1], "", 1);
	while (w < 0 && errno == EINTR);
}

/* Under the lock: wakes each waiter whose wait is over.  A waiter is
 * woken for an answer's head or bytes once its answer finished or
 * H2CONN_BATCH bytes of it are queued, or when `all`: before the
 * connection thread waits (h2conn_flush).  So a burst of records is one
 * wake-up rather than one per record, a classic answer (head, body, end)
 * is one, and a lone record still goes at once. */
static void
h2conn_notify(struct h2conn *c, int all)
{
	if (all)
		c->notify_due = 0;
	for (struct h2conn_req *q = c->reqs; q != NULL; q = q->next) {
		int ready;

		if (q->want == H2CONN_WANT_NONE)
			continue;
		if (q->aborted || c->dead)
			ready = 1;
		else if (!(q->want == H2CONN_WANT_HEAD ? h2req_settled(q->r) :
		    h2req_readable(q->r)))
			ready = 0;
		else
			ready = all || h2req_finished(q->r) ||
			    h2req_queued(q->r) >= H2CONN_BATCH;
		if (ready)
			pthread_cond_signal(&q->cond);
	}
}

/* The lock not held: the connection thread is about to wait (for input,
 * a wake-up or a write): every waiter that has something gets it now. */
static void
h2conn_flush(struct h2conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->notify_due)
		h2conn_notify(c, 1);
	pthread_mutex_unlock(&c->lock);
}

/* Under the lock: the connection failed with `code`. */
static void
h2conn_fail_locked(struct h2conn *c, int code)
{
	if (c->dead)
		return;
	c->dead = code < 0 ? code : MEEK_EIO;
	h2sess_fail(c->h2, c->dead);
	h2conn_notify(c, 1);
}

/* Under the lock: 1 when a request other than `q` has a waiter. */
static int
h2conn_others_wait(const struct h2conn *c, const struct h2conn_req *q)
{
	for (const struct h2conn_req *o = c->reqs; o != NULL; o = o->next)
		if (o != q && o->want != H2CONN_WANT_NONE)
			return 1;
	return 0;
}

/* Under the lock: 1 (and the thread is no longer stalled: the caller
 * wakes it) when a full queue stalled the connection thread and none is
 * full now, and `q` (unless NULL) holds at most half a queue or another
 * request waits for the thread. */
static int
h2conn_unstall(struct h2conn *c, const struct h2conn_req *q)
{
	if (!c->stalled || h2sess_blocked(c->h2) || (q != NULL &&
	    h2req_queued(q->r) > H2SESS_QUEUE_CAP / 2 &&
	    !h2conn_others_wait(c, q)))
		return 0;
	c->stalled = 0;
	return 1;
}

/* Under the lock: what h2sess framed, gathered into c->out.  Returns the
 * byte count. */
static size_t
h2conn_gather(struct h2conn *c)
{
	size_t olen = 0;

	while (!c->dead && olen < H2CONN_OUT_SOFT) {
		const unsigned char *d;
		size_t n;
		const char *w;

		if (h2sess_send(c->h2, &d, &n, &w) != 0) {
			h2conn_fail_locked(c, MEEK_EPROTO);
			return 0;
		}
		if (n == 0)
			break;
		if (olen + n > c->out_cap) {
			size_t cap = (olen + n) * 2;
			unsigned char *o = realloc(c->out, cap);

			if (o == NULL) {
				h2conn_fail_locked(c, MEEK_ENOMEM);
				return 0;
			}
			c->out = o;
			c->out_cap = cap;
		}
		memcpy(c->out + olen, d, n);
		olen += n;
	}
	return olen;
}

/* Under the lock: offers the unread bytes of c->s to h2sess.  Returns 1
 * when it consumed some. */
static int
h2conn_feed(struct h2conn *c)
{
	size_t avail = c->s.rlen - c->s.rpos;
	const char *w;
	long k;

	if (c->dead || avail == 0 || h2sess_blocked(c->h2))
		return 0;
	k = h2sess_recv(c->h2, c->s.rbuf + c->s.rpos, avail, &w);
	if (k < 0) {
		h2conn_fail_locked(c, MEEK_EPROTO);
		return 0;
	}
	stream_consume(&c->s, (size_t)k);
	if (k > 0) {
		c->notify_due = 1;
		h2conn_notify(c, 0);
	}
	return k > 0;
}

/* arena_poll's idle hook (the connection thread, the lock not held):
 * nothing came for a while, so the read buffer (when it holds nothing
 * unread), the write buffer and the TLS record buffers go back until the
 * next bytes, as an idle HTTP/1.1 connection's do, and so do the answer
 * queues that hold nothing (h2sess_idle).  Also while streams
 * are open: an extension session's download waits on its stream for
 * minutes. */
static void
h2conn_idle_bufs(void *arg)
{
	struct h2conn *c = arg;

	if (c->rbuf != NULL && c->s.rlen == c->s.rpos) {
		stream_set_rbuf(&c->s, NULL, 0);
		free(c->rbuf);
		c->rbuf = NULL;
	}
	free(c->out);
	c->out = NULL;
	c->out_cap = 0;
	if (c->s.tls != NULL)
		tls_conn_idle(c->s.tls);
	pthread_mutex_lock(&c->lock);
	h2sess_idle(c->h2);
	pthread_mutex_unlock(&c->lock);
}

#define H2CONN_READABLE 1    /* h2conn_poll: the socket has input */
#define H2CONN_WOKEN 2       /* h2conn_poll: a requester woke the thread */

/* Waits at most `ms` (-1: no bound) for the wake pipe and, when `sock`,
 * for input on the socket.  Returns H2CONN_READABLE when the socket is
 * readable (or hung up: the read says how), or'd with H2CONN_WOKEN when
 * the wake pipe fired (its bytes are taken: the caller goes back to the
 * loop, which looks at what changed), 0 when nothing came.  A wait with
 * nothing coming gives the buffers back (h2conn_idle_bufs). */
static int
h2conn_poll(struct h2conn *c, int sock, int ms)
{
	struct pollfd p[2];
	char junk[64];

	p[0].fd = c->wake[0];
	p[0].events = POLLIN;
	p[0].revents = 0;
	p[1].fd = c->s.fd;
	p[1].events = POLLIN;
	p[1].revents = 0;
	if (arena_poll(p, sock ? 2 : 1, ms, h2conn_idle_bufs, c) <= 0)
		return 0;
	if ((p[0].revents & POLLIN) != 0)
		while (read(c->wake[0], junk, sizeof junk) > 0)
			;
	return (sock && p[1].revents != 0 ? H2CONN_READABLE : 0) |
	    ((p[0].revents & POLLIN) != 0 ? H2CONN_WOKEN : 0);
}

/* Under the lock not held: the connection failed with `code`. */
static void
h2conn_fail(struct h2conn *c, int code)
{
	pthread_mutex_lock(&c->lock);
	h2conn_fail_locked(c, code);
	pthread_mutex_unlock(&c->lock);
}

/* Makes sure the read buffer is there.  Returns 0 or MEEK_ENOMEM. */
static int
h2conn_rbuf(struct h2conn *c)
{
	if (c->rbuf == NULL) {
		if ((c->rbuf = malloc(H2CONN_RBUF)) == NULL)
			return MEEK_ENOMEM;
		stream_set_rbuf(&c->s, c->rbuf, H2CONN_RBUF);
	}
	return 0;
}

/* A write failed (the front reset the connection): what it sent before,
 * still in the socket, is read and framed first, so that a GOAWAY it sent
 * marks the requests it never processed as refused (they are sent again
 * on a new connection) rather than lost.  Never waits for more. */
static void
h2conn_salvage(struct h2conn *c)
{
	for (int i = 0; i < 256; i++) {
		if (h2conn_rbuf(c) != 0 || (!stream_has_pending(&c->s) &&
		    net_wait(c->s.fd, POLLIN, 0) <= 0) ||
		    c->s.rlen >= c->s.rcap || stream_fill(&c->s) <= 0)
			break;
		pthread_mutex_lock(&c->lock);
		while (h2conn_feed(c))
			;
		pthread_mutex_unlock(&c->lock);
	}
}

/* One round of the connection thread after gathering `olen` bytes (the
 * lock not held): writes them, then reads one record when the socket (or
 * TLS) has input; waits for input or a wake-up when there was nothing to
 * write.  A read waits for the rest of a record that began to arrive
 * (bounded by H2CONN_IO_MS), never for one that has not; before the
 * thread waits for input, the waiters get what came (h2conn_flush). */
static void
h2conn_io(struct h2conn *c, size_t olen, int want_read)
{
	long n;
	int rc;

	stream_set_timeout(&c->s, H2CONN_IO_MS);
	if (olen > 0) {
		rc = stream_write(&c->s, c->out, olen);
		if (rc == 0)
			rc = stream_flush(&c->s);
		if (rc != 0) {
			h2conn_salvage(c);
			h2conn_fail(c, rc);
			return;
		}
	}
	if (!want_read) {
		if (olen == 0)
			h2conn_poll(c, 0, -1);
		return;
	}
	if (!stream_has_pending(&c->s)) {
		int r = h2conn_poll(c, 1, 0);

		if (r == 0) {
			/* No input right now: the waiters get what came. */
			h2conn_flush(c);
			if (olen > 0)
				return;
			r = h2conn_poll(c, 1, -1);
		}
		if ((r & H2CONN_READABLE) == 0)
			return;
	}
	if (h2conn_rbuf(c) != 0) {
		h2conn_fail(c, MEEK_ENOMEM);
		return;
	}
	if ((n = stream_fill(&c->s)) < 0)
		h2conn_fail(c, (int)n);
}

static void *
h2conn_main(void *arg)
{
	struct h2conn *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->stop) {
		size_t olen;
		int want_read;

		while (h2conn_feed(c))
			;
		olen = h2conn_gather(c);
		if (!c->dead && h2sess_done(c->h2))
			h2conn_fail_locked(c, MEEK_ECLOSED);
		c->stalled = !c->dead && h2sess_blocked(c->h2);
		want_read = !c->dead && !c->stalled &&
		    (c->rbuf == NULL || c->s.rlen < c->s.rcap);
		if (c->dead && c->s.fd >= 0) {
			/* Closed here, in the thread that owns the stream. */
			stream_close(&c->s);
			continue;
		}
		/* About to write or to wait without reading: no batching. */
		if (c->notify_due && (olen > 0 || !want_read || c->s.fd < 0))
			h2conn_notify(c, 1);
		pthread_mutex_unlock(&c->lock);
		if (c->s.fd >= 0)
			h2conn_io(c, olen, want_read);
		else
			h2conn_poll(c, 0, -1);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void
h2conn_destroy(struct h2conn *c)
{
	stream_close(&c->s);
	h2sess_free(c->h2);
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	pthread_mutex_destroy(&c->lock);
	free(c->rbuf);
	free(c->out);
	free(c);
}

static int
h2conn_pipe(int p[2])
{
	if (pipe(p) != 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (fcntl(p[i], F_SETFL, O_NONBLOCK) != 0 ||
		    fcntl(p[i], F_SETFD, FD_CLOEXEC) != 0)
			return -1;
	return 0;
}

int
h2conn_start(struct h2conn **out, struct stream *s, const void *key,
    const char **why)
{
	struct h2conn *c = calloc(1, sizeof *c);
	int rc;

	*out = NULL;
	if (c == NULL) {
		stream_close(s);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	c->s = *s;
	s->fd = -1;
	s->tls = NULL;
	c->wake[0] = c->wake[1] = -1;
	c->key = key;
	c->refs = 1;
	pthread_mutex_init(&c->lock, NULL);
	c->rbuf = malloc(H2CONN_RBUF);
	if (c->rbuf == NULL || h2conn_pipe(c->wake) != 0 ||
	    (rc = h2sess_new(&c->h2, why)) != 0) {
		h2conn_destroy(c);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	stream_set_rbuf(&c->s, c->rbuf, H2CONN_RBUF);
	if ((rc = thread_start(&c->thread, H2CONN_STACK_KB, "meek-h2", h2conn_main,
	    c, why)) != 0) {
		h2conn_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
h2conn_ref(struct h2conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs++;
	pthread_mutex_unlock(&c->lock);
}

void
h2conn_unref(struct h2conn *c)
{
	int last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	/* The thread may sit in a socket write bounded by H2CONN_IO_MS:
	 * shutting the socket down ends it at once.  s.fd changes only under
	 * the lock (the thread closes it there). */
	if (last) {
		c->stop = 1;
		if (c->s.fd >= 0)
			shutdown(c->s.fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	h2conn_wake(c);
	pthread_join(c->thread, NULL);
	h2conn_destroy(c);
}

int
h2conn_usable(struct h2conn *c, const void *key)
{
	int ok;

	pthread_mutex_lock(&c->lock);
	ok = c->key == key && !c->dead && !c->stop && !h2sess_goaway(c->h2) &&
	    !h2sess_done(c->h2);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void
h2conn_kill(struct h2conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->dead) {
		/* The thread closes the stream; the shutdown wakes a write. */
		if (c->s.fd >= 0)
			shutdown(c->s.fd, SHUT_RDWR);
		h2conn_fail_locked(c, MEEK_EIO);
	}
	pthread_mutex_unlock(&c->lock);
	h2conn_wake(c);
}

int
h2conn_request(struct h2conn *c, const char *authority, const char *path,
    const char *lines, const void *body, size_t len, struct h2conn_req **out,
    const char **why)
{
	struct h2conn_req *q = calloc(1, sizeof *q);
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (q == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		free(q);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	pthread_mutex_lock(&c->lock);
	if (c->dead)
		rc = meek_fail(why, "the connection takes no new request",
		    MEEK_ECLOSED);
	else
		rc = h2sess_request(c->h2, authority, path, lines, body, len,
		    &q->r, why);
	if (rc == 0) {
		c->refs++;
		q->c = c;
		q->next = c->reqs;
		c->reqs = q;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc != 0) {
		pthread_cond_destroy(&q->cond);
		free(q);
		return rc;
	}
	h2conn_wake(c);
	*out = q;
	return 0;
}

/* Under the lock: waits until `deadline` (-1: none) for what `want`
 * names to move on `q`, first waking a connection thread stalled by a
 * queue that is no longer full.  Returns 0, or MEEK_ETIMEDOUT once the
 * deadline passed. */
static int
h2conn_wait(struct h2conn_req *q, int want, long long deadline)
{
	struct h2conn *c = q->c;
	struct timespec ts;
	int left = clock_left(deadline);

	if (left == 0)
		return MEEK_ETIMEDOUT;
	if (h2conn_unstall(c, NULL))
		h2conn_wake(c);
	q->want = want;
	if (left < 0) {
		pthread_cond_wait(&q->cond, &c->lock);
	} else {
		ts = clock_after(CLOCK_MONOTONIC, left);
		pthread_cond_timedwait(&q->cond, &c->lock, &ts);
	}
	q->want = H2CONN_WANT_NONE;
	return 0;
}

int
h2conn_wait_head(struct h2conn_req *q, struct http_msg *m, int timeout_ms,
    const char **why)
{
	struct h2conn *c = q->c;
	long long deadline = clock_deadline(timeout_ms);
	int rc;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		if (q->aborted) {
			rc = meek_fail(why, "shutting down", MEEK_ECLOSED);
			break;
		}
		if ((rc = h2req_head(q->r, m, why)) != 0) {
			/* The caller may reuse the body's buffer now. */
			h2req_drop_body(q->r);
			break;
		}
		if (h2conn_wait(q, H2CONN_WANT_HEAD, deadline) != 0) {
			rc = meek_fail(why, "no response in time",
			    MEEK_ETIMEDOUT);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (rc == MEEK_ETIMEDOUT)
		h2conn_kill(c);
	return rc == 1 ? 0 : rc;
}

int
h2conn_req_refused(struct h2conn_req *q)
{
	int r;

	pthread_mutex_lock(&q->c->lock);
	r = h2req_refused(q->r);
	pthread_mutex_unlock(&q->c->lock);
	return r;
}

static long
h2conn_body_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	struct h2conn_req *q = ctx;
	struct h2conn *c = q->c;
	long long deadline = clock_deadline(timeout_ms);
	int unblocked = 0;
	long n;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		if (q->aborted) {
			n = MEEK_ECLOSED;
			break;
		}
		if ((n = h2req_read(q->r, buf, len)) != 0) {
			/* Half a queue drained lets the connection read on. */
			unblocked = h2conn_unstall(c, q);
			break;
		}
		if (h2conn_wait(q, H2CONN_WANT_BODY, deadline) != 0) {
			n = MEEK_ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (unblocked)
		h2conn_wake(c);
	if (n == MEEK_ETIMEDOUT && timeout_ms != 0)
		h2conn_kill(c);
	return n;
}

static int
h2conn_body_pending(const void *ctx)
{
	const struct h2conn_req *q = ctx;
	int r;

	pthread_mutex_lock(&q->c->lock);
	r = h2req_readable(q->r);
	pthread_mutex_unlock(&q->c->lock);
	return r;
}

void
h2conn_req_free(struct h2conn_req *q)
{
	struct h2conn *c = q->c;
	struct h2conn_req **pp;
	int wake;

	pthread_mutex_lock(&c->lock);
	for (pp = &c->reqs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	/* The thread has work when a reset is to go out, the freed queue
	 * lets it read on, or after a GOAWAY (the last stream's end ends the
	 * connection); a finished answer's release needs none. */
	wake = h2req_release(q->r);
	wake |= h2conn_unstall(c, NULL) | h2sess_goaway(c->h2);
	pthread_mutex_unlock(&c->lock);
	if (wake)
		h2conn_wake(c);
	pthread_cond_destroy(&q->cond);
	free(q);
	h2conn_unref(c);
}

static void
h2conn_body_close(void *ctx)
{
	h2conn_req_free(ctx);
}

static const struct stream_ops h2conn_body_ops = {
	h2conn_body_read, h2conn_body_pending, h2conn_body_close
};

void
h2conn_req_stream(struct h2conn_req *q, struct stream *s, int fd_tag,
    int timeout_ms)
{
	stream_init_ops(s, &h2conn_body_ops, q, fd_tag, timeout_ms);
}

void
h2conn_req_abort(struct h2conn_req *q)
{
	pthread_mutex_lock(&q->c->lock);
	q->aborted = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->c->lock);
}
