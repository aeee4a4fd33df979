/* The server's session table and session lifetime (src/server/session_table.c,
 * src/server/session.c). */
#include "config.h"
#include "tests/unit/unit.h"
#include "server/session.h"
#include "server/session_table.h"
#include "server/srccap.h"
#include "shared/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "session_table"

static int
refs(struct session *s)
{
	return atomic_load(&s->refs);
}

static struct session *
get(struct session_table *t, const char *id, long long now, int *created)
{
	struct session *s = NULL;

	ck_assert_int_eq(session_table_get(t, id, strlen(id), now, &s, created),
	    0);
	ck_assert_ptr_nonnull(s);
	return s;
}

UNIT_TEST("table", session_table_inserts_and_finds)
{
	struct session_table *t = session_table_new(100);
	struct session *a, *b, *c;
	int created;

	a = get(t, "abcdefgh1", 1000, &created);
	ck_assert_int_eq(created, 1);
	ck_assert_str_eq(a->id, "abcdefgh1");
	ck_assert_int_eq(a->fd, -1);
	ck_assert_int_eq(refs(a), 2);            /* table + caller */
	ck_assert_uint_eq(session_table_count(t), 1);

	b = get(t, "abcdefgh1", 2000, &created);
	ck_assert_int_eq(created, 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(refs(a), 3);

	c = session_table_lookup(t, "abcdefgh1", 9);
	ck_assert_ptr_eq(c, a);
	ck_assert_ptr_null(session_table_lookup(t, "abcdefgh2", 9));
	/* Prefixes and longer ids are different sessions. */
	ck_assert_ptr_null(session_table_lookup(t, "abcdefgh", 8));
	ck_assert_ptr_null(session_table_lookup(t, "abcdefgh12", 10));
	session_unref(b);
	session_unref(c);
	ck_assert_int_eq(refs(a), 2);
	ck_assert_uint_eq(session_table_created(t), 1);
	session_unref(a);
	session_table_free(t);
}
END_TEST

UNIT_TEST("table", session_table_remove_drops_the_table_reference)
{
	struct session_table *t = session_table_new(100);
	struct session *a;
	int created;

	a = get(t, "remove-me-1", 0, &created);
	ck_assert_int_eq(refs(a), 2);
	ck_assert_int_eq(session_table_remove(t, a), 1);
	ck_assert_int_eq(refs(a), 1);
	ck_assert_int_eq(a->linked, 0);
	ck_assert_uint_eq(session_table_count(t), 0);
	ck_assert_ptr_null(session_table_lookup(t, "remove-me-1", 11));
	/* A second remove (reaper and worker racing) is a no-op. */
	ck_assert_int_eq(session_table_remove(t, a), 0);
	ck_assert_int_eq(refs(a), 1);
	/* The same id now makes a new session. */
	{
		struct session *b = get(t, "remove-me-1", 0, &created);
		ck_assert_int_eq(created, 1);
		ck_assert_ptr_ne(a, b);
		session_unref(b);
	}
	session_unref(a);
	session_table_free(t);
}
END_TEST

UNIT_TEST("table", session_table_refuses_beyond_max)
{
	struct session_table *t = session_table_new(2);
	struct session *a, *b, *s = NULL;
	int created;

	a = get(t, "session-a", 0, &created);
	b = get(t, "session-b", 0, &created);
	ck_assert_int_eq(session_table_get(t, "session-c", 9, 0, &s, &created),
	    MEEK_EFULL);
	ck_assert_ptr_null(s);
	/* Existing sessions are still found when full. */
	s = get(t, "session-a", 0, &created);
	ck_assert_int_eq(created, 0);
	session_unref(s);
	ck_assert_int_eq(session_table_remove(t, b), 1);
	s = get(t, "session-c", 0, &created);
	ck_assert_int_eq(created, 1);
	session_unref(s);
	session_unref(a);
	session_unref(b);
	session_table_free(t);
}
END_TEST

UNIT_TEST("table", session_table_rejects_overlong_ids)
{
	struct session_table *t = session_table_new(10);
	char id[SESSION_ID_MAX + 2];
	struct session *s = NULL;
	int created;

	memset(id, 'x', sizeof id);
	ck_assert_int_eq(session_table_get(t, id, SESSION_ID_MAX + 1, 0, &s,
	    &created), MEEK_EINVAL);
	ck_assert_int_eq(session_table_get(t, id, SESSION_ID_MAX, 0, &s,
	    &created), 0);
	ck_assert_int_eq(created, 1);
	session_unref(s);
	session_table_free(t);
}
END_TEST

UNIT_TEST("expiry", session_table_culls_idle_sessions)
{
	struct session_table *t = session_table_new(100);
	struct session *old, *fresh, *out[8];
	int created, sv[2];
	size_t n;

	/* A fake clock: last-used times are what the caller says. */
	old = get(t, "old-session", 1000, &created);
	fresh = get(t, "new-session", 5000, &created);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	old->fd = sv[0];

	n = session_table_cull(t, 2999, 2000, out, 8);
	ck_assert_uint_eq(n, 0);
	n = session_table_cull(t, 6000, 2000, out, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_eq(out[0], old);
	ck_assert_int_eq(old->linked, 0);
	ck_assert_uint_eq(session_table_count(t), 1);
	ck_assert_ptr_null(session_table_lookup(t, "old-session", 11));

	/* The reaper closes (under the session lock) and drops the table's
	 * reference; the worker's reference keeps the memory alive. */
	session_close(out[0]);
	ck_assert_int_eq(old->closed, 1);
	ck_assert_int_eq(old->fd, -1);
	{
		char b;
		ck_assert_int_eq(read(sv[1], &b, 1), 0);   /* EOF: fd closed */
	}
	session_unref(out[0]);
	ck_assert_int_eq(refs(old), 1);
	session_unref(old);

	/* Touching keeps a session alive. */
	session_touch(fresh, 9000);
	ck_assert_uint_eq(session_table_cull(t, 10000, 2000, out, 8), 0);
	ck_assert_uint_eq(session_table_cull(t, 11000, 2000, out, 8), 1);
	session_close(out[0]);
	session_unref(out[0]);
	session_unref(fresh);
	close(sv[1]);
	session_table_free(t);
}
END_TEST

UNIT_TEST("table", session_table_handles_many_ids)
{
	enum { N = 20000 };
	struct session_table *t = session_table_new(N);
	struct session **out;
	char id[32];
	size_t n, total = 0;
	int created;

	for (int i = 0; i < N; i++) {
		struct session *s;
		snprintf(id, sizeof id, "many-%08d", i);
		s = get(t, id, i, &created);
		ck_assert_int_eq(created, 1);
		session_unref(s);
	}
	ck_assert_uint_eq(session_table_count(t), N);
	for (int i = 0; i < N; i++) {
		struct session *s;
		snprintf(id, sizeof id, "many-%08d", i);
		s = session_table_lookup(t, id, strlen(id));
		ck_assert_ptr_nonnull(s);
		ck_assert_str_eq(s->id, id);
		ck_assert_int_eq(refs(s), 2);
		session_unref(s);
	}
	/* Cull the older half in batches. */
	out = calloc(1000, sizeof *out);
	while ((n = session_table_cull(t, N / 2 + 100, 100, out, 1000)) > 0) {
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_le(session_last_used(out[i]), N / 2);
			session_close(out[i]);
			session_unref(out[i]);
		}
		total += n;
	}
	ck_assert_uint_eq(total, N / 2 + 1);
	ck_assert_uint_eq(session_table_count(t), N - (N / 2 + 1));
	free(out);
	session_table_free(t);
}
END_TEST

/* Several workers look up, create and remove a shared set of ids while a
 * reaper culls: run under TSan to prove the locking. */
struct race_arg {
	struct session_table *t;
	int seed;
	int ops;
};

static void *
race_worker(void *p)
{
	struct race_arg *a = p;
	unsigned int r = (unsigned int)a->seed;
	char id[32];

	for (int i = 0; i < a->ops; i++) {
		struct session *s = NULL;
		int created;

		r = r * 1103515245u + 12345u;
		snprintf(id, sizeof id, "race-id-%03u", (r >> 8) % 64);
		if (session_table_get(a->t, id, strlen(id), i, &s,
		    &created) != 0)
			continue;
		/* What a worker does: a transaction under the session lock. */
		pthread_mutex_lock(&s->lock);
		session_touch(s, i);
		if (!s->closed && s->fd < 0 && (r & 0x100))
			s->closed = 1;
		pthread_mutex_unlock(&s->lock);
		if ((r & 0x300) == 0x300)
			session_table_remove(a->t, s);
		session_unref(s);
	}
	return NULL;
}

static void *
race_reaper(void *p)
{
	struct race_arg *a = p;
	struct session *out[16];

	for (int i = 0; i < a->ops; i++) {
		size_t n = session_table_cull(a->t, i * 10, 50, out, 16);
		for (size_t j = 0; j < n; j++) {
			session_close(out[j]);
			session_unref(out[j]);
		}
		(void)session_table_count(a->t);
	}
	return NULL;
}

UNIT_TEST("concurrency", session_table_survives_concurrent_use, .timeout = 120)
{
	enum { W = 4 };
	struct session_table *t = session_table_new(48);
	struct race_arg args[W + 1];
	pthread_t th[W + 1];

	for (int i = 0; i < W; i++) {
		args[i] = (struct race_arg){ t, i + 1, 20000 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, race_worker,
		    &args[i]), 0);
	}
	args[W] = (struct race_arg){ t, 0, 2000 };
	ck_assert_int_eq(pthread_create(&th[W], NULL, race_reaper, &args[W]),
	    0);
	for (int i = 0; i <= W; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_le(session_table_count(t), 48);
	session_table_free(t);
}
END_TEST

/* The upstream of the transact tests: never dialed, the session's fd is
 * one end of a socketpair. */
static const struct session_upstream pair_up = { "127.0.0.1:1", NULL, NULL,
    5000, 5000, NULL, NULL };

/* A new session `id` connected to tor's end of a socketpair, sv[1]. */
static struct session *
session_on_pair(const char *id, int sv[2])
{
	struct session *s = session_new(id, 10, 0);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s->fd = sv[0];
	return s;
}

UNIT_TEST("transact", session_table_transact_reads_what_is_ready)
{
	unsigned char out[64];
	const char *why = "";
	char got[16];
	int sv[2];
	struct session *s = session_on_pair("transact-1", sv);
	long n;

	/* tor's answer is already there: returned at once. */
	ck_assert_int_eq(write(sv[1], "downstream", 10), 10);
	pthread_mutex_lock(&s->lock);
	n = session_transact_locked(s, &pair_up, (const unsigned char *)"up", 2,
	    out, sizeof out, &why);
	pthread_mutex_unlock(&s->lock);
	ck_assert_int_eq(n, 10);
	ck_assert_int_eq(memcmp(out, "downstream", 10), 0);
	ck_assert_int_eq(read(sv[1], got, sizeof got), 2);
	ck_assert_int_eq(memcmp(got, "up", 2), 0);

	/* Data then EOF: the data is returned and the session is over. */
	ck_assert_int_eq(write(sv[1], "bye", 3), 3);
	shutdown(sv[1], SHUT_WR);
	pthread_mutex_lock(&s->lock);
	n = session_transact_locked(s, &pair_up, NULL, 0, out, sizeof out,
	    &why);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(s->closed, 1);
	n = session_transact_locked(s, &pair_up, NULL, 0, out, sizeof out,
	    &why);
	ck_assert_int_eq(n, MEEK_ECLOSED);
	pthread_mutex_unlock(&s->lock);
	close(sv[1]);
	session_unref(s);
}
END_TEST

UNIT_TEST("transact", session_table_transact_eof_without_data_fails)
{
	unsigned char out[64];
	const char *why = "";
	int sv[2];
	struct session *s = session_on_pair("transact-2", sv);
	long n;

	close(sv[1]);
	pthread_mutex_lock(&s->lock);
	n = session_transact_locked(s, &pair_up, NULL, 0, out, sizeof out,
	    &why);
	ck_assert_int_eq(s->closed, 1);
	pthread_mutex_unlock(&s->lock);
	ck_assert_int_eq(n, MEEK_ECLOSED);
	session_unref(s);
}
END_TEST

UNIT_TEST("table", session_table_caps_each_source)
{
	static struct srccap cap;
	struct session_table *t = session_table_new(100);
	struct session *s[4], *x;
	char id[32];
	int created, per, a, b;

	srccap_init(&cap, 3, 0);
	session_table_set_limits(t, &cap, 0);
	a = srccap_slot(&cap, "192.0.2.1:1");
	b = srccap_slot(&cap, "192.0.2.2:1");
	if (a == b)
		b = (a + 1) % SRCCAP_SLOTS;   /* the seed made them share */
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "source-a-%d", i);
		ck_assert_int_eq(session_table_get_from(t, id, strlen(id), 0, a,
		    &s[i], &created, &per), 0);
		ck_assert_int_eq(created, 1);
	}
	/* The fourth of source a: refused, and said to be the source's. */
	ck_assert_int_eq(session_table_get_from(t, "source-a-3", 10, 0, a, &x,
	    &created, &per), MEEK_EFULL);
	ck_assert_int_eq(per, 1);
	/* An existing session of a is still found; source b is apart. */
	ck_assert_int_eq(session_table_get_from(t, "source-a-0", 10, 0, a, &x,
	    &created, &per), 0);
	ck_assert_int_eq(created, 0);
	session_unref(x);
	ck_assert_int_eq(session_table_get_from(t, "source-b-0", 10, 0, b,
	    &s[3], &created, &per), 0);
	/* Removing one of a's gives its place back. */
	session_table_remove(t, s[0]);
	ck_assert_int_eq(session_table_get_from(t, "source-a-3", 10, 0, a, &x,
	    &created, &per), 0);
	ck_assert_int_eq(atomic_load(&cap.sessions[a]), 3);
	session_unref(x);
	for (int i = 0; i < 4; i++)
		session_unref(s[i]);
	session_table_free(t);
	ck_assert_int_eq(atomic_load(&cap.sessions[a]), 0);
	ck_assert_int_eq(atomic_load(&cap.sessions[b]), 0);
}
END_TEST

UNIT_TEST("expiry", session_table_culls_pending_opens_early)
{
	struct session_table *t = session_table_new(100);
	struct session *open, *busy, *out[4];
	int created;
	size_t n;

	session_table_set_limits(t, NULL, 8000);
	open = get(t, "pending-open", 1000, &created);
	busy = get(t, "classic-one", 1000, &created);
	atomic_store(&open->open_pending, 1);
	/* Before the open limit nothing goes; after it only the open. */
	ck_assert_uint_eq(session_table_cull(t, 8999, 120000, out, 4), 0);
	n = session_table_cull(t, 9000, 120000, out, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_eq(out[0], open);
	session_close(out[0]);
	session_unref(out[0]);
	ck_assert_uint_eq(session_table_count(t), 1);
	session_unref(open);
	session_unref(busy);
	session_table_free(t);
}
END_TEST
