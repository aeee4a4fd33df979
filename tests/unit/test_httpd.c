/* shared/httpd: what meek-server and meek-reflect answer to each kind of
 * request before their own handlers, as bytes in and bytes out over a
 * socketpair. */
#include "config.h"
#include "shared/conn.h"
#include "shared/err.h"
#include "shared/http.h"
#include "shared/httpd.h"
#include "shared/pool.h"
#include "tests/unit/unit.h"

#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "httpd"

#define T_MS 5000

/* One request: its bytes (the client then closes its sending side), the
 * body limit, what httpd_read() returns, the status it answered with (0:
 * none), and, for a request left to the caller, its body. */
struct httpd_case {
	const char *name;
	const char *in;
	size_t cap;
	int ret;
	int status;
	int verdict;            /* when ret is 0 */
	const char *body;       /* when ret is 1 */
};

static const struct httpd_case httpd_cases[] = {
	{ "post with a body", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Content-Length: 3\r\n\r\nabc", 64, 1, 0, 0, "abc" },
	{ "chunked body", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
	  64, 1, 0, 0, "abcde" },
	{ "100-continue before the body", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nok", 64, 1, 100,
	  0, "ok" },
	{ "malformed request line", "BLAH\r\n\r\n", 64, 0, 400, POOL_CLOSE,
	  NULL },
	{ "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 64, 0, 505,
	  POOL_CLOSE, NULL },
	{ "unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Transfer-Encoding: gzip\r\n\r\n", 64, 0, 501, POOL_CLOSE, NULL },
	{ "announced body over the limit", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Content-Length: 65\r\n\r\n", 64, 0, 413, POOL_CLOSE, NULL },
	{ "chunked body over the limit", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n", 4, 0,
	  413, POOL_CLOSE, NULL },
	{ "malformed chunk size", "POST / HTTP/1.1\r\nHost: x\r\n"
	  "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 64, 0, 400, POOL_CLOSE,
	  NULL },
	{ "a head cut short by the client's EOF: no answer",
	  "POST / HTTP/1.1\r\nHost:", 64, 0, 0, POOL_CLOSE, NULL },
	{ "nothing before the client's EOF", "", 64, 0, 0, POOL_CLOSE, NULL },
	{ "a body cut short by the client's EOF", "POST / HTTP/1.1\r\n"
	  "Host: x\r\nContent-Length: 9\r\n\r\nabc", 64, 0, 0, POOL_CLOSE,
	  NULL },
};

/* What the server wrote, up to `cap` - 1 bytes, NUL-terminated (the
 * server's side is closed first, so this ends). */
static size_t
httpd_drain(int fd, char *out, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (r = read(fd, out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	return n;
}

/* A server connection on one end of a socketpair with `in` written and
 * the sending side shut; *cli gets the other end. */
static struct conn *
httpd_conn(const char *in, size_t len, int *cli)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct conn *c;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[1], in, len), (ssize_t)len);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	c = conn_new(sv[0], (struct sockaddr *)&sin, sizeof sin, T_MS);
	ck_assert_ptr_nonnull(c);
	*cli = sv[1];
	return c;
}

UNIT_TEST("answers", httpd_answers_each_kind_of_request,
    .loops = (int)UNIT_N(httpd_cases))
{
	const struct httpd_case *t = &httpd_cases[_i];
	struct http_msg *m = calloc(1, sizeof *m);
	unsigned char body[128];
	char out[4096], want[32];
	size_t len = 99;
	int cli, verdict = -1, ret;
	struct conn *c = httpd_conn(t->in, strlen(t->in), &cli);

	ck_assert_ptr_nonnull(m);
	ret = httpd_read(c, m, body, t->cap, &len, &verdict);
	ck_assert_msg(ret == t->ret, "%s: returned %d", t->name, ret);
	if (ret == 0)
		ck_assert_msg(verdict == t->verdict, "%s: verdict %d", t->name,
		    verdict);
	else
		ck_assert_msg(len == strlen(t->body) &&
		    memcmp(body, t->body, len) == 0, "%s: body", t->name);
	conn_free(c);
	httpd_drain(cli, out, sizeof out);
	if (t->status == 0) {
		ck_assert_msg(out[0] == '\0', "%s: answered %s", t->name, out);
	} else {
		snprintf(want, sizeof want, "HTTP/1.1 %d ", t->status);
		ck_assert_msg(strncmp(out, want, strlen(want)) == 0,
		    "%s: answered %.40s", t->name, out);
	}
	close(cli);
	free(m);
}
END_TEST

/* Non-POST requests: GET / gets Go's page, another path 404, another
 * method 405 with Allow; the client's keep-alive is kept. */
UNIT_TEST("answers", httpd_answers_other_methods)
{
	static const struct {
		const char *in, *status, *has;
	} t[] = {
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 ",
		  HTTPD_GET_BODY },
		{ "GET /?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 ",
		  HTTPD_GET_BODY },
		{ "GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n",
		  "HTTP/1.1 404 ", "404 Not Found" },
		{ "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
		  "HTTP/1.1 405 ", "Allow: GET, POST" },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct http_msg *m = calloc(1, sizeof *m);
		unsigned char body[16];
		char out[4096];
		size_t len;
		int cli, verdict;
		struct conn *c = httpd_conn(t[i].in, strlen(t[i].in), &cli);

		ck_assert_ptr_nonnull(m);
		ck_assert_int_eq(httpd_read(c, m, body, sizeof body, &len,
		    &verdict), 1);
		ck_assert_int_eq(httpd_answer_other(&c->st, m), POOL_KEEP);
		conn_free(c);
		httpd_drain(cli, out, sizeof out);
		ck_assert_msg(strncmp(out, t[i].status, strlen(t[i].status)) == 0,
		    "%s: %.40s", t[i].in, out);
		ck_assert_msg(strstr(out, t[i].has) != NULL, "%s: %s", t[i].in,
		    out);
		ck_assert_msg(strstr(out, "Server: " HTTPD_SERVER "\r\n") != NULL,
		    "%s: no Server line", t[i].in);
		close(cli);
		free(m);
	}
}
END_TEST
