/* client_session: meek-client's session set (client/sessions), one session
 * end to end (client/session) and the classic loop it runs
 * (client/classic), over real sockets: tor's side is a socketpair spoken
 * to with the SOCKS client of shared/socks, the meek server a classic one
 * on the project's own pool (shared/pool) on 127.0.0.1, as Go meek-server
 * answers: 200, the pending downstream bytes, no X-Meek-Ext. */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "client/conf.h"
#include "client/sessions.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/pool.h"
#include "shared/socks.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "client_session"

#define T_MS 5000         /* every wait; a slow machine gets slack */
#define SRV_MAX 4096     /* bytes the server keeps of each direction */

/* The meek server: what it saw, and the bytes it has for the client. */
struct srv {
	pthread_mutex_t lock;
	int requests;
	int offers;               /* requests that carried X-Meek-Ext */
	int other_sid;            /* a request with another session id */
	char sid[128];
	unsigned char up[SRV_MAX];
	size_t uplen;
	unsigned char down[SRV_MAX];
	size_t downlen;           /* sent with the next answer */
};

struct srv_bufs {
	struct http_msg m;
	unsigned char body[65536];
};

static void
srv_saw(struct srv *p, const struct http_msg *m, const unsigned char *b,
    size_t n)
{
	const char *sid = http_header_get(m, "X-Session-Id");

	p->requests++;
	if (http_header_get(m, EXT_HEADER) != NULL)
		p->offers++;
	if (sid == NULL || (p->sid[0] != '\0' && strcmp(sid, p->sid) != 0))
		p->other_sid = 1;
	else if (p->sid[0] == '\0')
		snprintf(p->sid, sizeof p->sid, "%s", sid);
	if (n > sizeof p->up - p->uplen)
		n = sizeof p->up - p->uplen;
	memcpy(p->up + p->uplen, b, n);
	p->uplen += n;
}

static int
srv_serve(void *ctx, struct conn *c, void *bufs)
{
	struct srv *p = ctx;
	struct srv_bufs *b = bufs;
	unsigned char down[SRV_MAX];
	const char *why = "";
	size_t n = 0, dn;

	if (http_read_request(&c->st, &b->m, &why) != 0 ||
	    http_read_body(&c->st, &b->m, 0, b->body, sizeof b->body, &n,
	    &why) != 0)
		return POOL_CLOSE;
	pthread_mutex_lock(&p->lock);
	srv_saw(p, &b->m, b->body, n);
	dn = p->downlen;
	memcpy(down, p->down, dn);
	p->downlen = 0;
	pthread_mutex_unlock(&p->lock);
	return peer_answer(c, &b->m, "application/octet-stream", down, dn);
}

/* The server, the flags naming it and the session set under test. */
struct fx {
	struct srv srv;
	struct pool_service svc;
	struct pool *pool;
	struct client_conf conf;
	struct sessions set;
};

static void
fx_start(struct fx *f, const char *mode, const char *max_sessions)
{
	char addr[NET_ADDRSTR_MAX], url[96];
	const char *why = "";

	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->srv.lock, NULL);
	f->svc.serve = srv_serve;
	f->svc.ctx = &f->srv;
	f->svc.bufs_size = sizeof(struct srv_bufs);
	f->svc.io_timeout_ms = T_MS;
	f->pool = peer_pool(&f->svc, 2, 8, addr, sizeof addr);
	snprintf(url, sizeof url, "http://%s/", addr);
	{
		char *argv[] = { "meek-client", "--listen", "127.0.0.1:0",
		    "--url", url, "--mode", (char *)mode, "--max-sessions",
		    (char *)max_sessions, NULL };

		ck_assert_msg(client_conf_parse(&f->conf, 9, argv, &why) == 0,
		    "conf: %s", why);
	}
	ck_assert_int_eq(sessions_init(&f->set, &f->conf, NULL, &why), 0);
}

/* Ends the set's sessions (the test closed its ends) and everything. */
static void
fx_stop(struct fx *f)
{
	ck_assert_uint_eq(sessions_wait(&f->set, T_MS), 0);
	sessions_clear(&f->set);
	client_conf_clear(&f->conf);
	pool_free(f->pool);
	pthread_mutex_destroy(&f->srv.lock);
}

/* A session of the set on a socketpair; returns tor's end. */
static int
fx_session(struct fx *f)
{
	const char *why = "";
	int sv[2];

	peer_pair(sv);
	ck_assert_msg(sessions_start(&f->set, sv[1], &why) == 0, "start: %s",
	    why);
	return sv[0];
}

/* Waits until the server has `n` upstream bytes; 1 when it has. */
static int
srv_has_up(struct srv *p, size_t n)
{
	long long end = clock_deadline(T_MS);
	size_t have;

	do {
		pthread_mutex_lock(&p->lock);
		have = p->uplen;
		pthread_mutex_unlock(&p->lock);
		if (have >= n)
			return 1;
		usleep(10000);
	} while (clock_left(end) > 0);
	return 0;
}

static void
srv_send(struct srv *p, const char *s)
{
	pthread_mutex_lock(&p->lock);
	memcpy(p->down, s, strlen(s));
	p->downlen = strlen(s);
	pthread_mutex_unlock(&p->lock);
}

