/* meek-server's side of protocol extension 1 (src/server/xhandler.c,
 * through handler_serve): real HTTP over socketpairs, a real ORPort peer on
 * 127.0.0.1 (echo, sink or source) in threads of the test. */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "server/handler.h"
#include "server/session_table.h"
#include "server/xhandler.h"
#include "shared/err.h"
#include "shared/frame.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/pool.h"

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UNIT_SUITE "xhandler"

#define TIMEOUT_MS 30000
#define MAX_PEERS 16

/* ---- the ORPort peer ---- */

enum { OR_ECHO, OR_SINK, OR_SOURCE };

struct orport {
	int lfd;
	int mode;
	size_t source_len;       /* OR_SOURCE: bytes sent before closing */
	char addr[64];
	pthread_t accept_th;
	pthread_mutex_t lock;
	int fds[MAX_PEERS];
	pthread_t th[MAX_PEERS];
	int n;
	atomic_ullong sunk;      /* OR_SINK: bytes read */
	atomic_ullong sunk_sum;  /* OR_SINK: sum of (byte * (offset + 1)) */
};

struct peer_arg {
	struct orport *o;
	int fd;
};

static unsigned char
pattern(unsigned long long off)
{
	return (unsigned char)(off * 7 + off / 251);
}

static void *
peer_main(void *arg)
{
	struct peer_arg *pa = arg;
	struct orport *o = pa->o;
	int fd = pa->fd;
	unsigned char buf[16384];
	unsigned long long off = 0;
	ssize_t n;

	free(pa);
	if (o->mode == OR_SOURCE) {
		while (off < o->source_len) {
			size_t m = o->source_len - off;
			if (m > sizeof buf)
				m = sizeof buf;
			for (size_t i = 0; i < m; i++)
				buf[i] = pattern(off + i);
			if (net_write_all(fd, buf, m, TIMEOUT_MS) < 0)
				return NULL;
			off += m;
		}
		shutdown(fd, SHUT_WR);
		off = 0;
	}
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		if (o->mode == OR_ECHO &&
		    net_write_all(fd, buf, (size_t)n, TIMEOUT_MS) < 0)
			break;
		if (o->mode == OR_SINK) {
			unsigned long long sum = 0;
			for (ssize_t i = 0; i < n; i++)
				sum += (unsigned long long)buf[i] *
				    (off + (unsigned long long)i + 1);
			off += (unsigned long long)n;
			atomic_fetch_add(&o->sunk_sum, sum);
			atomic_fetch_add(&o->sunk, (unsigned long long)n);
		}
	}
	return NULL;
}

static void *
orport_accept_main(void *arg)
{
	struct orport *o = arg;

	for (;;) {
		struct pollfd p = { .fd = o->lfd, .events = POLLIN };
		struct peer_arg *pa;
		int fd;

		if (poll(&p, 1, -1) < 0 || (p.revents & (POLLHUP | POLLERR |
		    POLLNVAL)))
			break;
		fd = accept(o->lfd, NULL, NULL);
		if (fd < 0)
			break;
		pthread_mutex_lock(&o->lock);
		if (o->n >= MAX_PEERS) {
			pthread_mutex_unlock(&o->lock);
			close(fd);
			continue;
		}
		pa = malloc(sizeof *pa);
		ck_assert_ptr_nonnull(pa);
		pa->o = o;
		pa->fd = fd;
		o->fds[o->n] = fd;
		ck_assert_int_eq(pthread_create(&o->th[o->n], NULL, peer_main,
		    pa), 0);
		o->n++;
		pthread_mutex_unlock(&o->lock);
	}
	return NULL;
}

static void
orport_start(struct orport *o, int mode, size_t source_len)
{
	const char *why = "";

	memset(o, 0, sizeof *o);
	o->mode = mode;
	o->source_len = source_len;
	pthread_mutex_init(&o->lock, NULL);
	o->lfd = net_listen("127.0.0.1:0", 16, &why);
	ck_assert_int_ge(o->lfd, 0);
	net_sockname(o->lfd, o->addr, sizeof o->addr);
	ck_assert_int_eq(pthread_create(&o->accept_th, NULL,
	    orport_accept_main, o), 0);
}

