/* libFuzzer harness: http_parse_response_head() on the raw input. */
#include "config.h"
#include "shared/http.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_msg m; /* 8 KB head: keep it off the stack */
	const char *why = NULL;
	int rc;

	rc = http_parse_response_head(&m, (const char *)data, size, &why);
	if (rc == 0) {
		/* Every pointer must be a C string inside m.head. */
		if (m.status < 100 || m.status > 999)
			abort();
		fuzz_http_headers_check(&m, strlen(m.reason));
	} else if (rc == MEEK_EPROTO && why == NULL) {
		/* Contract: a malformed head comes with a reason. */
		abort();
	}
	return 0;
}
