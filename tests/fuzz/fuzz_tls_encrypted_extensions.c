/*
 * libFuzzer harness: tlsmsg_encrypted_extensions() on the input (offered:
 * every extension bit, then only ALPN and server_name).
 */
#include "config.h"
#include "shared/tlsmsg.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IN(p, n) ((n) == 0 || ((p) >= buf && (p) + (n) <= buf + size))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t offered[2] = { 0xffffffffu,
		TLSMSG_X_ALPN | TLSMSG_X_SERVER_NAME };
	struct tlsmsg_encrypted_extensions ee;
	unsigned char *buf = malloc(size ? size : 1);
	const char *why;
	int alert, rc, i;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	for (i = 0; i < 2; i++) {
		why = NULL;
		alert = 0;
		rc = tlsmsg_encrypted_extensions(buf, size, offered[i], &ee, &alert, &why);
		if (rc == 0) {
			if (!IN(ee.alpn, ee.alpn_len) || !IN(ee.alps, ee.alps_len) ||
			    !IN(ee.groups, ee.groups_len) || !IN(ee.ech, ee.ech_len) ||
			    (ee.exts & ~offered[i]) != 0 ||
			    ((ee.exts & TLSMSG_X_ALPN) && ee.alpn_len == 0) ||
			    ((ee.exts & TLSMSG_X_ALPS) && !(ee.exts & TLSMSG_X_ALPN)))
				abort();
		} else if (rc != MEEK_EPROTO || why == NULL || alert == 0) {
			abort();
		}
	}
	free(buf);
	return 0;
}
