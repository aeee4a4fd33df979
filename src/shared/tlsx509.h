/*
 * tlsx509: the server certificate checks of the client TLS engine.
 *
 *  - tlsx509_check(): validates a chain (leaf first) with BearSSL's
 *    br_x509_minimal against the trust anchors (time(NULL) as the current
 *    time; SHA-1/224/256/384/512, RSA and ECDSA with BearSSL's default
 *    implementations), checks the name (a DNS name through br_x509_minimal:
 *    dNSName SANs, "*." wildcards as BearSSL does; a leaf without
 *    subjectAltName matches no name, as in Chrome: the CN is never used; an
 *    IPv4/IPv6 literal against the leaf's iPAddress SANs, decoded here), the
 *    leaf's extKeyUsage (when present it must hold id-kp-serverAuth or
 *    anyExtendedKeyUsage: br_x509_minimal ignores it), and copies the
 *    leaf's public key out;
 *  - tlsx509_verify(): verifies a TLS signature (CertificateVerify, TLS 1.2
 *    ServerKeyExchange) with that key.
 *
 * The leaf's validity dates, SANs and EKU are decoded here (a small DER
 * reader; br_x509_minimal reports one error for both dates), so that *why
 * says "certificate expired" or "certificate not yet valid".
 * Thread: any (no shared state; the anchors are read-only).
 */
#ifndef MEEK_SHARED_TLSX509_H
#define MEEK_SHARED_TLSX509_H
#include <stddef.h>
#include <stdint.h>

struct tls_anchors;

#define TLSX509_RSA_N_MAX 512   /* 4096-bit modulus */
#define TLSX509_RSA_E_MAX 16
#define TLSX509_EC_Q_MAX 133    /* P-521 uncompressed point */

/* Why tlsx509_check() failed, for callers that classify (never parse *why). */
enum tlsx509_reason {
	TLSX509_OK = 0,
	TLSX509_UNKNOWN_CA,     /* no path to a trust anchor */
	TLSX509_NAME_MISMATCH,  /* name not in the leaf's SANs, or no SANs */
	TLSX509_EXPIRED,        /* the leaf's notAfter passed */
	TLSX509_NOT_YET_VALID,  /* the leaf's notBefore is ahead */
	TLSX509_DATES,          /* an intermediate expired or not yet valid */
	TLSX509_BAD_USAGE,      /* keyUsage / extKeyUsage forbid a TLS server */
	TLSX509_MALFORMED,      /* the leaf or chain does not decode, chain empty */
	TLSX509_OTHER           /* weak key, unsupported algorithm, limits, ... */
};

/* The error code of `r`, for callers above the certificate check:
 * MEEK_ECERTCA, MEEK_ECERTNAME, MEEK_ECERTEXPIRED, MEEK_ECERTNOTYET,
 * MEEK_ECERTDATES (TLSX509_DATES), MEEK_ECERT (BAD_USAGE, MALFORMED,
 * OTHER, unknown values), 0 for TLSX509_OK. */
int tlsx509_reason_code(enum tlsx509_reason r);

/* The end-entity public key, owned by the struct (no pointers out).
 * Fill it with tlsx509_check(); caller storage (about 700 bytes). */
struct tlsx509_key {
	int type;                       /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC, 0 none */
	unsigned char n[TLSX509_RSA_N_MAX];
	size_t n_len;
	unsigned char e[TLSX509_RSA_E_MAX];
	size_t e_len;
	int curve;                      /* BR_EC_secp256r1, ... */
	unsigned char q[TLSX509_EC_Q_MAX];
	size_t q_len;
};

/*
 * Validates the chain der[0..n) (leaf first; each der[i] der_len[i] bytes,
 * borrowed for the call) against `ta`'s anchors, then checks `name` (a DNS
 * name, or an IPv4/IPv6 literal, IPv6 optionally in brackets:
 * net_parse_ip() decides; an IP front sends no SNI but its name is still
 * checked here).  name NULL or empty fails closed (MEEK_ECERT "certificate
 * check without a server name").  On success copies the leaf key into
 * *key.  Sets *not_before / *not_after (Unix seconds of the leaf's
 * validity; may be NULL) once the leaf decodes, also on a later failure.
 * Returns 0, or MEEK_ECERT with *why one of "certificate not trusted
 * (unknown CA)", "certificate name mismatch", "certificate expired",
 * "certificate not yet valid", "certificate not for TLS servers (extended
 * key usage)", "certificate malformed" (the leaf does not decode: fatal),
 * or a specific reason (unsupported key type, key too large, chain empty,
 * ...).  *alert (may be NULL) gets the alert to send: unknown_ca,
 * bad_certificate, certificate_expired, unsupported_certificate
 * (TLSMSG_ALERT_* values).  *reason (may be NULL) gets the class of the
 * failure (TLSX509_OK on success): decide on it, not on *why.
 */
int tlsx509_check(const struct tls_anchors *ta, const char *name,
    const unsigned char *const *der, const size_t *der_len, size_t n,
    struct tlsx509_key *key, long long *not_before, long long *not_after,
    int *alert, const char **why, enum tlsx509_reason *reason);

/*
 * Verifies the TLS signature `sig` by `key` with `scheme` over `data`
 * (data_len bytes: the hash is computed here).  Only schemes the hello
 * offers (tlshello_offers_sigalg(), RFC 8446 4.4.3) and of those:
 *   0x0403 ecdsa_secp256r1_sha256, 0x0503 ecdsa_secp384r1_sha384 (tls13:
 *   the key's curve must match the scheme; TLS 1.2: any curve with that
 *   hash), DER (ASN.1) signatures;
 *   0x0804/0x0805/0x0806 rsa_pss_rsae_sha256/384/512 (pss_verify);
 *   0x0401/0x0501/0x0601 rsa_pkcs1_sha256/384/512: TLS 1.2 only (tls13 == 0).
 *   SHA-1 schemes (0x0201, 0x0203) and 0x0603 ecdsa_secp521r1_sha512 are
 *   refused: Chrome does not offer them.
 * Returns 0 when valid; MEEK_ETLS with *why for a bad signature
 * ("signature verification failed": alert decrypt_error), a scheme that does
 * not fit the key type or curve, a PKCS#1/SHA-1 scheme in TLS 1.3, ML-DSA
 * 0x0904-0x0906 ("server chose ML-DSA (0x0905) which meek-client cannot
 * verify"), or any other scheme ("server chose unsupported signature scheme
 * 0x0807 (ed25519)" for the registered ones, "server chose an unknown
 * signature scheme" else: *why is a literal, the engine may log the value;
 * these: illegal_parameter).  *alert may be NULL.
 */
int tlsx509_verify(const struct tlsx509_key *key, uint16_t scheme, int tls13,
    const unsigned char *data, size_t data_len, const unsigned char *sig,
    size_t sig_len, int *alert, const char **why);

/* Wipes *key (public data, but the struct is reused). */
void tlsx509_key_clear(struct tlsx509_key *key);

#endif
