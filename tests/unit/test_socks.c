/* socks: server handshake over socketpairs (the test plays tor, writing
 * its bytes up front) and client handshakes against fake proxy threads. */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "shared/err.h"
#include "shared/socks.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "socks"

#define T_TIMEOUT 10000

static int sp[2];

static void
sp_setup(void)
{
	peer_pair(sp);
}

static void
sp_teardown(void)
{
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	sp[0] = sp[1] = -1;
}

static void
put(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
}

/* After the server side is closed, nothing more may be readable (EOF,
 * or ECONNRESET when unread input was discarded). */
static void
expect_eof(void)
{
	unsigned char c;

	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_le(read(sp[1], &c, 1), 0);
}

static const unsigned char req5_v4[] = {
	0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x01, 0xbb
};

/* 01 ULEN UNAME PLEN PASSWD as tor builds it from an arg string. */
static void
put_userpass(int fd, const char *args, size_t len)
{
	unsigned char b[600];
	size_t n = 0, ul = len <= 255 ? len : 255;

	b[n++] = 0x01;
	b[n++] = (unsigned char)ul;
	memcpy(b + n, args, ul);
	n += ul;
	if (len <= 255) {
		b[n++] = 1;
		b[n++] = 0;
	} else {
		b[n++] = (unsigned char)(len - 255);
		memcpy(b + n, args + 255, len - 255);
		n += len - 255;
	}
	put(fd, b, n);
}

/* Plays tor: the greeting, the arguments as username/password and a
 * CONNECT to 127.0.0.1:443; the server's handshake must take them into
 * req. */
static void
handshake_with_args(const unsigned char *greet, size_t greet_len,
    const char *args, size_t len, struct socks_request *req)
{
	const char *why = NULL;

	put(sp[1], greet, greet_len);
	put_userpass(sp[1], args, len);
	put(sp[1], req5_v4, sizeof req5_v4);
	ck_assert_int_eq(socks_server_handshake(sp[0], req, T_TIMEOUT, &why),
	    0);
}

/* The server replies `rep` to req: tor reads exactly want[len]. */
static void
reply_is(const struct socks_request *req, int rep, const void *want,
    size_t len)
{
	ck_assert_int_eq(socks_server_reply(sp[0], req, rep, T_TIMEOUT), 0);
	peer_expect(sp[1], want, len);
}

/* One server handshake per case: the bytes tor sends, what
 * socks_server_handshake() returns, the bytes it answers, whether it
 * closes, and for a request it accepts, the target and the arguments. */
static const struct socks_case {
	const char *name;
	unsigned char in[40];
	size_t in_len;
	int rc;
	unsigned char out[16];
	size_t out_len;
	int eof;                /* the server side closes after it */
	const char *host, *args;
	unsigned port;
	int version;
} socks_cases[] = {
	{ "socks5 no auth only",
	  { 5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, 0x01, 0xbb }, 13,
	  0, { 5, 0 }, 2, 0, "127.0.0.1", "", 443, 5 },
	{ "socks5 prefers username/password (the args)",
	  { 5, 3, 1, 0, 2, 1, 3, 'a', '=', 'b', 1, 0,
	    5, 1, 0, 1, 127, 0, 0, 1, 0x01, 0xbb }, 22,
	  0, { 5, 2, 1, 0 }, 4, 0, "127.0.0.1", "a=b", 443, 5 },
	{ "socks5 no acceptable method", { 5, 2, 1, 3 }, 4,
	  MEEK_EUNSUPPORTED, { 5, 0xff }, 2, 1, NULL, NULL, 0, 0 },
	{ "socks5 empty username", { 5, 1, 2, 1, 0 }, 5,
	  MEEK_EPROTO, { 5, 2, 1, 1 }, 4, 1, NULL, NULL, 0, 0 },
	{ "socks5 empty password", { 5, 1, 2, 1, 1, 'x', 0 }, 7,
	  MEEK_EPROTO, { 5, 2, 1, 1 }, 4, 1, NULL, NULL, 0, 0 },
	{ "socks5 BIND", { 5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 80 }, 13,
	  MEEK_EUNSUPPORTED, { 5, 0, 5, 7, 0, 1, 0, 0, 0, 0, 0, 0 }, 12, 0,
	  NULL, NULL, 0, 0 },
	{ "socks5 unknown address type", { 5, 1, 0, 5, 1, 0, 5, 1, 2, 3, 4, 0, 80 },
	  13, MEEK_EUNSUPPORTED, { 5, 0, 5, 8, 0, 1, 0, 0, 0, 0, 0, 0 }, 12, 0,
	  NULL, NULL, 0, 0 },
	{ "socks5 domain target",
	  { 5, 1, 0, 5, 1, 0, 3, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
	    'c', 'o', 'm', 0x1f, 0x90 }, 21,
	  0, { 5, 0 }, 2, 0, "example.com", "", 8080, 5 },
	{ "socks5 IPv6 target",
	  { 5, 1, 0, 5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 4, 0, 0x50 }, 25,
	  0, { 5, 0 }, 2, 0, "2001:db8::4", "", 80, 5 },
	{ "socks4a (a host name)",
	  { 4, 1, 0, 0x50, 0, 0, 0, 1, 0, 'b', 'r', 'i', 'd', 'g', 'e', '.',
	    'e', 'x', 0 }, 19,
	  0, { 0 }, 0, 0, "bridge.ex", "", 80, 4 },
	{ "socks4 BIND", { 4, 2, 0, 0x50, 1, 2, 3, 4, 0 }, 9,
	  MEEK_EUNSUPPORTED, { 0, 0x5b, 0, 0x50, 0, 0, 0, 0 }, 8, 0,
	  NULL, NULL, 0, 0 },
	{ "HTTP instead of SOCKS", "GET / HTTP/1.1\r\n\r\n", 18,
	  MEEK_EPROTO, { 0 }, 0, 1, NULL, NULL, 0, 0 },
};

