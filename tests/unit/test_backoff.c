/* backoff: the poll interval schedule and the non-200 retry delays. */
#include "config.h"
#include "tests/unit/unit.h"
#include "client/backoff.h"

#define UNIT_SUITE "backoff"

UNIT_TEST("poll_interval", backoff_starts_at_100ms_after_zero)
{
	ck_assert_int_eq(backoff_next(0, 0), 100);
}
END_TEST

UNIT_TEST("poll_interval", backoff_grows_by_half_each_empty_round)
{
	static const int want[] = { 100, 150, 225, 337, 505, 757, 1135, 1702,
	    2553, 3829, 5000, 5000 };
	int cur = 0;

	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		cur = backoff_next(cur, 0);
		ck_assert_int_eq(cur, want[i]);
	}
}
END_TEST

UNIT_TEST("poll_interval", backoff_caps_at_5s)
{
	int cur = 0;

	for (int i = 0; i < 1000; i++) {
		cur = backoff_next(cur, 0);
		ck_assert_int_le(cur, BACKOFF_MAX_MS);
	}
	ck_assert_int_eq(cur, 5000);
	ck_assert_int_eq(backoff_next(4999, 0), 5000);
}
END_TEST

UNIT_TEST("poll_interval", backoff_resets_to_zero_on_data)
{
	ck_assert_int_eq(backoff_next(0, 1), 0);
	ck_assert_int_eq(backoff_next(100, 1), 0);
	ck_assert_int_eq(backoff_next(5000, 1), 0);
	/* And starts over from 100 ms afterwards. */
	ck_assert_int_eq(backoff_next(backoff_next(5000, 1), 0), 100);
}
END_TEST

UNIT_TEST("retry", backoff_retry_delays_double_then_cap)
{
	static const int want[] = { 1000, 2000, 4000, 8000, 10000, 10000,
	    10000, 10000, 10000 };
	long total = 0;

	for (int tries = 1; tries < BACKOFF_MAX_TRIES; tries++) {
		ck_assert_int_eq(backoff_retry_delay(tries), want[tries - 1]);
		total += backoff_retry_delay(tries);
	}
	/* Ten tries end after about a minute. */
	ck_assert_int_eq(total, 65000);
	ck_assert_int_eq(backoff_retry_delay(100), 10000);
	ck_assert_int_eq(BACKOFF_MAX_TRIES, 10);
}
END_TEST