static void
orport_stop(struct orport *o)
{
	shutdown(o->lfd, SHUT_RDWR);
	pthread_join(o->accept_th, NULL);
	close(o->lfd);
	for (int i = 0; i < o->n; i++) {
		shutdown(o->fds[i], SHUT_RDWR);
		pthread_join(o->th[i], NULL);
		close(o->fds[i]);
	}
	pthread_mutex_destroy(&o->lock);
}

/* ---- the server side ---- */

struct fx {
	struct session_table *t;
	struct handler h;
	struct xstate xs;
	struct stats st;
	struct orport o;
};

static void
fx_start(struct fx *f, int mode, size_t source_len, int max_ext,
    size_t window)
{
	memset(f, 0, sizeof *f);
	orport_start(&f->o, mode, source_len);
	f->t = session_table_new(100);
	ck_assert_ptr_nonnull(f->t);
	stats_init(&f->st);
	xstate_init(&f->xs);
	xconf_init(&f->h.x);
	f->h.x.max_ext = max_ext;
	f->h.x.window = window;
	f->h.x.stream_ms = 60000;
	f->h.x.hold_ms = 60000;
	f->h.xs = &f->xs;
	f->h.stats = &f->st;
	f->h.table = f->t;
	f->h.up.orport = f->o.addr;
	/* Classic polls with nothing to answer wait this long. */
	f->h.up.turnaround_ms = 500;
	f->h.up.io_timeout_ms = TIMEOUT_MS;
}

static void
fx_stop(struct fx *f)
{
	session_table_free(f->t);
	orport_stop(&f->o);
	ck_assert_int_eq(atomic_load(&f->xs.ext_sessions), 0);
	ck_assert_int_eq(atomic_load(&f->xs.held), 0);
}

/* Waits (bounded, generous) until no extension session is alive. */
static int
fx_ext_count_settles(struct fx *f, int want)
{
	for (int i = 0; i < 3000; i++) {
		if (atomic_load(&f->xs.ext_sessions) == want)
			return 1;
		usleep(10000);
	}
	return 0;
}

/* One client connection served by handler_serve() in its own thread. */
struct cli {
	struct fx *f;
	int sfd;
	pthread_t th;
	struct stream st;
	unsigned char rbuf[HTTP_HEAD_MAX];
	struct http_msg m;
	char ext[EXT_VALUE_MAX + 1];   /* X-Meek-Ext of the last answer */
};

static void *
cli_server_main(void *arg)
{
	struct cli *c = arg;
	struct sockaddr_in sin;
	struct handler_bufs *b = malloc(sizeof *b);
	struct conn *cn;

	ck_assert_ptr_nonnull(b);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cn = conn_new(c->sfd, (struct sockaddr *)&sin, sizeof sin, TIMEOUT_MS);
	ck_assert_ptr_nonnull(cn);
	while (handler_serve(&c->f->h, cn, b) == POOL_KEEP)
		;
	conn_free(cn);
	free(b);
	return NULL;
}

static struct cli *
cli_open(struct fx *f)
{
	struct cli *c = calloc(1, sizeof *c);
	int sv[2];

	ck_assert_ptr_nonnull(c);
	peer_pair(sv);
	c->f = f;
	c->sfd = sv[0];
	stream_init(&c->st, sv[1], NULL, c->rbuf, sizeof c->rbuf, TIMEOUT_MS);
	ck_assert_int_eq(pthread_create(&c->th, NULL, cli_server_main, c), 0);
	return c;
}

static void
cli_close(struct cli *c)
{
	shutdown(c->st.fd, SHUT_RDWR);
	pthread_join(c->th, NULL);
	stream_close(&c->st);
	free(c);
}

/* Sends a POST with `ext` (NULL: none) and reads the answer's head. */
static void
cli_send(struct cli *c, const char *sid, const char *ext, const void *body,
    size_t len)
{
	char extra[512];
	const char *why = "", *v;

	snprintf(extra, sizeof extra, "X-Session-Id: %s\r\n%s%s%s", sid,
	    ext != NULL ? "X-Meek-Ext: " : "", ext != NULL ? ext : "",
	    ext != NULL ? "\r\n" : "");
	ck_assert_int_eq(http_write_request(&c->st, "POST", "meek.test", "/",
	    extra, body, len), 0);
	ck_assert_int_eq(http_read_response(&c->st, &c->m, &why), 0);
	v = http_header_get(&c->m, "X-Meek-Ext");
	snprintf(c->ext, sizeof c->ext, "%s", v != NULL ? v : "");
}

