/*
 * pss: RSASSA-PSS signature verification (RFC 8017 8.1.2 with
 * EMSA-PSS-VERIFY, 9.1.2, and MGF1), for TLS 1.3's rsa_pss_rsae_* schemes.
 * BearSSL 0.6 has only PKCS#1 v1.5 signatures; the RSA operation here is
 * br_rsa_public_get_default().  All inputs are public: no constant-time
 * requirement.
 * Thread: any (no shared state).
 */
#ifndef MEEK_SHARED_PSS_H
#define MEEK_SHARED_PSS_H
#include <stddef.h>

#include <bearssl.h>

/* Largest modulus handled, in bytes (BearSSL's RSA limit, 4096 bits). */
#define PSS_MAX_MODULUS_BYTES 512

/* Returns 1 when `sig` (sig_len bytes, big-endian, exactly the modulus
 * length) is a valid RSASSA-PSS signature by `pk` over the already
 * computed hash `hv` (the output size of `h`), with MGF1 over `h` and a
 * salt as long as the hash (as TLS 1.3 requires); else 0 (also for a
 * modulus over PSS_MAX_MODULUS_BYTES or too short for the hash).
 * Borrows every argument for the call only. */
int pss_verify(const br_rsa_public_key *pk, const br_hash_class *h, const unsigned char *hv,
    const unsigned char *sig, size_t sig_len);

#endif
