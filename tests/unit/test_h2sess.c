/*
 * h2sess: Chrome's connection start and request shape on the wire, and
 * answers, resets, GOAWAY and the bounded queue against nghttp2's own
 * server session as the front (a real HTTP/2 peer in memory).
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "client/h2sess.h"
#include "shared/err.h"
#include "shared/http.h"

#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SUITE "h2sess"

/* Everything the client sends until it has nothing more, in `out`. */
static size_t
client_out(struct h2sess *s, unsigned char *out, size_t cap)
{
	size_t len = 0, n;
	const unsigned char *d;

	for (;;) {
		ck_assert_int_eq(h2sess_send(s, &d, &n, NULL), 0);
		if (n == 0)
			return len;
		ck_assert_uint_le(len + n, cap);
		memcpy(out + len, d, n);
		len += n;
	}
}

static unsigned
be(const unsigned char *p, int n)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

UNIT_TEST("chrome_shape", h2sess_starts_with_chromes_settings_and_window)
{
	static const unsigned char settings[] = {
		0, 1, 0, 1, 0, 0,         /* HEADER_TABLE_SIZE 65536 */
		0, 2, 0, 0, 0, 0,         /* ENABLE_PUSH 0 */
		0, 4, 0, 0x60, 0, 0,      /* INITIAL_WINDOW_SIZE 6291456 */
		0, 6, 0, 4, 0, 0,         /* MAX_HEADER_LIST_SIZE 262144 */
	};
	unsigned char out[4096], *p;
	struct h2sess *s;
	size_t n;

	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	n = client_out(s, out, sizeof out);
	ck_assert_uint_ge(n, 24 + 9 + sizeof settings + 13);
	ck_assert(memcmp(out, NGHTTP2_CLIENT_MAGIC, 24) == 0);
	p = out + 24;
	ck_assert_uint_eq(be(p, 3), sizeof settings);
	ck_assert_uint_eq(p[3], NGHTTP2_SETTINGS);
	ck_assert_uint_eq(be(p + 5, 4), 0);
	ck_assert(memcmp(p + 9, settings, sizeof settings) == 0);
	p += 9 + sizeof settings;
	ck_assert_uint_eq(be(p, 3), 4);
	ck_assert_uint_eq(p[3], NGHTTP2_WINDOW_UPDATE);
	ck_assert_uint_eq(be(p + 5, 4), 0);
	ck_assert_uint_eq(be(p + 9, 4), 15663105);   /* 15 MiB - 65535 */
	ck_assert_uint_eq(n, (size_t)(p + 13 - out));
	h2sess_free(s);
}
END_TEST

UNIT_TEST("chrome_shape", h2sess_headers_carry_priority_and_chromes_order)
{
	static const char *const want[] = { ":method", ":authority", ":scheme",
	    ":path", "content-length", "x-session-id", "content-type",
	    "x-meek-ext" };
	static const char *const val[] = { "POST", "meek.test", "https", "/p",
	    "3", "abc", "application/octet-stream", "1; op=open" };
	unsigned char out[8192], *p;
	nghttp2_hd_inflater *inf;
	struct h2sess *s;
	struct h2req *r;
	size_t n, k = 0;

	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	(void)client_out(s, out, sizeof out);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/p", "X-Session-Id: "
	    "abc\r\nContent-Type: application/octet-stream\r\nX-Meek-Ext: 1; "
	    "op=open\r\n", "xyz", 3, &r, NULL), 0);
	n = client_out(s, out, sizeof out);
	p = out;
	ck_assert_uint_eq(p[3], NGHTTP2_HEADERS);
	ck_assert_uint_eq(be(p + 5, 4), 1);
	ck_assert(p[4] & NGHTTP2_FLAG_PRIORITY);
	ck_assert(p[4] & NGHTTP2_FLAG_END_HEADERS);
	ck_assert(!(p[4] & NGHTTP2_FLAG_END_STREAM));
	ck_assert_uint_eq(be(p + 9, 4), 0x80000000u);  /* exclusive, on 0 */
	ck_assert_uint_eq(p[13], 255);                  /* weight 256 */
	ck_assert_int_eq(nghttp2_hd_inflate_new(&inf), 0);
	{
		const unsigned char *blk = p + 14;
		size_t left = be(p, 3) - 5;

		for (;;) {
			nghttp2_nv nv;
			int fl = 0;
			ssize_t used = nghttp2_hd_inflate_hd2(inf, &nv, &fl, blk,
			    left, 1);

			ck_assert_int_ge(used, 0);
			blk += used;
			left -= (size_t)used;
			if (fl & NGHTTP2_HD_INFLATE_EMIT) {
				ck_assert_uint_lt(k, sizeof want / sizeof want[0]);
				ck_assert_uint_eq(nv.namelen, strlen(want[k]));
				ck_assert(memcmp(nv.name, want[k], nv.namelen) == 0);
				ck_assert_uint_eq(nv.valuelen, strlen(val[k]));
				ck_assert(memcmp(nv.value, val[k], nv.valuelen) == 0);
				k++;
			}
			if (fl & NGHTTP2_HD_INFLATE_FINAL)
				break;
			if (left == 0 && !(fl & NGHTTP2_HD_INFLATE_EMIT))
				break;
		}
	}
	ck_assert_uint_eq(k, sizeof want / sizeof want[0]);
	nghttp2_hd_inflate_del(inf);
	/* Then the body, ending the stream. */
	p += 9 + be(p, 3);
	ck_assert_uint_eq(p[3], NGHTTP2_DATA);
	ck_assert_uint_eq(be(p, 3), 3);
	ck_assert(p[4] & NGHTTP2_FLAG_END_STREAM);
	ck_assert(memcmp(p + 9, "xyz", 3) == 0);
	ck_assert_uint_eq((size_t)(p + 12 - out), n);
	ck_assert(h2req_body_sent(r));
	h2req_release(r);
	h2sess_free(s);
}
END_TEST

