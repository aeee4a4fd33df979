/* libFuzzer harness: url_parse() on the input as a C string. */
#include "config.h"
#include "shared/url.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct url u;
	int rc;

	FUZZ_PARSE_CSTRING(rc, url_parse, u, data, size);
	if (rc != 0)
		return 0;
	if (!fuzz_is_cstr(u.host, sizeof u.host) ||
	    !fuzz_is_cstr(u.path, sizeof u.path) ||
	    !fuzz_is_cstr(u.host_header, sizeof u.host_header) ||
	    u.host[0] == '\0' || u.path[0] != '/')
		abort();
	return 0;
}
