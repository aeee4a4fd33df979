/* http: heads, bodies, limits and writers over a real socketpair stream. */
#include "config.h"
#include "shared/http.h"
#include "shared/err.h"
#include "shared/stream.h"
#include "tests/unit/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "http"

#define TEST_TIMEOUT_MS 30000

/* sv[0] is read through `st`; the test plays the peer on `peer`. */
static struct stream st;
static int peer = -1;
static unsigned char *rbuf;
static struct http_msg *msg;
static unsigned char body[HTTP_BODY_MAX];

static void
setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	rbuf = malloc(2 * HTTP_HEAD_MAX);
	msg = malloc(sizeof *msg);
	ck_assert_ptr_nonnull(rbuf);
	ck_assert_ptr_nonnull(msg);
	stream_init(&st, sv[0], NULL, rbuf, 2 * HTTP_HEAD_MAX, TEST_TIMEOUT_MS);
	peer = sv[1];
}

static void
teardown(void)
{
	stream_close(&st);
	if (peer >= 0)
		close(peer);
	peer = -1;
	free(rbuf);
	free(msg);
}

static void
feed(const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(peer, p, len);

		ck_assert_int_gt(n, 0);
		p += n;
		len -= (size_t)n;
	}
}

static void
feeds(const char *str)
{
	feed(str, strlen(str));
}

static void
peer_eof(void)
{
	shutdown(peer, SHUT_WR);
}

/* Feeds `str`, ends the peer's side and reads one head with read_head
 * (http_read_request or http_read_response). */
static int
head_of(int (*read_head)(struct stream *, struct http_msg *, const char **),
    const char *str)
{
	const char *why = NULL;

	feeds(str);
	peer_eof();
	return read_head(&st, msg, &why);
}

static int
request_of(const char *str)
{
	return head_of(http_read_request, str);
}

/* Parses the head `str` with parse_head (http_parse_request_head or
 * http_parse_response_head); a failure must give a reason. */
static int
parse_with(int (*parse_head)(struct http_msg *, const char *, size_t,
    const char **), const char *str)
{
	const char *why = NULL;
	int rc = parse_head(msg, str, strlen(str), &why);

	if (rc < 0)
		ck_assert_ptr_nonnull(why);
	return rc;
}

static int
parse_req(const char *str)
{
	return parse_with(http_parse_request_head, str);
}

static int
parse_resp(const char *str)
{
	return parse_with(http_parse_response_head, str);
}

/* Each of the n heads in bad[] fails to parse (parse_req or parse_resp)
 * with MEEK_EPROTO. */
static void
heads_are_malformed(int (*parse)(const char *), const char *const *bad,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(parse(bad[i]) == MEEK_EPROTO, "head %zu accepted",
		    i);
}

static int
read_body(int head_response, size_t cap, size_t *len)
{
	const char *why = NULL;

	return http_read_body(&st, msg, head_response, body, cap, len, &why);
}

/* On a fresh stream: `head`, then `rest` up to the peer's EOF; the request
 * head reads, and its body fails with `want`.  `what` and i name the case
 * in the failure. */
static void
body_fails(const char *head, const char *rest, int want, const char *what,
    size_t i)
{
	size_t len = 0;

	teardown();
	setup();
	feeds(head);
	ck_assert_int_eq(request_of(rest), 0);
	ck_assert_msg(read_body(0, sizeof body, &len) == want, "%s %zu", what,
	    i);
}

/* Reads the next response head from st: it has `status`. */
static void
next_response(int status)
{
	const char *why = NULL;

	ck_assert_int_eq(http_read_response(&st, msg, &why), 0);
	ck_assert_int_eq(msg->status, status);
}

/* Reads the body of the message in msg (of a response to HEAD when
 * head_response): it is `want`, all of it. */