/*
 * The front: nghttp2's server session.  Each request gets `answer_len`
 * bytes of answer (byte i = i % 251) with content-type octet-stream;
 * with `rst`, the stream is reset (INTERNAL_ERROR) after 1000 of them.
 */
struct front {
	nghttp2_session *ng;
	size_t answer_len, sent;
	int rst;
	size_t body_got;
	int check_body;      /* the body's byte i must be i % 253 */
	size_t body_bad;     /* with check_body: wrong bytes seen */
};

static ssize_t
front_read(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *user)
{
	struct front *f = user;
	size_t left = f->answer_len - f->sent;

	(void)ng;
	(void)id;
	(void)src;
	if (f->rst && f->sent >= 1000)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (len > left)
		len = left;
	if (f->rst && len > 1000 - f->sent)
		len = 1000 - f->sent;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((f->sent + i) % 251);
	f->sent += len;
	if (f->sent == f->answer_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)len;
}

static int
front_frame(nghttp2_session *ng, const nghttp2_frame *fr, void *user)
{
	nghttp2_nv nv[2] = {
		{ (uint8_t *)":status", (uint8_t *)"200", 7, 3, 0 },
		{ (uint8_t *)"content-type",
		  (uint8_t *)"application/octet-stream", 12, 24, 0 },
	};
	nghttp2_data_provider dp;

	(void)user;
	if (fr->hd.stream_id == 0 || !(fr->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	dp.source.ptr = NULL;
	dp.read_callback = front_read;
	nghttp2_submit_response(ng, fr->hd.stream_id, nv, 2, &dp);
	return 0;
}

static int
front_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *d,
    size_t len, void *user)
{
	struct front *f = user;

	(void)ng;
	(void)flags;
	(void)id;
	for (size_t i = 0; f->check_body && i < len; i++)
		if (d[i] != (f->body_got + i) % 253)
			f->body_bad++;
	f->body_got += len;
	return 0;
}

static void
front_init(struct front *f, size_t answer_len)
{
	nghttp2_session_callbacks *cb;
	nghttp2_settings_entry iv = { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
	    100 };

	memset(f, 0, sizeof *f);
	f->answer_len = answer_len;
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, front_frame);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
	    front_data);
	ck_assert_int_eq(nghttp2_session_server_new(&f->ng, cb, f), 0);
	nghttp2_session_callbacks_del(cb);
	ck_assert_int_eq(nghttp2_submit_settings(f->ng, NGHTTP2_FLAG_NONE, &iv,
	    1), 0);
}

/* One round each way: the client's output to the front, the front's to
 * the client (what the client takes now; the rest stays in *pend).
 * Returns the bytes that moved. */
