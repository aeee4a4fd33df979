/* libFuzzer harness: tlshello_shared_secret() on a server key share.
 * Input: mode byte (0: first hello, 1: retry P-256, 2: retry P-384), the
 * group (2 bytes, big-endian), then the share. */
#include "config.h"
#include "shared/err.h"
#include "shared/tlshello.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char out[TLSHELLO_MAX];
	static struct tlshello h;
	unsigned char ss[64];
	size_t len;
	int rc;

	if (size < 3)
		return 0;
	if (tlshello_build(&h, TLSHELLO_CHROME, "front.example", NULL, NULL, 0, out,
	    sizeof out, &len, NULL) != 0)
		abort();
	if (data[0] % 3 != 0 && tlshello_build_retry(&h, data[0] % 3 == 1 ?
	    TLSHELLO_GROUP_P256 : TLSHELLO_GROUP_P384, NULL, 0, NULL, out, sizeof out,
	    &len, NULL) != 0)
		abort();
	uint16_t group = (uint16_t)(data[1] << 8 | data[2]);
	rc = tlshello_shared_secret(&h, group, data + 3, size - 3, ss, sizeof ss);
	if (rc != MEEK_EPROTO && rc != 32 && rc != 48 && rc != 64)
		abort();
	tlshello_clear(&h);
	return 0;
}
