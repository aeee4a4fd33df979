/*
 * A connection is owned by exactly one place at a time: the accept thread
 * (until queued), the queue (qhead..qtail), one worker (active[i] holds
 * its fd meanwhile), the poller's incoming list (parked, not yet seen by
 * the poller) or the poller's own array.  Hand-offs between them happen
 * under p->lock, so pool_free can shut down the sockets workers are
 * blocked on without racing their close.
 */
#include "config.h"
#include "shared/pool.h"
#include "shared/arena.h"
#include "shared/thread.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/http.h"
#include "shared/httpd.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POOL_BURST 8            /* requests in a row before yielding a worker */
#define POOL_REJECT_LINGER_MS 100
#define POOL_LINGER_MS 500     /* reading what a client still sends after a close */

struct pool_worker {
	struct pool *p;
	size_t idx;
	void *bufs;                    /* owned, svc->bufs_size, its own mapping */
};

struct pool_acceptor {
	struct pool *p;
	int fd;
};

struct pool {
	struct pool_conf pc;

	/* lock guards everything down to `stopping`. */
	pthread_mutex_t lock;
	pthread_cond_t cond;           /* queue not empty, or stopping */
	struct conn *qhead, *qtail;
	size_t qlen;
	size_t idle;                   /* workers waiting for the queue */
	struct conn *incoming;         /* parked by workers for the poller */
	int *active;                   /* active[i]: worker i's connection's fd, -1 */
	int stopping;

	int wake[2];                   /* poller wake-up pipe */
	int stop[2];                   /* closing stop[1] wakes accept threads */
	size_t nlisteners;
	struct pool_acceptor acceptors[POOL_MAX_LISTENERS];
	pthread_t accept_threads[POOL_MAX_LISTENERS];
	size_t naccept;
	struct pool_worker *workers;
	pthread_t *worker_threads;
	size_t nworkers;
	pthread_t poller;
	int poller_started;
};

/* Caller holds p->lock. */
static void
pool_push_locked(struct pool *p, struct conn *c)
{
	c->next = NULL;
	if (p->qtail != NULL)
		p->qtail->next = c;
	else
		p->qhead = c;
	p->qtail = c;
	p->qlen++;
	pthread_cond_signal(&p->cond);
}

static void
pool_wake_poller(struct pool *p)
{
	char b = 0;

	/* A full pipe already means "wake up". */
	if (write(p->wake[1], &b, 1) < 0 && errno != EAGAIN)
		log_debug("poller wake-up failed");
}

/* Hands `c` to the poller (its deadline_ms and events set). */
static void
pool_park(struct pool *p, struct conn *c)
{
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		conn_free(c);
		return;
	}
	c->next = p->incoming;
	p->incoming = c;
	pthread_mutex_unlock(&p->lock);
	pool_wake_poller(p);
}

/* Starts a lingering close of `c`, drained by the poller for at most
 * `ms`. */
static void
pool_linger(struct pool *p, struct conn *c, int ms)
{
	if (conn_linger_begin(c)) {
		c->deadline_ms = clock_ms() + ms;
		pool_park(p, c);
	}
}

/* ---- accept threads ---- */

/* The answer to a new connection that finds the queue full: httpd_reply()'s
 * page with its Server and Date lines, written here to see a failed write
 * (the caller frees the connection then). */
static int
pool_write_busy(struct stream *s)
{
	static const char body[] = "503 Service Unavailable\n";
	char hdrs[HTTPD_HEADERS_MAX];

	return http_write_response(s, 503, http_reason(503),
	    "text/plain; charset=utf-8", httpd_server_headers(hdrs, sizeof hdrs,
	    "Retry-After: 1\r\n"), body, sizeof body - 1, 0);
}

/* Never waits on the client (this is the accept thread): a TLS connection
 * is closed at once (answering would take a handshake); a plain one gets
 * the 503 in one non-blocking write and a lingering close in the poller. */
static void
pool_reject(struct pool *p, struct conn *c)
{
	if (p->pc.creds != NULL) {
		conn_free(c);
		return;
	}
	stream_set_timeout(&c->st, 0);
	if (pool_write_busy(&c->st) < 0) {
		conn_free(c);
		return;
	}
	pool_linger(p, c, POOL_REJECT_LINGER_MS);
}