static size_t
pump(struct h2sess *s, struct front *f, unsigned char *pend, size_t *plen,
    size_t pcap)
{
	const unsigned char *d;
	size_t n, moved = 0;
	ssize_t m;
	long k;

	for (;;) {
		ck_assert_int_eq(h2sess_send(s, &d, &n, NULL), 0);
		if (n == 0)
			break;
		ck_assert_int_eq(nghttp2_session_mem_recv(f->ng, d, n), (ssize_t)n);
		moved += n;
	}
	while (*plen < pcap && (m = nghttp2_session_mem_send(f->ng, &d)) > 0) {
		size_t take = (size_t)m;

		ck_assert_uint_le(*plen + take, pcap);
		memcpy(pend + *plen, d, take);
		*plen += take;
		if (*plen + 20000 > pcap)
			break;
	}
	if (*plen > 0) {
		k = h2sess_recv(s, pend, *plen, NULL);
		ck_assert_int_ge(k, 0);
		memmove(pend, pend + k, *plen - (size_t)k);
		*plen -= (size_t)k;
		moved += (size_t)k;
	}
	return moved;
}

UNIT_TEST("answers", h2sess_reads_a_head_and_a_body_through_a_bounded_queue)
{
	static unsigned char pend[1 << 20];
	size_t plen = 0, got = 0;
	int was_blocked = 0;
	unsigned char buf[3000];
	struct http_msg *m = malloc(sizeof *m);
	struct front f;
	struct h2sess *s;
	struct h2req *r;
	int head = 0, rounds = 0;
	long n;

	ck_assert_ptr_nonnull(m);
	front_init(&f, 1000000);
	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "X-Session-Id: a\r\n",
	    "up", 2, &r, NULL), 0);
	for (;;) {
		ck_assert_int_lt(rounds++, 100000);
		(void)pump(s, &f, pend, &plen, sizeof pend);
		/* Idle now and then: the frame buffer's pages go back and
		 * the next frames (WINDOW_UPDATEs) are framed afresh. */
		if (rounds % 3 == 0)
			h2sess_idle(s);
		if (!head) {
			int h = h2req_head(r, m, NULL);

			ck_assert_int_ge(h, 0);
			if (h == 0)
				continue;
			head = 1;
			ck_assert_int_eq(m->status, 200);
			ck_assert_str_eq(http_header_get(m, "Content-Type"),
			    "application/octet-stream");
		}
		/* A full queue stops the input until it is read. */
		was_blocked |= h2sess_blocked(s);
		while ((n = h2req_read(r, buf, sizeof buf)) > 0) {
			long bad = -1;

			for (long i = 0; i < n && bad < 0; i++)
				if (buf[i] != (got + (size_t)i) % 251)
					bad = i;
			ck_assert_msg(bad < 0, "body byte %zu is wrong",
			    got + (size_t)bad);
			got += (size_t)n;
			if (got % 100000 < sizeof buf)
				break;     /* a slow reader now and then */
		}
		if (n == MEEK_ECLOSED)
			break;
		ck_assert_int_ge(n, 0);
	}
	ck_assert_uint_eq(got, 1000000);
	ck_assert_uint_eq(f.body_got, 2);
	ck_assert(was_blocked);
	h2req_release(r);
	h2sess_free(s);
	nghttp2_session_del(f.ng);
	free(m);
}
END_TEST

/* A client session with one bodiless request, and its front. */
struct pair {
	unsigned char pend[65536];
	size_t plen;
	struct http_msg m;
	struct front f;
	struct h2sess *s;
	struct h2req *r;
};

static struct pair *
pair_new(size_t answer_len, int rst)
{
	struct pair *p = calloc(1, sizeof *p);

	ck_assert_ptr_nonnull(p);
	front_init(&p->f, answer_len);
	p->f.rst = rst;
	ck_assert_int_eq(h2sess_new(&p->s, NULL), 0);
	ck_assert_int_eq(h2sess_request(p->s, "meek.test", "/", "", NULL, 0,
	    &p->r, NULL), 0);
	return p;
}

static void
pair_pump(struct pair *p, int rounds)
{
	for (int i = 0; i < rounds; i++)
		(void)pump(p->s, &p->f, p->pend, &p->plen, sizeof p->pend);
}

static void
pair_free(struct pair *p)
{
	h2sess_free(p->s);
	nghttp2_session_del(p->f.ng);
	free(p);
}

/* h2sess_idle between every round gives the frame buffer's pages back:
 * a 200 kB body still goes out whole, framed afresh each time. */
