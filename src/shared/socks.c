#include "config.h"
#include "shared/socks.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/net.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

/* Best-effort failure reply: the handshake fails either way, so a write
 * error here does not replace the protocol error being reported. */
static void
socks_fail_reply(int fd, const void *buf, size_t len,
    long long dl)
{
	(void)net_write_all_by(fd, buf, len, dl);
}

static void
socks5_fail(int fd, int rep, long long dl)
{
	unsigned char r[10] = { 0x05, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };

	r[1] = (unsigned char)rep;
	socks_fail_reply(fd, r, sizeof r, dl);
}

static void
socks4_fail(int fd, const unsigned char port[2], long long dl)
{
	unsigned char r[8] = { 0x00, 0x5b, 0, 0, 0, 0, 0, 0 };

	r[2] = port[0];
	r[3] = port[1];
	socks_fail_reply(fd, r, sizeof r, dl);
}

/* Reads a NUL-terminated field of at most `max` bytes (NUL excluded) into
 * `dst` (max + 1 bytes).  Returns its length, MEEK_ETOOBIG or an I/O code. */
static int
socks_read_cstr(int fd, char *dst, size_t max, long long dl)
{
	size_t n = 0;
	int rc;

	for (;;) {
		unsigned char c;

		if ((rc = net_read_full_by(fd, &c, 1, dl)) < 0)
			return rc;
		if (c == 0)
			break;
		if (n == max)
			return MEEK_ETOOBIG;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return (int)n;
}

static int
socks4_server(int fd, struct socks_request *req, long long dl,
    const char **why)
{
	unsigned char h[7];
	int rc, n;

	req->version = 4;
	/* CMD, DSTPORT, DSTIP after the version byte. */
	if ((rc = net_read_full_by(fd, h, sizeof h, dl)) < 0)
		return rc;
	req->port = (uint16_t)(h[1] << 8 | h[2]);
	if (h[0] != 0x01) {
		socks4_fail(fd, h + 1, dl);
		*why = "SOCKS4 command is not CONNECT";
		return MEEK_EUNSUPPORTED;
	}
	/* tor's USERID is the PT argument string, at most 510 bytes. */
	n = socks_read_cstr(fd, req->args, SOCKS_ARGS_MAX - 2, dl);
	if (n == MEEK_ETOOBIG) {
		socks4_fail(fd, h + 1, dl);
		*why = "SOCKS4 USERID too long";
		return MEEK_EPROTO;
	}
	if (n < 0)
		return n;
	req->args_len = (size_t)n;
	if (h[3] == 0 && h[4] == 0 && h[5] == 0 && h[6] != 0) {
		/* SOCKS4a: 0.0.0.x means a hostname follows. */
		n = socks_read_cstr(fd, req->host, sizeof req->host - 1, dl);
		if (n == MEEK_ETOOBIG || n == 0) {
			socks4_fail(fd, h + 1, dl);
			*why = n == 0 ? "SOCKS4a empty hostname" :
			    "SOCKS4a hostname too long";
			return MEEK_EPROTO;
		}
		if (n < 0)
			return n;
	} else {
		inet_ntop(AF_INET, h + 3, req->host, sizeof req->host);
	}
	return 0;
}

/* RFC 1929 sub-negotiation; fills req->args. */
static int
socks5_userpass(int fd, struct socks_request *req,
    long long dl, const char **why)
{
	static const unsigned char fail[2] = { 0x01, 0x01 };
	static const unsigned char ok[2] = { 0x01, 0x00 };
	unsigned char h[2], plen;
	unsigned char uname[255], passwd[255];
	int rc;

	if ((rc = net_read_full_by(fd, h, 2, dl)) < 0)
		return rc;
	if (h[0] != 0x01 || h[1] == 0) {
		socks_fail_reply(fd, fail, 2, dl);
		*why = h[0] != 0x01 ? "bad RFC 1929 version" :
		    "empty RFC 1929 username";
		return MEEK_EPROTO;
	}
	if ((rc = net_read_full_by(fd, uname, h[1], dl)) < 0)
		return rc;
	if ((rc = net_read_full_by(fd, &plen, 1, dl)) < 0)
		return rc;
	if (plen == 0) {
		socks_fail_reply(fd, fail, 2, dl);
		*why = "empty RFC 1929 password";
		return MEEK_EPROTO;
	}
	if ((rc = net_read_full_by(fd, passwd, plen, dl)) < 0)
		return rc;
	/* tor sends PASSWD = one NUL when the args fit in UNAME alone;
	 * otherwise the args were split and must be joined unchanged. */
	memcpy(req->args, uname, h[1]);
	req->args_len = h[1];
	if (!(plen == 1 && passwd[0] == 0)) {
		memcpy(req->args + req->args_len, passwd, plen);
		req->args_len += plen;
	}
	req->args[req->args_len] = '\0';
	return net_write_all_by(fd, ok, 2, dl);
}

static int
socks5_server(int fd, struct socks_request *req, long long dl,
    const char **why)
{
	unsigned char m[256], h[4], a[256], method = 0xff;
	int rc;

	req->version = 5;
	if ((rc = net_read_full_by(fd, m, 1, dl)) < 0)
		return rc;
	if ((rc = net_read_full_by(fd, m + 1, m[0], dl)) < 0)
		return rc;
	/* Prefer 02: choosing 00 makes tor silently drop the PT args. */
	for (size_t i = 1; i <= m[0]; i++) {
		if (m[i] == 0x02)
			method = 0x02;
		else if (m[i] == 0x00 && method == 0xff)
			method = 0x00;
	}
	h[0] = 0x05;
	h[1] = method;
	if (method == 0xff) {
		socks_fail_reply(fd, h, 2, dl);
		*why = "no acceptable SOCKS5 auth method";
		return MEEK_EUNSUPPORTED;
	}
	if ((rc = net_write_all_by(fd, h, 2, dl)) < 0)
		return rc;
	if (method == 0x02 && (rc = socks5_userpass(fd, req, dl, why)) < 0)
		return rc;

	if ((rc = net_read_full_by(fd, h, 4, dl)) < 0)
		return rc;
	if (h[0] != 0x05 || h[2] != 0x00) {
		socks5_fail(fd, SOCKS_REP_FAIL, dl);
		*why = "bad SOCKS5 request header";
		return MEEK_EPROTO;
	}
	if (h[1] != 0x01) {
		socks5_fail(fd, SOCKS_REP_CMD, dl);
		*why = "SOCKS5 command is not CONNECT";
		return MEEK_EUNSUPPORTED;
	}
	switch (h[3]) {
	case 0x01:
		if ((rc = net_read_full_by(fd, a, 4, dl)) < 0)
			return rc;
		inet_ntop(AF_INET, a, req->host, sizeof req->host);
		break;
	case 0x04:
		if ((rc = net_read_full_by(fd, a, 16, dl)) < 0)
			return rc;
		inet_ntop(AF_INET6, a, req->host, sizeof req->host);
		break;
	case 0x03:
		if ((rc = net_read_full_by(fd, a, 1, dl)) < 0)
			return rc;
		if ((rc = net_read_full_by(fd, req->host, a[0], dl)) < 0)
			return rc;
		req->host[a[0]] = '\0';
		if (a[0] == 0 || strlen(req->host) != a[0]) {
			socks5_fail(fd, SOCKS_REP_FAIL, dl);
			*why = "bad SOCKS5 domain name";
			return MEEK_EPROTO;
		}
		break;
	default:
		socks5_fail(fd, SOCKS_REP_ATYP, dl);
		*why = "unsupported SOCKS5 address type";
		return MEEK_EUNSUPPORTED;
	}
	if ((rc = net_read_full_by(fd, a, 2, dl)) < 0)
		return rc;
	req->port = (uint16_t)(a[0] << 8 | a[1]);
	return 0;
}

int
socks_server_handshake(int fd, struct socks_request *req, int timeout_ms,
    const char **why)
{
	long long dl;
	const char *dummy;
	unsigned char ver;
	int rc;

	if (why == NULL)
		why = &dummy;
	memset(req, 0, sizeof *req);
	dl = clock_deadline(timeout_ms);
	if ((rc = net_read_full_by(fd, &ver, 1, dl)) < 0)
		goto io;
	if (ver == 0x05)
		rc = socks5_server(fd, req, dl, why);
	else if (ver == 0x04)
		rc = socks4_server(fd, req, dl, why);
	else {
		*why = "not a SOCKS4 or SOCKS5 handshake";
		return MEEK_EPROTO;
	}
	if (rc >= 0 || rc == MEEK_EPROTO || rc == MEEK_EUNSUPPORTED)
		return rc;
io:
	*why = rc == MEEK_ETIMEDOUT ? "SOCKS handshake timed out" :
	    rc == MEEK_ECLOSED ? "SOCKS client closed the connection" :
	    "SOCKS handshake I/O error";
	return rc;
}

int
socks_server_reply(int fd, const struct socks_request *req, int rep,
    int timeout_ms)
{
	unsigned char r[10] = { 0x05, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };

	if (req->version == 4) {
		r[0] = 0x00;
		r[1] = rep == SOCKS_REP_OK ? 0x5a : 0x5b;
		r[2] = (unsigned char)(req->port >> 8);
		r[3] = (unsigned char)req->port;
		r[4] = r[5] = r[6] = r[7] = 0;
		return net_write_all(fd, r, 8, timeout_ms);
	}
	r[1] = (unsigned char)rep;
	return net_write_all(fd, r, sizeof r, timeout_ms);
}

int
socks_rep_from_err(int err)
{
	switch (err) {
	case MEEK_OK:
		return SOCKS_REP_OK;
	case MEEK_ECONNREFUSED:
		return SOCKS_REP_REFUSED;
	case MEEK_ETIMEDOUT:
	case MEEK_ECONNTIMEDOUT:
		return SOCKS_REP_TTL;
	case MEEK_ERESOLVE:
	case MEEK_ECONNECT:
		return SOCKS_REP_HOSTUNREACH;
	default:
		return SOCKS_REP_FAIL;
	}
}

static const char *
socks5_rep_text(int rep)
{
	switch (rep) {
	case 0x01: return "SOCKS5 proxy: general failure";
	case 0x02: return "SOCKS5 proxy: connection not allowed by ruleset";
	case 0x03: return "SOCKS5 proxy: network unreachable";
	case 0x04: return "SOCKS5 proxy: host unreachable";
	case 0x05: return "SOCKS5 proxy: connection refused";
	case 0x06: return "SOCKS5 proxy: TTL expired";
	case 0x07: return "SOCKS5 proxy: command not supported";
	case 0x08: return "SOCKS5 proxy: address type not supported";
	default: return "SOCKS5 proxy: unknown failure reply";
	}
}

static const char *
socks_io_why(int rc)
{
	return rc == MEEK_ETIMEDOUT ? "proxy handshake timed out" :
	    rc == MEEK_ECLOSED ? "proxy closed the connection" :
	    "proxy handshake I/O error";
}

/* The method negotiation and, when the proxy asks for it, the
 * username/password (RFC 1929) of `user` (NULL: none offered).  Returns 0
 * or an error code with *why. */
static int
socks5_client_auth(int fd, const char *user, size_t ul, const char *pass,
    size_t pl, long long dl, const char **why)
{
	unsigned char b[4], r[2];
	size_t n;
	int rc;

	b[0] = 0x05;
	if (user != NULL) {
		b[1] = 2;
		b[2] = 0x00;
		b[3] = 0x02;
		n = 4;
	} else {
		b[1] = 1;
		b[2] = 0x00;
		n = 3;
	}
	if ((rc = net_write_all_by(fd, b, n, dl)) < 0 ||
	    (rc = net_read_full_by(fd, r, 2, dl)) < 0)
		goto io;
	if (r[0] != 0x05) {
		*why = "not a SOCKS5 proxy";
		return MEEK_EPROXY;
	}
	if (r[1] == 0x02 && user != NULL) {
		b[0] = 0x01;
		b[1] = (unsigned char)ul;
		if ((rc = net_write_all_by(fd, b, 2, dl)) < 0 ||
		    (rc = net_write_all_by(fd, user, ul, dl)) < 0)
			goto io;
		b[0] = (unsigned char)pl;
		if ((rc = net_write_all_by(fd, b, 1, dl)) < 0 ||
		    (pl > 0 && (rc = net_write_all_by(fd, pass, pl, dl)) < 0) ||
		    (rc = net_read_full_by(fd, r, 2, dl)) < 0)
			goto io;
		if (r[1] != 0x00) {
			*why = "SOCKS5 proxy rejected the username/password";
			return MEEK_EAUTH;
		}
	} else if (r[1] != 0x00) {
		*why = "SOCKS5 proxy offered no acceptable auth method";
		return MEEK_EPROXY;
	}
	return 0;
io:
	*why = socks_io_why(rc);
	return rc;
}

int
socks5_client_connect(int fd, const char *host, uint16_t port,
    const char *user, const char *pass, int timeout_ms, const char **why)
{
	long long dl;
	unsigned char b[4 + 1 + 255 + 2], r[4];
	size_t hl = strlen(host), ul = 0, pl = 0, n;
	const char *dummy;
	int rc, rep;

	if (why == NULL)
		why = &dummy;
	if (user != NULL) {
		ul = strlen(user);
		pl = pass != NULL ? strlen(pass) : 0;
	}
	if (hl == 0 || hl > 255 || ul > 255 || pl > 255 ||
	    (user != NULL && ul == 0)) {
		*why = "SOCKS5 host or credentials too long or empty";
		return MEEK_EINVAL;
	}
	dl = clock_deadline(timeout_ms);

	if ((rc = socks5_client_auth(fd, user, ul, pass, pl, dl, why)) < 0)
		return rc;

	/* CONNECT by name (ATYP 3) so that nothing is resolved locally. */
	b[0] = 0x05;
	b[1] = 0x01;
	b[2] = 0x00;
	b[3] = 0x03;
	b[4] = (unsigned char)hl;
	memcpy(b + 5, host, hl);
	b[5 + hl] = (unsigned char)(port >> 8);
	b[6 + hl] = (unsigned char)port;
	if ((rc = net_write_all_by(fd, b, 7 + hl, dl)) < 0 ||
	    (rc = net_read_full_by(fd, r, 4, dl)) < 0)
		goto io;
	if (r[0] != 0x05) {
		*why = "bad SOCKS5 reply version";
		return MEEK_EPROXY;
	}
	rep = r[1];
	/* Consume BND.ADDR and BND.PORT so no reply byte reaches the caller's
	 * stream; a failing proxy may close early, which changes nothing. */
	switch (r[3]) {
	case 0x01:
		n = 4;
		break;
	case 0x04:
		n = 16;
		break;
	case 0x03:
		if ((rc = net_read_full_by(fd, b, 1, dl)) < 0)
			goto io_rep;
		n = b[0];
		break;
	default:
		if (rep != 0)
			goto refused;
		*why = "bad SOCKS5 reply address type";
		return MEEK_EPROXY;
	}
	if ((rc = net_read_full_by(fd, b, n + 2, dl)) < 0)
		goto io_rep;
	if (rep != 0)
		goto refused;
	return 0;
io_rep:
	if (rep != 0)
		goto refused;
io:
	*why = socks_io_why(rc);
	return rc;
refused:
	*why = socks5_rep_text(rep);
	return MEEK_EPROXY;
}

int
socks4a_client_connect(int fd, const char *host, uint16_t port,
    const char *userid, int timeout_ms, const char **why)
{
	long long dl;
	unsigned char b[8 + 256 + 256];
	size_t hl = strlen(host), ul = userid != NULL ? strlen(userid) : 0;
	const char *dummy;
	int rc;

	if (why == NULL)
		why = &dummy;
	if (hl == 0 || hl > 255 || ul > 255) {
		*why = "SOCKS4a host or userid too long or empty";
		return MEEK_EINVAL;
	}
	dl = clock_deadline(timeout_ms);
	b[0] = 0x04;
	b[1] = 0x01;
	b[2] = (unsigned char)(port >> 8);
	b[3] = (unsigned char)port;
	b[4] = b[5] = b[6] = 0;
	b[7] = 1;
	if (ul > 0)
		memcpy(b + 8, userid, ul);
	b[8 + ul] = 0;
	memcpy(b + 9 + ul, host, hl);
	b[9 + ul + hl] = 0;
	if ((rc = net_write_all_by(fd, b, 10 + ul + hl, dl)) < 0 ||
	    (rc = net_read_full_by(fd, b, 8, dl)) < 0) {
		*why = socks_io_why(rc);
		return rc;
	}
	/* Like tor, look only at the status byte. */
	if (b[1] != 0x5a) {
		*why = "SOCKS4a proxy rejected the request";
		return MEEK_EPROXY;
	}
	return 0;
}
