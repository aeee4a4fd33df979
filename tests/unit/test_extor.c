/* No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh). */
/* extor: the client against a fake ExtORPort that computes the real
 * SAFE_COOKIE HMACs (socketpair, or 127.0.0.1 for extor_dial). */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "shared/err.h"
#include "shared/extor.h"

#include <bearssl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "extor"

#define T_TIMEOUT 10000
#define HEADER "! Extended ORPort Auth Cookie !\n"

enum fake_reply { REPLY_OKAY, REPLY_DENY, REPLY_OTHER_THEN_OKAY };

struct fake {
	int fd, lfd;
	unsigned char cookie[32];
	const char *auth_types;  /* bytes up to and including the 00 */
	size_t auth_types_len;
	enum fake_reply reply;
	int hash_ok;             /* the client's hash matched */
	int done;                /* DONE arrived */
	char useraddr[256], transport[256];
	pthread_t thread;
};

static void
hmac(unsigned char out[32], const unsigned char cookie[32], const char *label,
    const unsigned char *cn, const unsigned char *sn)
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, cookie, 32);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, label, strlen(label));
	br_hmac_update(&hc, cn, 32);
	br_hmac_update(&hc, sn, 32);
	br_hmac_out(&hc, out);
}

static void
fake_serve(struct fake *f, int fd)
{
	unsigned char c, cn[32], sn[32], h[32], want[32], hdr[4];
	char body[256];

	peer_put(fd, f->auth_types, f->auth_types_len);
	if (peer_get(fd, &c, 1) < 0 || c != 0x01 || peer_get(fd, cn, 32) < 0)
		return;
	for (int i = 0; i < 32; i++)
		sn[i] = (unsigned char)(i * 7 + 3);
	hmac(h, f->cookie, "ExtORPort authentication server-to-client hash",
	    cn, sn);
	peer_put(fd, h, 32);
	peer_put(fd, sn, 32);
	if (peer_get(fd, h, 32) < 0)
		return;
	hmac(want, f->cookie, "ExtORPort authentication client-to-server hash",
	    cn, sn);
	f->hash_ok = memcmp(h, want, 32) == 0;
	c = (unsigned char)f->hash_ok;
	peer_put(fd, &c, 1);
	if (!f->hash_ok)
		return;
	for (;;) {
		unsigned cmd, len;

		if (peer_get(fd, hdr, 4) < 0)
			return;
		cmd = (unsigned)(hdr[0] << 8 | hdr[1]);
		len = (unsigned)(hdr[2] << 8 | hdr[3]);
		if (len >= sizeof body || peer_get(fd, body, len) < 0)
			return;
		body[len] = '\0';
		if (cmd == 0x0001)
			snprintf(f->useraddr, sizeof f->useraddr, "%s", body);
		else if (cmd == 0x0002)
			snprintf(f->transport, sizeof f->transport, "%s", body);
		else if (cmd == 0x0000)
			break;
	}
	f->done = 1;
	if (f->reply == REPLY_OTHER_THEN_OKAY)
		peer_put(fd, "\x10\x02\x00\x03" "abc", 7);
	if (f->reply == REPLY_DENY)
		peer_put(fd, "\x10\x01\x00\x00", 4);
	else
		peer_put(fd, "\x10\x00\x00\x00" "HELLO", 9);
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	int fd = f->fd;

	if (f->lfd >= 0 && (fd = accept(f->lfd, NULL, NULL)) < 0)
		return NULL;
	fake_serve(f, fd);
	if (f->lfd >= 0) {
		/* Keep our bytes until the client closes. */
		peer_drain(fd);
		close(fd);
	}
	return NULL;
}

static void
fake_init(struct fake *f, const unsigned char cookie[32])
{
	memset(f, 0, sizeof *f);
	f->fd = f->lfd = -1;
	memcpy(f->cookie, cookie, 32);
	f->auth_types = "\x01\x00";
	f->auth_types_len = 2;
}