static void *
pool_accept_main(void *arg)
{
	struct pool_acceptor *a = arg;
	struct pool *p = a->p;
	_Atomic long long last_warn = 0;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = a->fd, .events = POLLIN },
			{ .fd = p->stop[0], .events = POLLIN },
		};
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		struct conn *c;
		int fd, one = 1, full;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		fd = accept4(a->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				if (clock_due(&last_warn, 10000))
					log_warn("accept: %s; waiting",
					    strerror(errno));
				/* Back off instead of spinning on a
				 * readable listener we cannot accept. */
				poll(&pfd[1], 1, 100);
			}
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c = conn_new(fd, (struct sockaddr *)&ss, sl,
		    p->pc.svc->io_timeout_ms);
		if (c == NULL)
			continue;
		/* The TLS handshake and the first request head must be done
		 * within one io_timeout_ms from now, however they drip. */
		c->partial = 1;
		c->deadline_ms = clock_ms() + p->pc.svc->io_timeout_ms;
		pthread_mutex_lock(&p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			conn_free(c);
			break;
		}
		/* Connections an idle worker is about to take are not
		 * waiting: a burst of new connections is not refused while
		 * workers are still waking up. */
		full = p->qlen >= (size_t)p->pc.queue + p->idle;
		if (!full)
			pool_push_locked(p, c);
		pthread_mutex_unlock(&p->lock);
		if (full) {
			log_debug("work queue full: 503");
			pool_reject(p, c);
		}
	}
	return NULL;
}

/* ---- workers ---- */

/* Makes sure a whole request head is buffered (decrypted, for TLS) before
 * a worker blocks on it, so clients that drip header bytes (slowloris) are
 * parked with the poller instead of holding a worker.  Returns 1 when the
 * head is complete (or the buffer is full, or the peer closed or failed:
 * serve() then answers or closes), 0 when more bytes are needed (with
 * c->events set).  Never blocks. */
static int
pool_head_ready(struct conn *c)
{
	struct stream *st = &c->st;

	for (;;) {
		size_t n = st->rlen - st->rpos;
		long r;

		if (http_request_head_end(st->rbuf + st->rpos, n) > 0)
			return 1;
		if (n >= st->rcap)
			return 1;
		r = stream_fill_now(st, &c->events);
		if (r == 0)
			return 0;
		if (r < 0)
			return 1;
	}
}

/* `c` waits for more of its handshake or head: its deadline runs from the
 * first byte (or from the accept), not from the last one. */
static void
pool_begin_partial(struct pool *p, struct conn *c)
{
	if (!c->partial) {
		c->partial = 1;
		c->deadline_ms = clock_ms() + p->pc.svc->io_timeout_ms;
	}
}

/* Serves `c` until it must close (*freed set: the caller frees it), has
 * nothing pending (*park set: hand it to the poller), or used its burst
 * (neither set: re-queue it).  Never waits on the client except inside
 * serve(), where every read is bounded (a body by its minimum rate). */
