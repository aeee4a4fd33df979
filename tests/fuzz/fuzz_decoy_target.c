/* libFuzzer harness: decoy_target() (meek-server --fallback) on a request
 * method and target from the input ("METHOD TARGET", split at the first
 * space; no space: GET).  Whatever the target, the decoy must get an
 * origin-form path, "*", or its own authority, never another host.
 * decoy.c belongs to meek-server, not to the shared objects the harnesses
 * link, so it is compiled in here. */
#include "config.h"
#include "server/decoy.c"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u;
	struct decoy d;
	char out[HTTP_HEAD_MAX];
	char *s = fuzz_strdup(data, size), *target = s, *method = "GET";
	char *sp = strchr(s, ' ');

	if (sp != NULL) {
		*sp = '\0';
		method = s;
		target = sp + 1;
	}
	memset(&d, 0, sizeof d);
	snprintf(u.host_header, sizeof u.host_header, "decoy.test:8080");
	d.url = &u;
	memset(out, 0xa5, sizeof out);
	decoy_target(&d, method, target, out, sizeof out);
	if (strnlen(out, sizeof out) == sizeof out)
		abort();
	if (out[0] != '/' && strcmp(out, "*") != 0 &&
	    strcmp(out, u.host_header) != 0)
		abort();
	if (strcasecmp(method, "CONNECT") == 0 &&
	    strcmp(out, u.host_header) != 0)
		abort();
	free(s);
	return 0;
}
