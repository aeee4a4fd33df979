/* libFuzzer harness: http_parse_request_head() on the raw input, the
 * pool's head-end scan on the same bytes, and on a parsed head the rules
 * that read its headers: sessid_check() and useraddr_pick() (Meek-IP from a
 * trusted peer, X-Forwarded-For two proxies deep). */
#include "config.h"
#include "shared/http.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/sessid.h"
#include "shared/useraddr.h"
#include "fuzz_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct http_msg *m;

	if (http_request_head_end(data, size) > size)
		abort();
	m = fuzz_http_head(http_parse_request_head, data, size);
	if (m != NULL) {
		struct sockaddr_in peer;
		struct cidr any;
		struct useraddr_rule r = { &any, 1, 2 };
		char ip[NET_ADDRSTR_MAX];

		memset(&peer, 0, sizeof peer);
		peer.sin_family = AF_INET;
		peer.sin_addr.s_addr = htonl(0x7f000001);
		if (cidr_parse(&any, "0.0.0.0/0") != 0)
			abort();
		(void)useraddr_pick(&r, m, (const struct sockaddr *)&peer, ip,
		    sizeof ip);
		if (memchr(ip, '\0', sizeof ip) == NULL || !net_is_ip_literal(ip))
			abort();
		if (sessid_check(http_header_get(m, "X-Session-Id")) > SESSID_MAX)
			abort();
		/* Every pointer must be a C string inside m->head. */
		fuzz_http_headers_check(m,
		    strlen(m->method) + strlen(m->target));
	}
	return 0;
}
