/* client/retry: the one failure policy, walked with a made-up clock. */
#include "config.h"
#include "client/backoff.h"
#include "client/retry.h"
#include "tests/unit/unit.h"

#include <check.h>

#define UNIT_SUITE "retry"

static const struct retry_fail NO_ANSWER = { 0, 0 };
static const struct retry_fail BAD_GATEWAY = { 502, 0 };
static const struct retry_fail FORBIDDEN = { 403, 0 };
static const struct retry_fail WEB_PAGE = { 200, 1 };

/* One failed try at `now` among `npairs` pairs; checks what comes next
 * and the wait (delay -1: any wait up to `bound`).  Returns the step's
 * action. */
static const char *
fails(struct retry *r, const struct retry_fail *f, size_t npairs,
    long long now, int next, int delay)
{
	struct retry_step s;

	retry_failed(r, f, npairs, now, &s);
	ck_assert_int_eq(s.next, next);
	if (delay >= 0)
		ck_assert_int_eq(s.delay_ms, delay);
	if (next == RETRY_END)
		ck_assert_int_eq(s.delay_ms, 0);
	return s.action;
}

/* The bound that ended a request whose last try failed with `f` at `now`. */
static int
ends(struct retry *r, const struct retry_fail *f, long long now)
{
	struct retry_step s;

	retry_failed(r, f, 1, now, &s);
	ck_assert_int_eq(s.next, RETRY_END);
	return s.bound_ms;
}

UNIT_TEST("bounded", retry_bounded_5xx_stays_and_backs_off)
{
	static const int want[] = { 1000, 2000, 4000, 8000, 10000 };
	struct retry r;
	long long now = 1000;

	retry_init(&r, RETRY_BOUNDED, now);
	for (int i = 0; i < 5; i++) {
		ck_assert_str_eq(fails(&r, &BAD_GATEWAY, 3, now, RETRY_AGAIN,
		    want[i]), "retrying on the same front");
		now += want[i];
	}
}
END_TEST

UNIT_TEST("bounded", retry_bounded_moves_on_and_waits_after_a_round)
{
	struct retry r;

	/* Three pairs: the first two failures move on at once, the third
	 * ends the round with the first backoff step. */
	retry_init(&r, RETRY_BOUNDED, 0);
	ck_assert_str_eq(fails(&r, &FORBIDDEN, 3, 10, RETRY_NEXT, 0),
	    "trying the next url/front pair");
	fails(&r, &NO_ANSWER, 3, 20, RETRY_NEXT, 0);
	fails(&r, &WEB_PAGE, 3, 30, RETRY_NEXT, 1000);
	ck_assert_int_eq(r.counted, 1);   /* only a wait counts */
	/* One pair: every failure is a round. */
	retry_init(&r, RETRY_BOUNDED, 0);
	ck_assert_str_eq(fails(&r, &FORBIDDEN, 1, 10, RETRY_NEXT, 1000),
	    "retrying");
}
END_TEST

UNIT_TEST("bounded", retry_bounded_gives_up_after_max_tries)
{
	struct retry r;
	struct retry_step s;
	int n = 0;

	retry_init(&r, RETRY_BOUNDED, 0);
	do {
		/* Answered each time (no unreachable bound), and a made-up
		 * fast clock keeps the total bound out of it. */
		retry_failed(&r, &BAD_GATEWAY, 1, n, &s);
		n++;
	} while (s.next != RETRY_END && n < 100);
	ck_assert_int_eq(n, BACKOFF_MAX_TRIES);
	ck_assert_int_eq(s.bound_ms, 0);
	ck_assert_str_eq(s.action, "giving up");
}
END_TEST

