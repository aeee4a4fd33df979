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
	const char *why = NULL;
	char *s = fuzz_strdup(data, size);
	int rc;

	memset(&u, 0xa5, sizeof u);
	rc = url_parse(&u, s, &why);
	if (rc == 0) {
		if (strnlen(u.host, sizeof u.host) == sizeof u.host ||
		    strnlen(u.path, sizeof u.path) == sizeof u.path ||
		    strnlen(u.host_header, sizeof u.host_header) ==
		    sizeof u.host_header || u.host[0] == '\0' ||
		    u.path[0] != '/')
			abort();
	} else if (why == NULL) {
		abort();
	}
	free(s);
	return 0;
}
