/*
 * libFuzzer harness: Certificate and CompressedCertificate.  The first input
 * byte picks the message (mod 3: 0 TLS 1.3 Certificate, 1 TLS 1.2
 * Certificate, 2 CompressedCertificate, whose output is then parsed as a
 * TLS 1.3 Certificate); the rest is the body.  Every certificate found goes
 * through tlsx509_check() (against a fixed test CA, for a DNS name and for
 * an IP literal), which also runs tlsx509's own DER walk over the leaf.
 */
#include "config.h"
#include "shared/tlsmsg.h"
#include "shared/tlsx509.h"
#include "shared/tls.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A throwaway P-256 test CA (the seeds' chains are signed by it). */
static const char fuzz_ca_pem[] =
"-----BEGIN CERTIFICATE-----\n"
"MIIBeDCCAR+gAwIBAgIUEYt8imbl1lUML6AoXpD4fz5OqaQwCgYIKoZIzj0EAwIw\n"
"EjEQMA4GA1UEAwwHVGVzdC1DQTAeFw0yNjEyMDIwMzIxNTFaFw0yNzAxMDEwMzIx\n"
"NTFaMBIxEDAOBgNVBAMMB1Rlc3QtQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
"AASNcOfuge6ZW07VU6mqnAX1d/pjIm2tcItXCyl5QEFX/LvtTdEaf4ouHFa42b39\n"
"W+o3ENMjj1mUy5smywIqyNbVo1MwUTAdBgNVHQ4EFgQUHZhb0HCaYVi/S3Z4lL+B\n"
"vE89yq8wHwYDVR0jBBgwFoAUHZhb0HCaYVi/S3Z4lL+BvE89yq8wDwYDVR0TAQH/\n"
"BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAO5Di5Yw3SAQ6soK9fK4UAmLO9d2+t\n"
"ndNtiieAMyyD0wIgTtDXzeLt5sxcloBjbYOooM397IVJcGk3mRXVCi91r/s=\n"
"-----END CERTIFICATE-----\n"
;

static struct tls_anchors *fuzz_ta;
static unsigned char fuzz_out[TLSMSG_CERT_MSG_MAX];

static void
fuzz_init(void)
{
	char path[PATH_MAX];
	const char *why = NULL;
	FILE *f;
	int fd;

	if (fuzz_ta != NULL)
		return;
	fuzz_tmp_path(path, sizeof path, "meek-fuzz-ca.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fputs(fuzz_ca_pem, f);
	fclose(f);
	if (tls_anchors_load(&fuzz_ta, path, &why) != 0)
		abort();
	(void)unlink(path);
}

#define IN(p, n, b, l) ((n) == 0 || ((p) >= (b) && (p) + (n) <= (b) + (l)))

static void
check_certs(const unsigned char *b, size_t l, int tls13)
{
	static const char *const names[] = { "front.test", "127.0.0.1" };
	static struct tlsmsg_certificate c;
	static struct tlsx509_key key;
	const unsigned char *der[TLSMSG_CERT_CHAIN_MAX];
	size_t der_len[TLSMSG_CERT_CHAIN_MAX], i;
	const char *why = NULL;
	long long nb, na;
	enum tlsx509_reason reason;
	int alert = 0, rc;

	rc = tlsmsg_certificate(b, l, tls13, 0xffffffffu, &c, &alert, &why);
	if (rc != 0) {
		fuzz_tls_failure_check(rc, why, alert);
		return;
	}
	if (c.n == 0 || c.n > TLSMSG_CERT_CHAIN_MAX)
		abort();
	for (i = 0; i < c.n; i++) {
		if (!IN(c.e[i].der, c.e[i].der_len, b, l) || c.e[i].der_len == 0 ||
		    !IN(c.e[i].ocsp, c.e[i].ocsp_len, b, l) || !IN(c.e[i].sct, c.e[i].sct_len, b, l))
			abort();
		der[i] = c.e[i].der;
		der_len[i] = c.e[i].der_len;
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		rc = tlsx509_check(fuzz_ta, names[i], der, der_len, c.n, &key, &nb, &na, &alert,
		    &why, &reason);
		if (rc != 0 && (rc != MEEK_ECERT || why == NULL))
			abort();
		if ((rc == 0) != (reason == TLSX509_OK))
			abort();
		if (rc == 0 && key.type == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	const char *why = NULL;
	size_t len, out_len = 0;
	int alert = 0, rc, mode;

	fuzz_init();
	if (size == 0)
		return 0;
	mode = data[0] % 3;
	len = size - 1;
	buf = fuzz_memdup(data + 1, len);
	if (buf == NULL)
		return 0;
	if (mode < 2) {
		check_certs(buf, len, mode == 0);
	} else {
		rc = tlsmsg_compressed_certificate(buf, len, fuzz_out, sizeof fuzz_out, &out_len,
		    &alert, &why);
		if (rc == 0) {
			unsigned char *exact = malloc(out_len);

			if (out_len == 0 || out_len > sizeof fuzz_out || exact == NULL)
				abort();
			memcpy(exact, fuzz_out, out_len);
			check_certs(exact, out_len, 1);
			free(exact);
		} else {
			fuzz_tls_failure_check(rc, why, alert);
		}
	}
	free(buf);
	return 0;
}
