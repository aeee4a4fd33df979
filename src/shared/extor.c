#include "config.h"
#include "shared/extor.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/rand.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXTOR_HEADER "! Extended ORPort Auth Cookie !\n"
#define EXTOR_HEADER_LEN 32
#define EXTOR_NONCE_LEN 32
#define EXTOR_HASH_LEN 32
#define EXTOR_AUTH_TYPES_MAX 256

#define EXTOR_CMD_DONE 0x0000
#define EXTOR_CMD_USERADDR 0x0001
#define EXTOR_CMD_TRANSPORT 0x0002
#define EXTOR_REPLY_OKAY 0x1000
#define EXTOR_REPLY_DENY 0x1001

static const char extor_server_label[] =
    "ExtORPort authentication server-to-client hash";
static const char extor_client_label[] =
    "ExtORPort authentication client-to-server hash";

int
extor_cookie_read(const char *path, unsigned char cookie[EXTOR_COOKIE_LEN],
    const char **why)
{
	unsigned char buf[EXTOR_HEADER_LEN + EXTOR_COOKIE_LEN + 1];
	size_t got = 0;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return meek_fail(why, "cannot open ExtORPort cookie file",
		    MEEK_EIO);
	/* Read one byte more than expected to notice an oversized file. */
	while (got < sizeof buf) {
		n = read(fd, buf + got, sizeof buf - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (why)
				*why = "cannot read ExtORPort cookie file";
			rc = MEEK_EIO;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != EXTOR_HEADER_LEN + EXTOR_COOKIE_LEN) {
		if (why)
			*why = "ExtORPort cookie file is not 64 bytes";
		rc = MEEK_EPROTO;
	} else if (memcmp(buf, EXTOR_HEADER, EXTOR_HEADER_LEN) != 0) {
		if (why)
			*why = "ExtORPort cookie file has a bad header";
		rc = MEEK_EPROTO;
	} else {
		memcpy(cookie, buf + EXTOR_HEADER_LEN, EXTOR_COOKIE_LEN);
	}
out:
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return rc;
}

/* HMAC-SHA256(cookie, label || client_nonce || server_nonce). */
static void
extor_hash(unsigned char out[EXTOR_HASH_LEN],
    const unsigned char cookie[EXTOR_COOKIE_LEN], const char *label,
    const unsigned char *cnonce, const unsigned char *snonce)
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, cookie, EXTOR_COOKIE_LEN);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, label, strlen(label));
	br_hmac_update(&hc, cnonce, EXTOR_NONCE_LEN);
	br_hmac_update(&hc, snonce, EXTOR_NONCE_LEN);
	br_hmac_out(&hc, out);
	explicit_bzero(&kc, sizeof kc);
	explicit_bzero(&hc, sizeof hc);
}

static int
extor_send_cmd(int fd, unsigned cmd, const char *body,
    long long dl)
{
	size_t len = body != NULL ? strlen(body) : 0;
	unsigned char h[4];
	int rc;

	if (len > 0xffff)
		return MEEK_ETOOBIG;
	h[0] = (unsigned char)(cmd >> 8);
	h[1] = (unsigned char)cmd;
	h[2] = (unsigned char)(len >> 8);
	h[3] = (unsigned char)len;
	if ((rc = net_write_all_by(fd, h, 4, dl)) < 0)
		return rc;
	return len > 0 ? net_write_all_by(fd, body, len, dl) : 0;
}

static const char *
extor_io_why(int rc)
{
	return rc == MEEK_ETIMEDOUT ? "ExtORPort handshake timed out" :
	    rc == MEEK_ECLOSED ? "ExtORPort closed the connection" :
	    rc == MEEK_ETOOBIG ? "ExtORPort command body too long" :
	    "ExtORPort I/O error";
}

/* The server's auth types, terminated by 00: SAFE_COOKIE (01) must be
 * among them.  Returns 0 or an error code with *why. */
static int
extor_auth_types(int fd, long long dl, const char **why)
{
	unsigned char c;
	int rc, have_cookie = 0;

	for (size_t i = 0;; i++) {
		if (i == EXTOR_AUTH_TYPES_MAX) {
			*why = "ExtORPort auth type list too long";
			return MEEK_EPROTO;
		}
		if ((rc = net_read_full_by(fd, &c, 1, dl)) < 0) {
			*why = extor_io_why(rc);
			return rc;
		}
		if (c == 0x00)
			break;
		if (c == 0x01)
			have_cookie = 1;
	}
	if (!have_cookie) {
		*why = "ExtORPort does not offer SAFE_COOKIE";
		return MEEK_EPROTO;
	}
	return 0;
}

/* The server's replies until OKAY or DENY; unknown commands are skipped
 * whole.  Returns 0 (OKAY) or an error code with *why. */
