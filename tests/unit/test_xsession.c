/* xsession: meek-client's extension-1 session, its pure pieces (mode
 * offer and choice, retry and poll schedules, up bodies, up answers) and
 * the reading of downstream answers over a real socketpair. */
#include "config.h"
#include "tests/unit/unit.h"
#include "client/conf.h"
#include "client/modemem.h"
#include "client/xsession.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/frame.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/ptargs.h"
#include "shared/stream.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "xsession"

UNIT_TEST("pure", xsession_offers_by_mode_and_memory)
{
	int first;

	ck_assert_uint_eq(xsession_offer(CLIENT_MODE_AUTO, MODEMEM_UNKNOWN,
	    &first), EXT_MODE_STREAM | EXT_MODE_POLL);
	ck_assert_int_eq(first, EXT_MODE_STREAM);
	ck_assert_uint_eq(xsession_offer(CLIENT_MODE_AUTO, MODEMEM_POLL,
	    &first), EXT_MODE_POLL);
	ck_assert_int_eq(first, EXT_MODE_POLL);
	ck_assert_uint_eq(xsession_offer(CLIENT_MODE_AUTO, MODEMEM_CLASSIC,
	    &first), 0);
	ck_assert_uint_eq(xsession_offer(CLIENT_MODE_CLASSIC, MODEMEM_UNKNOWN,
	    &first), 0);
	ck_assert_uint_eq(xsession_offer(CLIENT_MODE_STREAM, MODEMEM_CLASSIC,
	    &first), EXT_MODE_STREAM);
	ck_assert_uint_eq(xsession_offer(CLIENT_MODE_POLL, MODEMEM_UNKNOWN,
	    &first), EXT_MODE_POLL);
}
END_TEST

UNIT_TEST("pure", xsession_mode_argument_overrides_the_flag)
{
	char *argv[] = { "meek-client", "--listen", "127.0.0.1:0", "--mode",
	    "poll", "--max-body", "256", NULL };
	struct client_conf c;
	struct ptargs a;
	const char *why = NULL;
	int mode = -1;

	ck_assert_int_eq(client_conf_parse(&c, 7, argv, &why), 0);
	ck_assert_int_eq(c.mode, CLIENT_MODE_POLL);
	ck_assert_uint_eq(c.max_body, 256 * 1024);
	ptargs_init(&a);
	ck_assert_int_eq(ptargs_parse(&a, "url=http://x/;mode=classic", 26,
	    &why), 0);
	ck_assert_int_eq(client_conf_resolve_mode(&c, &a, &mode, &why), 0);
	ck_assert_int_eq(mode, CLIENT_MODE_CLASSIC);
	ptargs_clear(&a);
	ptargs_init(&a);
	ck_assert_int_eq(ptargs_parse(&a, "mode=fast", 9, &why), 0);
	ck_assert_int_eq(client_conf_resolve_mode(&c, &a, &mode, &why),
	    MEEK_EINVAL);
	ptargs_clear(&a);
	ptargs_init(&a);
	ck_assert_int_eq(client_conf_resolve_mode(&c, &a, &mode, &why), 0);
	ck_assert_int_eq(mode, CLIENT_MODE_POLL);
	ptargs_clear(&a);
	client_conf_clear(&c);
	ck_assert_int_eq(client_conf_mode("auto", &mode), 0);
	ck_assert_int_eq(mode, CLIENT_MODE_AUTO);
	ck_assert_str_eq(client_conf_mode_name(CLIENT_MODE_STREAM), "stream");
}
END_TEST

UNIT_TEST("pure", xsession_chooses_first_accepted_mode)
{
	unsigned both = EXT_MODE_STREAM | EXT_MODE_POLL;

	ck_assert_uint_eq(xsession_choose(both, EXT_MODE_STREAM, both),
	    EXT_MODE_STREAM);
	ck_assert_uint_eq(xsession_choose(both, EXT_MODE_STREAM,
	    EXT_MODE_POLL), EXT_MODE_POLL);
	ck_assert_uint_eq(xsession_choose(EXT_MODE_POLL, EXT_MODE_POLL, both),
	    EXT_MODE_POLL);
	/* Nothing usable: classic. */
	ck_assert_uint_eq(xsession_choose(EXT_MODE_STREAM, EXT_MODE_STREAM,
	    EXT_MODE_POLL), 0);
	ck_assert_uint_eq(xsession_choose(both, EXT_MODE_STREAM, 0), 0);
}
END_TEST

