/*
 * pss: signatures made by `openssl dgst -sign -sigopt rsa_padding_mode:pss`
 * (tests/unit/data/pss/vectors.txt: 2047-, 2048-, 2049-, 3072- and
 * 4096-bit keys, SHA-256/384/512; 2049 bits makes EM one byte shorter than
 * the modulus), signatures openssl made with another salt length, MGF1
 * hash or PKCS#1 v1.5, and tampered signatures, hashes and lengths.
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/hexdata.h"
#include "shared/pss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SUITE "pss"

struct pss_vec {
	unsigned bits;
	char hash[8], expect[32];
	unsigned char n[512], e[8], msg[128], sig[512];
	size_t nlen, elen, msglen, siglen;
};

static size_t
unhex(unsigned char *out, size_t cap, const char *s)
{
	long n = hexdata_decode(out, cap, s);

	ck_assert_msg(n >= 0, "bad hex field (%zu digits, room for %zu bytes)", strlen(s), cap);
	return (size_t)n;
}

/* Loads every vector; returns how many (at most `cap`). */
static size_t
load(struct pss_vec *v, size_t cap)
{
	char path[512], *line = NULL, *f[7], *save, *p;
	size_t lcap = 0, n = 0;
	FILE *fp;

	snprintf(path, sizeof path, "%s/tests/unit/data/pss/vectors.txt", TOP_SRCDIR);
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	while (getline(&line, &lcap, fp) > 0) {
		int k = 0;

		if (line[0] == '#')
			continue;
		for (p = strtok_r(line, " \n", &save); p && k < 7; p = strtok_r(NULL, " \n", &save))
			f[k++] = p;
		ck_assert_int_eq(k, 7);
		ck_assert_uint_lt(n, cap);
		v[n].bits = (unsigned)atoi(f[0]);
		snprintf(v[n].hash, sizeof v[n].hash, "%s", f[1]);
		snprintf(v[n].expect, sizeof v[n].expect, "%s", f[2]);
		v[n].nlen = unhex(v[n].n, sizeof v[n].n, f[3]);
		v[n].elen = unhex(v[n].e, sizeof v[n].e, f[4]);
		v[n].msglen = unhex(v[n].msg, sizeof v[n].msg, f[5]);
		v[n].siglen = unhex(v[n].sig, sizeof v[n].sig, f[6]);
		n++;
	}
	free(line);
	fclose(fp);
	return n;
}

static const br_hash_class *
hash_class(const char *name)
{
	if (strcmp(name, "sha256") == 0)
		return &br_sha256_vtable;
	if (strcmp(name, "sha384") == 0)
		return &br_sha384_vtable;
	if (strcmp(name, "sha512") == 0)
		return &br_sha512_vtable;
	ck_abort_msg("unknown hash %s", name);
	return NULL;
}

static void
digest(const br_hash_class *h, const void *msg, size_t len, unsigned char *out)
{
	br_hash_compat_context hc;

	h->init(&hc.vtable);
	h->update(&hc.vtable, msg, len);
	h->out(&hc.vtable, out);
}

static int
verify(const struct pss_vec *v, const br_hash_class *h, const unsigned char *sig,
    size_t sig_len)
{
	br_rsa_public_key pk = { (unsigned char *)v->n, v->nlen,
		(unsigned char *)v->e, v->elen };
	unsigned char hv[64];

	digest(h, v->msg, v->msglen, hv);
	return pss_verify(&pk, h, hv, sig, sig_len);
}

static struct pss_vec vecs[32];

UNIT_TEST("verify", pss_accepts_openssl_signatures, .timeout = 60)
{
	size_t n = load(vecs, 32), good = 0, bits2049 = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(vecs[i].expect, "ok") != 0)
			continue;
		ck_assert_msg(verify(&vecs[i], hash_class(vecs[i].hash), vecs[i].sig,
		    vecs[i].siglen) == 1, "vector %zu (%u bits, %s)", i,
		    vecs[i].bits, vecs[i].hash);
		good++;
		bits2049 += vecs[i].bits == 2049;
	}
	ck_assert_uint_ge(good, 8);
	ck_assert_uint_ge(bits2049, 1);
}
END_TEST

/* openssl's own signatures with a salt other than the hash length, MGF1
 * over another hash, or PKCS#1 v1.5 padding. */
UNIT_TEST("verify", pss_rejects_other_parameters)
{
	size_t n = load(vecs, 32), bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(vecs[i].expect, "ok") == 0)
			continue;
		ck_assert_msg(verify(&vecs[i], hash_class(vecs[i].hash), vecs[i].sig,
		    vecs[i].siglen) == 0, "vector %zu (%s)", i, vecs[i].expect);
		bad++;
	}
	ck_assert_uint_ge(bad, 5);
}
END_TEST

UNIT_TEST("verify", pss_rejects_tampering)
{
	size_t n = load(vecs, 32);
	unsigned char sig[513], hv[64];

	for (size_t i = 0; i < n; i++) {
		const struct pss_vec *v = &vecs[i];
		const br_hash_class *h = hash_class(v->hash);
		br_rsa_public_key pk = { (unsigned char *)v->n, v->nlen,
			(unsigned char *)v->e, v->elen };
		size_t hl = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
		size_t k = v->siglen;

		if (strcmp(v->expect, "ok") != 0)
			continue;
		/* one flipped bit anywhere in the signature */
		for (size_t b = 0; b < 8 * k; b += 8 * k / 13 + 1) {
			memcpy(sig, v->sig, k);
			sig[b / 8] ^= (unsigned char)(1u << (b % 8));
			ck_assert_msg(verify(v, h, sig, k) == 0, "vector %zu bit %zu", i, b);
		}
		/* another hash of the message, or of another message */
		ck_assert_int_eq(verify(v, h == &br_sha256_vtable ? &br_sha384_vtable :
		    &br_sha256_vtable, v->sig, k), 0);
		digest(h, v->msg, v->msglen, hv);
		hv[hl - 1] ^= 1;
		ck_assert_int_eq(pss_verify(&pk, h, hv, v->sig, k), 0);
		/* wrong lengths: short, with a leading zero, empty */
		ck_assert_int_eq(verify(v, h, v->sig + 1, k - 1), 0);
		sig[0] = 0;
		memcpy(sig + 1, v->sig, k);
		ck_assert_int_eq(verify(v, h, sig, k + 1), 0);
		ck_assert_int_eq(verify(v, h, v->sig, 0), 0);
		/* s >= n */
		memcpy(sig, v->n, k);
		ck_assert_int_eq(verify(v, h, sig, k), 0);
		memset(sig, 0xff, k);
		ck_assert_int_eq(verify(v, h, sig, k), 0);
	}
}
END_TEST

/* A modulus with leading zero bytes in memory is the same key. */
UNIT_TEST("verify", pss_accepts_modulus_with_leading_zeros)
{
	size_t n = load(vecs, 32);
	unsigned char nz[520], hv[64];
	const struct pss_vec *v = &vecs[0];
	const br_hash_class *h;
	br_rsa_public_key pk;

	ck_assert_uint_ge(n, 1);
	ck_assert_str_eq(v->expect, "ok");
	h = hash_class(v->hash);
	memset(nz, 0, 3);
	memcpy(nz + 3, v->n, v->nlen);
	pk = (br_rsa_public_key){ nz, v->nlen + 3, (unsigned char *)v->e, v->elen };
	digest(h, v->msg, v->msglen, hv);
	ck_assert_int_eq(pss_verify(&pk, h, hv, v->sig, v->siglen), 1);
}
END_TEST