/* One whole exchange; returns the status, the body in out[*n]. */
static int
cli_req(struct cli *c, const char *sid, const char *ext, const void *body,
    size_t len, unsigned char *out, size_t cap, size_t *n)
{
	const char *why = "";

	cli_send(c, sid, ext, body, len);
	ck_assert_int_eq(http_read_body(&c->st, &c->m, 1, out, cap, n, &why),
	    0);
	return c->m.status;
}

/* Classic meek: sends `len` bytes, then polls until `len` bytes came
 * back into `back` (a loaded machine may split them). */
static void
classic_echo(struct cli *c, const char *sid, const void *p, size_t len,
    unsigned char *back)
{
	unsigned char out[256];
	size_t got = 0, n;
	int first = 1;

	while (got < len) {
		ck_assert_int_eq(cli_req(c, sid, NULL, first ? p : "",
		    first ? len : 0, out, sizeof out, &n), 200);
		ck_assert_str_eq(c->ext, "");
		ck_assert_uint_le(got + n, len);
		memcpy(back + got, out, n);
		got += n;
		first = 0;
	}
}

/* ---- frames ---- */

static size_t
put(unsigned char *b, int type, unsigned long long off, const void *p,
    size_t len)
{
	frame_put(b, type, len, off);
	if (len > 0)
		memcpy(b + FRAME_HEAD, p, len);
	return FRAME_HEAD + len;
}

struct got {
	int n;
	int type[64];
	unsigned long long off[64];
	size_t len[64];
	const unsigned char *p[64];
};

static void
parse(const unsigned char *b, size_t n, struct got *g)
{
	const char *why = "";
	size_t i = 0;

	memset(g, 0, sizeof *g);
	while (i < n) {
		struct frame f;
		ck_assert_uint_ge(n - i, FRAME_HEAD);
		ck_assert_int_eq(frame_get(&f, b + i, &why), 0);
		ck_assert_uint_ge(n - i - FRAME_HEAD, f.len);
		ck_assert_int_lt(g->n, 64);
		g->type[g->n] = f.type;
		g->off[g->n] = f.off;
		g->len[g->n] = f.len;
		g->p[g->n] = b + i + FRAME_HEAD;
		g->n++;
		i += FRAME_HEAD + f.len;
	}
}

/* One extension request, `op` with the frames req[len]: asserts the 200
 * and parses the answer's frames into g (pointing into out[cap]). */
static void
ext_req(struct cli *c, const char *sid, const char *op, const void *req,
    size_t len, unsigned char *out, size_t cap, struct got *g)
{
	size_t n;

	ck_assert_int_eq(cli_req(c, sid, op, req, len, out, cap, &n), 200);
	parse(out, n, g);
}

/* Checks that g holds one frame, of this type at this offset. */
static void
one_frame_ok(const struct got *g, int type, unsigned long long off)
{
	ck_assert_int_eq(g->n, 1);
	ck_assert_int_eq(g->type[0], type);
	ck_assert_uint_eq(g->off[0], off);
}

/* Checks that frame i of g is OR_SOURCE's bytes from *got on; counts them. */
static void
source_data_ok(const struct got *g, int i, unsigned long long *got)
{
	ck_assert_int_eq(g->type[i], FRAME_DATA);
	ck_assert_uint_eq(g->off[i], *got);
	for (size_t k = 0; k < g->len[i]; k++)
		ck_assert_uint_eq(g->p[i][k], pattern(*got + k));
	*got += g->len[i];
}

#define OPEN "1; op=open; modes=stream,poll; body=1048576"

static void
open_ok(struct cli *c, const char *sid)
{
	unsigned char out[64];
	size_t n;

	ck_assert_int_eq(cli_req(c, sid, OPEN, "", 0, out, sizeof out, &n),
	    200);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(c->ext, "modes=stream,poll"));
}

/* A fixture, one client on it and, unless sid is NULL, sid opened. */
static struct cli *
fx_open(struct fx *f, int mode, size_t source_len, int max_ext,
    size_t window, const char *sid)
{
	struct cli *c;

	fx_start(f, mode, source_len, max_ext, window);
	c = cli_open(f);
	if (sid != NULL)
		open_ok(c, sid);
	return c;
}

static void
fx_close(struct fx *f, struct cli *c)
{
	cli_close(c);
	fx_stop(f);
}