UNIT_TEST("pure", xsession_poll_waits_only_after_quick_empty_answers)
{
	/* Data or a held answer: poll again at once. */
	ck_assert_int_eq(xsession_poll_wait(0, 5, 20000, 1), 0);
	ck_assert_int_eq(xsession_poll_wait(337, 10000, 20000, 0), 0);
	ck_assert_int_eq(xsession_poll_wait(337, 19999, 20000, 0), 0);
	/* Quick and empty: the classic schedule. */
	ck_assert_int_eq(xsession_poll_wait(0, 5, 20000, 0), 100);
	ck_assert_int_eq(xsession_poll_wait(100, 5, 20000, 0), 150);
	ck_assert_int_eq(xsession_poll_wait(5000, 5, 20000, 0), 5000);
}
END_TEST

UNIT_TEST("pure", xsession_data_skip_drops_what_was_received)
{
	size_t skip = 99;

	ck_assert_int_eq(xsession_data_skip(100, 100, 50, &skip), 0);
	ck_assert_uint_eq(skip, 0);
	ck_assert_int_eq(xsession_data_skip(120, 100, 50, &skip), 0);
	ck_assert_uint_eq(skip, 20);
	ck_assert_int_eq(xsession_data_skip(500, 100, 50, &skip), 0);
	ck_assert_uint_eq(skip, 50);
	ck_assert_int_eq(xsession_data_skip(150, 100, 50, &skip), 0);
	ck_assert_uint_eq(skip, 50);
	/* A gap can never be filled later: a protocol error. */
	ck_assert_int_eq(xsession_data_skip(99, 100, 50, &skip), MEEK_EPROTO);
}
END_TEST

UNIT_TEST("pure", xsession_up_body_has_data_ack_end_in_order)
{
	unsigned char buf[FRAME_HEAD * 3 + 5];
	struct frame f;
	size_t len;

	memcpy(buf + FRAME_HEAD, "hello", 5);
	len = xsession_up_build(buf, 1000, 5, 1, 77, 1, 1005);
	ck_assert_uint_eq(len, sizeof buf);
	ck_assert_int_eq(frame_get(&f, buf, NULL), 0);
	ck_assert_int_eq(f.type, FRAME_DATA);
	ck_assert_uint_eq(f.len, 5);
	ck_assert_uint_eq(f.off, 1000);
	ck_assert_int_eq(memcmp(buf + FRAME_HEAD, "hello", 5), 0);
	ck_assert_int_eq(frame_get(&f, buf + FRAME_HEAD + 5, NULL), 0);
	ck_assert_int_eq(f.type, FRAME_ACK);
	ck_assert_uint_eq(f.off, 77);
	ck_assert_int_eq(frame_get(&f, buf + 2 * FRAME_HEAD + 5, NULL), 0);
	ck_assert_int_eq(f.type, FRAME_END);
	ck_assert_uint_eq(f.off, 1005);
	/* An ACK alone. */
	len = xsession_up_build(buf, 1000, 0, 1, 4096, 0, 0);
	ck_assert_uint_eq(len, FRAME_HEAD);
	ck_assert_int_eq(frame_get(&f, buf, NULL), 0);
	ck_assert_int_eq(f.type, FRAME_ACK);
	ck_assert_uint_eq(f.off, 4096);
}
END_TEST

/* Writes a frame of `type` at `off` with the payload s; returns its size. */
static size_t
put_frame(unsigned char *p, int type, uint64_t off, const char *s)
{
	frame_put(p, type, strlen(s), off);
	memcpy(p + FRAME_HEAD, s, strlen(s));
	return FRAME_HEAD + strlen(s);
}

UNIT_TEST("pure", xsession_parses_up_answers)
{
	unsigned char buf[256];
	char reason[FRAME_RESET_MAX + 1];
	uint64_t ack = 0;
	int have, reset;
	size_t len;

	len = frame_put_empty(buf, FRAME_ACK, 12345);
	ck_assert_int_eq(xsession_parse_up_answer(buf, len, &ack, &have,
	    &reset, reason), 0);
	ck_assert(have && !reset);
	ck_assert_uint_eq(ack, 12345);
	/* An unknown frame is skipped, a RESET read. */
	len += put_frame(buf + len, 77, 0, "abc");
	len += put_frame(buf + len, FRAME_RESET, 0, "gone");
	ck_assert_int_eq(xsession_parse_up_answer(buf, len, &ack, &have,
	    &reset, reason), 0);
	ck_assert(reset);
	ck_assert_str_eq(reason, "gone");
	/* Cut short. */
	ck_assert_int_eq(xsession_parse_up_answer(buf, len - 1, &ack, &have,
	    &reset, reason), MEEK_EPROTO);
	ck_assert_int_eq(xsession_parse_up_answer(buf, 5, &ack, &have,
	    &reset, reason), MEEK_EPROTO);
}
END_TEST

