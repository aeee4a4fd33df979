/* clock: the monotonic clock, deadlines and the one rate limit (clock_due). */
#include "config.h"
#include "shared/clock.h"
#include "tests/unit/unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define UNIT_SUITE "clock"

UNIT_TEST("deadline", clock_deadlines)
{
	long long d = clock_deadline(200);

	ck_assert_int_eq(clock_deadline(-1), -1);
	ck_assert_int_eq(clock_left(-1), -1);
	ck_assert_int_gt(clock_left(d), 0);
	ck_assert_int_le(clock_left(d), 200);
	ck_assert_int_eq(clock_left(clock_ms() - 1), 0);
}
END_TEST

UNIT_TEST("due", clock_due_first_then_every)
{
	_Atomic long long last = 0;

	/* Never before: due at once, whatever the clock says. */
	ck_assert_int_eq(clock_due(&last, 1000000), 1);
	ck_assert_int_ne(atomic_load(&last), 0);
	ck_assert_int_eq(clock_due(&last, 1000000), 0);
	ck_assert_int_eq(clock_due(&last, 1000000), 0);
	/* A short period passes. */
	ck_assert_int_eq(clock_due(&last, 50), 0);
	usleep(80 * 1000);
	ck_assert_int_eq(clock_due(&last, 50), 1);
	ck_assert_int_eq(clock_due(&last, 50), 0);
	/* Period 0: always due. */
	ck_assert_int_eq(clock_due(&last, 0), 1);
	ck_assert_int_eq(clock_due(&last, 0), 1);
}
END_TEST

#define DUE_THREADS 8
#define DUE_CALLS 2000
static _Atomic long long due_last;
static _Atomic int due_hits;

static void *
due_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < DUE_CALLS; i++)
		if (clock_due(&due_last, 1000000))
			atomic_fetch_add(&due_hits, 1);
	return NULL;
}

/* Threads sharing one record: exactly one call wins. */
UNIT_TEST("due", clock_due_one_winner)
{
	pthread_t t[DUE_THREADS];

	atomic_store(&due_last, 0);
	atomic_store(&due_hits, 0);
	for (int i = 0; i < DUE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, due_main, NULL), 0);
	for (int i = 0; i < DUE_THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(atomic_load(&due_hits), 1);
}
END_TEST