/* The two ways a session reaches a classic server: the default mode
 * offers the extension first (the open, which the server takes as a
 * classic poll), --mode classic never does. */
static const struct {
	const char *mode;
	int offers;
} carry_cases[] = {
	{ "auto", 1 },
	{ "classic", 0 },
};

UNIT_TEST("classic", client_session_carries_bytes_over_classic_meek,
    .loops = (int)UNIT_N(carry_cases), .timeout = 30)
{
	static const char up[] = "from tor to the bridge";
	static const char down[] = "from the bridge to tor";
	char got[sizeof down];
	const char *why = "";
	struct fx f;
	int tor;

	fx_start(&f, carry_cases[_i].mode, "8");
	tor = fx_session(&f);
	ck_assert_msg(socks5_client_connect(tor, "192.0.2.1", 1, NULL, NULL,
	    T_MS, &why) == 0, "SOCKS: %s", why);
	srv_send(&f.srv, down);
	ck_assert_int_eq(net_write_all(tor, up, strlen(up), T_MS), 0);
	ck_assert(srv_has_up(&f.srv, strlen(up)));
	ck_assert_int_eq(net_read_full(tor, got, strlen(down), T_MS), 0);
	ck_assert_int_eq(memcmp(got, down, strlen(down)), 0);
	ck_assert_int_eq(sessions_count(&f.set), 1);
	close(tor);
	ck_assert_uint_eq(sessions_wait(&f.set, T_MS), 0);
	pthread_mutex_lock(&f.srv.lock);
	ck_assert_int_eq(memcmp(f.srv.up, up, strlen(up)), 0);
	ck_assert_uint_eq(f.srv.uplen, strlen(up));
	/* The open (when offered) and at least one poll. */
	ck_assert_int_ge(f.srv.requests, 1 + carry_cases[_i].offers);
	ck_assert_int_eq(f.srv.offers > 0, carry_cases[_i].offers);
	ck_assert_int_eq(f.srv.other_sid, 0);
	ck_assert_uint_eq(strlen(f.srv.sid), 22);
	pthread_mutex_unlock(&f.srv.lock);
	fx_stop(&f);
}
END_TEST

UNIT_TEST("classic", client_session_refuses_bad_socks_arguments)
{
	const char *why = "";
	struct fx f;
	int tor;

	fx_start(&f, "auto", "8");
	tor = fx_session(&f);
	/* tor splits a long argument string over user and password. */
	ck_assert_int_eq(socks5_client_connect(tor, "192.0.2.1", 1,
	    "url=ftp://meek.example/;", "front=cdn.example", T_MS, &why),
	    MEEK_EPROXY);
	ck_assert_uint_eq(sessions_wait(&f.set, T_MS), 0);
	ck_assert_int_eq(f.srv.requests, 0);
	close(tor);
	fx_stop(&f);
}
END_TEST

UNIT_TEST("set", client_sessions_turn_away_one_over_the_cap, .timeout = 30)
{
	static const unsigned char hello5[3] = { 0x05, 0x01, 0x00 };
	unsigned char reply[3];
	const char *why = "";
	struct fx f;
	int first, sv[2];

	fx_start(&f, "auto", "1");
	first = fx_session(&f);          /* silent: it holds the one place */
	peer_pair(sv);
	ck_assert_int_eq(net_write_all(sv[0], hello5, sizeof hello5, T_MS), 0);
	ck_assert_int_eq(sessions_start(&f.set, sv[1], &why), MEEK_EFULL);
	ck_assert_ptr_nonnull(strstr(why, "--max-sessions"));
	/* No acceptable method, then the end: a reset, as the request was
	 * never read. */
	ck_assert_int_eq(net_read_full(sv[0], reply, 2, T_MS), 0);
	ck_assert_int_eq(reply[0], 0x05);
	ck_assert_int_eq(reply[1], 0xff);
	ck_assert_int_eq(net_read_full(sv[0], reply, 1, T_MS), MEEK_EIO);
	ck_assert_uint_eq(sessions_count(&f.set), 1);
	close(sv[0]);
	close(first);                    /* its handshake ends at the EOF */
	fx_stop(&f);
}
END_TEST

UNIT_TEST("set", client_sessions_stop_ends_running_sessions)
{
	const char *why = "";
	unsigned char one;
	struct fx f;
	int tor[2];

	fx_start(&f, "classic", "8");
	for (int i = 0; i < 2; i++) {
		tor[i] = fx_session(&f);
		ck_assert_msg(socks5_client_connect(tor[i], "192.0.2.1", 1,
		    NULL, NULL, T_MS, &why) == 0, "SOCKS: %s", why);
	}
	ck_assert_uint_eq(sessions_count(&f.set), 2);
	sessions_stop(&f.set);
	/* Both end with tor's ends still open, and close them. */
	ck_assert_uint_eq(sessions_wait(&f.set, T_MS), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(net_read_full(tor[i], &one, 1, T_MS),
		    MEEK_ECLOSED);
		close(tor[i]);
	}
	fx_stop(&f);
}
END_TEST
