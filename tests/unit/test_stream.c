/* shared/stream over a plain socket (a socketpair): the read-ahead
 * buffer, timeouts, EOF, fill_now and the minimum body pace. */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/stream.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "stream"

#define T_WAIT 10000   /* generous bound for anything that should succeed */

/* A stream over sv[0] of a fresh socketpair (sv[1]: the peer), with the
 * read-ahead buffer `rbuf` (`cap` bytes; NULL, 0: none). */
static void
pair_stream(struct stream *s, int sv[2], unsigned char *rbuf, size_t cap)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream_init(s, sv[0], NULL, rbuf, cap, T_WAIT);
}

UNIT_TEST("plain", stream_reads_through_buffer)
{
	unsigned char rbuf[8], out[16];
	struct stream s;
	int sv[2];

	pair_stream(&s, sv, rbuf, sizeof rbuf);
	ck_assert_int_eq(net_write_all(sv[1], "hello world", 11, T_WAIT), 0);
	/* A small read fills the buffer and leaves the rest pending. */
	ck_assert_int_eq(stream_read(&s, out, 2), 2);
	ck_assert(memcmp(out, "he", 2) == 0);
	ck_assert_int_eq(stream_has_pending(&s), 1);
	ck_assert_int_eq(stream_read_full(&s, out, 9), 0);
	ck_assert(memcmp(out, "llo world", 9) == 0);
	ck_assert_int_eq(stream_has_pending(&s), 0);
	/* fill / consume, and a full buffer. */
	ck_assert_int_eq(net_write_all(sv[1], "0123456789", 10, T_WAIT), 0);
	while (s.rlen < s.rcap)
		ck_assert_int_gt(stream_fill(&s), 0);
	ck_assert_int_eq(stream_fill(&s), MEEK_ETOOBIG);
	ck_assert(memcmp(s.rbuf, "01234567", 8) == 0);
	stream_consume(&s, 3);
	ck_assert_int_eq(stream_fill(&s), 2);
	ck_assert_uint_eq(s.rpos, 0);
	ck_assert_uint_eq(s.rlen, 7);
	ck_assert(memcmp(s.rbuf, "3456789", 7) == 0);
	stream_consume(&s, 100);
	ck_assert_int_eq(stream_has_pending(&s), 0);
	/* Timeouts and EOF. */
	stream_set_timeout(&s, 20);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), MEEK_ETIMEDOUT);
	stream_set_timeout(&s, T_WAIT);
	ck_assert_int_eq(stream_write(&s, "ok", 2), 0);
	ck_assert_int_eq(stream_flush(&s), 0);
	ck_assert_int_eq(net_read_full(sv[1], out, 2, T_WAIT), 0);
	close(sv[1]);
	ck_assert_int_eq(stream_read_full(&s, out, 4), MEEK_ECLOSED);
	stream_close(&s);
	ck_assert_int_eq(s.fd, -1);
	stream_close(&s);
}
END_TEST

UNIT_TEST("plain", stream_without_buffer_and_unset)
{
	unsigned char out[8];
	struct stream s;
	int sv[2];

	pair_stream(&s, sv, NULL, 0);
	ck_assert_int_eq(net_write_all(sv[1], "abc", 3, T_WAIT), 0);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), 3);
	ck_assert_int_eq(stream_fill(&s), MEEK_ETOOBIG);
	stream_close(&s);
	close(sv[1]);

	/* A stream that only got fd -1 closes as a no-op. */
	struct stream u = { .fd = -1 };
	stream_close(&u);
	ck_assert_int_eq(u.fd, -1);
}
END_TEST

UNIT_TEST("plain", stream_fill_now_never_blocks)
{
	unsigned char rbuf[8];
	struct stream s;
	short ev = 0;
	int sv[2];

	/* The stream's own timeout is long: only "now" may be used. */
	pair_stream(&s, sv, rbuf, sizeof rbuf);
	ck_assert_int_eq(stream_fill_now(&s, &ev), 0);
	ck_assert_int_eq(ev, POLLIN);
	ck_assert_int_eq(net_write_all(sv[1], "abc", 3, T_WAIT), 0);
	ck_assert_int_eq(stream_fill_now(&s, &ev), 3);
	ck_assert(memcmp(s.rbuf, "abc", 3) == 0);
	ck_assert_int_eq(net_write_all(sv[1], "defghijk", 8, T_WAIT), 0);
	ck_assert_int_eq(stream_fill_now(&s, &ev), 5);
	ck_assert_int_eq(stream_fill_now(&s, &ev), MEEK_ETOOBIG);
	stream_consume(&s, 8);
	ck_assert_int_eq(stream_fill_now(&s, &ev), 3);
	close(sv[1]);
	ck_assert_int_eq(stream_fill_now(&s, &ev), MEEK_ECLOSED);
	stream_close(&s);
}
END_TEST

UNIT_TEST("plain", stream_pace_cuts_a_dripping_body)
{
	unsigned char rbuf[64], out[64];
	struct stream s;
	int sv[2];

	/* Each read may wait T_WAIT; the pace (50 ms grace, 1000 bytes/s)
	 * is what ends a read with nothing coming. */
	pair_stream(&s, sv, rbuf, sizeof rbuf);
	stream_pace_begin(&s, 50, 1000);
	ck_assert_int_eq(net_write_all(sv[1], "0123456789", 10, T_WAIT), 0);
	ck_assert_int_eq(stream_read_full(&s, out, 10), 0);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), MEEK_ETIMEDOUT);
	/* Past its budget a read still takes what has arrived. */
	ck_assert_int_eq(net_write_all(sv[1], "x", 1, T_WAIT), 0);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), 1);
	/* Off again: the ordinary timeout rules. */
	stream_pace_end(&s);
	stream_set_timeout(&s, 20);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), MEEK_ETIMEDOUT);
	stream_set_timeout(&s, T_WAIT);
	ck_assert_int_eq(net_write_all(sv[1], "y", 1, T_WAIT), 0);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), 1);
	/* A new pace starts with a fresh budget. */
	stream_pace_begin(&s, 50, 1000);
	ck_assert_int_eq(net_write_all(sv[1], "z", 1, T_WAIT), 0);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), 1);
	ck_assert_int_eq(stream_read(&s, out, sizeof out), MEEK_ETIMEDOUT);
	stream_close(&s);
	close(sv[1]);
}
END_TEST

/* Every wait here is 50 ms at most: Check's default timeout. */
