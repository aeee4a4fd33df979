/* modemem: what meek-client remembers per url/front pair. */
#include "config.h"
#include "tests/unit/unit.h"
#include "client/modemem.h"
#include "shared/url.h"

#include <stdio.h>
#include <string.h>

#define UNIT_SUITE "modemem"

static void
target(struct client_target *t, const char *url, const char *front,
    unsigned short port)
{
	memset(t, 0, sizeof *t);
	ck_assert_int_eq(url_parse(&t->url, url, NULL), 0);
	snprintf(t->front, sizeof t->front, "%s", front);
	t->port = port;
}

UNIT_TEST("lookup", modemem_unknown_pair_is_unknown)
{
	struct client_target t;

	modemem_reset();
	target(&t, "https://meek.example/", "cdn.example", 443);
	ck_assert_int_eq(modemem_get(&t), MODEMEM_UNKNOWN);
}
END_TEST

UNIT_TEST("lookup", modemem_remembers_per_url_and_front)
{
	struct client_target a, b, c, d;

	modemem_reset();
	target(&a, "https://meek.example/", "cdn.example", 443);
	target(&b, "https://meek.example/", "other.example", 443);
	target(&c, "https://meek.example/x", "cdn.example", 443);
	target(&d, "https://meek.example/", "cdn.example", 8443);
	modemem_set(&a, MODEMEM_POLL);
	ck_assert_int_eq(modemem_get(&a), MODEMEM_POLL);
	ck_assert_int_eq(modemem_get(&b), MODEMEM_UNKNOWN);
	ck_assert_int_eq(modemem_get(&c), MODEMEM_UNKNOWN);
	ck_assert_int_eq(modemem_get(&d), MODEMEM_UNKNOWN);
}
END_TEST

UNIT_TEST("lookup", modemem_never_moves_back_up)
{
	struct client_target a;

	modemem_reset();
	target(&a, "http://meek.example/", "cdn.example", 80);
	modemem_set(&a, MODEMEM_CLASSIC);
	modemem_set(&a, MODEMEM_POLL);
	ck_assert_int_eq(modemem_get(&a), MODEMEM_CLASSIC);
	modemem_set(&a, MODEMEM_UNKNOWN);
	ck_assert_int_eq(modemem_get(&a), MODEMEM_CLASSIC);
}
END_TEST

UNIT_TEST("lookup", modemem_full_table_reuses_the_oldest)
{
	struct client_target t;
	char front[64];

	modemem_reset();
	for (int i = 0; i < MODEMEM_MAX + 1; i++) {
		snprintf(front, sizeof front, "f%d.example", i);
		target(&t, "https://meek.example/", front, 443);
		modemem_set(&t, MODEMEM_POLL);
	}
	/* The newest is there, the first one was dropped. */
	ck_assert_int_eq(modemem_get(&t), MODEMEM_POLL);
	target(&t, "https://meek.example/", "f0.example", 443);
	ck_assert_int_eq(modemem_get(&t), MODEMEM_UNKNOWN);
	target(&t, "https://meek.example/", "f1.example", 443);
	ck_assert_int_eq(modemem_get(&t), MODEMEM_POLL);
	modemem_reset();
}
END_TEST
