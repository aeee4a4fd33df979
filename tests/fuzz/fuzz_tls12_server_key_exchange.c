/*
 * libFuzzer harness: tlsmsg_server_key_exchange() (TLS 1.2 ECDHE) on the
 * input, then tlsx509_verify(tls13 = 0) of its signature over
 * client_random (32 x 0x01) || server_random (32 x 0x02) || params with a
 * fixed key (EC P-256 for ECDSA schemes, RSA-2048 otherwise; the seeds are
 * signed by them).
 */
#include "config.h"
#include "shared/tlsmsg.h"
#include "shared/tlsx509.h"
#include "shared/err.h"
#include "fuzz_common.h"
#include "fuzz_keys.h"

#include <bearssl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlsx509_key ec, rsa;
	struct tlsmsg_server_key_exchange ske;
	unsigned char *buf = fuzz_memdup(data, size), *signed_data;
	const char *why = NULL;
	int alert = 0, rc;

	if (buf == NULL)
		return 0;
	if (ec.type == 0)
		fuzz_keys(&ec, &rsa);
	rc = tlsmsg_server_key_exchange(buf, size, &ske, &alert, &why);
	if (rc != 0) {
		fuzz_tls_failure_check(rc, why, alert);
		free(buf);
		return 0;
	}
	if (ske.params != buf || ske.params_len != 4 + ske.point_len || ske.point_len == 0 ||
	    ske.point != buf + 4 || ske.params_len + 4 + ske.sig_len != size)
		abort();
	signed_data = malloc(64 + ske.params_len);
	if (signed_data == NULL)
		abort();
	memset(signed_data, 0x01, 32);
	memset(signed_data + 32, 0x02, 32);
	memcpy(signed_data + 64, ske.params, ske.params_len);
	rc = tlsx509_verify((ske.scheme & 0xff) == 0x03 ? &ec : &rsa, ske.scheme, 0, signed_data,
	    64 + ske.params_len, ske.sig, ske.sig_len, &alert, &why);
	if (rc != 0 && (rc != MEEK_ETLS || why == NULL))
		abort();
	free(signed_data);
	free(buf);
	return 0;
}
