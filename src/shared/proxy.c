#include "config.h"
#include "shared/proxy.h"
#include "shared/clock.h"
#include "shared/b64.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/socks.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define PROXY_HEAD_MAX 8192

static int
proxy_fail(const char **why, const char *text)
{
	return meek_fail(why, text, MEEK_EINVAL);
}

/* Parses "host:port" or "[v6]:port" of length `n` into p->host/p->port. */
static int
proxy_parse_hostport(struct proxy *p, const char *s, size_t n, const char **why)
{
	const char *colon;
	size_t hl;
	unsigned long port = 0;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return proxy_fail(why, "proxy: unterminated [ in host");
		if ((size_t)(close - s) + 1 == n || close[1] != ':')
			return proxy_fail(why, "proxy: missing port");
		hl = (size_t)(close - s) - 1;
		if (hl == 0 || hl >= sizeof p->host)
			return proxy_fail(why, "proxy: bad host");
		memcpy(p->host, s + 1, hl);
		colon = close + 1;
	} else {
		colon = NULL;
		for (size_t i = 0; i < n; i++)
			if (s[i] == ':') {
				if (colon != NULL)
					return proxy_fail(why,
					    "proxy: IPv6 host needs brackets");
				colon = s + i;
			}
		if (colon == NULL)
			return proxy_fail(why, "proxy: missing port");
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof p->host)
			return proxy_fail(why, "proxy: bad host");
		memcpy(p->host, s, hl);
	}
	p->host[hl] = '\0';
	if (colon + 1 == s + n)
		return proxy_fail(why, "proxy: missing port");
	for (const char *c = colon + 1; c < s + n; c++) {
		if (*c < '0' || *c > '9')
			return proxy_fail(why, "proxy: bad port");
		port = port * 10 + (unsigned long)(*c - '0');
		if (port > 65535)
			return proxy_fail(why, "proxy: bad port");
	}
	if (port == 0)
		return proxy_fail(why, "proxy: bad port");
	p->port = (uint16_t)port;
	return 0;
}

int
proxy_parse(struct proxy *p, const char *uri, const char **why)
{
	static const struct {
		const char *prefix;
		enum proxy_type type;
	} schemes[] = {
		{ "http://", PROXY_HTTP },
		{ "socks5://", PROXY_SOCKS5 },
		{ "socks4a://", PROXY_SOCKS4A },
	};
	const char *rest = NULL, *at, *colon;
	size_t n, ul, pl;

	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		n = strlen(schemes[i].prefix);
		if (strncasecmp(uri, schemes[i].prefix, n) == 0) {
			p->type = schemes[i].type;
			rest = uri + n;
			break;
		}
	}
	if (rest == NULL)
		return proxy_fail(why, "proxy: unknown or missing scheme");
	if (strpbrk(rest, "/?#") != NULL)
		return proxy_fail(why, "proxy: path, query or fragment not allowed");

	/* tor does not percent-encode credentials, so a password may hold
	 * '@' or ':': the host starts after the last '@', the user ends at
	 * the first ':'. */
	at = strrchr(rest, '@');
	if (at != NULL) {
		colon = memchr(rest, ':', (size_t)(at - rest));
		ul = (size_t)((colon != NULL ? colon : at) - rest);
		pl = colon != NULL ? (size_t)(at - colon - 1) : 0;
		if (ul >= sizeof p->user || pl >= sizeof p->pass)
			return proxy_fail(why, "proxy: credentials too long");
		if (p->type == PROXY_SOCKS4A && colon != NULL)
			return proxy_fail(why, "proxy: socks4a takes no password");
		if (p->type == PROXY_SOCKS5 && (ul == 0 || pl == 0))
			return proxy_fail(why,
			    "proxy: socks5 username and password must be 1-255 bytes");
		if (ul == 0)
			return proxy_fail(why, "proxy: empty username");
		memcpy(p->user, rest, ul);
		p->user[ul] = '\0';
		if (colon != NULL) {
			memcpy(p->pass, colon + 1, pl);
			p->pass[pl] = '\0';
		}
		p->has_auth = 1;
		rest = at + 1;
	}
	return proxy_parse_hostport(p, rest, strlen(rest), why);
}

/* Formats host:port for CONNECT, bracketing IPv6 literals. */
static void
proxy_authority(char *buf, size_t len, const char *host, uint16_t port)
{
	net_hostport(buf, len, host, port);
}

/* The status of an HTTP proxy's status line `line` (its first `ll`
 * bytes, "HTTP/1.x SSS ..."), or -1 when it is not one. */
