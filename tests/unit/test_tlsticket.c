/*
 * tlsticket: the client resumption cache (put/take, single use, expiry,
 * per-name bound, LRU eviction across names, TLS 1.2 sessions, threads).
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/tlsticket.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define UNIT_SUITE "tlsticket"

static void
mk13(struct tlsticket13 *t, unsigned char tag, uint32_t lifetime, long long received)
{
	memset(t, 0, sizeof *t);
	memset(t->ticket, tag, 100);
	t->ticket_len = 100;
	memset(t->psk, tag ^ 0x5a, 32);
	t->psk_len = 32;
	t->cipher_suite = 0x1301;
	t->age_add = 0x01020304u * tag;
	t->lifetime = lifetime;
	t->received_ms = received;
	memcpy(t->alpn, "h2", 2);
	t->alpn_len = 2;
}

static void
reset(void)
{
	tlsticket_clear_all();
}

UNIT_TEST("cache", tlsticket_take_is_single_use,
    .timeout = 60, .setup = reset, .teardown = reset)
{
	struct tlsticket13 t, out;

	mk13(&t, 1, 3600, 1000);
	ck_assert_int_eq(tlsticket_put13("front.test", &t), 0);
	ck_assert_uint_eq(tlsticket_count13("front.test"), 1);
	ck_assert_int_eq(tlsticket_take13("front.test", 2000, &out), 1);
	ck_assert_mem_eq(out.ticket, t.ticket, 100);
	ck_assert_mem_eq(out.psk, t.psk, 32);
	ck_assert_uint_eq(out.cipher_suite, 0x1301);
	ck_assert_uint_eq(out.alpn_len, 2);
	ck_assert_int_eq(tlsticket_take13("front.test", 2000, &out), 0);
	ck_assert_int_eq(tlsticket_take13("other.test", 2000, &out), 0);
	tlsticket13_clear(&out);
	ck_assert_uint_eq(out.psk_len, 0);
}
END_TEST

UNIT_TEST("cache", tlsticket_takes_newest_first_and_keeps_per_name_bound)
{
	struct tlsticket13 t, out;
	unsigned i;

	for (i = 1; i <= TLSTICKET_PER_NAME + 2; i++) {
		mk13(&t, (unsigned char)i, 3600, 1000 + i);
		ck_assert_int_eq(tlsticket_put13("front.test", &t), 0);
	}
	ck_assert_uint_eq(tlsticket_count13("front.test"), TLSTICKET_PER_NAME);
	for (i = TLSTICKET_PER_NAME + 2; i > 2; i--) {
		ck_assert_int_eq(tlsticket_take13("front.test", 5000, &out), 1);
		ck_assert_uint_eq(out.ticket[0], i);
	}
	ck_assert_int_eq(tlsticket_take13("front.test", 5000, &out), 0);
}
END_TEST

UNIT_TEST("cache", tlsticket_expires_by_lifetime_and_seven_days)
{
	struct tlsticket13 t, out;

	mk13(&t, 1, 10, 1000);          /* 10 s */
	ck_assert_int_eq(tlsticket_put13("a.test", &t), 0);
	ck_assert_int_eq(tlsticket_take13("a.test", 1000 + 10000, &out), 0);
	ck_assert_uint_eq(tlsticket_count13("a.test"), 0);
	ck_assert_int_eq(tlsticket_put13("a.test", &t), 0);
	ck_assert_int_eq(tlsticket_take13("a.test", 1000 + 9999, &out), 1);

	/* a lifetime over 7 days is capped */
	mk13(&t, 2, 30u * 86400u, 0);
	ck_assert_int_eq(tlsticket_put13("a.test", &t), 0);
	ck_assert_int_eq(tlsticket_take13("a.test", 7LL * 86400 * 1000, &out), 0);
	ck_assert_int_eq(tlsticket_put13("a.test", &t), 0);
	ck_assert_int_eq(tlsticket_take13("a.test", 7LL * 86400 * 1000 - 1, &out), 1);

	/* an expired newest ticket does not hide an older valid one */
	mk13(&t, 3, 100, 0);
	ck_assert_int_eq(tlsticket_put13("a.test", &t), 0);
	mk13(&t, 4, 1, 0);
	ck_assert_int_eq(tlsticket_put13("a.test", &t), 0);
	ck_assert_int_eq(tlsticket_take13("a.test", 5000, &out), 1);
	ck_assert_uint_eq(out.ticket[0], 3);
}
END_TEST

UNIT_TEST("cache", tlsticket_rejects_bad_input)
{
	struct tlsticket13 t;
	char longname[TLSTICKET_NAME_MAX + 2];

	mk13(&t, 1, 0, 0);
	ck_assert_int_eq(tlsticket_put13("a.test", &t), MEEK_EINVAL);
	mk13(&t, 1, 100, 0);
	t.ticket_len = TLSTICKET_TICKET_MAX + 1;
	ck_assert_int_eq(tlsticket_put13("a.test", &t), MEEK_ETOOBIG);
	mk13(&t, 1, 100, 0);
	t.psk_len = TLSTICKET_PSK_MAX + 1;
	ck_assert_int_eq(tlsticket_put13("a.test", &t), MEEK_EINVAL);
	mk13(&t, 1, 100, 0);
	ck_assert_int_eq(tlsticket_put13("", &t), MEEK_EINVAL);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(tlsticket_put13(longname, &t), MEEK_EINVAL);
	longname[TLSTICKET_NAME_MAX] = '\0';
	ck_assert_int_eq(tlsticket_put13(longname, &t), 0);
	ck_assert_uint_eq(tlsticket_count13(longname), 1);
}
END_TEST

