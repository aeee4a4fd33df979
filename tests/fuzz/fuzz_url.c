/* libFuzzer harness: url_parse() on the input as a C string. */
#include "config.h"
#include "shared/url.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
fuzz_url_check(const struct url *u)
{
	if (!fuzz_is_cstr(u->host, sizeof u->host) ||
	    !fuzz_is_cstr(u->path, sizeof u->path) ||
	    !fuzz_is_cstr(u->host_header, sizeof u->host_header) ||
	    u->host[0] == '\0' || u->path[0] != '/')
		abort();
}

FUZZ_CSTRING_HARNESS(struct url, url_parse, fuzz_url_check)
