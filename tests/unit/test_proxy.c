/* proxy: TOR_PT_PROXY parsing vectors, and proxy_dial through fake HTTP
 * and SOCKS proxies listening on 127.0.0.1 (kernel-picked ports). */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "shared/err.h"
#include "shared/proxy.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "proxy"

#define T_TIMEOUT 10000

UNIT_TEST("parse", proxy_parses_valid_forms)
{
	struct proxy p;
	const char *why = NULL;

	ck_assert_int_eq(proxy_parse(&p, "http://127.0.0.1:8080", &why), 0);
	ck_assert_int_eq(p.type, PROXY_HTTP);
	ck_assert_str_eq(p.host, "127.0.0.1");
	ck_assert_uint_eq(p.port, 8080);
	ck_assert_int_eq(p.has_auth, 0);

	/* Credentials are not percent-encoded: ':' and '@' may appear. */
	ck_assert_int_eq(proxy_parse(&p, "http://user:pa:s@s@192.0.2.1:3128",
	    &why), 0);
	ck_assert_int_eq(p.has_auth, 1);
	ck_assert_str_eq(p.user, "user");
	ck_assert_str_eq(p.pass, "pa:s@s");
	ck_assert_str_eq(p.host, "192.0.2.1");
	ck_assert_uint_eq(p.port, 3128);

	ck_assert_int_eq(proxy_parse(&p, "socks5://u:p@[::1]:1080", &why), 0);
	ck_assert_int_eq(p.type, PROXY_SOCKS5);
	ck_assert_str_eq(p.host, "::1");
	ck_assert_uint_eq(p.port, 1080);
	ck_assert_str_eq(p.user, "u");
	ck_assert_str_eq(p.pass, "p");

	ck_assert_int_eq(proxy_parse(&p, "socks5://192.0.2.1:65535", &why), 0);
	ck_assert_int_eq(p.has_auth, 0);
	ck_assert_uint_eq(p.port, 65535);

	ck_assert_int_eq(proxy_parse(&p, "socks4a://192.0.2.1:9050", &why), 0);
	ck_assert_int_eq(p.type, PROXY_SOCKS4A);
	ck_assert_int_eq(p.has_auth, 0);
}
END_TEST