static int
extor_reply(int fd, long long dl, const char **why)
{
	unsigned char h[4], skip[256];
	unsigned cmd, len;
	int rc;

	for (;;) {
		if ((rc = net_read_full_by(fd, h, 4, dl)) < 0)
			break;
		cmd = (unsigned)(h[0] << 8 | h[1]);
		len = (unsigned)(h[2] << 8 | h[3]);
		while (len > 0 && rc == 0) {
			size_t n = len < sizeof skip ? len : sizeof skip;

			rc = net_read_full_by(fd, skip, n, dl);
			len -= (unsigned)n;
		}
		if (rc < 0)
			break;
		if (cmd == EXTOR_REPLY_OKAY)
			return 0;
		if (cmd == EXTOR_REPLY_DENY) {
			*why = "ExtORPort denied the connection";
			return MEEK_EAUTH;
		}
	}
	*why = extor_io_why(rc);
	return rc;
}

int
extor_handshake(int fd, const unsigned char cookie[EXTOR_COOKIE_LEN],
    const char *useraddr, const char *transport, int timeout_ms,
    const char **why)
{
	unsigned char cnonce[EXTOR_NONCE_LEN];
	unsigned char srv[EXTOR_HASH_LEN + EXTOR_NONCE_LEN];
	unsigned char mine[EXTOR_HASH_LEN], c;
	long long dl;
	const char *dummy;
	unsigned diff = 0;
	int rc;

	if (why == NULL)
		why = &dummy;
	dl = clock_deadline(timeout_ms);

	if ((rc = extor_auth_types(fd, dl, why)) < 0)
		return rc;
	c = 0x01;
	if ((rc = net_write_all_by(fd, &c, 1, dl)) < 0)
		goto io;
	if (rand_bytes(cnonce, sizeof cnonce) < 0) {
		*why = "cannot get random bytes for the ExtORPort nonce";
		return MEEK_EIO;
	}
	if ((rc = net_write_all_by(fd, cnonce, sizeof cnonce, dl)) < 0 ||
	    (rc = net_read_full_by(fd, srv, sizeof srv, dl)) < 0)
		goto io;

	extor_hash(mine, cookie, extor_server_label, cnonce,
	    srv + EXTOR_HASH_LEN);
	/* Constant time: no early exit that would leak a matching prefix. */
	for (size_t i = 0; i < EXTOR_HASH_LEN; i++)
		diff |= (unsigned)(mine[i] ^ srv[i]);
	if (diff != 0) {
		*why = "ExtORPort server hash mismatch (wrong cookie?)";
		return MEEK_EAUTH;
	}
	extor_hash(mine, cookie, extor_client_label, cnonce,
	    srv + EXTOR_HASH_LEN);
	rc = net_write_all_by(fd, mine, sizeof mine, dl);
	explicit_bzero(mine, sizeof mine);
	if (rc < 0 || (rc = net_read_full_by(fd, &c, 1, dl)) < 0)
		goto io;
	if (c != 0x01) {
		*why = "ExtORPort rejected our client hash";
		return MEEK_EAUTH;
	}

	if ((useraddr != NULL &&
	    (rc = extor_send_cmd(fd, EXTOR_CMD_USERADDR, useraddr, dl)) < 0) ||
	    (transport != NULL &&
	    (rc = extor_send_cmd(fd, EXTOR_CMD_TRANSPORT, transport, dl)) < 0) ||
	    (rc = extor_send_cmd(fd, EXTOR_CMD_DONE, NULL, dl)) < 0)
		goto io;

	return extor_reply(fd, dl, why);
io:
	*why = extor_io_why(rc);
	return rc;
}

int
extor_dial(const char *hostport, const char *cookie_path,
    const char *useraddr, const char *transport, int timeout_ms,
    const char **why)
{
	unsigned char cookie[EXTOR_COOKIE_LEN];
	char host[NET_HOST_MAX];
	long long dl;
	const char *dummy;
	uint16_t port;
	int fd, rc, left;

	if (why == NULL)
		why = &dummy;
	dl = clock_deadline(timeout_ms);
	if ((rc = net_split_hostport(hostport, host, sizeof host, &port, 0,
	    why)) < 0)
		return rc;
	/* Re-read every time: tor may regenerate the cookie (bug 15240). */
	if ((rc = extor_cookie_read(cookie_path, cookie, why)) < 0)
		return rc;
	if ((fd = net_dial(host, port, clock_left(dl), why)) < 0) {
		explicit_bzero(cookie, sizeof cookie);
		return fd;
	}
	if ((left = clock_left(dl)) == 0) {
		*why = "ExtORPort handshake timed out";
		rc = MEEK_ETIMEDOUT;
	} else {
		rc = extor_handshake(fd, cookie, useraddr, transport, left, why);
	}
	explicit_bzero(cookie, sizeof cookie);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}
