/*
 * The table is an array of buckets, a power of two sized from
 * max_sessions (at most 64 Ki buckets), each a singly linked chain through
 * session->next.  Ids are hashed with FNV-1a; the ids come from clients,
 * so a seed from getrandom keeps chains from being steered into one bucket.
 * Culling walks every chain: with the reaper running once a second over
 * at most tens of thousands of sessions that is cheap, and it keeps the
 * structure to one list per bucket.
 */
#include "config.h"
#include "server/session_table.h"
#include "shared/err.h"
#include "shared/rand.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct session_table {
	/* table_lock guards everything below and every linked session's
	 * next and linked fields. */
	pthread_mutex_t table_lock;
	struct session **buckets;
	size_t nbuckets;          /* power of two */
	size_t count;
	size_t max;
	unsigned long long created;
	uint64_t seed;            /* immutable */
	struct srccap *cap;       /* immutable once threads run, or NULL */
	long long open_ms;        /* immutable once threads run */
};

void
session_table_set_limits(struct session_table *t, struct srccap *cap,
    long long open_ms)
{
	t->cap = cap;
	t->open_ms = open_ms;
}

static size_t
session_table_bucket(const struct session_table *t, const char *id,
    size_t idlen)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ t->seed;

	for (size_t i = 0; i < idlen; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 29;
	return (size_t)h & (t->nbuckets - 1);
}

struct session_table *
session_table_new(size_t max_sessions)
{
	struct session_table *t;
	size_t n = 16;

	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	while (n < max_sessions && n < 65536)
		n <<= 1;
	t->buckets = calloc(n, sizeof *t->buckets);
	if (t->buckets == NULL || pthread_mutex_init(&t->table_lock, NULL)) {
		free(t->buckets);
		free(t);
		return NULL;
	}
	t->nbuckets = n;
	t->max = max_sessions;
	if (rand_bytes(&t->seed, sizeof t->seed) < 0)
		t->seed = (uint64_t)(uintptr_t)t;
	return t;
}

void
session_table_free(struct session_table *t)
{
	struct session *batch[64];
	size_t n;

	if (t == NULL)
		return;
	/* Culling with an idle limit reaching into the future takes all. */
	while ((n = session_table_cull(t, 0, -(1LL << 62), batch, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			session_close(batch[i]);
			session_unref(batch[i]);
		}
	}
	pthread_mutex_destroy(&t->table_lock);
	free(t->buckets);
	free(t);
}

/* Caller holds table_lock. */
static struct session *
session_table_find_locked(struct session_table *t, size_t b, const char *id,
    size_t idlen)
{
	for (struct session *s = t->buckets[b]; s != NULL; s = s->next)
		if (s->idlen == idlen && memcmp(s->id, id, idlen) == 0)
			return s;
	return NULL;
}

struct session *
session_table_lookup(struct session_table *t, const char *id, size_t idlen)
{
	struct session *s;
	size_t b = session_table_bucket(t, id, idlen);

	pthread_mutex_lock(&t->table_lock);
	s = session_table_find_locked(t, b, id, idlen);
	if (s != NULL)
		session_ref(s);
	pthread_mutex_unlock(&t->table_lock);
	return s;
}

int
session_table_get(struct session_table *t, const char *id, size_t idlen,
    long long now_ms, struct session **out, int *created)
{
	int per_source;

	return session_table_get_from(t, id, idlen, now_ms, -1, out, created,
	    &per_source);
}

int
session_table_get_from(struct session_table *t, const char *id,
    size_t idlen, long long now_ms, int src, struct session **out,
    int *created, int *per_source)
{
	struct session *s, *fresh;
	size_t b;

	*created = 0;
	*per_source = 0;
	if (idlen > SESSION_ID_MAX)
		return MEEK_EINVAL;
	s = session_table_lookup(t, id, idlen);
	if (s != NULL) {
		*out = s;
		return 0;
	}
	/* Allocate outside table_lock, then look again: another worker may
	 * have inserted the same id meanwhile. */
	fresh = session_new(id, idlen, now_ms);
	if (fresh == NULL)
		return MEEK_ENOMEM;
	b = session_table_bucket(t, id, idlen);
	pthread_mutex_lock(&t->table_lock);
	s = session_table_find_locked(t, b, id, idlen);
	if (s != NULL) {
		session_ref(s);
	} else if (t->count >= t->max) {
		pthread_mutex_unlock(&t->table_lock);
		session_unref(fresh);
		return MEEK_EFULL;
	} else if (t->cap != NULL && src >= 0 &&
	    !srccap_take(t->cap->sessions, src, t->cap->max_sessions)) {
		pthread_mutex_unlock(&t->table_lock);
		session_unref(fresh);
		*per_source = 1;
		return MEEK_EFULL;
	} else {
		s = fresh;
		fresh = NULL;
		s->src = t->cap != NULL ? src : -1;
		s->next = t->buckets[b];
		s->linked = 1;
		t->buckets[b] = s;
		t->count++;
		t->created++;
		session_ref(s);   /* the caller's; the first is the table's */
		*created = 1;
	}
	pthread_mutex_unlock(&t->table_lock);
	session_unref(fresh);
	*out = s;
	return 0;
}

/* Caller holds table_lock. */
static void
session_table_unlink_locked(struct session_table *t, struct session *s)
{
	size_t b = session_table_bucket(t, s->id, s->idlen);
	struct session **pp;

	for (pp = &t->buckets[b]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			s->next = NULL;
			s->linked = 0;
			t->count--;
			if (t->cap != NULL)
				srccap_put(t->cap->sessions, s->src);
			return;
		}
	}
}

int
session_table_remove(struct session_table *t, struct session *s)
{
	int was;

	pthread_mutex_lock(&t->table_lock);
	was = s->linked;
	if (was)
		session_table_unlink_locked(t, s);
	pthread_mutex_unlock(&t->table_lock);
	if (was)
		session_unref(s);
	return was;
}

size_t
session_table_cull(struct session_table *t, long long now_ms, long long idle_ms,
    struct session **out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&t->table_lock);
	for (size_t b = 0; b < t->nbuckets && n < max; b++) {
		struct session **pp = &t->buckets[b];
		while (*pp != NULL && n < max) {
			struct session *s = *pp;
			long long idle = now_ms - session_last_used(s);

			if (idle >= idle_ms || (t->open_ms > 0 &&
			    atomic_load(&s->open_pending) && idle >= t->open_ms)) {
				*pp = s->next;
				s->next = NULL;
				s->linked = 0;
				t->count--;
				if (t->cap != NULL)
					srccap_put(t->cap->sessions, s->src);
				out[n++] = s;
			} else {
				pp = &s->next;
			}
		}
	}
	pthread_mutex_unlock(&t->table_lock);
	return n;
}

size_t
session_table_count(struct session_table *t)
{
	size_t n;

	pthread_mutex_lock(&t->table_lock);
	n = t->count;
	pthread_mutex_unlock(&t->table_lock);
	return n;
}

unsigned long long
session_table_created(struct session_table *t)
{
	unsigned long long n;

	pthread_mutex_lock(&t->table_lock);
	n = t->created;
	pthread_mutex_unlock(&t->table_lock);
	return n;
}