UNIT_TEST("socks5_server", socks_server_cases,
    .loops = (int)UNIT_N(socks_cases), .setup = sp_setup, .teardown = sp_teardown)
{
	const struct socks_case *t = &socks_cases[_i];
	struct socks_request req;
	const char *why = NULL;
	int rc;

	put(sp[1], t->in, t->in_len);
	rc = socks_server_handshake(sp[0], &req, T_TIMEOUT, &why);
	ck_assert_msg(rc == t->rc, "%s: rc %d, want %d", t->name, rc, t->rc);
	if (rc != 0)
		ck_assert_msg(why != NULL, "%s: no why", t->name);
	if (t->out_len > 0)
		peer_expect(sp[1], t->out, t->out_len);
	if (rc == 0) {
		ck_assert_msg(req.version == t->version, "%s: version %d",
		    t->name, req.version);
		ck_assert_msg(strcmp(req.host, t->host) == 0 && req.port == t->port,
		    "%s: target %s port %u", t->name, req.host, (unsigned)req.port);
		ck_assert_msg(strcmp(req.args, t->args) == 0 &&
		    req.args_len == strlen(t->args), "%s: args '%s'", t->name,
		    req.args);
	}
	if (t->eof)
		expect_eof();
}
END_TEST

UNIT_TEST("socks5_server", socks_socks5_args_single_nul_password)
{
	static const unsigned char greet[] = { 0x05, 0x02, 0x00, 0x02 };
	static const unsigned char ok[] = { 0x05, 0x02, 0x01, 0x00 };
	static const unsigned char rep[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	const char *args = "url=https://meek.example/;front=cdn.example";
	struct socks_request req;

	handshake_with_args(greet, sizeof greet, args, strlen(args), &req);
	ck_assert_int_eq(req.version, 5);
	ck_assert_uint_eq(req.args_len, strlen(args));
	ck_assert_str_eq(req.args, args);
	ck_assert_str_eq(req.host, "127.0.0.1");
	ck_assert_uint_eq(req.port, 443);
	peer_expect(sp[1], ok, sizeof ok);
	reply_is(&req, SOCKS_REP_OK, rep, sizeof rep);
	expect_eof();
}
END_TEST

UNIT_TEST("socks5_server", socks_socks5_args_split_over_uname_passwd)
{
	static const unsigned char greet[] = { 0x05, 0x01, 0x02 };
	char args[511];
	struct socks_request req;

	/* 510 bytes with an escape straddling the 255-byte split. */
	for (size_t i = 0; i < 510; i++)
		args[i] = (char)('a' + i % 26);
	args[254] = '\\';
	args[255] = ';';
	args[510] = '\0';
	handshake_with_args(greet, sizeof greet, args, 510, &req);
	ck_assert_uint_eq(req.args_len, 510);
	ck_assert_mem_eq(req.args, args, 511);

	/* 256 bytes: PASSWD is one real byte, not the NUL marker. */
	sp_teardown();
	sp_setup();
	args[256] = '\0';
	handshake_with_args(greet, sizeof greet, args, 256, &req);
	ck_assert_uint_eq(req.args_len, 256);
	ck_assert_str_eq(req.args, args);
}
END_TEST

UNIT_TEST("socks5_server", socks_socks5_failure_reply_bytes)
{
	static const unsigned char out[] = { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 };
	struct socks_request req;

	memset(&req, 0, sizeof req);
	req.version = 5;
	reply_is(&req, socks_rep_from_err(MEEK_ECONNREFUSED), out, sizeof out);
}
END_TEST

UNIT_TEST("socks4_server", socks_socks4_request,
    .setup = sp_setup, .teardown = sp_teardown)
{
	static const unsigned char in[] = {
		0x04, 0x01, 0x01, 0xbb, 192, 0, 2, 7, 'k', '=', 'v', 0x00
	};
	static const unsigned char ok[] = { 0x00, 0x5a, 0x01, 0xbb, 0, 0, 0, 0 };
	static const unsigned char no[] = { 0x00, 0x5b, 0x01, 0xbb, 0, 0, 0, 0 };
	struct socks_request req;
	const char *why = NULL;

	put(sp[1], in, sizeof in);
	ck_assert_int_eq(socks_server_handshake(sp[0], &req, T_TIMEOUT, &why), 0);
	ck_assert_int_eq(req.version, 4);
	ck_assert_str_eq(req.args, "k=v");
	ck_assert_uint_eq(req.args_len, 3);
	ck_assert_str_eq(req.host, "192.0.2.7");
	ck_assert_uint_eq(req.port, 443);
	reply_is(&req, SOCKS_REP_OK, ok, sizeof ok);
	reply_is(&req, SOCKS_REP_FAIL, no, sizeof no);
	expect_eof();
}
END_TEST

UNIT_TEST("socks4_server", socks_socks4_userid_limit)
{
	static const unsigned char h[] = { 0x04, 0x01, 0x00, 0x50, 1, 2, 3, 4 };
	static const unsigned char no[] = { 0x00, 0x5b, 0x00, 0x50, 0, 0, 0, 0 };
	unsigned char id[512];
	struct socks_request req;
	const char *why = NULL;

	memset(id, 'u', sizeof id);
	/* 510 bytes is the longest arg string tor builds: accepted. */
	put(sp[1], h, sizeof h);
	id[510] = 0;
	put(sp[1], id, 511);
	ck_assert_int_eq(socks_server_handshake(sp[0], &req, T_TIMEOUT, &why), 0);
	ck_assert_uint_eq(req.args_len, 510);

	sp_teardown();
	sp_setup();
	id[510] = 'u';
	id[511] = 0;
	put(sp[1], h, sizeof h);
	put(sp[1], id, 512);
	ck_assert_int_eq(socks_server_handshake(sp[0], &req, T_TIMEOUT, &why),
	    MEEK_EPROTO);
	peer_expect(sp[1], no, sizeof no);
}
END_TEST

UNIT_TEST("bad_input", socks_rejects_truncated,
    .setup = sp_setup, .teardown = sp_teardown)
{
	static const unsigned char in[] = { 0x05, 0x02, 0x00 };
	struct socks_request req;
	const char *why = NULL;

	put(sp[1], in, sizeof in);
	shutdown(sp[1], SHUT_WR);
	ck_assert_int_eq(socks_server_handshake(sp[0], &req, T_TIMEOUT, &why),
	    MEEK_ECLOSED);
	ck_assert_ptr_nonnull(why);

	sp_teardown();
	sp_setup();
	put(sp[1], req5_v4, 3); /* greeting ok, then EOF mid-request */
	put(sp[1], req5_v4, 5);
	shutdown(sp[1], SHUT_WR);
	ck_assert_int_eq(socks_server_handshake(sp[0], &req, T_TIMEOUT, &why),
	    MEEK_ECLOSED);
}
END_TEST

UNIT_TEST("bad_input", socks_times_out_on_silent_peer)
{
	static const unsigned char in[] = { 0x05, 0x01 };
	struct socks_request req;
	const char *why = NULL;

	ck_assert_int_eq(socks_server_handshake(sp[0], &req, 100, &why),
	    MEEK_ETIMEDOUT);
	/* A partial greeting does not reset the deadline. */
	put(sp[1], in, sizeof in);
	ck_assert_int_eq(socks_server_handshake(sp[0], &req, 100, &why),
	    MEEK_ETIMEDOUT);
}
END_TEST

UNIT_TEST("socks5_server", socks_rep_mapping)
{
	ck_assert_int_eq(socks_rep_from_err(MEEK_ECONNREFUSED), 0x05);
	ck_assert_int_eq(socks_rep_from_err(MEEK_ETIMEDOUT), 0x06);
	ck_assert_int_eq(socks_rep_from_err(MEEK_ECONNTIMEDOUT), 0x06);
	ck_assert_int_eq(socks_rep_from_err(MEEK_ERESOLVE), 0x04);
	ck_assert_int_eq(socks_rep_from_err(MEEK_ECONNECT), 0x04);
	ck_assert_int_eq(socks_rep_from_err(MEEK_ETLS), 0x01);
	ck_assert_int_eq(socks_rep_from_err(MEEK_EHTTP), 0x01);
}
END_TEST

/* A fake upstream SOCKS proxy on sp[1]. */
enum fake_mode {
	FAKE5_NOAUTH, FAKE5_AUTH, FAKE5_AUTH_BAD, FAKE5_REFUSE, FAKE4A_OK,
	FAKE4A_REJECT
};

struct fake {
	int fd;
	enum fake_mode mode;
	int ok;                   /* the client's bytes were as expected */
	char user[256], pass[256], host[256], userid[256];
	unsigned port;
};

static int
get_cstr(int fd, char *dst, size_t max)
{
	for (size_t n = 0; n < max; n++) {
		if (peer_get(fd, dst + n, 1) < 0)
			return -1;
		if (dst[n] == 0)
			return 0;
	}
	return -1;
}

static void *
fake5_main(void *arg)
{
	struct fake *f = arg;
	unsigned char b[600], l;
	int fd = f->fd;

	if (f->mode == FAKE5_NOAUTH || f->mode == FAKE5_REFUSE) {
		static const unsigned char g[] = { 5, 1, 0 };

		if (peer_get(fd, b, 3) < 0 || memcmp(b, g, 3) != 0)
			return NULL;
		peer_put(fd, "\x05\x00", 2);
	} else {
		static const unsigned char g[] = { 5, 2, 0, 2 };

		if (peer_get(fd, b, 4) < 0 || memcmp(b, g, 4) != 0)
			return NULL;
		peer_put(fd, "\x05\x02", 2);
		if (peer_get(fd, b, 2) < 0 || b[0] != 1 || peer_get(fd, f->user, b[1]) < 0 ||
		    peer_get(fd, &l, 1) < 0 || peer_get(fd, f->pass, l) < 0)
			return NULL;
		if (f->mode == FAKE5_AUTH_BAD) {
			peer_put(fd, "\x01\x01", 2);
			f->ok = 1;
			return NULL;
		}
		peer_put(fd, "\x01\x00", 2);
	}
	if (peer_get(fd, b, 5) < 0 || b[0] != 5 || b[1] != 1 || b[2] != 0 ||
	    b[3] != 3 || peer_get(fd, f->host, b[4]) < 0 || peer_get(fd, b, 2) < 0)
		return NULL;
	f->port = (unsigned)(b[0] << 8 | b[1]);
	if (f->mode == FAKE5_REFUSE)
		peer_put(fd, "\x05\x05\x00\x01\0\0\0\0\0\0", 10);
	else if (f->mode == FAKE5_AUTH)
		/* BND.ADDR as a name, so the client must honour its length. */
		peer_put(fd, "\x05\x00\x00\x03\x04host\x12\x34" "HELLO", 16);
	else
		peer_put(fd, "\x05\x00\x00\x04\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\x12\x34"
		    "HELLO", 27);
	f->ok = 1;
	return NULL;
}

static void *
fake4a_main(void *arg)
{
	struct fake *f = arg;
	unsigned char b[8];

	if (peer_get(f->fd, b, 8) < 0 || b[0] != 4 || b[1] != 1 ||
	    memcmp(b + 4, "\0\0\0\x01", 4) != 0 ||
	    get_cstr(f->fd, f->userid, sizeof f->userid) < 0 ||
	    get_cstr(f->fd, f->host, sizeof f->host) < 0)
		return NULL;
	f->port = (unsigned)(b[2] << 8 | b[3]);
	if (f->mode == FAKE4A_OK)
		peer_put(f->fd, "\x00\x5a\0\0\0\0\0\0HELLO", 13);
	else
		peer_put(f->fd, "\x00\x5b\0\0\0\0\0\0", 8);
	f->ok = 1;
	return NULL;
}

static int
run_client(struct fake *f, int v5, const char *user, const char *pass,
    const char **why)
{
	pthread_t t;
	int rc;

	memset(f->user, 0, sizeof f->user);
	memset(f->pass, 0, sizeof f->pass);
	memset(f->host, 0, sizeof f->host);
	f->fd = sp[1];
	f->ok = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, v5 ? fake5_main : fake4a_main,
	    f), 0);
	if (v5)
		rc = socks5_client_connect(sp[0], "bridge.example", 443, user, pass,
		    T_TIMEOUT, why);
	else
		rc = socks4a_client_connect(sp[0], "bridge.example", 443, user,
		    T_TIMEOUT, why);
	/* Unblock a fake still waiting for bytes the client never sent. */
	if (rc < 0)
		shutdown(sp[0], SHUT_RDWR);
	pthread_join(t, NULL);
	return rc;
}