static void
pool_serve(struct pool_worker *w, struct conn *c, int *freed, int *park)
{
	struct pool *p = w->p;
	const char *why = "";

	*freed = 0;
	*park = 0;
	if (!c->ready) {
		if (p->pc.creds != NULL) {
			int r;

			if (c->st.tls == NULL) {
				struct tls_conn *t;
				/* The engine (about 40 KiB) only once the
				 * client has sent something: a connection that
				 * sends nothing costs just its conn. */
				if (net_wait(c->st.fd, POLLIN, 0) != 1) {
					c->events = POLLIN;
					*park = 1;
					return;
				}
				if (tls_server_new(&t, c->st.fd, p->pc.creds,
				    &why) < 0) {
					log_debug("TLS setup failed: %s", why);
					*freed = 1;
					return;
				}
				stream_init(&c->st, c->st.fd, t, c->rbuf,
				    sizeof c->rbuf, p->pc.svc->io_timeout_ms);
			}
			r = tls_conn_handshake_step(c->st.tls, &why);
			if (r < 0) {
				log_debug("TLS handshake failed: %s", why);
				*freed = 1;
				return;
			}
			if (r > 0) {
				c->events = (short)r;
				pool_begin_partial(p, c);
				*park = 1;
				return;
			}
		}
		c->ready = 1;
	}
	for (int i = 0; i < POOL_BURST; i++) {
		int v;

		if (!pool_head_ready(c)) {
			pool_begin_partial(p, c);
			*park = 1;
			return;
		}
		c->partial = 0;
		v = p->pc.svc->serve(p->pc.svc->ctx, c, w->bufs);
		stream_pace_end(&c->st);
		if (v != POOL_KEEP) {
			*freed = 1;
			return;
		}
		if (!stream_has_pending(&c->st) &&
		    net_wait(c->st.fd, POLLIN, 0) != 1) {
			c->events = POLLIN;
			c->deadline_ms = clock_ms() + p->pc.svc->io_timeout_ms;
			conn_idle(c);
			*park = 1;
			return;
		}
	}
	/* Still busy after a burst: back of the queue, for fairness. */
}

/* Waits on p->cond (p->lock held) for at most ARENA_IDLE_MS.  Returns 0
 * when woken, ETIMEDOUT when the worker is idle. */
static int
pool_wait_idle(struct pool *p)
{
	struct timespec ts = clock_after(CLOCK_REALTIME, ARENA_IDLE_MS);

	return pthread_cond_timedwait(&p->cond, &p->lock, &ts);
}

static void *
pool_worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct pool *p = w->p;

	for (;;) {
		struct conn *c;
		int freed, park, stopping;

		pthread_mutex_lock(&p->lock);
		while (p->qhead == NULL && !p->stopping) {
			p->idle++;
			if (pool_wait_idle(p) != 0) {
				/* Nothing for ARENA_IDLE_MS: an idle worker
				 * gives back its spare memory (its buffers'
				 * pages too: they hold nothing between
				 * requests), then waits. */
				pthread_mutex_unlock(&p->lock);
				arena_drop(w->bufs, p->pc.svc->bufs_size);
				arena_idle();
				pthread_mutex_lock(&p->lock);
				if (p->qhead == NULL && !p->stopping)
					pthread_cond_wait(&p->cond, &p->lock);
			}
			p->idle--;
		}
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		c = p->qhead;
		p->qhead = c->next;
		if (p->qhead == NULL)
			p->qtail = NULL;
		p->qlen--;
		p->active[w->idx] = c->st.fd;
		pthread_mutex_unlock(&p->lock);

		pool_serve(w, c, &freed, &park);

		pthread_mutex_lock(&p->lock);
		p->active[w->idx] = -1;
		stopping = p->stopping;
		if (!freed && !p->stopping) {
			if (park) {
				/* deadline_ms was set by pool_serve: a partial
				 * head keeps the time it began, dripping bytes
				 * must not extend its life. */
				c->next = p->incoming;
				p->incoming = c;
			} else {
				pool_push_locked(p, c);
			}
			c = NULL;
		}
		pthread_mutex_unlock(&p->lock);
		if (c != NULL && !stopping)
			pool_linger(p, c, POOL_LINGER_MS);
		else if (c != NULL)
			conn_free(c);
		else if (park)
			pool_wake_poller(p);
	}
	return NULL;
}

/* ---- poller ---- */

/* The poller's parked connections and their poll set (pfd[0] is the wake
 * pipe; pfd[i + 1] is parked[i]). */
struct pool_parked {
	struct conn **conns;
	struct pollfd *pfd;
	struct pollfd one;   /* pfd without memory for more: still wait */
	size_t n, cap;
};

/* Frees a list of connections linked by ->next. */
static void
pool_free_list(struct conn *c)
{
	while (c != NULL) {
		struct conn *nx = c->next;

		conn_free(c);
		c = nx;
	}
}

/* Parks the connections of list `in` (out of memory: the rest is
 * dropped). */
