/* shared/pool: the server's threads with a small service over real
 * sockets on 127.0.0.1: keep-alive requests, the poller's deadlines for
 * idle and dripping clients, and the 503 of a full queue. */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "shared/err.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/pool.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "pool"

#define T_MS 5000

/* The service: answers 200 with the request target as the body; the
 * target "/block" first waits until the test writes to `release`. */
struct svc_state {
	atomic_int served;
	int started[2];   /* serve() writes a byte here for "/block" */
	int release[2];   /* ... and waits for one here */
};

struct svc_bufs {
	struct http_msg m;
};

static int
svc_serve(void *ctx, struct conn *c, void *bufs)
{
	struct svc_state *st = ctx;
	struct svc_bufs *b = bufs;
	const char *why = "";
	char one;

	if (http_read_request(&c->st, &b->m, &why) != 0)
		return POOL_CLOSE;
	atomic_fetch_add(&st->served, 1);
	if (strcmp(b->m.target, "/block") == 0) {
		ck_assert_int_eq(write(st->started[1], "s", 1), 1);
		(void)net_read_full(st->release[0], &one, 1, T_MS);
	}
	return peer_answer(c, &b->m, "text/plain", b->m.target,
	    strlen(b->m.target));
}

struct fx {
	struct svc_state st;
	struct pool_service svc;
	struct pool *p;
	char addr[NET_ADDRSTR_MAX];
	uint16_t port;
};

static void
fx_start(struct fx *f, int threads, int queue, int io_ms)
{
	const char *why = "";
	char host[NET_ADDRSTR_MAX];

	memset(f, 0, sizeof *f);
	ck_assert_int_eq(pipe(f->st.started), 0);
	ck_assert_int_eq(pipe(f->st.release), 0);
	f->svc.serve = svc_serve;
	f->svc.ctx = &f->st;
	f->svc.bufs_size = sizeof(struct svc_bufs);
	f->svc.io_timeout_ms = io_ms;
	f->p = peer_pool(&f->svc, threads, queue, f->addr, sizeof f->addr);
	ck_assert_int_eq(net_split_hostport(f->addr, host, sizeof host,
	    &f->port, 0, &why), 0);
}

static void
fx_stop(struct fx *f)
{
	pool_free(f->p);
	for (int i = 0; i < 2; i++) {
		close(f->st.started[i]);
		close(f->st.release[i]);
	}
}

static int
fx_dial(struct fx *f)
{
	const char *why = "";
	int fd = net_dial("127.0.0.1", f->port, T_MS, &why);

	ck_assert_msg(fd >= 0, "dial: %s", why);
	return fd;
}

/* Reads what comes until `want` (NUL-terminated into out) appears or the
 * server closes.  Returns 1 when it appeared. */
static int
read_until(int fd, char *out, size_t cap, const char *want)
{
	size_t n = 0;
	long r;

	out[0] = '\0';
	while (n + 1 < cap && strstr(out, want) == NULL &&
	    (r = net_read_some(fd, out + n, cap - 1 - n, T_MS)) > 0) {
		n += (size_t)r;
		out[n] = '\0';
	}
	return strstr(out, want) != NULL;
}

/* 1 when the server closes `fd` within `ms` (reads it to its end). */
static int
closed_within(int fd, int ms)
{
	char buf[256];
	long r;

	while ((r = net_read_some(fd, buf, sizeof buf, ms)) > 0)
		;
	return r == MEEK_ECLOSED || r == MEEK_EIO;
}

static void
send_str(int fd, const char *s)
{
	ck_assert_int_eq(net_write_all(fd, s, strlen(s), T_MS), 0);
}

UNIT_TEST("threads", pool_serves_keep_alive_requests, .timeout = 30)
{
	struct fx f;
	char out[1024];
	int a, b;

	fx_start(&f, 2, 8, T_MS);
	a = fx_dial(&f);
	b = fx_dial(&f);
	/* Two requests on one connection, one on another, interleaved. */
	send_str(a, "GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert(read_until(a, out, sizeof out, "\r\n\r\n/one"));
	send_str(b, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert(read_until(b, out, sizeof out, "\r\n\r\n/other"));
	send_str(a, "GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert(read_until(a, out, sizeof out, "\r\n\r\n/two"));
	/* Connection: close is honoured. */
	send_str(b, "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert(read_until(b, out, sizeof out, "\r\n\r\n/last"));
	ck_assert(closed_within(b, T_MS));
	ck_assert_int_eq(atomic_load(&f.st.served), 4);
	close(a);
	close(b);
	fx_stop(&f);
}
END_TEST

UNIT_TEST("threads", pool_deadlines_end_idle_and_dripping_clients)
{
	struct fx f;
	char out[1024];
	static const char head[] = "GET /drip HTTP/1.1\r\nHost: x.example";
	int idle, drip, i, ended;

	fx_start(&f, 2, 8, 300);
	/* An idle keep-alive connection is closed after io_timeout_ms. */
	idle = fx_dial(&f);
	send_str(idle, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert(read_until(idle, out, sizeof out, "\r\n\r\n/x"));
	ck_assert(closed_within(idle, T_MS));
	/* A head dripped a byte every 100 ms never reaches serve(), and
	 * its bytes do not extend its deadline: the server ends it while
	 * the 3 s of drip are still going (with each byte extending it, it
	 * would stay open until the drip ends). */
	drip = fx_dial(&f);
	for (i = 0, ended = 0; i < 30 && !ended; i++) {
		char c;

		(void)net_write_all(drip, &head[i], 1, T_MS);
		usleep(100 * 1000);
		ended = net_wait(drip, POLLIN, 0) == 1 &&
		    recv(drip, &c, 1, MSG_DONTWAIT) <= 0;
	}
	ck_assert_msg(ended, "a dripping head held its connection for 3 s");
	ck_assert_int_eq(atomic_load(&f.st.served), 1);
	close(idle);
	close(drip);
	fx_stop(&f);
}
END_TEST

UNIT_TEST("threads", pool_full_queue_answers_503)
{
	struct fx f;
	char out[1024], one;
	int busy, q[2], refused = -1;

	fx_start(&f, 1, 1, T_MS);
	busy = fx_dial(&f);
	send_str(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
	/* The only worker is now in serve(): of two more connections, one
	 * takes the one queue place and the other gets the 503 at once
	 * (which one is up to the accept thread). */
	ck_assert_int_eq(net_read_full(f.st.started[0], &one, 1, T_MS), 0);
	for (int i = 0; i < 2; i++) {
		q[i] = fx_dial(&f);
		send_str(q[i], "GET /queued HTTP/1.1\r\nHost: x\r\n\r\n");
	}
	for (int tries = 0; refused < 0 && tries < T_MS / 10; tries++)
		for (int i = 0; i < 2 && refused < 0; i++)
			if (net_wait(q[i], POLLIN, 5) == 1)
				refused = i;
	ck_assert_int_ge(refused, 0);
	ck_assert(read_until(q[refused], out, sizeof out, "HTTP/1.1 503 "));
	ck_assert(closed_within(q[refused], T_MS));
	/* Once the worker is free, both waiting requests are served. */
	ck_assert_int_eq(write(f.st.release[1], "r", 1), 1);
	ck_assert(read_until(busy, out, sizeof out, "\r\n\r\n/block"));
	ck_assert(read_until(q[!refused], out, sizeof out,
	    "\r\n\r\n/queued"));
	close(busy);
	close(q[0]);
	close(q[1]);
	fx_stop(&f);
}
END_TEST

/* Each wait is bounded by T_MS; a slow machine gets slack. */