UNIT_TEST("bounded", retry_bounded_total_bound_cuts_the_wait)
{
	struct retry r;

	retry_init(&r, RETRY_BOUNDED, 0);
	r.waits = 6;   /* the next step would wait 10 s */
	fails(&r, &BAD_GATEWAY, 1, RETRY_TOTAL_MS - 300, RETRY_AGAIN, 300);
	ck_assert_int_eq(ends(&r, &BAD_GATEWAY, RETRY_TOTAL_MS),
	    RETRY_TOTAL_MS);
	/* A clock behind the certificate starts the bounds again. */
	retry_restart(&r, RETRY_TOTAL_MS);
	r.counted = 0;
	fails(&r, &BAD_GATEWAY, 1, RETRY_TOTAL_MS + 1, RETRY_AGAIN, -1);
}
END_TEST

UNIT_TEST("bounded", retry_unreachable_ends_after_20s_in_both_kinds)
{
	static const struct { int kind, next; } k[] = {
		{ RETRY_BOUNDED, RETRY_NEXT }, { RETRY_RESUME, RETRY_AGAIN },
	};
	const long long t = 7000, end = t + RETRY_UNREACHABLE_MS;
	struct retry r;
	struct retry_step s;

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		retry_init(&r, k[i].kind, 0);
		fails(&r, &NO_ANSWER, 1, 5000, k[i].next, -1);
		ck_assert_int_eq(r.unreach_since, 5000);
		/* An answer in between: the bound counts from the next
		 * failure without one. */
		fails(&r, &BAD_GATEWAY, 1, 6000, RETRY_AGAIN, -1);
		ck_assert_int_eq(r.unreach_since, 0);
		fails(&r, &NO_ANSWER, 1, t, k[i].next, -1);
		retry_failed(&r, &NO_ANSWER, 1, end - 100, &s);
		ck_assert_int_eq(s.next, k[i].next);
		if (k[i].kind == RETRY_BOUNDED)   /* cut to the bound */
			ck_assert_int_le(s.delay_ms, 100);
		ck_assert_int_eq(ends(&r, &NO_ANSWER, end), RETRY_UNREACHABLE_MS);
	}
}
END_TEST

UNIT_TEST("resume", retry_resume_schedule_follows_spec)
{
	static const int want[] = { 0, 250, 500, 1000, 1000, 1000 };
	struct retry r;

	ck_assert_int_eq(retry_resume_delay(50), 1000);
	retry_init(&r, RETRY_RESUME, 0);
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(retry_resume_delay(i + 1), want[i]);
		ck_assert_str_eq(fails(&r, &BAD_GATEWAY, 2, 100 + i,
		    RETRY_AGAIN, want[i]), "resuming");
	}
	/* A success forgets the failures: the schedule starts again. */
	retry_succeeded(&r);
	fails(&r, &BAD_GATEWAY, 2, 200, RETRY_AGAIN, 0);
	ck_assert_int_eq(r.start, 200);
}
END_TEST

UNIT_TEST("resume", retry_resume_4xx_moves_to_the_next_pair)
{
	struct retry r;

	retry_init(&r, RETRY_RESUME, 0);
	fails(&r, &FORBIDDEN, 2, 10, RETRY_NEXT, 0);
	fails(&r, &NO_ANSWER, 2, 20, RETRY_AGAIN, 250);
	fails(&r, &WEB_PAGE, 2, 30, RETRY_AGAIN, 500);
}
END_TEST

UNIT_TEST("resume", retry_resume_ends_after_75s_without_success)
{
	const long long t = 1000;
	struct retry r;

	/* A server that answers 5xx: 75 s without a successful exchange. */
	retry_init(&r, RETRY_RESUME, 0);
	fails(&r, &BAD_GATEWAY, 1, t, RETRY_AGAIN, 0);
	fails(&r, &BAD_GATEWAY, 1, t + RETRY_TOTAL_MS - 1, RETRY_AGAIN, 250);
	ck_assert_int_eq(ends(&r, &BAD_GATEWAY, t + RETRY_TOTAL_MS),
	    RETRY_TOTAL_MS);
}
END_TEST
