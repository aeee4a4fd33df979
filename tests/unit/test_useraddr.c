/* useraddr: which address meek-server gives tor and meek-reflect passes on
 * (src/shared/useraddr.c): Meek-IP from trusted peers, X-Forwarded-For's
 * n-th entry from the right, else the peer. */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/cidr.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/useraddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define UNIT_SUITE "useraddr"

/* A parsed request head carrying `meek_ip` and `xff` (NULL: absent) in
 * `m`, and the peer `peer_ip` (port 4321) in `ss`. */
static void
request(struct http_msg *m, char *head, size_t cap, struct sockaddr_storage
    *ss, const char *peer_ip, const char *meek_ip, const char *xff)
{
	const char *why = "";
	int n;

	memset(ss, 0, sizeof *ss);
	if (strchr(peer_ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(4321);
		ck_assert_int_eq(inet_pton(AF_INET6, peer_ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(4321);
		ck_assert_int_eq(inet_pton(AF_INET, peer_ip, &s4->sin_addr), 1);
	}
	n = snprintf(head, cap, "POST / HTTP/1.1\r\nHost: x\r\n"
	    "X-Session-Id: abcdefgh12345678\r\n%s%s%s%s%s%s\r\n",
	    meek_ip != NULL ? "Meek-IP: " : "", meek_ip != NULL ? meek_ip : "",
	    meek_ip != NULL ? "\r\n" : "",
	    xff != NULL ? "X-Forwarded-For: " : "", xff != NULL ? xff : "",
	    xff != NULL ? "\r\n" : "");
	ck_assert(n > 0 && (size_t)n < cap);
	ck_assert_msg(http_parse_request_head(m, head, (size_t)n, &why) == 0,
	    "%s", why);
}

/* One case of the rule. */
struct pick_case {
	const char *from_cidr;   /* --meek-ip-from (NULL: none) */
	int trusted_proxies;
	const char *peer, *meek_ip, *xff;
	const char *want;
	enum useraddr_from want_from;
};

static const struct pick_case pick_cases[] = {
	/* Nothing trusted: the peer, whatever the headers say. */
	{ NULL, 0, "192.0.2.9", "198.51.100.1", "203.0.113.5", "192.0.2.9",
	    USERADDR_PEER },
	/* Meek-IP from a trusted reflector. */
	{ "192.0.2.0/24", 0, "192.0.2.9", "198.51.100.1", NULL,
	    "198.51.100.1", USERADDR_MEEK_IP },
	{ "192.0.2.0/24", 0, "192.0.2.9", " 2001:db8::7\t", NULL,
	    "2001:db8::7", USERADDR_MEEK_IP },
	/* ... not from anyone else. */
	{ "192.0.2.0/24", 0, "203.0.113.9", "198.51.100.1", NULL,
	    "203.0.113.9", USERADDR_PEER },
	/* An IPv4 range matches an IPv4-mapped IPv6 peer. */
	{ "192.0.2.0/24", 0, "::ffff:192.0.2.9", "198.51.100.1", NULL,
	    "198.51.100.1", USERADDR_MEEK_IP },
	/* A Meek-IP that is no address falls through to the peer. */
	{ "192.0.2.0/24", 0, "192.0.2.9", "example.com", NULL, "192.0.2.9",
	    USERADDR_PEER },
	/* ... or to X-Forwarded-For when that is trusted. */
	{ "192.0.2.0/24", 1, "192.0.2.9", "not an ip", "203.0.113.5",
	    "203.0.113.5", USERADDR_XFF },
	/* X-Forwarded-For: the n-th entry from the right. */
	{ NULL, 1, "127.0.0.1", NULL, "10.0.0.1, 203.0.113.5", "203.0.113.5",
	    USERADDR_XFF },
	{ NULL, 2, "127.0.0.1", NULL, "10.0.0.1, 203.0.113.5, 127.0.0.2",
	    "203.0.113.5", USERADDR_XFF },
	{ NULL, 1, "127.0.0.1", NULL, "10.0.0.1,2001:db8::1 ", "2001:db8::1",
	    USERADDR_XFF },
	/* Shorter than the proxies we trust: not through them. */
	{ NULL, 3, "127.0.0.1", NULL, "10.0.0.1, 203.0.113.5", "127.0.0.1",
	    USERADDR_PEER },
	/* "a b", a name, an empty entry: no address. */
	{ NULL, 1, "127.0.0.1", NULL, "10.0.0.1, 1.2.3.4 5.6.7.8", "127.0.0.1",
	    USERADDR_PEER },
	{ NULL, 1, "127.0.0.1", NULL, "proxy.example", "127.0.0.1",
	    USERADDR_PEER },
	{ NULL, 1, "127.0.0.1", NULL, "10.0.0.1,", "127.0.0.1", USERADDR_PEER },
	/* Meek-IP without --meek-ip-from is ignored even when XFF is not. */
	{ NULL, 1, "::1", "198.51.100.1", NULL, "::1", USERADDR_PEER },
};

UNIT_TEST("rule", useraddr_pick_follows_the_rule,
    .loops = (int)UNIT_N(pick_cases))
{
	const struct pick_case *c = &pick_cases[_i];
	struct useraddr_rule r = { NULL, 0, c->trusted_proxies };
	struct cidr range;
	struct http_msg m;
	struct sockaddr_storage ss;
	char head[1024], ip[NET_ADDRSTR_MAX];
	enum useraddr_from from;

	if (c->from_cidr != NULL) {
		ck_assert_int_eq(cidr_parse(&range, c->from_cidr), 0);
		r.meek_ip_from = &range;
		r.nmeek_ip_from = 1;
	}
	request(&m, head, sizeof head, &ss, c->peer, c->meek_ip, c->xff);
	from = useraddr_pick(&r, &m, (const struct sockaddr *)&ss, ip,
	    sizeof ip);
	ck_assert_msg(strcmp(ip, c->want) == 0, "case %d: %s, want %s", _i, ip,
	    c->want);
	ck_assert_int_eq(from, c->want_from);
}
END_TEST

UNIT_TEST("rule", useraddr_without_rule_is_the_peer)
{
	struct http_msg m;
	struct sockaddr_storage ss;
	char head[1024], ip[NET_ADDRSTR_MAX];

	request(&m, head, sizeof head, &ss, "2001:db8::2", "198.51.100.1",
	    "203.0.113.5");
	ck_assert_int_eq(useraddr_pick(NULL, &m, (const struct sockaddr *)&ss,
	    ip, sizeof ip), USERADDR_PEER);
	ck_assert_str_eq(ip, "2001:db8::2");
}
END_TEST

UNIT_TEST("rule", useraddr_ip_trims_and_bounds)
{
	char ip[16];

	ck_assert_int_eq(useraddr_ip(ip, sizeof ip, " \t1.2.3.4 \t", 11), 1);
	ck_assert_str_eq(ip, "1.2.3.4");
	ck_assert_int_eq(useraddr_ip(ip, sizeof ip, "1.2.3.4", 5), 0);  /* "1.2.3" */
	ck_assert_int_eq(useraddr_ip(ip, sizeof ip, "   ", 3), 0);
	ck_assert_int_eq(useraddr_ip(ip, sizeof ip, "2001:db8::1234:5678", 19),
	    0);   /* does not fit 16 bytes */
	ck_assert_int_eq(useraddr_xff(ip, sizeof ip, "1.2.3.4", 0), 0);
	ck_assert_int_eq(useraddr_xff(ip, sizeof ip, "1.2.3.4", 1), 1);
	ck_assert_int_eq(useraddr_xff(ip, sizeof ip, "1.2.3.4", 2), 0);
}
END_TEST