static void
pool_park_adopt(struct pool_parked *ps, struct conn *in)
{
	for (; in != NULL; in = in->next) {
		if (ps->n == ps->cap) {
			size_t nc = ps->cap ? ps->cap * 2 : 64;
			struct conn **np = realloc(ps->conns, nc * sizeof *np);
			struct pollfd *nf = ps->pfd == &ps->one ? NULL :
			    realloc(ps->pfd, (nc + 1) * sizeof *nf);

			if (np != NULL)
				ps->conns = np;
			if (nf != NULL)
				ps->pfd = nf;
			if (np == NULL || nf == NULL) {
				pool_free_list(in);
				return;
			}
			ps->cap = nc;
		}
		ps->conns[ps->n++] = in;
	}
}

/* Waits for the wake pipe, a parked connection's event or the nearest
 * deadline. */
static void
pool_park_wait(struct pool *p, struct pool_parked *ps)
{
	long long now = clock_ms(), timeout = -1;
	char drain[64];

	ps->pfd[0].fd = p->wake[0];
	ps->pfd[0].events = POLLIN;
	for (size_t i = 0; i < ps->n; i++) {
		long long left = ps->conns[i]->deadline_ms - now;

		ps->pfd[i + 1].fd = ps->conns[i]->st.fd;
		ps->pfd[i + 1].events = ps->conns[i]->events;
		ps->pfd[i + 1].revents = 0;
		if (left < 0)
			left = 0;
		if (timeout < 0 || left < timeout)
			timeout = left;
	}
	if (poll(ps->pfd, ps->n + 1, (int)timeout) < 0 && errno != EINTR)
		log_warn("poller: poll failed: %s", strerror(errno));
	if (ps->pfd[0].revents & POLLIN)
		while (read(p->wake[0], drain, sizeof drain) > 0)
			;
}

/* After a wait: keeps the connections with nothing to do parked, and
 * lists the ready ones (*ready) and those past their deadline or done
 * lingering (*expired). */
static void
pool_park_sort(struct pool_parked *ps, struct conn **ready,
    struct conn **expired)
{
	long long now = clock_ms();
	size_t keep = 0;

	for (size_t i = 0; i < ps->n; i++) {
		struct conn *c = ps->conns[i];
		short ev = ps->pfd[i + 1].revents;
		struct conn **to = NULL;

		if (c->lingering && ev != 0 && now < c->deadline_ms &&
		    conn_linger_drain(c))
			to = NULL;   /* still lingering: dropped what came */
		else if (c->lingering && ev != 0)
			to = expired;
		else if (now >= c->deadline_ms)
			to = expired;   /* before readiness: a byte just in
			                   time must not extend a dripped head */
		else if (ev != 0)
			to = ready;
		if (to == NULL) {
			ps->conns[keep++] = c;
			continue;
		}
		c->next = *to;
		*to = c;
	}
	ps->n = keep;
}

