/* libFuzzer harness: proxy_parse() on the input as a C string. */
#include "config.h"
#include "shared/proxy.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy p;
	const char *why = NULL;
	char *s = fuzz_strdup(data, size);
	int rc;

	memset(&p, 0xa5, sizeof p);
	rc = proxy_parse(&p, s, &why);
	if (rc == 0) {
		if (p.type != PROXY_HTTP && p.type != PROXY_SOCKS5 &&
		    p.type != PROXY_SOCKS4A)
			abort();
		if (strnlen(p.host, sizeof p.host) == sizeof p.host ||
		    p.host[0] == '\0')
			abort();
		if (p.has_auth &&
		    (strnlen(p.user, sizeof p.user) == sizeof p.user ||
		    strnlen(p.pass, sizeof p.pass) == sizeof p.pass))
			abort();
	} else if (why == NULL) {
		abort();
	}
	free(s);
	return 0;
}