static void
body_is(int head_response, const char *want)
{
	size_t len = 0, n = strlen(want);

	ck_assert_int_eq(read_body(head_response, sizeof body, &len), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(body, want, n);
}

/* Reads everything the stream side wrote, after it shut down writing. */
static size_t
drain(char *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	shutdown(st.fd, SHUT_WR);
	while ((n = read(peer, out + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

UNIT_TEST("requests", http_reads_post_with_content_length,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	const char *why = NULL;
	size_t len = 0;

	feeds("POST /a?b=c HTTP/1.1\r\nHost: x.example\r\n"
	    "X-Session-Id: abc\r\nContent-Length: 5\r\n\r\nhello");
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_str_eq(msg->method, "POST");
	ck_assert_str_eq(msg->target, "/a?b=c");
	ck_assert_int_eq(msg->version_minor, 1);
	ck_assert_uint_eq(msg->nheaders, 3);
	ck_assert_str_eq(msg->headers[0].name, "Host");
	ck_assert_str_eq(msg->headers[0].value, "x.example");
	ck_assert_int_eq(msg->content_length, 5);
	ck_assert_int_eq(msg->chunked, 0);
	ck_assert_int_eq(msg->keep_alive, 1);
	ck_assert_int_eq(read_body(0, sizeof body, &len), 0);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(body, "hello", 5);
}
END_TEST

UNIT_TEST("requests", http_reads_chunked_request_body)
{
	const char *why = NULL;
	size_t len = 0;

	feeds("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	    "5\r\nhello\r\n6;name=val\r\n world\r\nA \r\n0123456789\r\n"
	    "0\r\nX-Trailer: 1\r\n\r\n");
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_int_eq(msg->chunked, 1);
	ck_assert_int_eq(msg->content_length, -1);
	ck_assert_int_eq(read_body(0, sizeof body, &len), 0);
	ck_assert_uint_eq(len, 21);
	ck_assert_mem_eq(body, "hello world0123456789", 21);
	ck_assert_int_eq(stream_has_pending(&st), 0);
}
END_TEST

UNIT_TEST("requests", http_reads_pipelined_requests)
{
	const char *why = NULL;
	size_t len = 0;

	feeds("POST /1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
	    "POST /2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nde\r\n0\r\n\r\n"
	    "\r\nGET /3 HTTP/1.1\r\nConnection: close\r\n\r\n");
	peer_eof();
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_str_eq(msg->target, "/1");
	ck_assert_int_eq(read_body(0, sizeof body, &len), 0);
	ck_assert_mem_eq(body, "abc", 3);
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_str_eq(msg->target, "/2");
	ck_assert_int_eq(read_body(0, sizeof body, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_mem_eq(body, "de", 2);
	/* the stray CRLF before the third request line is skipped */
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_str_eq(msg->method, "GET");
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(read_body(0, sizeof body, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(http_read_request(&st, msg, &why), MEEK_ECLOSED);
}
END_TEST

UNIT_TEST("requests", http_accepts_bare_lf)
{
	ck_assert_int_eq(request_of("\nPOST / HTTP/1.1\nContent-Length: 0\n\n"), 0);
	ck_assert_str_eq(msg->method, "POST");
	ck_assert_int_eq(msg->content_length, 0);
}
END_TEST

UNIT_TEST("requests", http_keep_alive_follows_version_and_connection)
{
	ck_assert_int_eq(parse_req("GET / HTTP/1.0\r\n\r\n"), 0);
	ck_assert_int_eq(msg->version_minor, 0);
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(parse_req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
	ck_assert_int_eq(msg->keep_alive, 1);
	ck_assert_int_eq(parse_req("GET / HTTP/1.1\r\n\r\n"), 0);
	ck_assert_int_eq(msg->keep_alive, 1);
	ck_assert_int_eq(parse_req("GET / HTTP/1.1\r\nConnection: foo, CLOSE\r\n\r\n"), 0);
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(parse_req("GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\n\r\n"), 0);
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(parse_req("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n"), 0);
	ck_assert_int_eq(msg->keep_alive, 1);
}
END_TEST

UNIT_TEST("requests", http_header_lookup_is_case_insensitive)
{
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nX-Session-Id:  \tabc def \t\r\n"
	    "x-session-id: second\r\nEmpty:\r\n\r\n"), 0);
	ck_assert_str_eq(http_header_get(msg, "x-SESSION-id"), "abc def");
	ck_assert_str_eq(http_header_get(msg, "empty"), "");
	ck_assert_ptr_null(http_header_get(msg, "Host"));
	ck_assert_ptr_null(http_header_get(msg, "X-Session"));
}
END_TEST

UNIT_TEST("limits", http_rejects_oversized_header,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	char *big = malloc(HTTP_HEAD_MAX + 100);
	const char *why = NULL;

	memset(big, 'a', HTTP_HEAD_MAX + 100);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	feed(big, HTTP_HEAD_MAX + 100);
	feeds("\r\n\r\n");
	ck_assert_int_eq(http_read_request(&st, msg, &why), MEEK_EHEADTOOBIG);
	ck_assert_ptr_nonnull(why);
	free(big);
}
END_TEST

UNIT_TEST("limits", http_accepts_head_at_the_limit)
{
	char *head = malloc(HTTP_HEAD_MAX);
	const char *why = NULL;

	/* exactly HTTP_HEAD_MAX bytes, CRLFCRLF included, arriving in pieces */
	memset(head, 'v', HTTP_HEAD_MAX);
	memcpy(head, "GET / HTTP/1.1\r\nX: ", 19);
	memcpy(head + HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	feed(head, 4000);
	feed(head + 4000, HTTP_HEAD_MAX - 4000);
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_uint_eq(strlen(http_header_get(msg, "x")), HTTP_HEAD_MAX - 23);
	ck_assert_int_eq(http_parse_request_head(msg, (char *)rbuf, HTTP_HEAD_MAX + 1,
	    &why), MEEK_EHEADTOOBIG);
	free(head);
}
END_TEST

static void
many_headers(char *out, size_t cap, int n)
{
	size_t off = (size_t)snprintf(out, cap, "GET / HTTP/1.1\r\n");

	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, cap - off, "H%d: %d\r\n", i, i);
	snprintf(out + off, cap - off, "\r\n");
}

UNIT_TEST("limits", http_rejects_too_many_headers)
{
	char buf[2048];

	many_headers(buf, sizeof buf, HTTP_MAX_HEADERS);
	ck_assert_int_eq(parse_req(buf), 0);
	ck_assert_uint_eq(msg->nheaders, HTTP_MAX_HEADERS);
	ck_assert_str_eq(http_header_get(msg, "h63"), "63");
	many_headers(buf, sizeof buf, HTTP_MAX_HEADERS + 1);
	ck_assert_int_eq(request_of(buf), MEEK_EPROTO);
}
END_TEST

UNIT_TEST("malformed", http_rejects_bad_content_length,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	ck_assert_int_eq(request_of("POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
	    MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\n"
	    "Content-Length: 99999999999999999999\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "content-length: 005\r\n\r\n"), 0);
	ck_assert_int_eq(msg->content_length, 5);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\n"
	    "Content-Length: 9223372036854775807\r\n\r\n"), 0);
}
END_TEST

UNIT_TEST("malformed", http_rejects_content_length_with_transfer_encoding)
{
	ck_assert_int_eq(request_of("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), MEEK_EPROTO);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n"), MEEK_EPROTO);
}
END_TEST

UNIT_TEST("malformed", http_rejects_unknown_transfer_coding)
{
	ck_assert_int_eq(request_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
	    MEEK_EUNSUPPORTED);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n"), MEEK_EUNSUPPORTED);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    MEEK_EUNSUPPORTED);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	    MEEK_EUNSUPPORTED);
	ck_assert_int_eq(parse_req("POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n"),
	    MEEK_EPROTO);
}
END_TEST

UNIT_TEST("malformed", http_rejects_malformed_request_heads)
{
	static const char *const bad[] = {
		"POST / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
		"POST / HTTP/1.1\r\nX : a\r\n\r\n",
		"POST / HTTP/1.1\r\nX(y): a\r\n\r\n",
		"POST / HTTP/1.1\r\n: a\r\n\r\n",
		"POST / HTTP/1.1\r\nNoColon\r\n\r\n",
		"POST / HTTP/1.1\r\nX: a\rb\r\n\r\n",
		"POST / HTTP/1.1\r\nX: a\x01\r\n\r\n",
		"POST  / HTTP/1.1\r\n\r\n",
		"POST /\r\n\r\n",
		"POST / HTTP/1.1 \r\n\r\n",
		"POST / http/1.1\r\n\r\n",
		"POST / HTTP/1.10\r\n\r\n",
		"PO\"ST / HTTP/1.1\r\n\r\n",
		/* the memory parser wants exactly one head */
		"POST / HTTP/1.1\r\nX: a\r\n",
		"POST / HTTP/1.1\r\n\r\nbody",
		"",
	};

	heads_are_malformed(parse_req, bad, UNIT_N(bad));
	ck_assert_int_eq(request_of("POST / HTTP/2.0\r\n\r\n"), MEEK_EUNSUPPORTED);
}
END_TEST

UNIT_TEST("limits", http_rejects_body_over_cap)
{
	size_t len = 0;
	const char *why = NULL;

	/* Content-Length over the cap is refused before reading any of it */
	feeds("POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n");
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_int_eq(read_body(0, sizeof body, &len), MEEK_ETOOBIG);
	ck_assert_int_eq(stream_has_pending(&st), 0);
}
END_TEST

UNIT_TEST("limits", http_rejects_chunked_body_over_cap)
{
	size_t len = 0;
	const char *why = NULL;

	feeds("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n");
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	why = NULL;
	ck_assert_int_eq(http_read_body(&st, msg, 0, body, 7, &len, &why),
	    MEEK_ETOOBIG);
	ck_assert_ptr_nonnull(why);
}
END_TEST

UNIT_TEST("malformed", http_rejects_bad_chunk_syntax)
{
	static const char *const bad[] = {
		"zz\r\nab\r\n0\r\n\r\n",
		"\r\n",
		"2x\r\nab\r\n0\r\n\r\n",
		"10000000000000000\r\n",
		"2\r\nabX\r\n0\r\n\r\n",
		"2\r\nab\rX0\r\n\r\n",
		"-2\r\nab\r\n0\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		body_fails("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		    bad[i], MEEK_EPROTO, "accepted chunked body", i);
}
END_TEST

UNIT_TEST("eof", http_reports_clean_eof_and_idle_timeout,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	static const char *const ended[] = {
		"", "\r\n\r\n",
		/* A request cut short by EOF is the client's end, not a
		 * malformed request: no 400 for it (nginx answers nothing). */
		"GET / HTTP/1.1\r\nHost: a",
	};
	const char *why = NULL;

	for (size_t i = 0; i < sizeof ended / sizeof ended[0]; i++) {
		ck_assert_msg(request_of(ended[i]) == MEEK_ECLOSED,
		    "request %zu", i);
		teardown();
		setup();
	}
	stream_set_timeout(&st, 50);
	ck_assert_int_eq(http_read_request(&st, msg, &why), MEEK_ETIMEDOUT);
}
END_TEST

UNIT_TEST("eof", http_truncated_body_is_closed)
{
	static const char *const cut[] = {
		"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabcde",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
	};

	for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++)
		body_fails("", cut[i], MEEK_ECLOSED, "request", i);
}
END_TEST

UNIT_TEST("responses", http_reads_responses,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	const char *why = NULL;

	feeds("HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndata"
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n0\r\n\r\n"
	    "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
	    "HTTP/1.1 304\r\nContent-Length: 5\r\n\r\n"
	    "HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nrest of it");
	peer_eof();
	next_response(100);
	body_is(1, "");
	next_response(200);
	ck_assert_str_eq(msg->reason, "OK");
	ck_assert_ptr_null(msg->method);
	body_is(1, "data");
	next_response(200);
	ck_assert_int_eq(msg->chunked, 1);
	body_is(0, "abc");
	next_response(204);
	body_is(0, "");
	/* 304 has no body whatever its Content-Length says */
	next_response(304);
	ck_assert_str_eq(msg->reason, "");
	body_is(1, "");
	next_response(404);
	ck_assert_int_eq(msg->version_minor, 0);
	body_is(0, "rest of it");
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(http_read_response(&st, msg, &why), MEEK_ECLOSED);
}
END_TEST

UNIT_TEST("responses", http_read_to_eof_respects_cap)
{
	size_t len = 0;

	ck_assert_int_eq(head_of(http_read_response,
	    "HTTP/1.1 200 OK\r\n\r\n0123456789"), 0);
	ck_assert_int_eq(msg->keep_alive, 1);
	ck_assert_int_eq(read_body(0, 9, &len), MEEK_ETOOBIG);
	teardown();
	setup();
	ck_assert_int_eq(head_of(http_read_response,
	    "HTTP/1.1 200 OK\r\n\r\n0123456789"), 0);
	ck_assert_int_eq(read_body(0, 10, &len), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(msg->keep_alive, 0);
}
END_TEST

UNIT_TEST("responses", http_rejects_malformed_status_line)
{
	static const char *const bad[] = {
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 099 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTP/1.1 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\n\r\n",
	};

	heads_are_malformed(parse_resp, bad, UNIT_N(bad));
	ck_assert_int_eq(request_of("SSH-2.0-OpenSSH\r\n\r\n"), MEEK_EPROTO);
	teardown();
	setup();
	feeds("\r\nHTTP/1.1 200 OK\r\n\r\n");
	ck_assert_int_eq(http_read_response(&st, msg, &(const char *){ NULL }),
	    MEEK_EPROTO);
	ck_assert_int_eq(parse_resp("HTTP/1.1 999 Whatever it is\r\n\r\n"), 0);
	ck_assert_int_eq(msg->status, 999);
	ck_assert_str_eq(msg->reason, "Whatever it is");
}
END_TEST

UNIT_TEST("writers", http_writes_response_byte_exact,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	static const char want[] =
	    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: 3\r\nX-A: b\r\n\r\nxyz"
	    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n"
	    "HTTP/1.1 200 Fine\r\nContent-Length: 10000\r\n\r\n";
	char *out = malloc(64 * 1024);
	char *big = malloc(10000);
	size_t got;

	memset(big, 'q', 10000);
	ck_assert_int_eq(http_write_response(&st, 200, NULL, "application/octet-stream",
	    "X-A: b\r\n", "xyz", 3, 1), 0);
	ck_assert_int_eq(http_write_response(&st, 404, NULL, NULL, NULL, NULL, 0, 0), 0);
	ck_assert_int_eq(http_write_response(&st, 200, "Fine", NULL, NULL, big, 10000, 1), 0);
	ck_assert_int_eq(http_write_response(&st, 200, "OK\r\nX: y", NULL, NULL, NULL, 0, 1),
	    MEEK_EINVAL);
	got = drain(out, 64 * 1024);
	ck_assert_uint_eq(got, sizeof want - 1 + 10000);
	ck_assert_mem_eq(out, want, sizeof want - 1);
	ck_assert_mem_eq(out + sizeof want - 1, big, 10000);
	free(out);
	free(big);
}
END_TEST

UNIT_TEST("writers", http_writes_request_byte_exact)
{
	static const char want[] =
	    "POST /meek/ HTTP/1.1\r\nHost: meek.example:8443\r\n"
	    "Content-Length: 4\r\nX-Session-Id: abc\r\n\r\nPING"
	    "GET / HTTP/1.1\r\nHost: [::1]\r\nContent-Length: 0\r\n\r\n";
	char out[512];

	ck_assert_int_eq(http_write_request(&st, "POST", "meek.example:8443", "/meek/",
	    "X-Session-Id: abc\r\n", "PING", 4), 0);
	ck_assert_int_eq(http_write_request(&st, "GET", "[::1]", "/", NULL, NULL, 0), 0);
	ck_assert_int_eq(http_write_request(&st, "GET", "a\r\nX: y", "/", NULL, NULL, 0),
	    MEEK_EINVAL);
	ck_assert_uint_eq(drain(out, sizeof out), sizeof want - 1);
	ck_assert_mem_eq(out, want, sizeof want - 1);
}
END_TEST

UNIT_TEST("writers", http_writer_output_parses_back)
{
	struct stream back;
	unsigned char *brbuf = malloc(HTTP_HEAD_MAX);
	const char *why = NULL;
	size_t len = 0;

	stream_init(&back, peer, NULL, brbuf, HTTP_HEAD_MAX, TEST_TIMEOUT_MS);
	ck_assert_int_eq(http_write_request(&back, "POST", "h", "/x", NULL, "abc", 3), 0);
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	ck_assert_str_eq(http_header_get(msg, "host"), "h");
	ck_assert_int_eq(read_body(0, sizeof body, &len), 0);
	ck_assert_mem_eq(body, "abc", 3);
	ck_assert_int_eq(http_write_response(&st, 200, NULL, NULL, NULL, "de", 2, 0), 0);
	ck_assert_int_eq(http_read_response(&back, msg, &why), 0);
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(http_read_body(&back, msg, 0, body, sizeof body, &len, &why), 0);
	ck_assert_mem_eq(body, "de", 2);
	stream_close(&back);
	peer = -1;
	free(brbuf);
}
END_TEST

UNIT_TEST("writers", http_reason_covers_used_statuses)
{
	ck_assert_str_eq(http_reason(200), "OK");
	ck_assert_str_eq(http_reason(400), "Bad Request");
	ck_assert_str_eq(http_reason(403), "Forbidden");
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_str_eq(http_reason(405), "Method Not Allowed");
	ck_assert_str_eq(http_reason(408), "Request Timeout");
	ck_assert_str_eq(http_reason(411), "Length Required");
	ck_assert_str_eq(http_reason(413), "Request Entity Too Large");
	ck_assert_str_eq(http_reason(421), "Misdirected Request");
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason(500), "Internal Server Error");
	ck_assert_str_eq(http_reason(501), "Not Implemented");
	ck_assert_str_eq(http_reason(502), "Bad Gateway");
	ck_assert_str_eq(http_reason(503), "Service Unavailable");
	ck_assert_str_eq(http_reason(504), "Gateway Timeout");
	ck_assert_str_eq(http_reason(505), "HTTP Version Not Supported");
	ck_assert_ptr_nonnull(http_reason(799));
}
END_TEST

/* Reads a whole body piece by piece, at most `step` bytes per call. */
static long
body_pieces(struct http_body *b, size_t step, unsigned char *out, size_t cap)
{
	const char *why = NULL;
	size_t got = 0;
	long n;

	while ((n = http_body_read(&st, b, out + got,
	    cap - got < step ? cap - got : step, &why)) > 0)
		got += (size_t)n;
	return n < 0 ? n : (long)got;
}

UNIT_TEST("incremental", http_body_reads_chunked_in_pieces,
    .timeout = 60, .setup = setup, .teardown = teardown)
{
	struct http_body b;
	unsigned char out[64];
	const char *why = NULL;

	feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-T: 1\r\n\r\n"
	    "HTTP/1.1 204 No Content\r\n\r\n");
	ck_assert_int_eq(http_read_response(&st, msg, &why), 0);
	http_body_begin(&b, msg, 1);
	ck_assert_int_eq(body_pieces(&b, 3, out, sizeof out), 12);
	ck_assert_mem_eq(out, "hello world!", 12);
	ck_assert_int_eq(b.done, 1);
	ck_assert_int_eq(http_body_read(&st, &b, out, sizeof out, &why), 0);
	/* the stream is in sync: the next response follows */
	ck_assert_int_eq(http_read_response(&st, msg, &why), 0);
	ck_assert_int_eq(msg->status, 204);
}
END_TEST

UNIT_TEST("incremental", http_body_reads_content_length_and_stops)
{
	struct http_body b;
	unsigned char out[64];
	const char *why = NULL;

	feeds("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789NEXT");
	ck_assert_int_eq(http_read_request(&st, msg, &why), 0);
	http_body_begin(&b, msg, 0);
	ck_assert_int_eq(http_body_read_full(&st, &b, out, 4, &why), 0);
	ck_assert_mem_eq(out, "0123", 4);
	ck_assert_int_eq(body_pieces(&b, 64, out, sizeof out), 6);
	ck_assert_mem_eq(out, "456789", 6);
	ck_assert_int_eq(http_body_read_full(&st, &b, out, 1, &why), MEEK_ECLOSED);
}
END_TEST

/* Reads the response head fed so far, then with http_body_read its body's
 * first 3 bytes and then the error `err`. */
static void
body_fails_after_three(int err)
{
	struct http_body b;
	unsigned char out[64];
	const char *why = NULL;

	ck_assert_int_eq(http_read_response(&st, msg, &why), 0);
	http_body_begin(&b, msg, 1);
	ck_assert_int_eq(http_body_read(&st, &b, out, sizeof out, &why), 3);
	ck_assert_int_eq(http_body_read(&st, &b, out, sizeof out, &why), err);
}

UNIT_TEST("incremental", http_body_reports_errors)
{
	feeds("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabcX\r\n");
	body_fails_after_three(MEEK_EPROTO);
}
END_TEST

UNIT_TEST("incremental", http_body_truncated_is_closed)
{
	feeds("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc");
	peer_eof();
	body_fails_after_three(MEEK_ECLOSED);
}
END_TEST

UNIT_TEST("incremental", http_body_no_body_cases)
{
	struct http_body b;
	unsigned char out[8];
	const char *why = NULL;

	feeds("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"
	    "HTTP/1.1 200 OK\r\n\r\nuntil eof");
	peer_eof();
	ck_assert_int_eq(http_read_response(&st, msg, &why), 0);
	http_body_begin(&b, msg, 1);
	ck_assert_int_eq(http_body_read(&st, &b, out, sizeof out, &why), 0);
	ck_assert_int_eq(http_read_response(&st, msg, &why), 0);
	http_body_begin(&b, msg, 1);
	ck_assert_int_eq(msg->keep_alive, 0);
	ck_assert_int_eq(body_pieces(&b, 4, out, sizeof out), 8);
	ck_assert_mem_eq(out, "until eo", 8);
}
END_TEST

UNIT_TEST("writers", http_chunk_writers_round_trip)
{
	struct http_body b;
	char out[512];
	unsigned char got[64];
	const char *why = NULL;
	size_t n;
	struct stream rd;
	unsigned char rb[HTTP_HEAD_MAX];

	ck_assert_int_eq(http_write_chunked_head(&st, 200, NULL,
	    "application/octet-stream", "X-Meek-Ext: 1\r\n", 1), 0);
	ck_assert_int_eq(http_write_chunk(&st, "abc", 3), 0);
	ck_assert_int_eq(http_write_chunk(&st, "defgh", 5), 0);
	ck_assert_int_eq(http_write_chunk(&st, NULL, 0), 0);
	ck_assert_int_eq(stream_flush(&st), 0);
	n = drain(out, sizeof out - 1);
	out[n] = '\0';
	ck_assert_str_eq(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Transfer-Encoding: chunked\r\nX-Meek-Ext: 1\r\n\r\n"
	    "3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n");
	/* ... and our reader takes it back. */
	{
		int sv[2];

		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		ck_assert_int_eq(write(sv[1], out, n), (ssize_t)n);
		close(sv[1]);
		stream_init(&rd, sv[0], NULL, rb, sizeof rb, TEST_TIMEOUT_MS);
		ck_assert_int_eq(http_read_response(&rd, msg, &why), 0);
		http_body_begin(&b, msg, 1);
		ck_assert_int_eq(http_body_read_full(&rd, &b, got, 8, &why), 0);
		ck_assert_mem_eq(got, "abcdefgh", 8);
		ck_assert_int_eq(http_body_read(&rd, &b, got, 8, &why), 0);
		stream_close(&rd);
	}
}
END_TEST

UNIT_TEST("writers", http_writes_request_head_byte_exact)
{
	char out[256];
	size_t n;

	ck_assert_int_eq(http_write_request_head(&st, "POST", "example.com",
	    "/m", "X-Session-Id: abcdefgh\r\n", 1048576ULL), 0);
	ck_assert_int_eq(stream_write(&st, "xy", 2), 0);
	ck_assert_int_eq(stream_flush(&st), 0);
	n = drain(out, sizeof out - 1);
	out[n] = '\0';
	ck_assert_str_eq(out, "POST /m HTTP/1.1\r\nHost: example.com\r\n"
	    "Content-Length: 1048576\r\nX-Session-Id: abcdefgh\r\n\r\nxy");
	ck_assert_int_eq(http_write_request_head(&st, "PO ST", "h", "/", NULL,
	    0), MEEK_EINVAL);
}
END_TEST

UNIT_TEST("requests", http_request_head_end_finds_whole_heads)
{
	static const struct { const char *in; size_t want; } v[] = {
		{ "POST / HTTP/1.1\r\nHost: x\r\n\r\nbody", 28 },
		{ "POST / HTTP/1.1\nHost: x\n\n", 25 },
		{ "\r\n\r\nPOST / HTTP/1.1\r\n\r\n", 23 },  /* leading empty lines */
		{ "POST / HTTP/1.1\r\nHost: x\r\n", 0 },     /* not yet */
		{ "POST / HTTP/1.1\r\nHost: x\r\n\r", 0 },
		{ "\r\n\r\n", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		ck_assert_msg(http_request_head_end((const unsigned char *)v[i].in,
		    strlen(v[i].in)) == v[i].want, "case %zu", i);
}
END_TEST
