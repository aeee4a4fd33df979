#include "config.h"
#include "shared/pss.h"

#include <string.h>

static size_t
pss_hash_len(const br_hash_class *h)
{
	return (size_t)((h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
}

/* XORs MGF1(seed, len) into buf[0..len) (RFC 8017 B.2.1). */
static void
pss_mgf1_xor(const br_hash_class *h, const unsigned char *seed, size_t seed_len,
    unsigned char *buf, size_t len)
{
	br_hash_compat_context hc;
	unsigned char t[64];
	size_t hlen = pss_hash_len(h), off, i;
	uint32_t counter;

	for (counter = 0, off = 0; off < len; counter++) {
		unsigned char c[4] = { (unsigned char)(counter >> 24),
			(unsigned char)(counter >> 16), (unsigned char)(counter >> 8),
			(unsigned char)counter };

		h->init(&hc.vtable);
		h->update(&hc.vtable, seed, seed_len);
		h->update(&hc.vtable, c, sizeof c);
		h->out(&hc.vtable, t);
		for (i = 0; i < hlen && off < len; i++, off++)
			buf[off] ^= t[i];
	}
}

int
pss_verify(const br_rsa_public_key *pk, const br_hash_class *h, const unsigned char *hv,
    const unsigned char *sig, size_t sig_len)
{
	unsigned char x[PSS_MAX_MODULUS_BYTES], hh[64];
	static const unsigned char zeros[8];
	const unsigned char *n = pk->n, *hp;
	unsigned char *em;
	size_t nlen = pk->nlen, hlen = pss_hash_len(h), slen = hlen;
	size_t mod_bits, em_bits, em_len, db_len, i;
	unsigned top_bits;
	br_hash_compat_context hc;

	while (nlen > 0 && *n == 0) {
		n++;
		nlen--;
	}
	if (nlen == 0 || nlen > sizeof x || sig_len != nlen || hlen == 0 ||
	    hlen > sizeof hh)
		return 0;
	/* RSAVP1 (BearSSL rejects s >= n) */
	memcpy(x, sig, sig_len);
	if (!br_rsa_public_get_default()(x, sig_len, pk))
		return 0;
	for (mod_bits = 8 * nlen, top_bits = n[0]; (top_bits & 0x80) == 0;
	    top_bits <<= 1)
		mod_bits--;
	/* EMSA-PSS-VERIFY(M, EM, emBits = modBits - 1); EM is the last
	 * emLen bytes of x; when emBits is a multiple of 8, x[0] must be 0. */
	em_bits = mod_bits - 1;
	em_len = (em_bits + 7) / 8;
	if (em_len < nlen && x[0] != 0)
		return 0;
	em = x + (nlen - em_len);
	if (em_len < hlen + slen + 2 || em[em_len - 1] != 0xbc)
		return 0;
	db_len = em_len - hlen - 1;
	hp = em + db_len;
	top_bits = 8 * (unsigned)em_len - (unsigned)em_bits;   /* 0..7 */
	if ((em[0] & (0xff00u >> top_bits) & 0xff) != 0)
		return 0;
	/* DB = maskedDB ^ MGF1(H), in place */
	pss_mgf1_xor(h, hp, hlen, em, db_len);
	em[0] &= (unsigned char)(0xffu >> top_bits);
	for (i = 0; i < db_len - slen - 1; i++)
		if (em[i] != 0)
			return 0;
	if (em[db_len - slen - 1] != 0x01)
		return 0;
	/* H' = Hash(0^8 || mHash || salt) */
	h->init(&hc.vtable);
	h->update(&hc.vtable, zeros, sizeof zeros);
	h->update(&hc.vtable, hv, hlen);
	h->update(&hc.vtable, em + db_len - slen, slen);
	h->out(&hc.vtable, hh);
	return memcmp(hh, hp, hlen) == 0;
}
