/* libFuzzer harness: ptargs_parse() on the raw input (not NUL-terminated),
 * twice into the same list to exercise appending and the rollback. */
#include "config.h"
#include "shared/ptargs.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptargs a;
	const char *why = NULL;
	size_t before;
	int rc;

	ptargs_init(&a);
	if (ptargs_add(&a, "k", "v") < 0)
		abort();
	before = a.n;
	rc = ptargs_parse(&a, (const char *)data, size, &why);
	if (rc == MEEK_EPROTO && (a.n != before || why == NULL))
		abort(); /* a failed parse must leave the list as it was */
	for (size_t i = 0; i < a.n; i++) {
		if (strlen(a.kv[i].key) == 0 && i >= before)
			abort(); /* empty keys are errors */
		(void)strlen(a.kv[i].value);
		(void)ptargs_get(&a, a.kv[i].key);
	}
	(void)ptargs_parse(&a, (const char *)data, size, &why);
	ptargs_clear(&a);
	if (a.n != 0)
		abort();
	return 0;
}