UNIT_TEST("cache", tlsticket_evicts_least_recently_used_name)
{
	struct tlsticket13 t, out;
	struct tlsticket12 s;
	char name[32];
	unsigned i;

	mk13(&t, 1, 3600, 0);
	for (i = 0; i < TLSTICKET_NAMES; i++) {
		snprintf(name, sizeof name, "n%u.test", i);
		ck_assert_int_eq(tlsticket_put13(name, &t), 0);
	}
	/* touch n0: n1 is now the least recently used */
	memset(&s, 0, sizeof s);
	s.session_id_len = 32;
	ck_assert_int_eq(tlsticket_put12("n0.test", &s), 0);
	ck_assert_int_eq(tlsticket_put13("new.test", &t), 0);
	ck_assert_uint_eq(tlsticket_count13("n1.test"), 0);
	ck_assert_uint_eq(tlsticket_count13("n0.test"), 1);
	ck_assert_uint_eq(tlsticket_count13("n2.test"), 1);
	ck_assert_uint_eq(tlsticket_count13("new.test"), 1);
	ck_assert_int_eq(tlsticket_take13("n1.test", 10, &out), 0);
	tlsticket_forget("n0.test");
	ck_assert_uint_eq(tlsticket_count13("n0.test"), 0);
	ck_assert_int_eq(tlsticket_get12("n0.test", &s), 0);
}
END_TEST

UNIT_TEST("cache", tlsticket_tls12_session_is_reusable_and_removable)
{
	struct tlsticket12 s, out;

	memset(&s, 0, sizeof s);
	memset(s.session_id, 7, 32);
	s.session_id_len = 32;
	memset(s.master, 9, 48);
	s.cipher_suite = 0xc02f;
	s.ems = 1;
	ck_assert_int_eq(tlsticket_put12("m.test", &s), 0);
	ck_assert_int_eq(tlsticket_get12("m.test", &out), 1);
	ck_assert_int_eq(tlsticket_get12("m.test", &out), 1);
	ck_assert_mem_eq(out.master, s.master, 48);
	ck_assert_int_eq(out.ems, 1);
	s.master[0] = 1;
	ck_assert_int_eq(tlsticket_put12("m.test", &s), 0);
	ck_assert_int_eq(tlsticket_get12("m.test", &out), 1);
	ck_assert_uint_eq(out.master[0], 1);
	tlsticket_remove12("m.test");
	ck_assert_int_eq(tlsticket_get12("m.test", &out), 0);
	s.session_id_len = 0;
	ck_assert_int_eq(tlsticket_put12("m.test", &s), MEEK_EINVAL);
	s.session_id_len = 33;
	ck_assert_int_eq(tlsticket_put12("m.test", &s), MEEK_EINVAL);
	tlsticket12_clear(&out);
}
END_TEST

UNIT_TEST("cache", tlsticket_obfuscated_age_adds_age_add)
{
	struct tlsticket13 t;

	mk13(&t, 1, 100, 5000);
	t.age_add = 0xfffffff0u;
	ck_assert_uint_eq(tlsticket_obfuscated_age(&t, 5000 + 0x20), 0x10);
	ck_assert_uint_eq(tlsticket_obfuscated_age(&t, 4000), 0xfffffff0u);
}
END_TEST

#define HAMMER_THREADS 4
#define HAMMER_ROUNDS 2000

static void *
hammer(void *arg)
{
	unsigned id = (unsigned)(size_t)arg, i;
	struct tlsticket13 t, out;
	struct tlsticket12 s;
	char name[32];
	size_t taken = 0;

	for (i = 0; i < HAMMER_ROUNDS; i++) {
		snprintf(name, sizeof name, "h%u.test", (i + id) % (TLSTICKET_NAMES + 4));
		mk13(&t, (unsigned char)(id + 1), 3600, 0);
		if (tlsticket_put13(name, &t) != 0)
			return NULL;
		if (tlsticket_take13(name, 1, &out) == 1) {
			/* a ticket is never torn: every byte comes from one put */
			size_t k;

			if (out.ticket_len != 100 || out.psk[31] != (out.ticket[0] ^ 0x5a))
				return NULL;
			for (k = 1; k < 100; k++)
				if (out.ticket[k] != out.ticket[0])
					return NULL;
			taken++;
		}
		memset(&s, (int)id, sizeof s);
		s.session_id_len = 32;
		(void)tlsticket_put12(name, &s);
		if (tlsticket_get12(name, &s) == 1 && s.session_id[0] != s.master[47])
			return NULL;
		if (i % 97 == 0)
			tlsticket_forget(name);
	}
	return taken > 0 ? arg : NULL;
}

UNIT_TEST("cache", tlsticket_threads_hammer)
{
	pthread_t th[HAMMER_THREADS];
	void *rv;
	size_t i;

	for (i = 0; i < HAMMER_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, hammer, (void *)(i + 1)), 0);
	for (i = 0; i < HAMMER_THREADS; i++) {
		ck_assert_int_eq(pthread_join(th[i], &rv), 0);
		ck_assert_ptr_eq(rv, (void *)(i + 1));
	}
}
END_TEST