static int
proxy_http_status(const char *line, size_t ll)
{
	if (ll < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++)
		if (line[i] < '0' || line[i] > '9')
			return -1;
	return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

static int
proxy_http_connect(int fd, const struct proxy *p, const char *host,
    uint16_t port, long long dl, const char **why)
{
	char auth[B64_ENCODED_SIZE(sizeof p->user + sizeof p->pass)];
	char cred[sizeof p->user + sizeof p->pass];
	char target[NET_HOST_MAX + 8], req[sizeof auth + 2 * sizeof target + 128];
	char line[16];
	size_t total = 0, ll = 0;
	unsigned tail = 0;
	int rc, n, left, status;

	proxy_authority(target, sizeof target, host, port);
	if (p->has_auth) {
		n = snprintf(cred, sizeof cred, "%s:%s", p->user, p->pass);
		if (b64_encode(auth, sizeof auth, cred, (size_t)n, 1) < 0) {
			*why = "proxy: credentials too long";
			return MEEK_EINVAL;
		}
		n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
		    "Proxy-Authorization: Basic %s\r\n\r\n", target, target, auth);
		explicit_bzero(cred, sizeof cred);
	} else {
		n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n",
		    target, target);
	}
	if ((left = clock_left(dl)) == 0)
		rc = MEEK_ETIMEDOUT;
	else
		rc = net_write_all(fd, req, (size_t)n, left);
	explicit_bzero(req, sizeof req);
	explicit_bzero(auth, sizeof auth);
	if (rc < 0)
		goto io;

	/* Read the head one byte at a time: anything after the blank line
	 * belongs to the tunnel and must stay in the socket. */
	for (;;) {
		char c;
		long r;

		if (total == PROXY_HEAD_MAX) {
			*why = "proxy: HTTP response head too large";
			return MEEK_EPROXY;
		}
		if ((left = clock_left(dl)) == 0) {
			rc = MEEK_ETIMEDOUT;
			goto io;
		}
		if ((r = net_read_some(fd, &c, 1, left)) < 0) {
			rc = (int)r;
			goto io;
		}
		total++;
		if (ll < sizeof line - 1 && (total == ll + 1) && c != '\r' &&
		    c != '\n')
			line[ll++] = c;
		tail = tail << 8 | (unsigned char)c;
		if ((tail & 0xffffffffu) == 0x0d0a0d0au || (tail & 0xffff) == 0x0a0a)
			break;
	}
	line[ll] = '\0';
	if ((status = proxy_http_status(line, ll)) < 0) {
		*why = "proxy: malformed HTTP response";
		return MEEK_EPROXY;
	}
	if (status == 407) {
		*why = "proxy: HTTP proxy authentication failed (407)";
		return MEEK_EAUTH;
	}
	if (status / 100 != 2) {
		*why = "proxy: HTTP proxy refused CONNECT";
		return MEEK_EPROXY;
	}
	return 0;
io:
	*why = rc == MEEK_ETIMEDOUT ? "proxy: CONNECT timed out" :
	    rc == MEEK_ECLOSED ? "proxy: proxy closed the connection" :
	    "proxy: I/O error during CONNECT";
	return rc;
}

int
proxy_dial(const struct proxy *p, const char *host, uint16_t port,
    int timeout_ms, const char **why)
{
	long long dl;
	const char *dummy;
	int fd, rc, left;

	if (why == NULL)
		why = &dummy;
	if (strlen(host) >= NET_HOST_MAX) {
		*why = "proxy: target host name too long";
		return MEEK_EINVAL;
	}
	if (p == NULL || p->type == PROXY_NONE)
		return net_dial(host, port, timeout_ms, why);
	dl = clock_deadline(timeout_ms);
	fd = net_dial(p->host, p->port, timeout_ms, why);
	if (fd < 0)
		return fd;
	if ((left = clock_left(dl)) == 0) {
		*why = "proxy: timed out";
		rc = MEEK_ETIMEDOUT;
		goto fail;
	}
	switch (p->type) {
	case PROXY_HTTP:
		rc = proxy_http_connect(fd, p, host, port, dl, why);
		break;
	case PROXY_SOCKS5:
		rc = socks5_client_connect(fd, host, port,
		    p->has_auth ? p->user : NULL, p->has_auth ? p->pass : NULL,
		    left, why);
		break;
	case PROXY_SOCKS4A:
		rc = socks4a_client_connect(fd, host, port,
		    p->has_auth ? p->user : NULL, left, why);
		break;
	default:
		*why = "proxy: unknown proxy type";
		rc = MEEK_EINVAL;
		break;
	}
	if (rc == 0)
		return fd;
fail:
	close(fd);
	return rc;
}