/*
 * Downstream answers over socketpairs: the "server" end gets a chunked
 * response written at once, the reader writes DATA to another socketpair.
 */
struct down_fixture {
	int http[2];     /* [0] reader side, [1] server side */
	int out[2];      /* [0] written by the reader, [1] checked */
	unsigned char rbuf[HTTP_HEAD_MAX];
	unsigned char scratch[64];
	struct stream s;
	struct http_msg msg;
	struct http_body b;
	struct xsession_down d;
	uint64_t advanced;
	int first_calls;
};

static void
down_advance(void *ctx, uint64_t off, size_t n)
{
	struct down_fixture *f = ctx;

	ck_assert_uint_eq(off, f->advanced + n);
	f->advanced = off;
}

static void
down_first(void *ctx)
{
	((struct down_fixture *)ctx)->first_calls++;
}

/* The head of every downstream answer. */
static const char down_head[] = "HTTP/1.1 200 OK\r\n"
    "Transfer-Encoding: chunked\r\nX-Meek-Ext: 1\r\n\r\n";

/* Writes the response head and `len` body bytes as chunks of 7 bytes. */
static void
down_serve(struct down_fixture *f, const unsigned char *body, size_t len,
    int last_chunk)
{
	char line[32];

	ck_assert_int_eq(net_write_all(f->http[1], down_head,
	    strlen(down_head), 5000), 0);
	for (size_t pos = 0; pos < len; pos += 7) {
		size_t n = len - pos < 7 ? len - pos : 7;

		snprintf(line, sizeof line, "%zx\r\n", n);
		ck_assert_int_eq(net_write_all(f->http[1], line, strlen(line),
		    5000), 0);
		ck_assert_int_eq(net_write_all(f->http[1], body + pos, n, 5000),
		    0);
		ck_assert_int_eq(net_write_all(f->http[1], "\r\n", 2, 5000), 0);
	}
	if (last_chunk)
		ck_assert_int_eq(net_write_all(f->http[1], "0\r\n\r\n", 5, 5000),
		    0);
	shutdown(f->http[1], SHUT_WR);
}

static void
down_setup(struct down_fixture *f, uint64_t off)
{
	memset(f, 0, sizeof *f);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, f->http), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, f->out), 0);
	stream_init(&f->s, f->http[0], NULL, f->rbuf, sizeof f->rbuf, 10000);
	f->d.out_fd = f->out[0];
	f->d.buf = f->scratch;
	f->d.cap = sizeof f->scratch;
	f->d.off = off;
	f->d.advance = down_advance;
	f->d.first_frame = down_first;
	f->d.ctx = f;
	f->advanced = off;
}

/* Reads the answer's head and begins its body. */
static void
down_begin(struct down_fixture *f)
{
	ck_assert_int_eq(http_read_response(&f->s, &f->msg, NULL), 0);
	http_body_begin(&f->b, &f->msg, 1);
}

/* Serves the answer (as down_serve) and reads it with xsession_down_read. */
static int
down_run(struct down_fixture *f, const unsigned char *body, size_t len,
    int last_chunk, const char **why)
{
	down_serve(f, body, len, last_chunk);
	down_begin(f);
	return xsession_down_read(&f->d, &f->s, &f->b, 10000, 10000, why);
}