/* The session is gone (out of the table, no extension session left);
 * then closes as fx_close. */
static void
fx_close_freed(struct fx *f, struct cli *c)
{
	ck_assert_uint_eq(session_table_count(f->t), 0);
	ck_assert(fx_ext_count_settles(f, 0));
	fx_close(f, c);
}

/* Sends `len` upstream bytes at `off`; checks the ACK. */
static void
up_ok(struct cli *c, const char *sid, unsigned long long off, const void *p,
    size_t len, unsigned long long want_ack)
{
	unsigned char req[FRAME_HEAD + 256], out[256];
	struct got g;

	ck_assert_uint_le(len, 256);
	ext_req(c, sid, "1; op=up", req, put(req, FRAME_DATA, off, p, len),
	    out, sizeof out, &g);
	ck_assert_str_eq(c->ext, "1");
	one_frame_ok(&g, FRAME_ACK, want_ack);
}

/* Polls from `ack` until `len` downstream bytes came, and checks they
 * are `want`. */
static void
poll_is(struct cli *c, const char *sid, unsigned long long ack,
    const void *want, size_t len)
{
	static unsigned char out[1 << 17];
	unsigned char req[FRAME_HEAD], dst[256];
	size_t got = 0;
	struct got g;

	ck_assert_uint_le(len, sizeof dst);
	while (got < len) {
		put(req, FRAME_ACK, ack + got, NULL, 0);
		ext_req(c, sid, "1; op=poll", req, sizeof req, out, sizeof out,
		    &g);
		for (int i = 0; i < g.n; i++) {
			ck_assert_int_eq(g.type[i], FRAME_DATA);
			ck_assert_uint_eq(g.off[i], ack + got);
			ck_assert_uint_le(got + g.len[i], len);
			memcpy(dst + got, g.p[i], g.len[i]);
			got += g.len[i];
		}
	}
	ck_assert_int_eq(memcmp(dst, want, len), 0);
}

/* Sends an ACK at 0 as `op` (a request the server holds) and checks the
 * 200 head. */
static void
held_req(struct cli *c, const char *sid, const char *op)
{
	unsigned char req[FRAME_HEAD];

	put(req, FRAME_ACK, 0, NULL, 0);
	cli_send(c, sid, op, req, sizeof req);
	ck_assert_int_eq(c->m.status, 200);
}

/* ---- tests ---- */