static void *
pool_poller_main(void *arg)
{
	struct pool *p = arg;
	struct pool_parked ps = { .pfd = malloc(sizeof *ps.pfd) };

	if (ps.pfd == NULL)
		ps.pfd = &ps.one;
	for (;;) {
		struct conn *in, *ready = NULL, *expired = NULL;

		pthread_mutex_lock(&p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		in = p->incoming;
		p->incoming = NULL;
		pthread_mutex_unlock(&p->lock);

		pool_park_adopt(&ps, in);
		pool_park_wait(p, &ps);
		pool_park_sort(&ps, &ready, &expired);
		if (ready != NULL) {
			pthread_mutex_lock(&p->lock);
			while (ready != NULL) {
				struct conn *nx = ready->next;
				/* Already-accepted connections skip the queue
				 * bound: refusing them now would break
				 * keep-alive for clients already admitted. */
				pool_push_locked(p, ready);
				ready = nx;
			}
			pthread_mutex_unlock(&p->lock);
		}
		pool_free_list(expired);
	}
	for (size_t i = 0; i < ps.n; i++)
		conn_free(ps.conns[i]);
	free(ps.conns);
	if (ps.pfd != &ps.one)
		free(ps.pfd);
	return NULL;
}

/* ---- life cycle ---- */

struct pool *
pool_new(const struct pool_conf *pc)
{
	struct pool *p;
	size_t nw = pc->threads > 0 ? (size_t)pc->threads : 1;

	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->pc = *pc;
	p->wake[0] = p->wake[1] = p->stop[0] = p->stop[1] = -1;
	p->active = calloc(nw, sizeof *p->active);
	p->workers = calloc(nw, sizeof *p->workers);
	p->worker_threads = calloc(nw, sizeof *p->worker_threads);
	if (p->active == NULL || p->workers == NULL ||
	    p->worker_threads == NULL ||
	    pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(p->stop, O_CLOEXEC) < 0) {
		pool_free(p);
		return NULL;
	}
	for (size_t i = 0; i < nw; i++)
		p->active[i] = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->nworkers = 0;
	return p;
}

int
pool_add_listener(struct pool *p, int fd)
{
	if (p->nlisteners >= POOL_MAX_LISTENERS) {
		close(fd);
		return MEEK_EFULL;
	}
	/* Non-blocking so that a connection reset between poll() and
	 * accept() cannot block the accept thread. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	p->acceptors[p->nlisteners].p = p;
	p->acceptors[p->nlisteners].fd = fd;
	p->nlisteners++;
	return 0;
}

int
pool_start(struct pool *p, const char **why)
{
	int rc;

	rc = thread_start(&p->poller, p->pc.stack_kb, "meek-poller",
	    pool_poller_main, p, why);
	if (rc < 0)
		return rc;
	p->poller_started = 1;
	for (size_t i = 0; i < (size_t)p->pc.threads; i++) {
		struct pool_worker *w = &p->workers[i];
		w->p = p;
		w->idx = i;
		w->bufs = arena_map(p->pc.svc->bufs_size);
		if (w->bufs == NULL) {
			*why = "out of memory for worker buffers";
			return MEEK_ENOMEM;
		}
		rc = thread_start(&p->worker_threads[i], p->pc.stack_kb,
		    "meek-worker", pool_worker_main, w, why);
		if (rc < 0) {
			arena_unmap(w->bufs, p->pc.svc->bufs_size);
			w->bufs = NULL;
			return rc;
		}
		p->nworkers++;
	}
	for (size_t i = 0; i < p->nlisteners; i++) {
		rc = thread_start(&p->accept_threads[i], p->pc.stack_kb,
		    "meek-accept", pool_accept_main, &p->acceptors[i], why);
		if (rc < 0)
			return rc;
		p->naccept++;
	}
	return 0;
}

void
pool_free(struct pool *p)
{
	struct conn *c;

	if (p == NULL)
		return;
	if (p->active != NULL && p->wake[1] >= 0 && p->stop[1] >= 0) {
		pthread_mutex_lock(&p->lock);
		p->stopping = 1;
		pthread_cond_broadcast(&p->cond);
		/* Cut short the requests workers are blocked on. */
		for (size_t i = 0; i < p->nworkers; i++)
			if (p->active[i] >= 0)
				shutdown(p->active[i], SHUT_RDWR);
		pthread_mutex_unlock(&p->lock);
		close(p->stop[1]);
		p->stop[1] = -1;
		pool_wake_poller(p);
		for (size_t i = 0; i < p->naccept; i++)
			pthread_join(p->accept_threads[i], NULL);
		for (size_t i = 0; i < p->nworkers; i++)
			pthread_join(p->worker_threads[i], NULL);
		if (p->poller_started)
			pthread_join(p->poller, NULL);
		while ((c = p->qhead) != NULL) {
			p->qhead = c->next;
			conn_free(c);
		}
		while ((c = p->incoming) != NULL) {
			p->incoming = c->next;
			conn_free(c);
		}
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
	}
	for (size_t i = 0; i < p->nlisteners; i++)
		close(p->acceptors[i].fd);
	if (p->workers != NULL)
		for (size_t i = 0; i < (size_t)p->pc.threads; i++)
			arena_unmap(p->workers[i].bufs, p->pc.svc->bufs_size);
	for (int i = 0; i < 2; i++) {
		if (p->wake[i] >= 0)
			close(p->wake[i]);
		if (p->stop[i] >= 0)
			close(p->stop[i]);
	}
	free(p->active);
	free(p->workers);
	free(p->worker_threads);
	free(p);
}