/* One client handshake per case against a fake proxy in `mode`: what the
 * client sends, what socks5/4a_client_connect() returns, and what the
 * fake saw (NULL or 0: not checked).  On success the tunnel's first bytes
 * follow; for a why that is not NULL, the error names it ("": any). */
static const struct client_case {
	enum fake_mode mode;
	const char *user, *pass;
	int rc;
	const char *f_user, *f_pass, *f_userid, *f_host;
	unsigned f_port;
	const char *why;
} client_cases[] = {
	{ FAKE5_NOAUTH, NULL, NULL, 0,
	  NULL, NULL, NULL, "bridge.example", 443, NULL },
	{ FAKE5_AUTH, "alice", "s3:cr@t", 0,
	  "alice", "s3:cr@t", NULL, "bridge.example", 0, NULL },
	{ FAKE5_AUTH_BAD, "alice", "wrong", MEEK_EAUTH,
	  NULL, NULL, NULL, NULL, 0, "" },
	{ FAKE5_REFUSE, NULL, NULL, MEEK_EPROXY,
	  NULL, NULL, NULL, NULL, 0, "refused" },
	{ FAKE4A_OK, "uid", NULL, 0,
	  NULL, NULL, "uid", "bridge.example", 443, NULL },
	{ FAKE4A_REJECT, NULL, NULL, MEEK_EPROXY,
	  NULL, NULL, "", NULL, 0, NULL },
};

UNIT_TEST("client", socks_client_cases,
    .loops = (int)UNIT_N(client_cases), .setup = sp_setup, .teardown = sp_teardown)
{
	const struct client_case *t = &client_cases[_i];
	struct fake f = { .mode = t->mode };
	const char *why = NULL;
	int v5 = t->mode < FAKE4A_OK;

	ck_assert_int_eq(run_client(&f, v5, t->user, t->pass, &why), t->rc);
	ck_assert_int_eq(f.ok, 1);
	if (t->f_user != NULL)
		ck_assert_str_eq(f.user, t->f_user);
	if (t->f_pass != NULL)
		ck_assert_str_eq(f.pass, t->f_pass);
	if (t->f_userid != NULL)
		ck_assert_str_eq(f.userid, t->f_userid);
	if (t->f_host != NULL)
		ck_assert_str_eq(f.host, t->f_host);
	if (t->f_port != 0)
		ck_assert_uint_eq(f.port, t->f_port);
	if (t->why != NULL) {
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_nonnull(strstr(why, t->why));
	}
	if (t->rc == 0)
		peer_expect(sp[0], "HELLO", 5);
}
END_TEST