UNIT_TEST("open", xhandler_open_answers_the_header, .timeout = 120)
{
	struct fx f;
	struct cli *c;
	char first[EXT_VALUE_MAX + 1];

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, "opensession1");
	ck_assert_ptr_nonnull(strstr(c->ext, "window=65536"));
	ck_assert_ptr_nonnull(strstr(c->ext, "body=1048576"));
	ck_assert_ptr_nonnull(strstr(c->ext, "keepalive=5000"));
	ck_assert_int_eq(strncmp(c->ext, "1;", 2), 0);
	ck_assert_int_eq(atomic_load(&f.xs.ext_sessions), 1);
	snprintf(first, sizeof first, "%s", c->ext);
	/* A repeated open: the same answer, still one session. */
	open_ok(c, "opensession1");
	ck_assert_str_eq(c->ext, first);
	ck_assert_int_eq(atomic_load(&f.xs.ext_sessions), 1);
	ck_assert_uint_eq(session_table_count(f.t), 1);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("open", xhandler_open_past_max_ext_is_classic)
{
	unsigned char out[64];
	struct fx f;
	struct cli *c;
	size_t n;

	c = fx_open(&f, OR_ECHO, 0, 1, 65536, "firstsession");
	ck_assert_int_eq(cli_req(c, "secondsession", OPEN, "", 0, out,
	    sizeof out, &n), 200);
	ck_assert_str_eq(c->ext, "");
	classic_echo(c, "secondsession", "hi", 2, out);
	ck_assert_int_eq(memcmp(out, "hi", 2), 0);
	ck_assert_int_eq(atomic_load(&f.xs.ext_sessions), 1);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("open", xhandler_open_off_when_max_ext_zero)
{
	unsigned char out[64];
	struct fx f;
	struct cli *c;
	size_t n;

	c = fx_open(&f, OR_ECHO, 0, 0, 65536, NULL);
	ck_assert_int_eq(cli_req(c, "nosuchext01", OPEN, "", 0, out,
	    sizeof out, &n), 200);
	ck_assert_str_eq(c->ext, "");
	ck_assert_uint_eq(n, 0);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("open", xhandler_classic_request_unchanged)
{
	unsigned char out[64];
	const char *ct;
	struct fx f;
	struct cli *c;

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, NULL);
	classic_echo(c, "classicsess", "ping", 4, out);
	ck_assert_int_eq(memcmp(out, "ping", 4), 0);
	ct = http_header_get(&c->m, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, "application/octet-stream");
	ck_assert_int_eq(c->m.chunked, 0);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("open", xhandler_classic_after_open_goes_classic)
{
	unsigned char out[64], req[FRAME_HEAD + 1];
	struct fx f;
	struct cli *c;
	struct got g;

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, "strippedsess");
	classic_echo(c, "strippedsess", "abc", 3, out);
	ck_assert_int_eq(memcmp(out, "abc", 3), 0);
	ck_assert_int_eq(atomic_load(&f.xs.ext_sessions), 0);
	/* Frames for it now never reach tor: RESET. */
	ext_req(c, "strippedsess", "1; op=up", req,
	    put(req, FRAME_DATA, 3, "x", 1), out, sizeof out, &g);
	ck_assert_int_eq(g.type[g.n - 1], FRAME_RESET);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("up", xhandler_up_then_poll_echoes_with_offsets, .timeout = 120)
{
	struct fx f;
	struct cli *c;

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, "echosession1");
	up_ok(c, "echosession1", 0, "hello", 5, 5);
	poll_is(c, "echosession1", 0, "hello", 5);
	up_ok(c, "echosession1", 5, "world", 5, 10);
	poll_is(c, "echosession1", 5, "world", 5);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("up", xhandler_drops_duplicate_data)
{
	unsigned char req[64], out[64];
	struct fx f;
	struct cli *c;
	struct got g;
	size_t n;

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, "dupsession01");
	up_ok(c, "dupsession01", 0, "hello", 5, 5);
	/* A resumed request: the same bytes again, then new ones; and one
	 * overlapping. */
	n = put(req, FRAME_DATA, 0, "hello", 5);
	n += put(req + n, FRAME_DATA, 3, "lo world", 8);
	ext_req(c, "dupsession01", "1; op=up", req, n, out, sizeof out, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.off[0], 11);
	up_ok(c, "dupsession01", 0, "hello", 5, 11);
	poll_is(c, "dupsession01", 0, "hello world", 11);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("up", xhandler_data_beyond_offset_resets)
{
	unsigned char req[64], out[512];
	struct fx f;
	struct cli *c;
	struct got g;

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, "gapsession01");
	ext_req(c, "gapsession01", "1; op=up", req,
	    put(req, FRAME_DATA, 5, "x", 1), out, sizeof out, &g);
	ck_assert_int_eq(g.n, 2);
	ck_assert_int_eq(g.type[0], FRAME_ACK);
	ck_assert_uint_eq(g.off[0], 0);
	ck_assert_int_eq(g.type[1], FRAME_RESET);
	fx_close_freed(&f, c);
}
END_TEST

UNIT_TEST("up", xhandler_unknown_session_resets)
{
	static const char *ops[] = { "1; op=up", "1; op=poll", "1; op=stream" };
	unsigned char req[64], out[512];
	struct fx f;
	struct cli *c;
	struct got g;
	size_t n;

	c = fx_open(&f, OR_ECHO, 0, 4, 65536, NULL);
	for (int i = 0; i < 3; i++) {
		n = i == 0 ? put(req, FRAME_DATA, 0, "x", 1) :
		    put(req, FRAME_ACK, 0, NULL, 0);
		ext_req(c, "unknownsess1", ops[i], req, n, out, sizeof out, &g);
		ck_assert_str_eq(c->ext, "1");
		ck_assert_int_eq(g.n, 1);
		ck_assert_int_eq(g.type[0], FRAME_RESET);
		ck_assert_uint_eq(g.len[0], strlen("unknown session"));
		ck_assert_int_eq(memcmp(g.p[0], "unknown session", g.len[0]), 0);
	}
	ck_assert_uint_eq(session_table_count(f.t), 0);
	fx_close(&f, c);
}
END_TEST

UNIT_TEST("end", xhandler_end_frees_session, .timeout = 120)
{
	unsigned char req[64], out[64];
	struct fx f;
	struct cli *c;
	struct got g;
	size_t n;

	c = fx_open(&f, OR_SINK, 0, 4, 65536, "endsession01");
	n = put(req, FRAME_DATA, 0, "abc", 3);
	n += put(req + n, FRAME_END, 3, NULL, 0);
	ext_req(c, "endsession01", "1; op=up", req, n, out, sizeof out, &g);
	one_frame_ok(&g, FRAME_ACK, 3);
	fx_close_freed(&f, c);
}
END_TEST

UNIT_TEST("up", xhandler_large_up_body_in_pieces)
{
	size_t len = 1 << 20;
	unsigned char *req = malloc(FRAME_HEAD + len), out[64];
	unsigned long long sum = 0;
	struct fx f;
	struct cli *c;
	struct got g;
	int i;

	ck_assert_ptr_nonnull(req);
	for (size_t k = 0; k < len; k++) {
		req[FRAME_HEAD + k] = pattern(k);
		sum += (unsigned long long)pattern(k) * (k + 1);
	}
	frame_put(req, FRAME_DATA, len, 0);
	c = fx_open(&f, OR_SINK, 0, 4, 65536, "bigupsession");
	ext_req(c, "bigupsession", "1; op=up", req, FRAME_HEAD + len, out,
	    sizeof out, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_uint_eq(g.off[0], len);
	for (i = 0; i < 3000 && atomic_load(&f.o.sunk) < len; i++)
		usleep(10000);
	ck_assert_uint_eq(atomic_load(&f.o.sunk), len);
	ck_assert_uint_eq(atomic_load(&f.o.sunk_sum), sum);
	free(req);
	fx_close(&f, c);
}
END_TEST

/* The ORPort sends 1000 bytes and closes: DATA then END in the stream,
 * END again on the next request, then the client's END frees it. */
UNIT_TEST("end", xhandler_orport_eof_sends_end)
{
	unsigned char req[64], out[4096];
	unsigned long long got = 0;
	int saw_end = 0;
	struct fx f;
	struct cli *c;
	struct got g;
	size_t n;

	c = fx_open(&f, OR_SOURCE, 1000, 4, 65536, "eofsession01");
	while (!saw_end) {
		put(req, FRAME_ACK, got, NULL, 0);
		ext_req(c, "eofsession01", "1; op=stream", req, FRAME_HEAD, out,
		    sizeof out, &g);
		ck_assert_int_eq(c->m.chunked, 1);
		ck_assert_int_ge(g.n, 1);
		ck_assert_int_eq(g.type[0], FRAME_KEEPALIVE);
		for (int i = 1; i < g.n; i++) {
			if (g.type[i] == FRAME_DATA) {
				source_data_ok(&g, i, &got);
			} else if (g.type[i] == FRAME_END) {
				ck_assert_uint_eq(g.off[i], 1000);
				saw_end = 1;
			}
		}
	}
	ck_assert_uint_eq(got, 1000);
	/* The session stays until the client's END. */
	put(req, FRAME_ACK, 1000, NULL, 0);
	ext_req(c, "eofsession01", "1; op=poll", req, FRAME_HEAD, out,
	    sizeof out, &g);
	one_frame_ok(&g, FRAME_END, 1000);
	n = put(req, FRAME_ACK, 1000, NULL, 0);
	n += put(req + n, FRAME_END, 0, NULL, 0);
	ext_req(c, "eofsession01", "1; op=up", req, n, out, sizeof out, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.type[0], FRAME_ACK);
	fx_close_freed(&f, c);
}
END_TEST

/* 100000 ORPort bytes through a 16 KiB window: no response carries bytes
 * beyond the acknowledged offset + 16 KiB. */
UNIT_TEST("down", xhandler_window_bounds_unacked_bytes, .timeout = 120)
{
	static unsigned char out[1 << 17];
	unsigned char req[FRAME_HEAD];
	unsigned long long got = 0;
	struct fx f;
	struct cli *c;
	struct got g;
	int saw_end = 0;

	c = fx_open(&f, OR_SOURCE, 100000, 4, 16384, "winsession01");
	while (!saw_end) {
		unsigned long long ack = got;
		put(req, FRAME_ACK, ack, NULL, 0);
		ext_req(c, "winsession01", "1; op=poll", req, sizeof req, out,
		    sizeof out, &g);
		for (int i = 0; i < g.n; i++) {
			if (g.type[i] == FRAME_END) {
				ck_assert_uint_eq(g.off[i], 100000);
				saw_end = 1;
				continue;
			}
			source_data_ok(&g, i, &got);
		}
		ck_assert_uint_le(got - ack, 16384);
	}
	ck_assert_uint_eq(got, 100000);
	fx_close(&f, c);
}
END_TEST

/* Reads one frame of a chunked answer being streamed. */
static void
read_frame(struct cli *c, struct http_body *b, struct frame *f,
    unsigned char *payload, size_t cap)
{
	unsigned char head[FRAME_HEAD];
	const char *why = "";

	ck_assert_int_eq(http_body_read_full(&c->st, b, head, sizeof head,
	    &why), 0);
	ck_assert_int_eq(frame_get(f, head, &why), 0);
	ck_assert_uint_le(f->len, cap);
	if (f->len > 0)
		ck_assert_int_eq(http_body_read_full(&c->st, b, payload, f->len,
		    &why), 0);
}

/* A second stream request takes over: the first response ends although
 * its stream time (60 s) is far away. */
UNIT_TEST("down", xhandler_new_stream_takes_over)
{
	unsigned char req[FRAME_HEAD], buf[256];
	struct http_body b1, b2;
	struct frame fr;
	const char *why = "", *v;
	struct fx f;
	struct cli *c1, *c2, *c3;
	long r;

	fx_start(&f, OR_ECHO, 0, 4, 65536);
	c1 = cli_open(&f);
	c2 = cli_open(&f);
	c3 = cli_open(&f);
	open_ok(c3, "takesession1");
	held_req(c1, "takesession1", "1; op=stream");
	ck_assert_int_eq(c1->m.chunked, 1);
	v = http_header_get(&c1->m, "X-Accel-Buffering");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "no");
	http_body_begin(&b1, &c1->m, 1);
	read_frame(c1, &b1, &fr, buf, sizeof buf);
	ck_assert_int_eq(fr.type, FRAME_KEEPALIVE);
	/* Bytes arrive on the first stream. */
	up_ok(c3, "takesession1", 0, "one", 3, 3);
	read_frame(c1, &b1, &fr, buf, sizeof buf);
	ck_assert_int_eq(fr.type, FRAME_DATA);
	ck_assert_uint_eq(fr.off, 0);

	/* The takeover: from offset 3. */
	put(req, FRAME_ACK, 3, NULL, 0);
	cli_send(c2, "takesession1", "1; op=stream", req, sizeof req);
	http_body_begin(&b2, &c2->m, 1);
	read_frame(c2, &b2, &fr, buf, sizeof buf);
	ck_assert_int_eq(fr.type, FRAME_KEEPALIVE);
	/* The first response ends (its last chunk). */
	for (;;) {
		r = http_body_read(&c1->st, &b1, buf, sizeof buf, &why);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
	}
	up_ok(c3, "takesession1", 3, "two", 3, 6);
	do
		read_frame(c2, &b2, &fr, buf, sizeof buf);
	while (fr.type == FRAME_KEEPALIVE);
	ck_assert_int_eq(fr.type, FRAME_DATA);
	ck_assert_uint_eq(fr.off, 3);
	ck_assert_uint_eq(fr.len, 3);
	ck_assert_int_eq(memcmp(buf, "two", 3), 0);
	/* The client leaves mid-stream: the handler notices and ends. */
	cli_close(c2);
	cli_close(c1);
	cli_close(c3);
	fx_stop(&f);
}
END_TEST

/* The pool shuts down a held handler's connection (SIGTERM): it ends. */
UNIT_TEST("end", xhandler_held_poll_ends_on_shutdown)
{
	struct fx f;
	struct cli *c1, *c2;

	fx_start(&f, OR_ECHO, 0, 4, 65536);
	c1 = cli_open(&f);
	c2 = cli_open(&f);
	open_ok(c2, "stopsession1");
	held_req(c1, "stopsession1", "1; op=poll");
	/* Held now (hold time 60 s); what pool_free does: */
	shutdown(c1->sfd, SHUT_RDWR);
	pthread_join(c1->th, NULL);
	ck_assert_int_eq(atomic_load(&f.xs.held), 0);
	stream_close(&c1->st);
	free(c1);
	cli_close(c2);
	fx_stop(&f);
}
END_TEST
