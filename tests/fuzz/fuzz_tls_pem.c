/*
 * libFuzzer harness: PEM and key loading.  The input is split at its first
 * NUL into a certificate file and a key file (no NUL: the whole input is
 * both, as one combined PEM file); tls_creds_load() loads them and
 * tls_anchors_load() loads the certificate file as a CA bundle.
 */
#include "config.h"
#include "shared/tls.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[PATH_MAX], fuzz_cert[PATH_MAX], fuzz_key[PATH_MAX];

static void
fuzz_cleanup(void)
{
	(void)unlink(fuzz_cert);
	(void)unlink(fuzz_key);
	(void)rmdir(fuzz_dir);
}

static void
fuzz_init(void)
{
	if (!fuzz_scratch_dir(fuzz_dir, sizeof fuzz_dir, "meek-fuzz-tls.XXXXXX",
	    fuzz_cleanup))
		return;
	snprintf(fuzz_cert, sizeof fuzz_cert, "%s/cert.pem", fuzz_dir);
	snprintf(fuzz_key, sizeof fuzz_key, "%s/key.pem", fuzz_dir);
}

static void
fuzz_put(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		abort();
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			abort();
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *z = memchr(data, 0, size);
	struct tls_creds *c = NULL;
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	int rc;

	fuzz_init();
	if (z != NULL) {
		fuzz_put(fuzz_cert, data, (size_t)(z - data));
		fuzz_put(fuzz_key, z + 1, size - (size_t)(z + 1 - data));
	} else {
		fuzz_put(fuzz_cert, data, size);
		fuzz_put(fuzz_key, data, size);
	}
	rc = tls_creds_load(&c, fuzz_cert, fuzz_key, &why);
	if (rc == 0)
		tls_creds_free(c);
	else if (why == NULL)
		abort();
	why = NULL;
	rc = tls_anchors_load(&ta, fuzz_cert, &why);
	if (rc == 0) {
		if (tls_anchors_count(ta) == 0)
			abort();
		tls_anchors_free(ta);
	} else if (why == NULL) {
		abort();
	}
	return 0;
}
