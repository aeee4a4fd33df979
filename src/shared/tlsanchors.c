#include "config.h"
#include "shared/tls.h"
#include "shared/tlspem.h"
#include "shared/err.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tls_anchors {
	br_x509_trust_anchor *ta;
	size_t n, cap;
};

static void
tls_anchor_clear(br_x509_trust_anchor *ta)
{
	free(ta->dn.data);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else if (ta->pkey.key_type == BR_KEYTYPE_EC) {
		free(ta->pkey.key.ec.q);
	}
}

/* Decodes one DER certificate into an owned anchor.  Returns 1 done, 0
 * undecodable (skipped), MEEK_ENOMEM. */
static int
tls_anchor_from_der(br_x509_trust_anchor *ta, const unsigned char *der,
    size_t len)
{
	br_x509_decoder_context dc;
	struct tlspem_buf dn = { 0 };
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, tlspem_buf_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (dn.oom) {
		free(dn.p);
		return MEEK_ENOMEM;
	}
	if (pk == NULL) {
		free(dn.p);
		return 0;
	}
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = tlspem_memdup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = tlspem_memdup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (ta->pkey.key.rsa.n == NULL || ta->pkey.key.rsa.e == NULL) {
			tls_anchor_clear(ta);
			return MEEK_ENOMEM;
		}
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = tlspem_memdup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (ta->pkey.key.ec.q == NULL) {
			tls_anchor_clear(ta);
			return MEEK_ENOMEM;
		}
	} else {
		free(dn.p);
		return 0;
	}
	return 1;
}

static int
tls_anchors_add(void *arg, const char *name, const unsigned char *der,
    size_t len)
{
	struct tls_anchors *a = arg;
	br_x509_trust_anchor *nta;
	int r;

	if (!tlspem_is_cert_name(name))
		return 0;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;

		nta = realloc(a->ta, ncap * sizeof *nta);
		if (nta == NULL)
			return MEEK_ENOMEM;
		a->ta = nta;
		a->cap = ncap;
	}
	r = tls_anchor_from_der(&a->ta[a->n], der, len);
	if (r < 0)
		return r;
	if (r > 0)
		a->n++;
	return 0;
}

int
tls_anchors_load(struct tls_anchors **out, const char *path, const char **why)
{
	struct tls_anchors *a;
	unsigned char *data;
	size_t len;
	int r;

	r = tlspem_read_file(path, &data, &len, why);
	if (r < 0)
		return r;
	a = calloc(1, sizeof *a);
	if (a == NULL) {
		free(data);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	r = tlspem_walk(data, len, tls_anchors_add, a, why);
	free(data);
	if (r == MEEK_ENOMEM && why)
		*why = "out of memory";
	if (r == 0 && a->n == 0) {
		if (why)
			*why = "no certificate found";
		r = MEEK_EPROTO;
	}
	if (r < 0) {
		tls_anchors_free(a);
		return r;
	}
	*out = a;
	return 0;
}

size_t
tls_anchors_count(const struct tls_anchors *ta)
{
	return ta != NULL ? ta->n : 0;
}

const br_x509_trust_anchor *
tls_anchors_list(const struct tls_anchors *ta, size_t *n)
{
	*n = ta != NULL ? ta->n : 0;
	return ta != NULL ? ta->ta : NULL;
}

void
tls_anchors_free(struct tls_anchors *ta)
{
	if (ta == NULL)
		return;
	for (size_t i = 0; i < ta->n; i++)
		tls_anchor_clear(&ta->ta[i]);
	free(ta->ta);
	free(ta);
}
