/* orport: meek-server's ORPort writer and reader (src/server/orport.c):
 * one rule on errors for every mode, and the byte counters. */
#include "config.h"
#include "tests/unit/unit.h"
#include "server/orport.h"
#include "server/stats.h"
#include "shared/err.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "orport"

static unsigned long long
counter(struct stats *st, enum stats_counter c)
{
	struct stats_snapshot snap;

	stats_snapshot(st, &snap);
	return snap.c[c];
}

UNIT_TEST("rule", orport_write_counts_what_tor_got, .timeout = 30)
{
	struct stats st;
	int sv[2];
	char got[8];

	stats_init(&st);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(orport_write(sv[0], "abcdef", 6, 1000, &st, "id-1"), 0);
	ck_assert_int_eq(read(sv[1], got, sizeof got), 6);
	ck_assert_int_eq(memcmp(got, "abcdef", 6), 0);
	ck_assert_uint_eq(counter(&st, STATS_BYTES_UP), 6);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

UNIT_TEST("rule", orport_write_after_tor_closed_drops_the_bytes)
{
	struct stats st;
	int sv[2];

	stats_init(&st);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	/* Not an error: the reader meets tor's end next. */
	ck_assert_int_eq(orport_write(sv[0], "abcdef", 6, 1000, &st, "id-2"), 0);
	ck_assert_uint_eq(counter(&st, STATS_BYTES_UP), 0);
	close(sv[0]);
}
END_TEST

UNIT_TEST("rule", orport_write_times_out_when_tor_does_not_read)
{
	static unsigned char big[1 << 20];
	struct stats st;
	int sv[2], sz = 4096;

	stats_init(&st);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	ck_assert_int_eq(orport_write(sv[0], big, sizeof big, 200, &st, "id-3"),
	    MEEK_ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

UNIT_TEST("rule", orport_read_takes_what_is_there_then_the_end)
{
	struct stats st;
	unsigned char buf[64];
	int sv[2], ended = 0;

	stats_init(&st);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Nothing yet: no bytes, not the end, no wait. */
	ck_assert_uint_eq(orport_read(sv[0], buf, sizeof buf, &ended, &st), 0);
	ck_assert_int_eq(ended, 0);
	ck_assert_int_eq(write(sv[1], "0123456789", 10), 10);
	/* Bounded by cap, then the rest. */
	ck_assert_uint_eq(orport_read(sv[0], buf, 4, &ended, &st), 4);
	ck_assert_int_eq(ended, 0);
	close(sv[1]);
	ck_assert_uint_eq(orport_read(sv[0], buf, sizeof buf, &ended, &st), 6);
	ck_assert_int_eq(memcmp(buf, "456789", 6), 0);
	ck_assert_int_eq(ended, 1);
	ck_assert_uint_eq(counter(&st, STATS_BYTES_DOWN), 10);
	close(sv[0]);
}
END_TEST

UNIT_TEST("rule", orport_read_error_is_the_end)
{
	unsigned char buf[8];
	int ended = 0;

	/* A descriptor that is no socket: the read fails. */
	int fd = open("/dev/null", O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(orport_read(fd, buf, sizeof buf, &ended, NULL), 0);
	ck_assert_int_eq(ended, 1);
	close(fd);
}
END_TEST