UNIT_TEST("answers", h2sess_idle_between_frames_keeps_the_body_whole)
{
	static unsigned char pend[65536], body[200000], buf[4096];
	struct http_msg *m = malloc(sizeof *m);
	struct front f;
	size_t plen = 0;
	struct h2sess *s;
	struct h2req *r;
	int rounds = 0;
	long n = 0;

	ck_assert_ptr_nonnull(m);
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (unsigned char)(i % 253);
	front_init(&f, 5000);
	f.check_body = 1;
	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "X-Session-Id: a\r\n",
	    body, sizeof body, &r, NULL), 0);
	while (n != MEEK_ECLOSED) {
		ck_assert_int_lt(rounds++, 10000);
		(void)pump(s, &f, pend, &plen, sizeof pend);
		h2sess_idle(s);
		if (h2req_head(r, m, NULL) != 1)
			continue;
		while ((n = h2req_read(r, buf, sizeof buf)) > 0)
			;
		ck_assert(n == 0 || n == MEEK_ECLOSED);
	}
	ck_assert_uint_eq(f.body_got, sizeof body);
	ck_assert_uint_eq(f.body_bad, 0);
	ck_assert(h2req_body_sent(r));
	h2req_release(r);
	h2sess_free(s);
	nghttp2_session_del(f.ng);
	free(m);
}
END_TEST

UNIT_TEST("answers", h2sess_reports_a_reset_stream_as_ereset)
{
	struct pair *p = pair_new(100000, 1);
	int h = 0;

	for (int i = 0; i < 20 && h == 0; i++) {
		pair_pump(p, 1);
		h = h2req_head(p->r, &p->m, NULL);
	}
	/* The head came, 1000 bytes, then the reset: the body read fails
	 * after them. */
	ck_assert_int_eq(h, 1);
	pair_pump(p, 5);
	ck_assert_int_eq(h2req_read(p->r, p->m.head, 2000), 1000);
	ck_assert_int_eq(h2req_read(p->r, p->m.head, 10), MEEK_ERESET);
	ck_assert(!h2req_refused(p->r));
	h2req_release(p->r);
	pair_free(p);
}
END_TEST

UNIT_TEST("answers", h2sess_marks_requests_above_goaway_refused)
{
	struct pair *p = pair_new(10, 0);
	struct h2req *r2;
	const char *why = NULL;

	ck_assert_int_eq(nghttp2_submit_goaway(p->f.ng, NGHTTP2_FLAG_NONE, 0,
	    NGHTTP2_NO_ERROR, NULL, 0), 0);
	pair_pump(p, 5);
	ck_assert(h2sess_goaway(p->s));
	ck_assert_int_eq(h2req_head(p->r, &p->m, &why), MEEK_ECLOSED);
	ck_assert(h2req_refused(p->r));
	ck_assert_int_eq(h2sess_request(p->s, "meek.test", "/", "", NULL, 0,
	    &r2, &why), MEEK_ECLOSED);
	pair_free(p);
}
END_TEST

UNIT_TEST("answers", h2sess_fail_ends_waiting_requests)
{
	struct http_msg *m = malloc(sizeof *m);
	struct h2sess *s;
	struct h2req *r;

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "", NULL, 0, &r,
	    NULL), 0);
	ck_assert_int_eq(h2req_head(r, m, NULL), 0);
	h2sess_fail(s, MEEK_ECLOSED);
	ck_assert_int_eq(h2req_head(r, m, NULL), MEEK_ECLOSED);
	/* A body cut by the connection is never a clean end. */
	ck_assert_int_eq(h2req_read(r, m->head, 1), MEEK_EIO);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "", NULL, 0, &r,
	    NULL), MEEK_ECLOSED);
	h2sess_free(s);
	free(m);
}
END_TEST

UNIT_TEST("requests", h2sess_refuses_malformed_header_lines)
{
	struct h2sess *s;
	struct h2req *r;
	const char *why = NULL;

	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "No-colon\r\n",
	    NULL, 0, &r, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "A: b", NULL, 0,
	    &r, &why), MEEK_EINVAL);
	h2sess_free(s);
}
END_TEST

UNIT_TEST("chrome_shape", h2sess_empty_body_ends_the_stream_on_its_headers)
{
	unsigned char out[8192];
	struct h2sess *s;
	struct h2req *r;
	size_t n;

	ck_assert_int_eq(h2sess_new(&s, NULL), 0);
	(void)client_out(s, out, sizeof out);
	ck_assert_int_eq(h2sess_request(s, "meek.test", "/", "X-Session-Id: a\r\n",
	    NULL, 0, &r, NULL), 0);
	n = client_out(s, out, sizeof out);
	ck_assert_uint_eq(out[3], NGHTTP2_HEADERS);
	ck_assert(out[4] & NGHTTP2_FLAG_END_STREAM);
	ck_assert_uint_eq(n, 9 + be(out, 3));   /* no DATA frame after it */
	ck_assert(h2req_body_sent(r));
	h2req_release(r);
	h2sess_free(s);
}
END_TEST
