/*
 * url: "http(s)://host[:port][/path[?query]]" for meek's url= and proxies.
 * Thread: any.
 */
#ifndef MEEK_SHARED_URL_H
#define MEEK_SHARED_URL_H
#include <stdint.h>

#define URL_HOST_MAX 256
#define URL_PATH_MAX 2048

struct url {
	int https;                   /* 1 for https, 0 for http */
	char host[URL_HOST_MAX];     /* without brackets for IPv6 literals */
	uint16_t port;               /* explicit, else 443 / 80 */
	int port_given;              /* the URL named a port */
	char path[URL_PATH_MAX];     /* path and query, "/" when empty; no fragment */
	/* What goes in the Host header: host, bracketed if IPv6, with ":port"
	 * only when a port was given that is not the scheme default. */
	char host_header[URL_HOST_MAX + 8];
};

/* Parses `s`.  Rejects other schemes, userinfo, empty host, bad ports,
 * spaces and control bytes.  Returns 0 or MEEK_EINVAL with *why. */
int url_parse(struct url *u, const char *s, const char **why);

#endif
