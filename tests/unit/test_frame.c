/* frame and ext: the wire pieces of protocol extension 1 (doc/protocol.md). */
#include "config.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/frame.h"
#include "tests/unit/unit.h"

#include <string.h>

#define UNIT_SUITE "frame"

UNIT_TEST("heads", frame_head_is_big_endian_and_round_trips)
{
	unsigned char h[FRAME_HEAD];
	static const unsigned char want[FRAME_HEAD] = {
		1, 0x10, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
	};
	struct frame f;
	const char *why = NULL;

	frame_put(h, FRAME_DATA, 0x100000, 0x0102030405060708ULL);
	ck_assert_mem_eq(h, want, FRAME_HEAD);
	ck_assert_int_eq(frame_get(&f, h, &why), 0);
	ck_assert_int_eq(f.type, FRAME_DATA);
	ck_assert_uint_eq(f.len, 0x100000);
	ck_assert_uint_eq(f.off, 0x0102030405060708ULL);

	ck_assert_uint_eq(frame_put_empty(h, FRAME_END, UINT64_MAX), FRAME_HEAD);
	ck_assert_int_eq(frame_get(&f, h, &why), 0);
	ck_assert_int_eq(f.type, FRAME_END);
	ck_assert_uint_eq(f.len, 0);
	ck_assert_uint_eq(f.off, UINT64_MAX);

	frame_put(h, FRAME_DATA, FRAME_LEN_MAX, 0);
	ck_assert_int_eq(frame_get(&f, h, &why), 0);
	ck_assert_uint_eq(f.len, FRAME_LEN_MAX);
}
END_TEST

UNIT_TEST("heads", frame_rejects_inconsistent_lengths)
{
	unsigned char h[FRAME_HEAD];
	struct frame f;
	const char *why = NULL;
	static const int empty[] = { FRAME_ACK, FRAME_KEEPALIVE, FRAME_END };

	frame_put(h, FRAME_DATA, 0, 5);
	ck_assert_int_eq(frame_get(&f, h, &why), MEEK_EPROTO);
	ck_assert_ptr_nonnull(why);
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		frame_put(h, empty[i], 1, 0);
		ck_assert_int_eq(frame_get(&f, h, &why), MEEK_EPROTO);
	}
	frame_put(h, FRAME_RESET, FRAME_RESET_MAX, 0);
	ck_assert_int_eq(frame_get(&f, h, &why), 0);
	frame_put(h, FRAME_RESET, FRAME_RESET_MAX + 1, 0);
	ck_assert_int_eq(frame_get(&f, h, &why), MEEK_EPROTO);
}
END_TEST

UNIT_TEST("heads", frame_unknown_types_are_skippable)
{
	unsigned char h[FRAME_HEAD];
	struct frame f;
	const char *why = NULL;

	frame_put(h, 0x7e, 300, 9);
	ck_assert_int_eq(frame_get(&f, h, &why), 0);
	ck_assert_int_eq(f.type, 0x7e);
	ck_assert_uint_eq(f.len, 300);
}
END_TEST

#undef UNIT_SUITE
#define UNIT_SUITE "ext"

/* Parses the header value `v` into *x: it must be valid. */
static void
ext_parse_ok(struct ext *x, const char *v)
{
	const char *why = NULL;

	ck_assert_msg(ext_parse(x, v, &why) == 0, "\"%s\": %s", v,
	    why != NULL ? why : "?");
}

UNIT_TEST("header", ext_parses_an_open_request)
{
	static const struct {
		const char *v;
		int op;
	} ops[] = {
		{ " 1 ;op = up ", EXT_OP_UP },
		{ "1", EXT_OP_NONE },
		{ "1;op=push", EXT_OP_UNKNOWN },
	};
	struct ext x;

	ext_parse_ok(&x, "1; op=open; modes=poll,stream; body=1048576");
	ck_assert_int_eq(x.op, EXT_OP_OPEN);
	ck_assert_uint_eq(x.modes, EXT_MODE_STREAM | EXT_MODE_POLL);
	ck_assert_int_eq(x.first_mode, (int)EXT_MODE_POLL);
	ck_assert_uint_eq(x.body, 1048576);
	ck_assert_uint_eq(x.window, 0);

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		ext_parse_ok(&x, ops[i].v);
		ck_assert_int_eq(x.op, ops[i].op);
	}
}
END_TEST

UNIT_TEST("header", ext_ignores_unknown_keys_and_modes)
{
	struct ext x;

	ext_parse_ok(&x, "1; future=yes; modes=quantum,stream; hold=20000;");
	ck_assert_uint_eq(x.modes, EXT_MODE_STREAM);
	ck_assert_int_eq(x.first_mode, (int)EXT_MODE_STREAM);
	ck_assert_uint_eq(x.hold_ms, 20000);
}
END_TEST

UNIT_TEST("header", ext_rejects_malformed_values)
{
	struct ext x;
	const char *why = NULL;
	static const char *const bad[] = {
		"", "op=open", "x; op=open", "1; body=-5", "1; body=12a",
		"1; body=99999999999", "1; op", "1; =3", "1; window=",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		ck_assert_msg(ext_parse(&x, bad[i], &why) == MEEK_EPROTO,
		    "accepted \"%s\"", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_int_eq(ext_parse(&x, "2; op=open", &why), MEEK_EVERSION);
}
END_TEST

UNIT_TEST("header", ext_formats_what_it_parses)
{
	struct ext x, y;
	char buf[EXT_VALUE_MAX];
	const char *why = NULL;
	int n;

	memset(&x, 0, sizeof x);
	x.modes = EXT_MODE_STREAM | EXT_MODE_POLL;
	x.body = 1048576;
	x.window = 1048576;
	x.hold_ms = 20000;
	x.stream_ms = 50000;
	x.keepalive_ms = 5000;
	n = ext_format(buf, sizeof buf, &x);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, "1; modes=stream,poll; body=1048576; "
	    "window=1048576; hold=20000; stream=50000; keepalive=5000");
	ck_assert_int_eq(ext_parse(&y, buf, &why), 0);
	ck_assert_uint_eq(y.modes, x.modes);
	ck_assert_uint_eq(y.keepalive_ms, 5000);

	memset(&x, 0, sizeof x);
	x.op = EXT_OP_OPEN;
	x.modes = EXT_MODE_STREAM | EXT_MODE_POLL;
	x.first_mode = (int)EXT_MODE_POLL;
	ck_assert_int_gt(ext_format(buf, sizeof buf, &x), 0);
	ck_assert_str_eq(buf, "1; op=open; modes=poll,stream");
	ck_assert_int_eq(ext_format(buf, 8, &x), MEEK_ETOOBIG);
	ck_assert_str_eq(ext_mode_name(EXT_MODE_POLL), "poll");
}
END_TEST
