/* libFuzzer harness: http_parse_response_head() on the raw input. */
#include "config.h"
#include "shared/http.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct http_msg *m;

	m = fuzz_http_head(http_parse_response_head, data, size);
	if (m != NULL) {
		/* Every pointer must be a C string inside m->head. */
		if (m->status < 100 || m->status > 999)
			abort();
		fuzz_http_headers_check(m, strlen(m->reason));
	}
	return 0;
}
