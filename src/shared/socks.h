/*
 * socks: the SOCKS server handshake meek-client offers tor (SOCKS5 with
 * RFC 1929 username/password carrying PT args, and SOCKS4/4a on the same
 * port), and the SOCKS client handshakes used to reach upstream proxies.
 * See pt-protocol.md §2 and §4.
 * Thread: any (each call works on one fd its caller owns).
 */
#ifndef MEEK_SHARED_SOCKS_H
#define MEEK_SHARED_SOCKS_H
#include <stddef.h>
#include <stdint.h>

#define SOCKS_ARGS_MAX 512   /* 255 + 255, NUL */

/* SOCKS5 reply codes (socks_server_reply). */
enum {
	SOCKS_REP_OK = 0x00,
	SOCKS_REP_FAIL = 0x01,
	SOCKS_REP_NETUNREACH = 0x03,
	SOCKS_REP_HOSTUNREACH = 0x04,
	SOCKS_REP_REFUSED = 0x05,
	SOCKS_REP_TTL = 0x06,
	SOCKS_REP_CMD = 0x07,
	SOCKS_REP_ATYP = 0x08
};

struct socks_request {
	int version;                 /* 4 or 5 */
	char args[SOCKS_ARGS_MAX];   /* UNAME||PASSWD (5) or USERID (4), raw, NUL-terminated */
	size_t args_len;
	char host[256];              /* target, informational (meek ignores it) */
	uint16_t port;
};

/* Runs the server side of a SOCKS4/4a/5 handshake on `fd` up to (not
 * including) the final reply, within `timeout_ms` overall.  On SOCKS5,
 * picks method 02 whenever offered.  On a protocol error it sends the
 * complete failure reply itself (05 FF, 01 01, a 10-byte 05 07/08 reply, or
 * 00 5B) and returns MEEK_EPROTO / MEEK_EUNSUPPORTED with *why; also
 * MEEK_ETIMEDOUT, MEEK_ECLOSED, MEEK_EIO.  Returns 0 with `req` filled. */
int socks_server_handshake(int fd, struct socks_request *req, int timeout_ms,
    const char **why);
/* Sends the final reply: SOCKS_REP_OK or a failure code (mapped to 5A/5B
 * for SOCKS4).  Replies are complete (10 bytes for 5, 8 bytes for 4).
 * Returns 0 or MEEK_EIO / MEEK_ETIMEDOUT. */
int socks_server_reply(int fd, const struct socks_request *req, int rep,
    int timeout_ms);
/* Maps a MEEK_E* code from dialing to a SOCKS5 reply code. */
int socks_rep_from_err(int err);

/* Client side through an upstream proxy on connected `fd`: CONNECT to
 * host:port (ATYP 3, no local resolution).  user/pass NULL for no auth.
 * Returns 0, MEEK_EPROXY / MEEK_EAUTH with *why, MEEK_ETIMEDOUT, MEEK_EIO,
 * MEEK_ECLOSED. */
int socks5_client_connect(int fd, const char *host, uint16_t port,
    const char *user, const char *pass, int timeout_ms, const char **why);
/* SOCKS4a CONNECT (0.0.0.1 + hostname).  Returns as socks5_client_connect. */
int socks4a_client_connect(int fd, const char *host, uint16_t port,
    const char *userid, int timeout_ms, const char **why);

#endif
