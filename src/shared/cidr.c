#include "config.h"
#include "shared/cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Clears the bits of `a` (`len` bytes) beyond the first `bits`. */
static void
cidr_mask(unsigned char *a, size_t len, int bits)
{
	for (size_t i = 0; i < len; i++) {
		int keep = bits - (int)i * 8;

		if (keep <= 0)
			a[i] = 0;
		else if (keep < 8)
			a[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

int
cidr_parse(struct cidr *c, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	int max;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	c->bits = max;
	if (slash != NULL) {
		char *end;
		long b;

		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		b = strtol(slash + 1, &end, 10);
		if (*end != '\0' || b < 0 || b > max)
			return -1;
		c->bits = (int)b;
	}
	cidr_mask(c->addr, max / 8, c->bits);
	return 0;
}

int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	unsigned char a[16];
	size_t len;

	if (sa->sa_family == AF_INET) {
		if (c->family != AF_INET)
			return 0;
		memcpy(a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		len = 4;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *in6 =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (c->family == AF_INET && IN6_IS_ADDR_V4MAPPED(in6)) {
			memcpy(a, in6->s6_addr + 12, 4);
			len = 4;
		} else if (c->family == AF_INET6) {
			memcpy(a, in6->s6_addr, 16);
			len = 16;
		} else {
			return 0;
		}
	} else {
		return 0;
	}
	cidr_mask(a, len, c->bits);
	return memcmp(a, c->addr, len) == 0;
}
