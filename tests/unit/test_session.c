/* server/session: one session's ORPort connection, dialed and driven
 * through classic transactions against a real listening socket on
 * 127.0.0.1 (the test plays tor). */
#include "config.h"
#include "tests/unit/unit.h"
#include "server/session.h"
#include "shared/err.h"
#include "shared/net.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "session"

#define T_MS 5000

/* tor's side: a listener on 127.0.0.1, its "host:port" in addr. */
struct fake_tor {
	int lfd, fd;
	char addr[NET_ADDRSTR_MAX];
};

static void
tor_listen(struct fake_tor *t)
{
	const char *why = "";

	t->fd = -1;
	t->lfd = net_listen("127.0.0.1:0", 4, &why);
	ck_assert_msg(t->lfd >= 0, "listen: %s", why);
	ck_assert_ptr_nonnull(net_sockname(t->lfd, t->addr, sizeof t->addr));
}

/* A dialed classic session to `t` (tor's end accepted into t->fd), with
 * `turnaround_ms` for its transactions; *up gets the upstream. */
static struct session *
tor_session(struct fake_tor *t, struct session_upstream *up,
    int turnaround_ms)
{
	struct session *s = session_new("abcdefgh", 8, 0);
	const char *why = "";

	ck_assert_ptr_nonnull(s);
	memset(up, 0, sizeof *up);
	up->orport = t->addr;
	up->turnaround_ms = turnaround_ms;
	up->io_timeout_ms = T_MS;
	pthread_mutex_lock(&s->lock);
	ck_assert_msg(session_dial_locked(s, up, "127.0.0.1:1", &why) == 0,
	    "dial: %s", why);
	pthread_mutex_unlock(&s->lock);
	t->fd = accept(t->lfd, NULL, NULL);
	ck_assert_int_ge(t->fd, 0);
	return s;
}

static long
transact(struct session *s, const struct session_upstream *up,
    const char *body, unsigned char *out, size_t cap)
{
	const char *why = "";
	long n;

	pthread_mutex_lock(&s->lock);
	n = session_transact_locked(s, up, (const unsigned char *)body,
	    strlen(body), out, cap, &why);
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void
tor_close(struct fake_tor *t)
{
	if (t->fd >= 0)
		close(t->fd);
	close(t->lfd);
}

UNIT_TEST("orport", session_transact_carries_bytes_both_ways)
{
	struct fake_tor t;
	struct session_upstream up;
	unsigned char out[64];
	char got[8];
	struct session *s;

	tor_listen(&t);
	s = tor_session(&t, &up, 300);
	/* tor answers before the request: the answer is what tor had. */
	ck_assert_int_eq(net_write_all(t.fd, "xyz", 3, T_MS), 0);
	ck_assert_int_eq(transact(s, &up, "abc", out, sizeof out), 3);
	ck_assert_int_eq(memcmp(out, "xyz", 3), 0);
	ck_assert_int_eq(net_read_full(t.fd, got, 3, T_MS), 0);
	ck_assert_int_eq(memcmp(got, "abc", 3), 0);
	/* Nothing from tor within the turnaround: an empty answer, the
	 * session goes on. */
	ck_assert_int_eq(transact(s, &up, "", out, sizeof out), 0);
	ck_assert_int_eq(s->closed, 0);
	session_unref(s);
	tor_close(&t);
}
END_TEST

UNIT_TEST("orport", session_tor_end_closes_the_session)
{
	struct fake_tor t;
	struct session_upstream up;
	unsigned char out[64];
	struct session *s;

	tor_listen(&t);
	s = tor_session(&t, &up, 300);
	/* tor's last bytes, then its end: the bytes still come back, and
	 * the session is over. */
	ck_assert_int_eq(net_write_all(t.fd, "bye", 3, T_MS), 0);
	close(t.fd);
	t.fd = -1;
	ck_assert_int_eq(transact(s, &up, "", out, sizeof out), 3);
	ck_assert_int_eq(memcmp(out, "bye", 3), 0);
	ck_assert_int_eq(s->closed, 1);
	session_unref(s);
	tor_close(&t);
}
END_TEST

UNIT_TEST("orport", session_dial_failure_marks_it_closed)
{
	struct fake_tor t;
	struct session_upstream up = { .turnaround_ms = 10,
	    .io_timeout_ms = T_MS };
	struct session *s = session_new("abcdefgh", 8, 0);
	const char *why = "";

	ck_assert_ptr_nonnull(s);
	tor_listen(&t);
	up.orport = t.addr;
	close(t.lfd);   /* nothing listens there any more */
	t.lfd = -1;
	pthread_mutex_lock(&s->lock);
	ck_assert_int_lt(session_dial_locked(s, &up, "127.0.0.1:1", &why), 0);
	ck_assert_int_eq(s->closed, 1);
	ck_assert_int_lt(s->fd, 0);
	pthread_mutex_unlock(&s->lock);
	ck_assert_str_ne(why, "");
	session_unref(s);
}
END_TEST

UNIT_TEST("orport", session_ext_counts_come_back)
{
	struct fake_tor t;
	struct session_upstream up;
	struct session *s;
	atomic_int count = 1;

	tor_listen(&t);
	for (int downgrade = 1; downgrade >= 0; downgrade--) {
		s = tor_session(&t, &up, 10);
		atomic_store(&count, 1);   /* the caller's increment */
		pthread_mutex_lock(&s->lock);
		ck_assert_int_eq(session_ext_begin_locked(s, 65536, 4096, 3,
		    "1", &count), 0);
		ck_assert_int_eq(s->mode, SESSION_EXT_OPEN);
		ck_assert_int_eq(atomic_load(&count), 1);
		if (downgrade) {
			/* A classic request after the open: classic, the
			 * place given back at once. */
			session_ext_downgrade_locked(s);
			ck_assert_int_eq(s->mode, SESSION_CLASSIC);
			ck_assert_int_eq(atomic_load(&count), 0);
		}
		pthread_mutex_unlock(&s->lock);
		/* Else with the last reference. */
		session_unref(s);
		ck_assert_int_eq(atomic_load(&count), 0);
		close(t.fd);
		t.fd = -1;
	}
	tor_close(&t);
}
END_TEST

/* The longest wait is one 300 ms turnaround: the default timeout. */
