/* libFuzzer harness: proxy_parse() on the input as a C string. */
#include "config.h"
#include "shared/proxy.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
fuzz_proxy_check(const struct proxy *p)
{
	if (p->type != PROXY_HTTP && p->type != PROXY_SOCKS5 &&
	    p->type != PROXY_SOCKS4A)
		abort();
	if (!fuzz_is_cstr(p->host, sizeof p->host) || p->host[0] == '\0')
		abort();
	if (p->has_auth && (!fuzz_is_cstr(p->user, sizeof p->user) ||
	    !fuzz_is_cstr(p->pass, sizeof p->pass)))
		abort();
}

FUZZ_CSTRING_HARNESS(struct proxy, proxy_parse, fuzz_proxy_check)
