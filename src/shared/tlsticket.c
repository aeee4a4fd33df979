#include "config.h"
#include "shared/tlsticket.h"
#include "shared/err.h"

#include <pthread.h>
#include <string.h>

/*
 * The cache is a fixed table of TLSTICKET_NAMES slots (about 110 KiB of
 * BSS, no allocation).  A slot is free when its name is empty.  Each slot
 * holds its tickets oldest first (t[0..n13)) and its TLS 1.2 session.
 * `stamp` orders slots for LRU eviction: every put, take or get gives the
 * slot the next value of `clock`.
 */
struct slot {
	char name[TLSTICKET_NAME_MAX + 1];
	unsigned long long stamp;
	size_t n13;
	struct tlsticket13 t[TLSTICKET_PER_NAME];
	int has12;
	struct tlsticket12 s;
};

static pthread_mutex_t tlsticket_lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by tlsticket_lock: */
static struct slot slots[TLSTICKET_NAMES];
static unsigned long long clock_stamp;

void
tlsticket13_clear(struct tlsticket13 *t)
{
	explicit_bzero(t, sizeof *t);
}

void
tlsticket12_clear(struct tlsticket12 *s)
{
	explicit_bzero(s, sizeof *s);
}

static int
name_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return 0;
	n = strlen(name);
	return n > 0 && n <= TLSTICKET_NAME_MAX;
}

/* Needs tlsticket_lock. */
static struct slot *
find(const char *name)
{
	size_t i;

	for (i = 0; i < TLSTICKET_NAMES; i++)
		if (slots[i].name[0] != '\0' && strcmp(slots[i].name, name) == 0)
			return &slots[i];
	return NULL;
}

/* Needs tlsticket_lock.  Wipes the whole slot. */
static void
slot_clear(struct slot *sl)
{
	explicit_bzero(sl, sizeof *sl);
}

/* Needs tlsticket_lock.  Frees the slot when it holds nothing any more. */
static void
slot_tidy(struct slot *sl)
{
	if (sl->n13 == 0 && !sl->has12)
		slot_clear(sl);
}

/* Needs tlsticket_lock.  Finds or makes name's slot (evicting the least
 * recently used one when the table is full). */
static struct slot *
find_or_add(const char *name)
{
	struct slot *sl = find(name), *victim = NULL;
	size_t i;

	if (sl != NULL)
		return sl;
	for (i = 0; i < TLSTICKET_NAMES; i++) {
		if (slots[i].name[0] == '\0') {
			victim = &slots[i];
			break;
		}
		if (victim == NULL || slots[i].stamp < victim->stamp)
			victim = &slots[i];
	}
	slot_clear(victim);
	memcpy(victim->name, name, strlen(name) + 1);
	return victim;
}

/* Needs tlsticket_lock.  Removes ticket i of sl (wiping it). */
static void
drop13(struct slot *sl, size_t i)
{
	tlsticket13_clear(&sl->t[i]);
	if (i + 1 < sl->n13)
		memmove(&sl->t[i], &sl->t[i + 1], (sl->n13 - i - 1) * sizeof sl->t[0]);
	sl->n13--;
	tlsticket13_clear(&sl->t[sl->n13]);
}

static int
expired(const struct tlsticket13 *t, long long now_ms)
{
	long long life = t->lifetime < TLSTICKET_LIFETIME_MAX ? t->lifetime :
	    TLSTICKET_LIFETIME_MAX;

	return now_ms - t->received_ms >= life * 1000 || now_ms < t->received_ms;
}

int
tlsticket_put13(const char *name, const struct tlsticket13 *t)
{
	struct slot *sl;

	if (!name_ok(name) || t->lifetime == 0 || t->psk_len == 0 ||
	    t->psk_len > TLSTICKET_PSK_MAX || t->ticket_len == 0 ||
	    t->alpn_len > TLSTICKET_ALPN_MAX)
		return MEEK_EINVAL;
	if (t->ticket_len > TLSTICKET_TICKET_MAX)
		return MEEK_ETOOBIG;
	pthread_mutex_lock(&tlsticket_lock);
	sl = find_or_add(name);
	sl->stamp = ++clock_stamp;
	if (sl->n13 == TLSTICKET_PER_NAME)
		drop13(sl, 0);
	sl->t[sl->n13++] = *t;
	pthread_mutex_unlock(&tlsticket_lock);
	return 0;
}

