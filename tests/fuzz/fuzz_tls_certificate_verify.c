/*
 * libFuzzer harness: tlsmsg_certificate_verify() on the input, then
 * tlsx509_verify() of the parsed signature (TLS 1.3, and again as TLS 1.2)
 * over a fixed TLS 1.3 server CertificateVerify content with a fixed key:
 * the EC P-256 key for ECDSA schemes, the RSA-2048 key otherwise.  The
 * seeds hold valid signatures by these keys (their private halves were
 * thrown away).
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
	static unsigned char content[64 + 34 + 32];
	struct tlsmsg_certificate_verify cv;
	const struct tlsx509_key *key;
	unsigned char *buf = fuzz_memdup(data, size);
	const char *why = NULL;
	int alert = 0, rc, tls13;

	if (buf == NULL)
		return 0;
	if (ec.type == 0) {
		fuzz_keys(&ec, &rsa);
		memset(content, ' ', 64);
		memcpy(content + 64, "TLS 1.3, server CertificateVerify", 34);
	}
	rc = tlsmsg_certificate_verify(buf, size, &cv, &alert, &why);
	if (rc != 0) {
		fuzz_tls_failure_check(rc, why, alert);
		free(buf);
		return 0;
	}
	if (cv.sig_len + 4 != size || (cv.sig_len > 0 && cv.sig != buf + 4))
		abort();
	key = (cv.scheme & 0xff) == 0x03 ? &ec : &rsa;
	for (tls13 = 1; tls13 >= 0; tls13--) {
		why = NULL;
		rc = tlsx509_verify(key, cv.scheme, tls13, content, sizeof content, cv.sig,
		    cv.sig_len, &alert, &why);
		if (rc != 0 && (rc != MEEK_ETLS || why == NULL))
			abort();
	}
	free(buf);
	return 0;
}
