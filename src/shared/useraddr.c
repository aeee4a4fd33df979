#include "config.h"
#include "shared/useraddr.h"
#include "shared/net.h"

#include <string.h>

int
useraddr_ip(char *dst, size_t dstlen, const char *src, size_t n)
{
	while (n > 0 && (*src == ' ' || *src == '\t')) {
		src++;
		n--;
	}
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= dstlen)
		return 0;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return net_is_ip_literal(dst);
}

int
useraddr_xff(char *ip, size_t iplen, const char *xff, int nth)
{
	const char *end = xff + strlen(xff), *p;

	if (nth < 1)
		return 0;
	for (int i = 1; ; i++) {
		for (p = end; p > xff && p[-1] != ','; p--)
			;
		if (i == nth)
			return useraddr_ip(ip, iplen, p, (size_t)(end - p));
		if (p == xff)
			return 0;   /* shorter than nth: not through our proxies */
		end = p - 1;
	}
}

static int
useraddr_meek_ip_trusted(const struct useraddr_rule *r,
    const struct sockaddr *peer)
{
	for (int i = 0; i < r->nmeek_ip_from; i++)
		if (cidr_match(&r->meek_ip_from[i], peer))
			return 1;
	return 0;
}

enum useraddr_from
useraddr_pick(const struct useraddr_rule *r, const struct http_msg *m,
    const struct sockaddr *peer, char *ip, size_t iplen)
{
	const char *v;

	if (r != NULL && r->nmeek_ip_from > 0 &&
	    (v = http_header_get(m, "Meek-IP")) != NULL &&
	    useraddr_meek_ip_trusted(r, peer) &&
	    useraddr_ip(ip, iplen, v, strlen(v)))
		return USERADDR_MEEK_IP;
	if (r != NULL && r->trusted_proxies > 0 &&
	    (v = http_header_get(m, "X-Forwarded-For")) != NULL &&
	    useraddr_xff(ip, iplen, v, r->trusted_proxies))
		return USERADDR_XFF;
	net_ip_format(peer, ip, iplen);
	return USERADDR_PEER;
}