UNIT_TEST("parse", proxy_rejects_bad_forms)
{
	static const char *const bad[] = {
		"socks4a://user:pass@192.0.2.1:9050", /* socks4a password */
		"http://127.0.0.1:8080/",            /* path */
		"http://127.0.0.1:8080/x",
		"http://127.0.0.1:8080?a=b",
		"http://127.0.0.1:8080#f",
		"http://127.0.0.1",                  /* missing port */
		"http://127.0.0.1:",
		"socks5://[::1]",
		"http://[::1:80",
		"http://::1:80",                     /* v6 needs brackets */
		"http://127.0.0.1:0",
		"http://127.0.0.1:65536",
		"http://127.0.0.1:8x",
		"http://:8080",
		"ftp://127.0.0.1:21",                /* unknown scheme */
		"https://127.0.0.1:443",
		"127.0.0.1:1080",
		"",
		"socks5://user@192.0.2.1:1080",       /* socks5 needs both */
		"socks5://:pass@192.0.2.1:1080",
		"socks5://user:@192.0.2.1:1080",
	};
	struct proxy p;
	char longer[400];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;

		ck_assert_msg(proxy_parse(&p, bad[i], &why) == MEEK_EINVAL,
		    "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	/* 256-byte socks5 username. */
	memcpy(longer, "socks5://", 9);
	memset(longer + 9, 'u', 256);
	strcpy(longer + 9 + 256, ":p@192.0.2.1:1080");
	ck_assert_int_eq(proxy_parse(&p, longer, NULL), MEEK_EINVAL);
	/* 255 bytes is fine. */
	memmove(longer + 9, longer + 10, strlen(longer + 10) + 1);
	ck_assert_int_eq(proxy_parse(&p, longer, NULL), 0);
	ck_assert_uint_eq(strlen(p.user), 255);
}
END_TEST

/* A fake proxy accepting one connection on 127.0.0.1. */
enum fake_kind { FAKE_HTTP, FAKE_SOCKS5, FAKE_SOCKS4A, FAKE_ACCEPT };

struct fake {
	int lfd;
	uint16_t port;
	enum fake_kind kind;
	const char *response;   /* FAKE_HTTP: sent after the request head */
	char head[2048];        /* what the client sent (FAKE_HTTP) */
	char user[256], pass[256], host[256];
	unsigned tport;
	int ok;
	pthread_t thread;
};

static void
fake_http(struct fake *f, int fd)
{
	size_t n = 0;

	while (n < sizeof f->head - 1) {
		if (peer_get(fd, f->head + n, 1) < 0)
			return;
		n++;
		if (n >= 4 && memcmp(f->head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	f->head[n] = '\0';
	peer_put(fd, f->response, strlen(f->response));
	f->ok = 1;
}

static void
fake_socks5(struct fake *f, int fd)
{
	unsigned char b[8], l;

	if (peer_get(fd, b, 4) < 0 || memcmp(b, "\x05\x02\x00\x02", 4) != 0)
		return;
	peer_put(fd, "\x05\x02", 2);
	if (peer_get(fd, b, 2) < 0 || peer_get(fd, f->user, b[1]) < 0 ||
	    peer_get(fd, &l, 1) < 0 || peer_get(fd, f->pass, l) < 0)
		return;
	peer_put(fd, "\x01\x00", 2);
	if (peer_get(fd, b, 5) < 0 || memcmp(b, "\x05\x01\x00\x03", 4) != 0 ||
	    peer_get(fd, f->host, b[4]) < 0 || peer_get(fd, b, 2) < 0)
		return;
	f->tport = (unsigned)(b[0] << 8 | b[1]);
	peer_put(fd, "\x05\x00\x00\x01\x7f\0\0\x01\x04\x38" "HELLO", 15);
	f->ok = 1;
}

static void
fake_socks4a(struct fake *f, int fd)
{
	unsigned char b[8];
	size_t n;

	if (peer_get(fd, b, 8) < 0 || memcmp(b, "\x04\x01", 2) != 0 ||
	    memcmp(b + 4, "\0\0\0\x01", 4) != 0 || peer_get(fd, &b[0], 1) < 0 ||
	    b[0] != 0)
		return;
	for (n = 0; n < sizeof f->host - 1; n++) {
		if (peer_get(fd, f->host + n, 1) < 0)
			return;
		if (f->host[n] == '\0')
			break;
	}
	peer_put(fd, "\x00\x5a\0\0\0\0\0\0HELLO", 13);
	f->ok = 1;
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	switch (f->kind) {
	case FAKE_HTTP:
		fake_http(f, fd);
		break;
	case FAKE_SOCKS5:
		fake_socks5(f, fd);
		break;
	case FAKE_SOCKS4A:
		fake_socks4a(f, fd);
		break;
	case FAKE_ACCEPT:
		peer_put(fd, "HELLO", 5);
		f->ok = 1;
		break;
	}
	/* Wait for the client to close so our bytes are not reset away. */
	peer_drain(fd);
	close(fd);
	return NULL;
}

static void
fake_start(struct fake *f, enum fake_kind kind, const char *response)
{
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->response = response;
	f->lfd = peer_listen(&f->port);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f, int fd)
{
	if (fd >= 0)
		close(fd);
	else
		shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->thread, NULL);
	close(f->lfd);
}

static void
expect_hello(int fd)
{
	peer_expect(fd, "HELLO", 5);
}

static void
parse_for(struct proxy *p, const char *prefix, const struct fake *f)
{
	char uri[512];

	snprintf(uri, sizeof uri, "%s127.0.0.1:%u", prefix, (unsigned)f->port);
	ck_assert_int_eq(proxy_parse(p, uri, NULL), 0);
}

/* Starts a fake of `kind`, dials host:port through it (its URI is
 * prefix127.0.0.1:port) and checks the tunnel's first bytes; returns the
 * tunnel, for fake_stop(). */
static int
dial_via(struct fake *f, enum fake_kind kind, const char *response,
    const char *prefix, const char *host, uint16_t port)
{
	struct proxy p;
	const char *why = NULL;
	int fd;

	fake_start(f, kind, response);
	parse_for(&p, prefix, f);
	fd = proxy_dial(&p, host, port, T_TIMEOUT, &why);
	ck_assert_msg(fd >= 0, "proxy_dial: %d %s", fd, why ? why : "");
	/* The tunnel's first bytes were not swallowed with the head. */
	expect_hello(fd);
	return fd;
}

UNIT_TEST("dial", proxy_http_connect_with_basic_auth)
{
	static const char want[] =
	    "CONNECT bridge.example:443 HTTP/1.1\r\n"
	    "Host: bridge.example:443\r\n"
	    "Proxy-Authorization: Basic dXNlcjpwYTpzcw==\r\n\r\n";
	struct fake f;

	fake_stop(&f, dial_via(&f, FAKE_HTTP,
	    "HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\nHELLO",
	    "http://user:pa:ss@", "bridge.example", 443));
	ck_assert_int_eq(f.ok, 1);
	ck_assert_str_eq(f.head, want);
}
END_TEST

UNIT_TEST("dial", proxy_http_connect_ipv6_target_no_auth)
{
	static const char want[] =
	    "CONNECT [2001:db8::1]:80 HTTP/1.1\r\n"
	    "Host: [2001:db8::1]:80\r\n\r\n";
	struct fake f;

	fake_stop(&f, dial_via(&f, FAKE_HTTP, "HTTP/1.0 200 OK\r\n\r\nHELLO",
	    "http://", "2001:db8::1", 80));
	ck_assert_str_eq(f.head, want);
}
END_TEST

/* Dials bridge.example:443 through a FAKE_HTTP answering `response`
 * (its URI is prefix127.0.0.1:port); returns what proxy_dial returned. */
static int
http_dial_result(const char *response, const char *prefix, const char **why)
{
	struct fake f;
	struct proxy p;
	int rc;

	fake_start(&f, FAKE_HTTP, response);
	parse_for(&p, prefix, &f);
	rc = proxy_dial(&p, "bridge.example", 443, T_TIMEOUT, why);
	fake_stop(&f, rc);
	return rc;
}

UNIT_TEST("dial", proxy_http_refusal)
{
	const char *why = NULL;

	ck_assert_int_eq(http_dial_result(
	    "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "http://",
	    &why), MEEK_EPROXY);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(http_dial_result(
	    "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", "http://a:b@",
	    &why), MEEK_EAUTH);
	ck_assert_int_eq(http_dial_result("SSH-2.0-OpenSSH\r\n\r\n", "http://",
	    &why), MEEK_EPROXY);
}
END_TEST

UNIT_TEST("dial", proxy_socks5_dial)
{
	struct fake f;

	fake_stop(&f, dial_via(&f, FAKE_SOCKS5, NULL, "socks5://alice:secret@",
	    "bridge.example", 443));
	ck_assert_int_eq(f.ok, 1);
	ck_assert_str_eq(f.user, "alice");
	ck_assert_str_eq(f.pass, "secret");
	ck_assert_str_eq(f.host, "bridge.example");
	ck_assert_uint_eq(f.tport, 443);
}
END_TEST

UNIT_TEST("dial", proxy_socks4a_dial)
{
	struct fake f;

	fake_stop(&f, dial_via(&f, FAKE_SOCKS4A, NULL, "socks4a://",
	    "bridge.example", 443));
	ck_assert_str_eq(f.host, "bridge.example");
}
END_TEST

UNIT_TEST("dial", proxy_none_dials_directly)
{
	struct fake f;
	struct proxy p;
	const char *why = NULL;
	int fd;

	fake_start(&f, FAKE_ACCEPT, NULL);
	fd = proxy_dial(NULL, "127.0.0.1", f.port, T_TIMEOUT, &why);
	ck_assert_msg(fd >= 0, "proxy_dial: %d %s", fd, why ? why : "");
	expect_hello(fd);
	fake_stop(&f, fd);

	memset(&p, 0, sizeof p);
	p.type = PROXY_NONE;
	fake_start(&f, FAKE_ACCEPT, NULL);
	fd = proxy_dial(&p, "127.0.0.1", f.port, T_TIMEOUT, &why);
	ck_assert_int_ge(fd, 0);
	expect_hello(fd);
	fake_stop(&f, fd);
}
END_TEST

UNIT_TEST("dial", proxy_unreachable_proxy_fails_closed)
{
	struct proxy p;
	uint16_t port;
	char uri[64];
	const char *why = NULL;
	int lfd = peer_listen(&port);

	close(lfd);
	snprintf(uri, sizeof uri, "socks5://127.0.0.1:%u", (unsigned)port);
	ck_assert_int_eq(proxy_parse(&p, uri, NULL), 0);
	ck_assert_int_lt(proxy_dial(&p, "127.0.0.1", 1, T_TIMEOUT, &why), 0);
}
END_TEST
