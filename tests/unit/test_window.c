/* The downstream retransmit window of an extension session
 * (src/server/window.c). */
#include "config.h"
#include "tests/unit/unit.h"
#include "server/window.h"
#include "shared/err.h"

#include <string.h>

#define UNIT_SUITE "window"

/* Initialises *w with room for `cap` bytes and puts `len` bytes of `c` in;
 * returns how many it took. */
static size_t
window_filled(struct window *w, size_t cap, int c, size_t len)
{
	unsigned char buf[64];

	ck_assert_uint_le(len, sizeof buf);
	memset(buf, c, len);
	ck_assert_int_eq(window_init(w, cap), 0);
	return window_put(w, buf, len);
}

UNIT_TEST("fill", window_starts_empty)
{
	struct window w;

	ck_assert_int_eq(window_init(&w, 100), 0);
	ck_assert_uint_eq(window_used(&w), 0);
	ck_assert_uint_eq(window_space(&w), 100);
	ck_assert_int_eq(window_holds(&w, 0), 1);
	ck_assert_int_eq(window_holds(&w, 1), 0);
	window_free(&w);
	window_free(&w);   /* safe twice */
	ck_assert_uint_eq(window_space(&w), 0);
}
END_TEST

UNIT_TEST("fill", window_rejects_zero_size)
{
	struct window w;

	ck_assert_int_eq(window_init(&w, 0), MEEK_EINVAL);
}
END_TEST

UNIT_TEST("fill", window_stops_taking_when_full)
{
	struct window w;
	unsigned char buf[64];
	size_t n;

	memset(buf, 'a', sizeof buf);
	ck_assert_uint_eq(window_filled(&w, 40, 'a', 30), 30);
	ck_assert_uint_eq(window_put(&w, buf, 30), 10);
	ck_assert_uint_eq(window_space(&w), 0);
	(void)window_tail(&w, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(window_put(&w, buf, 1), 0);
	window_free(&w);
}
END_TEST

UNIT_TEST("ack", window_ack_frees_space)
{
	struct window w;

	ck_assert_uint_eq(window_filled(&w, 40, 'b', 40), 40);
	ck_assert_int_eq(window_ack(&w, 25), 0);
	ck_assert_uint_eq(window_space(&w), 25);
	ck_assert_int_eq(window_holds(&w, 24), 0);
	ck_assert_int_eq(window_holds(&w, 25), 1);
	ck_assert_int_eq(window_holds(&w, 40), 1);
	ck_assert_int_eq(window_holds(&w, 41), 0);
	window_free(&w);
}
END_TEST

UNIT_TEST("ack", window_ack_stale_changes_nothing)
{
	struct window w;

	window_filled(&w, 40, 0, 10);
	ck_assert_int_eq(window_ack(&w, 8), 0);
	ck_assert_int_eq(window_ack(&w, 3), 0);
	ck_assert_uint_eq(w.base, 8);
	window_free(&w);
}
END_TEST

UNIT_TEST("ack", window_ack_beyond_end_is_an_error)
{
	struct window w;

	window_filled(&w, 40, 0, 10);
	ck_assert_int_eq(window_ack(&w, 11), MEEK_EPROTO);
	ck_assert_uint_eq(w.base, 0);
	ck_assert_int_eq(window_ack(&w, 10), 0);
	window_free(&w);
}
END_TEST

/* Bytes keep their offsets across many wraps of the ring. */
UNIT_TEST("ring", window_wraps_keeping_offsets)
{
	struct window w;
	unsigned char in[7], out[64];
	unsigned long long next = 0, acked = 0;

	ck_assert_int_eq(window_init(&w, 23), 0);
	for (int round = 0; round < 200; round++) {
		size_t n, got;

		for (size_t i = 0; i < sizeof in; i++)
			in[i] = (unsigned char)(next + i);
		n = window_put(&w, in, sizeof in);
		next += n;
		/* Everything held reads back as its offset's byte. */
		got = window_copy(&w, acked, out, sizeof out);
		ck_assert_uint_eq(got, next - acked);
		for (size_t i = 0; i < got; i++)
			ck_assert_uint_eq(out[i], (unsigned char)(acked + i));
		/* A copy from the middle, capped by len. */
		if (got > 3) {
			ck_assert_uint_eq(window_copy(&w, acked + 2, out, 1), 1);
			ck_assert_uint_eq(out[0], (unsigned char)(acked + 2));
		}
		acked += (round % 3 == 0) ? got : got / 2;
		ck_assert_int_eq(window_ack(&w, acked), 0);
	}
	ck_assert_uint_gt(next, 23 * 20);
	window_free(&w);
}
END_TEST

UNIT_TEST("ring", window_tail_reads_in_place)
{
	struct window w;
	unsigned char *t, out[16];
	size_t n;

	ck_assert_int_eq(window_init(&w, 10), 0);
	window_put(&w, "0123456", 7);
	window_ack(&w, 5);
	/* Free: 3 bytes to the physical end, then 5 after the wrap. */
	t = window_tail(&w, &n);
	ck_assert_uint_eq(n, 3);
	memcpy(t, "789", 3);
	window_commit(&w, 3);
	t = window_tail(&w, &n);
	ck_assert_uint_eq(n, 5);
	memcpy(t, "ABCDE", 5);
	window_commit(&w, 5);
	ck_assert_uint_eq(window_space(&w), 0);
	ck_assert_uint_eq(window_copy(&w, 5, out, sizeof out), 10);
	ck_assert_int_eq(memcmp(out, "56789ABCDE", 10), 0);
	ck_assert_uint_eq(window_copy(&w, 4, out, sizeof out), 0);
	ck_assert_uint_eq(window_copy(&w, 15, out, sizeof out), 0);
	window_free(&w);
}
END_TEST