static const unsigned char cookie_a[32] = {
	0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x00, 0xff, 0x10, 0x20, 0x30, 0x40,
	0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0
};

/* Runs extor_handshake over a socketpair against `f`. */
static int
run_pair(struct fake *f, const unsigned char cookie[32], const char *useraddr,
    const char *transport, const char **why)
{
	int sp[2], rc;

	peer_pair(sp);
	f->fd = sp[1];
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
	rc = extor_handshake(sp[0], cookie, useraddr, transport, T_TIMEOUT, why);
	/* Bytes after OKAY belong to the relay stream. */
	if (rc == 0)
		peer_expect(sp[0], "HELLO", 5);
	close(sp[0]);
	pthread_join(f->thread, NULL);
	close(sp[1]);
	return rc;
}

/* extor_handshake against the fake: what the fake offers and answers, the
 * client's cookie and commands, and what comes of it at both ends. */
static const struct {
	const char *auth_types;      /* the fake's, up to and including 00 */
	size_t auth_types_len;
	enum fake_reply reply;
	int other_cookie;            /* the client's cookie is one bit off */
	const char *useraddr, *transport;    /* the client's; NULL: none */
	int rc;
	int hash_ok, done;           /* at the fake */
	const char *got_useraddr, *got_transport;
} handshakes[] = {
	/* Success: other auth types may precede SAFE_COOKIE; an unknown
	 * reply before OKAY is skipped. */
	{ "\x02\x01\x00", 3, REPLY_OTHER_THEN_OKAY, 0, "192.0.2.9:1", "meek",
	    0, 1, 1, "192.0.2.9:1", "meek" },
	/* NULL useraddr and transport: their commands are skipped. */
	{ "\x01\x00", 2, REPLY_OKAY, 0, NULL, NULL,
	    0, 1, 1, "", "" },
	/* A wrong cookie is an auth error, before any command. */
	{ "\x01\x00", 2, REPLY_OKAY, 1, "192.0.2.9:1", "meek",
	    MEEK_EAUTH, 0, 0, "", "" },
	/* DENY after the commands is an auth error too. */
	{ "\x01\x00", 2, REPLY_DENY, 0, "[2001:db8::1]:1", "meek",
	    MEEK_EAUTH, 1, 1, "[2001:db8::1]:1", "meek" },
	/* No SAFE_COOKIE offered. */
	{ "\x02\x00", 2, REPLY_OKAY, 0, NULL, "meek",
	    MEEK_EPROTO, 0, 0, "", "" },
};

UNIT_TEST("handshake", extor_handshake_cases,
    .loops = (int)UNIT_N(handshakes))
{
	unsigned char cookie[32];
	struct fake f;
	const char *why = NULL;

	memcpy(cookie, cookie_a, 32);
	cookie[31] ^= (unsigned char)handshakes[_i].other_cookie;
	fake_init(&f, cookie_a);
	f.auth_types = handshakes[_i].auth_types;
	f.auth_types_len = handshakes[_i].auth_types_len;
	f.reply = handshakes[_i].reply;
	ck_assert_int_eq(run_pair(&f, cookie, handshakes[_i].useraddr,
	    handshakes[_i].transport, &why), handshakes[_i].rc);
	if (handshakes[_i].rc != 0)
		ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(f.hash_ok, handshakes[_i].hash_ok);
	ck_assert_int_eq(f.done, handshakes[_i].done);
	ck_assert_str_eq(f.useraddr, handshakes[_i].got_useraddr);
	ck_assert_str_eq(f.transport, handshakes[_i].got_transport);
}
END_TEST

static char tmpdir[64];

