#include "config.h"
#include "shared/url.h"
#include "shared/err.h"
#include "shared/net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int
fail(const char **why, const char *msg)
{
	*why = msg;
	return MEEK_EINVAL;
}

/* Letters, digits, '-', '.', '_': a DNS name or an IPv4 literal. */
static int
host_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return n > 0;
}

/* The port in [port, end): 1..65535 in decimal digits, else 0. */
static unsigned long
url_port(const char *port, const char *end)
{
	unsigned long p = 0;

	if (port == end || end - port > 5)
		return 0;
	for (const char *c = port; c < end; c++) {
		if (*c < '0' || *c > '9')
			return 0;
		p = p * 10 + (unsigned long)(*c - '0');
	}
	return p <= 65535 ? p : 0;
}

int
url_parse(struct url *u, const char *s, const char **why)
{
	const char *auth, *end, *host, *port = NULL, *frag;
	size_t hl, pl;
	unsigned long p;
	int slash;

	memset(u, 0, sizeof *u);
	for (const char *c = s; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return fail(why, "space, control or non-ASCII byte in URL");
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = 1;
		auth = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		auth = s + 7;
	} else {
		return fail(why, "URL scheme is not http or https");
	}
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return fail(why, "userinfo in URL");

	host = auth;
	if (*auth == '[') {
		const char *rb = memchr(auth, ']', (size_t)(end - auth));
		unsigned char bin[16];
		char buf[INET6_ADDRSTRLEN];

		if (rb == NULL)
			return fail(why, "unclosed '[' in URL host");
		host = auth + 1;
		hl = (size_t)(rb - host);
		if (hl == 0 || hl >= sizeof buf)
			return fail(why, "bad IPv6 literal in URL");
		memcpy(buf, host, hl);
		buf[hl] = '\0';
		if (inet_pton(AF_INET6, buf, bin) != 1)
			return fail(why, "bad IPv6 literal in URL");
		if (rb + 1 != end && rb[1] != ':')
			return fail(why, "junk after ']' in URL");
		if (rb[1] == ':')
			port = rb + 2;
	} else {
		const char *colon = memchr(auth, ':', (size_t)(end - auth));

		hl = (size_t)((colon != NULL ? colon : end) - auth);
		if (colon != NULL)
			port = colon + 1;
		if (hl == 0)
			return fail(why, "empty host in URL");
		if (!host_ok(host, hl))
			return fail(why, "bad host in URL");
	}
	if (hl >= sizeof u->host)
		return fail(why, "URL host too long");
	memcpy(u->host, host, hl);
	u->host[hl] = '\0';

	u->port = u->https ? 443 : 80;
	if (port != NULL) {
		if ((p = url_port(port, end)) == 0)
			return fail(why, "bad port in URL");
		u->port = (uint16_t)p;
		u->port_given = 1;
	}

	/* The fragment never goes on the wire. */
	frag = strchr(end, '#');
	pl = frag != NULL ? (size_t)(frag - end) : strlen(end);
	slash = pl == 0 || *end == '?';
	if (slash + pl >= sizeof u->path)
		return fail(why, "URL path too long");
	u->path[0] = '/';
	memcpy(u->path + slash, end, pl);

	net_hostport(u->host_header, sizeof u->host_header, u->host,
	    u->port_given && u->port != (u->https ? 443 : 80) ? u->port : -1);
	return 0;
}