static size_t
down_output(struct down_fixture *f, unsigned char *buf, size_t cap)
{
	size_t got = 0;

	shutdown(f->out[0], SHUT_WR);
	for (;;) {
		long n = net_read_some(f->out[1], buf + got, cap - got, 5000);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static void
down_teardown(struct down_fixture *f)
{
	close(f->http[0]);
	close(f->http[1]);
	close(f->out[0]);
	close(f->out[1]);
}

static size_t
put_data(unsigned char *p, uint64_t off, const char *s)
{
	return put_frame(p, FRAME_DATA, off, s);
}

UNIT_TEST("down", xsession_down_writes_data_and_skips_duplicates,
    .timeout = 30)
{
	struct down_fixture f;
	unsigned char body[512], out[512];
	size_t len = 0;

	down_setup(&f, 10);
	len += frame_put_empty(body + len, FRAME_KEEPALIVE, 0);
	/* Bytes 5..14: 5..9 were already received before. */
	len += put_data(body + len, 5, "abcdefghij");
	/* A frame wholly below the offset (a resent one). */
	len += put_data(body + len, 0, "0123456789");
	len += put_data(body + len, 15, "this is more than sixty-four bytes of "
	    "payload, read in several pieces!");
	len += put_frame(body + len, 99, 0, "zz");  /* unknown type: skipped */
	ck_assert_int_eq(down_run(&f, body, len, 1, NULL), 0);
	ck_assert_int_eq(f.first_calls, 1);
	ck_assert(f.d.got_data);
	ck_assert(!f.d.have_end && !f.d.reset);
	len = down_output(&f, out, sizeof out);
	ck_assert_uint_eq(len, 5 + 70);
	ck_assert_int_eq(memcmp(out, "fghijthis is more", 17), 0);
	ck_assert_uint_eq(f.d.off, 10 + len);
	ck_assert_uint_eq(f.advanced, f.d.off);
	down_teardown(&f);
}
END_TEST

UNIT_TEST("down", xsession_down_rejects_a_gap)
{
	struct down_fixture f;
	unsigned char body[64];
	size_t len;

	down_setup(&f, 10);
	len = put_data(body, 11, "late");
	ck_assert_int_eq(down_run(&f, body, len, 1, NULL), MEEK_EPROTO);
	ck_assert(!f.d.got_data);
	down_teardown(&f);
}
END_TEST

/* Sets f up at offset 0 and runs an answer of DATA `data` (at 0) then END
 * at `end`: read to its end, the END seen. */
static void
down_data_then_end(struct down_fixture *f, const char *data, uint64_t end)
{
	unsigned char body[64];
	size_t len;

	down_setup(f, 0);
	len = put_data(body, 0, data);
	len += frame_put_empty(body + len, FRAME_END, end);
	ck_assert_int_eq(down_run(f, body, len, 1, NULL), 0);
	ck_assert(f->d.have_end);
}

UNIT_TEST("down", xsession_down_stops_at_end_and_reset)
{
	struct down_fixture f;
	unsigned char body[128], out[64];
	size_t len;

	down_data_then_end(&f, "bye", 3);
	ck_assert_uint_eq(f.d.end_off, 3);
	ck_assert_uint_eq(down_output(&f, out, sizeof out), 3);
	down_teardown(&f);

	down_setup(&f, 0);
	len = put_frame(body, FRAME_RESET, 0, "unknown sess");
	ck_assert_int_eq(down_run(&f, body, len, 1, NULL), 0);
	ck_assert(f.d.reset);
	ck_assert_str_eq(f.d.reason, "unknown sess");
	down_teardown(&f);
}
END_TEST

UNIT_TEST("down", xsession_down_end_beyond_received_keeps_going)
{
	struct down_fixture f;

	/* END says 10 bytes but only 3 came: the answer is read to its end
	 * and the caller asks again from offset 3. */
	down_data_then_end(&f, "abc", 10);
	ck_assert_uint_eq(f.d.off, 3);
	down_teardown(&f);
}
END_TEST

UNIT_TEST("down", xsession_down_cut_short_is_an_error)
{
	struct down_fixture f;
	unsigned char body[64];
	size_t len;
	const char *why = NULL;

	/* The connection drops inside a DATA payload (no last chunk). */
	down_setup(&f, 0);
	len = put_data(body, 0, "abcdefghijklmnop");
	ck_assert_int_lt(down_run(&f, body, len - 4, 0, &why), 0);
	down_teardown(&f);

	/* ... or inside a frame head. */
	down_setup(&f, 0);
	len = put_data(body, 0, "abc");
	ck_assert_int_lt(down_run(&f, body, 5, 0, &why), 0);
	down_teardown(&f);
}
END_TEST

UNIT_TEST("down", xsession_down_times_out_without_a_first_frame)
{
	struct down_fixture f;

	/* The head came, no frame follows (and the connection stays open):
	 * the first-frame bound applies. */
	down_setup(&f, 0);
	ck_assert_int_eq(net_write_all(f.http[1], down_head, strlen(down_head),
	    5000), 0);
	down_begin(&f);
	ck_assert_int_eq(xsession_down_read(&f.d, &f.s, &f.b, 50, 10000, NULL),
	    MEEK_ETIMEDOUT);
	ck_assert_int_eq(f.d.frames, 0);
	down_teardown(&f);
}
END_TEST
