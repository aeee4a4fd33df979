/*
 * libFuzzer harness: tlsmsg_server_hello() on the input as a ServerHello
 * body (offered: every extension Chrome sends), and tlsmsg_next() splitting
 * the input as a handshake stream.  Checks that every pointer set on
 * success lies inside the input and that failures carry a why and an alert.
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
	struct tlsmsg_server_hello sh;
	unsigned char *buf = malloc(size ? size : 1);
	const unsigned char *body;
	const char *why = NULL;
	size_t off = 0, blen, mlen;
	unsigned type;
	int alert = 0, rc;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	rc = tlsmsg_server_hello(buf, size, 0xffffffffu & ~TLSMSG_X_COOKIE, &sh, &alert, &why);
	if (rc == 0) {
		if (!IN(sh.random, 32) || !IN(sh.session_id, sh.session_id_len) ||
		    sh.session_id_len > 32 || !IN(sh.share, sh.share_len) ||
		    !IN(sh.cookie, sh.cookie_len) || !IN(sh.alpn, sh.alpn_len) ||
		    (sh.version != 0x0303 && sh.version != 0x0304) ||
		    (sh.hrr && sh.share != NULL))
			abort();
	} else if (rc != MEEK_EPROTO || why == NULL || alert == 0) {
		abort();
	}
	while (off < size) {
		rc = tlsmsg_next(buf + off, size - off, 4096, &type, &body, &blen, &mlen, &alert,
		    &why);
		if (rc != 1)
			break;
		if (body != buf + off + 4 || mlen != blen + 4 || off + mlen > size)
			abort();
		off += mlen;
	}
	if (rc < 0 && (why == NULL || alert == 0))
		abort();
	free(buf);
	return 0;
}
