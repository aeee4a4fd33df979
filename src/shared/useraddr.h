/*
 * useraddr: the address a meek request came from, as meek-server reports it
 * to tor (USERADDR) and meek-reflect passes it on (Meek-IP).  One rule for
 * both programs:
 *  1. Meek-IP, when the TCP peer is in `meek_ip_from` (a reflector we run);
 *  2. else X-Forwarded-For's `trusted_proxies`-th entry from the right (the
 *     one our own proxies appended), when the list has that many entries;
 *  3. else the TCP peer's address.
 * A header value counts only when it is one IP literal, blanks around it
 * trimmed; anything else falls through to the next step.
 * Thread: reentrant; a rule is read-only once filled in.
 * Errors: none (the peer's address is the answer of last resort).
 */
#ifndef MEEK_SHARED_USERADDR_H
#define MEEK_SHARED_USERADDR_H
#include "shared/cidr.h"
#include "shared/http.h"

#include <stddef.h>
#include <sys/socket.h>

struct useraddr_rule {
	const struct cidr *meek_ip_from;  /* peers whose Meek-IP is believed */
	int nmeek_ip_from;                /* 0: Meek-IP is ignored */
	int trusted_proxies;              /* 0: X-Forwarded-For is ignored */
};

/* Where useraddr_pick() found the address. */
enum useraddr_from {
	USERADDR_PEER = 0,
	USERADDR_MEEK_IP,
	USERADDR_XFF
};

/* Copies `src` (`n` bytes, spaces and tabs around it trimmed) to `dst`
 * (`dstlen` bytes) when it is an IP literal.  Returns 1 when it is, else 0
 * (then `dst` holds garbage). */
int useraddr_ip(char *dst, size_t dstlen, const char *src, size_t n);
/* The `nth` entry from the right (1: the last) of the X-Forwarded-For list
 * `xff` into `ip` when the list has that many entries and that one is an IP
 * literal.  Returns 1 then, else 0. */
int useraddr_xff(char *ip, size_t iplen, const char *xff, int nth);
/* The request's address under rule `r` into `ip` (NET_ADDRSTR_MAX bytes
 * suffice): an IP literal, without port.  Returns where it came from. */
enum useraddr_from useraddr_pick(const struct useraddr_rule *r,
    const struct http_msg *m, const struct sockaddr *peer, char *ip,
    size_t iplen);

#endif