/* Runs fn(slot, arg) on name's slot under tlsticket_lock and returns what
 * it returns; 0 when name has no slot. */
static int
with_slot(const char *name, int (*fn)(struct slot *, void *), void *arg)
{
	struct slot *sl;
	int r = 0;

	if (!name_ok(name))
		return 0;
	pthread_mutex_lock(&tlsticket_lock);
	sl = find(name);
	if (sl != NULL)
		r = fn(sl, arg);
	pthread_mutex_unlock(&tlsticket_lock);
	return r;
}

struct take13 {
	long long now_ms;
	struct tlsticket13 *out;
};

/* Needs tlsticket_lock.  The newest live ticket of sl, taken (1) or none
 * (0); the expired ones go. */
static int
slot_take13(struct slot *sl, void *arg)
{
	struct take13 *a = arg;
	int found = 0;

	sl->stamp = ++clock_stamp;
	while (sl->n13 > 0 && !found) {
		struct tlsticket13 *t = &sl->t[sl->n13 - 1];

		if (!expired(t, a->now_ms)) {
			*a->out = *t;
			found = 1;
		}
		drop13(sl, sl->n13 - 1);
	}
	/* Older expired ones are of no use either. */
	for (size_t i = sl->n13; i-- > 0;)
		if (expired(&sl->t[i], a->now_ms))
			drop13(sl, i);
	slot_tidy(sl);
	return found;
}

int
tlsticket_take13(const char *name, long long now_ms, struct tlsticket13 *out)
{
	struct take13 a = { now_ms, out };

	return with_slot(name, slot_take13, &a);
}

uint32_t
tlsticket_obfuscated_age(const struct tlsticket13 *t, long long now_ms)
{
	long long age = now_ms - t->received_ms;

	if (age < 0)
		age = 0;
	return (uint32_t)((uint64_t)age + t->age_add);
}

int
tlsticket_put12(const char *name, const struct tlsticket12 *s)
{
	struct slot *sl;

	if (!name_ok(name) || s->session_id_len == 0 || s->session_id_len > 32)
		return MEEK_EINVAL;
	pthread_mutex_lock(&tlsticket_lock);
	sl = find_or_add(name);
	sl->stamp = ++clock_stamp;
	tlsticket12_clear(&sl->s);
	sl->s = *s;
	sl->has12 = 1;
	pthread_mutex_unlock(&tlsticket_lock);
	return 0;
}

/* Needs tlsticket_lock. */
static int
slot_get12(struct slot *sl, void *out)
{
	if (!sl->has12)
		return 0;
	sl->stamp = ++clock_stamp;
	*(struct tlsticket12 *)out = sl->s;
	return 1;
}

int
tlsticket_get12(const char *name, struct tlsticket12 *out)
{
	return with_slot(name, slot_get12, out);
}

/* Needs tlsticket_lock.  Wipes the TLS 1.2 session, keeps the tickets. */
static int
slot_drop12(struct slot *sl, void *unused)
{
	(void)unused;
	tlsticket12_clear(&sl->s);
	sl->has12 = 0;
	slot_tidy(sl);
	return 0;
}

void
tlsticket_remove12(const char *name)
{
	(void)with_slot(name, slot_drop12, NULL);
}

/* Needs tlsticket_lock. */
static int
slot_forget(struct slot *sl, void *unused)
{
	(void)unused;
	slot_clear(sl);
	return 0;
}

void
tlsticket_forget(const char *name)
{
	(void)with_slot(name, slot_forget, NULL);
}

void
tlsticket_clear_all(void)
{
	pthread_mutex_lock(&tlsticket_lock);
	explicit_bzero(slots, sizeof slots);
	pthread_mutex_unlock(&tlsticket_lock);
}

/* Needs tlsticket_lock. */
static int
slot_count13(struct slot *sl, void *unused)
{
	(void)unused;
	return (int)sl->n13;
}

size_t
tlsticket_count13(const char *name)
{
	return (size_t)with_slot(name, slot_count13, NULL);
}