static void
tmp_setup(void)
{
	strcpy(tmpdir, "/tmp/meek-extor-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/cookie", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

/* Writes the first `len` bytes of header+cookie (padded with "z"). */
static const char *
write_cookie(const char *header, const unsigned char cookie[32], size_t len)
{
	static char path[128];
	unsigned char buf[80];
	FILE *fp;

	snprintf(path, sizeof path, "%s/cookie", tmpdir);
	memset(buf, 'z', sizeof buf);
	memcpy(buf, header, 32);
	memcpy(buf + 32, cookie, 32);
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	return path;
}

UNIT_TEST("cookie", extor_cookie_file_checks,
    .setup = tmp_setup, .teardown = tmp_teardown)
{
	unsigned char got[32];
	const char *path, *why = NULL;

	path = write_cookie(HEADER, cookie_a, 64);
	ck_assert_int_eq(extor_cookie_read(path, got, &why), 0);
	ck_assert_mem_eq(got, cookie_a, 32);

	path = write_cookie("! Extended ORPort Auth Cookie !\r", cookie_a, 64);
	ck_assert_int_eq(extor_cookie_read(path, got, &why), MEEK_EPROTO);
	ck_assert_ptr_nonnull(why);
	path = write_cookie(HEADER, cookie_a, 63);
	ck_assert_int_eq(extor_cookie_read(path, got, &why), MEEK_EPROTO);
	path = write_cookie(HEADER, cookie_a, 65);
	ck_assert_int_eq(extor_cookie_read(path, got, &why), MEEK_EPROTO);
	path = write_cookie(HEADER, cookie_a, 0);
	ck_assert_int_eq(extor_cookie_read(path, got, &why), MEEK_EPROTO);
	unlink(path);
	ck_assert_int_eq(extor_cookie_read(path, got, &why), MEEK_EIO);
}
END_TEST

/* extor_dial against a fake that knows `server_cookie`. */
static int
dial_once(const unsigned char server_cookie[32], const char *path,
    struct fake *f)
{
	char hostport[32];
	uint16_t port;
	const char *why = NULL;
	int fd;

	fake_init(f, server_cookie);
	f->lfd = peer_listen(&port);
	snprintf(hostport, sizeof hostport, "127.0.0.1:%u", (unsigned)port);
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
	fd = extor_dial(hostport, path, "198.51.100.7:1", "meek", T_TIMEOUT, &why);
	if (fd >= 0) {
		peer_expect(fd, "HELLO", 5);
		close(fd);
	}
	pthread_join(f->thread, NULL);
	close(f->lfd);
	return fd < 0 ? fd : 0;
}

UNIT_TEST("cookie", extor_dial_rereads_cookie)
{
	unsigned char cookie_b[32];
	struct fake f;
	const char *path;

	memset(cookie_b, 0x5c, sizeof cookie_b);
	path = write_cookie(HEADER, cookie_a, 64);
	ck_assert_int_eq(dial_once(cookie_a, path, &f), 0);
	ck_assert_str_eq(f.useraddr, "198.51.100.7:1");
	ck_assert_str_eq(f.transport, "meek");

	/* tor regenerated its cookie: the next dial must use the new one. */
	path = write_cookie(HEADER, cookie_b, 64);
	ck_assert_int_eq(dial_once(cookie_b, path, &f), 0);
	ck_assert_int_eq(f.hash_ok, 1);
}
END_TEST

UNIT_TEST("cookie", extor_dial_bad_cookie_file)
{
	struct fake f;
	const char *path, *why = NULL;

	path = write_cookie("not a cookie header at all!!!!!\n", cookie_a, 64);
	ck_assert_int_eq(extor_dial("127.0.0.1:1", path, NULL, "meek", T_TIMEOUT,
	    &why), MEEK_EPROTO);
	/* Stale cookie on our side, fresh one at the server. */
	path = write_cookie(HEADER, cookie_a, 64);
	{
		unsigned char fresh[32];

		memset(fresh, 0x11, sizeof fresh);
		ck_assert_int_eq(dial_once(fresh, path, &f), MEEK_EAUTH);
	}
}
END_TEST
