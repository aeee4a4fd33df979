#include "config.h"
#include "shared/tlsx509.h"
#include "shared/tlsmsg.h"
#include "shared/tls.h"
#include "shared/tlshello.h"
#include "shared/pss.h"
#include "shared/net.h"
#include "shared/err.h"

#include <bearssl.h>
#include <string.h>
#include <time.h>

/* ---- a small DER reader (only what the leaf's dates, SANs and EKU need) ---- */

struct der {
	const unsigned char *p;
	size_t n;
};

/* Reads one element: single-byte tag, definite length (at most 4 length
 * bytes).  Returns 0 with *tag and *val, or -1. */
static int
der_next(struct der *d, unsigned *tag, struct der *val)
{
	size_t len, i, nb;

	if (d->n < 2)
		return -1;
	*tag = d->p[0];
	if ((*tag & 0x1f) == 0x1f)
		return -1;
	len = d->p[1];
	i = 2;
	if (len & 0x80) {
		nb = len & 0x7f;
		if (nb == 0 || nb > 4 || d->n < 2 + nb)
			return -1;
		len = 0;
		for (; i < 2 + nb; i++)
			len = len << 8 | d->p[i];
	}
	if (d->n - i < len)
		return -1;
	val->p = d->p + i;
	val->n = len;
	d->p += i + len;
	d->n -= i + len;
	return 0;
}

/* Reads one element that must have tag `want`. */
static int
der_expect(struct der *d, unsigned want, struct der *val)
{
	unsigned tag;

	if (der_next(d, &tag, val) != 0 || tag != want)
		return -1;
	return 0;
}

static int
digits(const unsigned char *p, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) to Unix
 * seconds. */
static int
der_time(unsigned tag, const struct der *v, long long *out)
{
	int y, mo, d, h, mi, s;
	const unsigned char *p = v->p;

	if (tag == 0x17 && v->n == 13) {
		if (digits(p, 2, &y) != 0)
			return -1;
		y += y >= 50 ? 1900 : 2000;
		p += 2;
	} else if (tag == 0x18 && v->n == 15) {
		if (digits(p, 4, &y) != 0)
			return -1;
		p += 4;
	} else {
		return -1;
	}
	if (digits(p, 2, &mo) != 0 || digits(p + 2, 2, &d) != 0 ||
	    digits(p + 4, 2, &h) != 0 || digits(p + 6, 2, &mi) != 0 ||
	    digits(p + 8, 2, &s) != 0 || p[10] != 'Z')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

/* id-kp-serverAuth (1.3.6.1.5.5.7.3.1) and anyExtendedKeyUsage
 * (2.5.29.37.0), OID contents octets. */
static const unsigned char oid_server_auth[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const unsigned char oid_any_eku[] = { 0x55, 0x1d, 0x25, 0x00 };

/* The extKeyUsage value (SEQUENCE SIZE (1..MAX) OF KeyPurposeId): 1 when it
 * allows TLS servers, 0 when not, -1 when malformed. */
static int
eku_allows_server(struct der os)
{
	struct der seq, oid;
	int ok = 0;

	if (der_expect(&os, 0x30, &seq) != 0 || os.n != 0 || seq.n == 0)
		return -1;
	while (seq.n > 0) {
		if (der_expect(&seq, 0x06, &oid) != 0 || oid.n == 0)
			return -1;
		if ((oid.n == sizeof oid_server_auth &&
		    memcmp(oid.p, oid_server_auth, oid.n) == 0) ||
		    (oid.n == sizeof oid_any_eku && memcmp(oid.p, oid_any_eku, oid.n) == 0))
			ok = 1;
	}
	return ok;
}

/* Finds the leaf's validity, its subjectAltName extension value (the
 * GeneralNames SEQUENCE contents; san->p NULL when absent) and whether its
 * extKeyUsage (when present) allows TLS servers (*server_ok 1; also 1
 * without the extension).  Returns 0, or -1 when the leaf does not decode
 * (or has a SAN or EKU extension twice). */
static int
leaf_parse(const unsigned char *cert, size_t len, long long *nb, long long *na,
    struct der *san, int *server_ok)
{
	struct der d = { cert, len }, c, tbs, v, val, t;
	unsigned tag;
	int eku_seen = 0;

	san->p = NULL;
	san->n = 0;
	*server_ok = 1;
	if (der_expect(&d, 0x30, &c) != 0 || der_expect(&c, 0x30, &tbs) != 0)
		return -1;
	if (tbs.n > 0 && tbs.p[0] == 0xa0 && der_next(&tbs, &tag, &v) != 0)
		return -1;
	if (der_expect(&tbs, 0x02, &v) != 0 ||        /* serialNumber */
	    der_expect(&tbs, 0x30, &v) != 0 ||        /* signature */
	    der_expect(&tbs, 0x30, &v) != 0 ||        /* issuer */
	    der_expect(&tbs, 0x30, &val) != 0)        /* validity */
		return -1;
	if (der_next(&val, &tag, &t) != 0 || der_time(tag, &t, nb) != 0 ||
	    der_next(&val, &tag, &t) != 0 || der_time(tag, &t, na) != 0)
		return -1;
	if (der_expect(&tbs, 0x30, &v) != 0 ||        /* subject */
	    der_expect(&tbs, 0x30, &v) != 0)          /* subjectPublicKeyInfo */
		return -1;
	while (tbs.n > 0) {
		struct der exts, ext, oid, os;

		if (der_next(&tbs, &tag, &v) != 0)
			return -1;
		if (tag != 0xa3)
			continue;     /* issuerUniqueID, subjectUniqueID */
		if (der_expect(&v, 0x30, &exts) != 0)
			return -1;
		while (exts.n > 0) {
			if (der_expect(&exts, 0x30, &ext) != 0 || der_expect(&ext, 0x06, &oid) != 0)
				return -1;
			if (ext.n > 0 && ext.p[0] == 0x01 && der_next(&ext, &tag, &v) != 0)
				return -1;    /* critical */
			if (der_expect(&ext, 0x04, &os) != 0)
				return -1;
			if (oid.n == 3 && memcmp(oid.p, "\x55\x1d\x11", 3) == 0) {
				if (san->p != NULL || der_expect(&os, 0x30, san) != 0)
					return -1;
			} else if (oid.n == 3 && memcmp(oid.p, "\x55\x1d\x25", 3) == 0) {
				int r = eku_allows_server(os);

				if (eku_seen || r < 0)
					return -1;
				eku_seen = 1;
				*server_ok = r;
			}
		}
	}
	return 0;
}

/* 1 when the GeneralNames list holds iPAddress `ip` (ip_len 4 or 16). */
static int
san_has_ip(struct der san, const unsigned char *ip, size_t ip_len)
{
	struct der v;
	unsigned tag;

	while (san.n > 0) {
		if (der_next(&san, &tag, &v) != 0)
			return 0;
		if (tag == 0x87 && v.n == ip_len && memcmp(v.p, ip, ip_len) == 0)
			return 1;
	}
	return 0;
}

static int
cert_fail(int *alert, enum tlsx509_reason *reason, const char **why, int a,
    enum tlsx509_reason r, const char *w)
{
	if (alert != NULL)
		*alert = a;
	if (reason != NULL)
		*reason = r;
	*why = w;
	return MEEK_ECERT;
}

int
tlsx509_reason_code(enum tlsx509_reason r)
{
	switch (r) {
	case TLSX509_OK: return 0;
	case TLSX509_UNKNOWN_CA: return MEEK_ECERTCA;
	case TLSX509_NAME_MISMATCH: return MEEK_ECERTNAME;
	case TLSX509_EXPIRED: return MEEK_ECERTEXPIRED;
	case TLSX509_NOT_YET_VALID: return MEEK_ECERTNOTYET;
	case TLSX509_DATES: return MEEK_ECERTDATES;
	default: return MEEK_ECERT;
	}
}

void
tlsx509_key_clear(struct tlsx509_key *key)
{
	explicit_bzero(key, sizeof *key);
}

/* br_x509_minimal's errors (but BR_ERR_X509_EXPIRED, told apart by the
 * leaf's dates), the last entry (err 0) for any other. */
static const struct x509_err {
	int err, alert;
	enum tlsx509_reason reason;
	const char *why;
} x509_errs[] = {
	{ BR_ERR_X509_NOT_TRUSTED, TLSMSG_ALERT_UNKNOWN_CA, TLSX509_UNKNOWN_CA,
	  "certificate not trusted (unknown CA)" },
	{ BR_ERR_X509_BAD_SERVER_NAME, TLSMSG_ALERT_BAD_CERTIFICATE, TLSX509_NAME_MISMATCH,
	  "certificate name mismatch" },
	{ BR_ERR_X509_BAD_SIGNATURE, TLSMSG_ALERT_BAD_CERTIFICATE, TLSX509_OTHER,
	  "certificate signature invalid" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, TLSMSG_ALERT_INSUFFICIENT_SECURITY, TLSX509_OTHER,
	  "certificate key too weak" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE, TLSX509_OTHER,
	  "certificate has an unsupported critical extension" },
	{ BR_ERR_X509_NOT_CA, TLSMSG_ALERT_BAD_CERTIFICATE, TLSX509_OTHER,
	  "certificate chain: issuer is not a CA" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE,
	  TLSX509_BAD_USAGE, "certificate key usage forbids this use" },
	{ BR_ERR_X509_UNSUPPORTED, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE, TLSX509_OTHER,
	  "certificate uses an unsupported algorithm" },
	{ BR_ERR_X509_WRONG_KEY_TYPE, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE, TLSX509_OTHER,
	  "certificate uses an unsupported algorithm" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE, TLSX509_OTHER,
	  "certificate exceeds a decoder limit" },
	{ BR_ERR_X509_TIME_UNKNOWN, TLSMSG_ALERT_CERTIFICATE_UNKNOWN, TLSX509_OTHER,
	  "certificate check: current time unknown" },
	{ BR_ERR_X509_DN_MISMATCH, TLSMSG_ALERT_BAD_CERTIFICATE, TLSX509_OTHER,
	  "certificate chain out of order (issuer/subject mismatch)" },
	{ 0, TLSMSG_ALERT_BAD_CERTIFICATE, TLSX509_MALFORMED, "certificate malformed" }
};

/* Runs br_x509_minimal over the chain with our anchors and hashes; checks
 * the DNS name `dns` too (NULL: none).  Returns BearSSL's verdict (0: a
 * valid chain) and leaves the leaf's key in xc. */
static int
chain_run(br_x509_minimal_context *xc, const struct tls_anchors *ta,
    const char *dns, const unsigned char *const *der, const size_t *der_len,
    size_t n)
{
	const br_x509_trust_anchor *anchors;
	size_t n_anchors;

	anchors = tls_anchors_list(ta, &n_anchors);
	br_x509_minimal_init(xc, &br_sha256_vtable, anchors, n_anchors);
	br_x509_minimal_set_hash(xc, br_sha1_ID, &br_sha1_vtable);
	br_x509_minimal_set_hash(xc, br_sha224_ID, &br_sha224_vtable);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
	xc->vtable->start_chain(&xc->vtable, dns);
	for (size_t i = 0; i < n; i++) {
		xc->vtable->start_cert(&xc->vtable, (uint32_t)der_len[i]);
		xc->vtable->append(&xc->vtable, der[i], der_len[i]);
		xc->vtable->end_cert(&xc->vtable);
	}
	return (int)xc->vtable->end_chain(&xc->vtable);
}

/* BearSSL's verdict as our alert, reason and text; a date error says which
 * end of the leaf's validity (nb, na) the clock is past. */
static int
chain_fail(int err, long long nb, long long na, int *alert, const char **why,
    enum tlsx509_reason *reason)
{
	const struct x509_err *e = x509_errs;
	long long now;

	if (err == BR_ERR_X509_EXPIRED) {
		now = (long long)time(NULL);
		if (now < nb)
			return cert_fail(alert, reason, why, TLSMSG_ALERT_CERTIFICATE_EXPIRED,
			    TLSX509_NOT_YET_VALID, "certificate not yet valid");
		if (now > na)
			return cert_fail(alert, reason, why, TLSMSG_ALERT_CERTIFICATE_EXPIRED,
			    TLSX509_EXPIRED, "certificate expired");
		return cert_fail(alert, reason, why, TLSMSG_ALERT_CERTIFICATE_EXPIRED,
		    TLSX509_DATES, "intermediate certificate expired or not yet valid");
	}
	while (e->err != 0 && e->err != err)
		e++;
	return cert_fail(alert, reason, why, e->alert, e->reason, e->why);
}

/* The leaf's public key, for signatures, into `key`. */
static int
key_take(const br_x509_pkey *pk, unsigned usages, struct tlsx509_key *key,
    int *alert, const char **why, enum tlsx509_reason *reason)
{
	if (pk == NULL)
		return cert_fail(alert, reason, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    TLSX509_OTHER, "certificate key missing");
	if (!(usages & BR_KEYTYPE_SIGN))
		return cert_fail(alert, reason, why, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE,
		    TLSX509_BAD_USAGE, "certificate key usage forbids signatures");
	if (pk->key_type == BR_KEYTYPE_RSA) {
		if (pk->key.rsa.nlen > sizeof key->n || pk->key.rsa.elen > sizeof key->e)
			return cert_fail(alert, reason, why, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE,
			    TLSX509_OTHER, "certificate RSA key larger than 4096 bits");
		key->type = BR_KEYTYPE_RSA;
		memcpy(key->n, pk->key.rsa.n, pk->key.rsa.nlen);
		key->n_len = pk->key.rsa.nlen;
		memcpy(key->e, pk->key.rsa.e, pk->key.rsa.elen);
		key->e_len = pk->key.rsa.elen;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		if (pk->key.ec.qlen > sizeof key->q)
			return cert_fail(alert, reason, why, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE,
			    TLSX509_OTHER, "certificate EC key too large");
		key->type = BR_KEYTYPE_EC;
		key->curve = pk->key.ec.curve;
		memcpy(key->q, pk->key.ec.q, pk->key.ec.qlen);
		key->q_len = pk->key.ec.qlen;
	} else {
		return cert_fail(alert, reason, why, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE,
		    TLSX509_OTHER, "certificate key type unsupported");
	}
	return 0;
}

int
tlsx509_check(const struct tls_anchors *ta, const char *name,
    const unsigned char *const *der, const size_t *der_len, size_t n,
    struct tlsx509_key *key, long long *not_before, long long *not_after,
    int *alert, const char **why, enum tlsx509_reason *reason)
{
	br_x509_minimal_context xc;
	const br_x509_pkey *pk;
	unsigned char ip[16];
	size_t ip_len = 0;
	long long nb = 0, na = 0;
	struct der san = { NULL, 0 };
	int server_ok = 0, err;
	unsigned usages;

	tlsx509_key_clear(key);
	if (reason != NULL)
		*reason = TLSX509_OK;
	if (n == 0)
		return cert_fail(alert, reason, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    TLSX509_MALFORMED, "certificate chain empty");
	if (name == NULL || name[0] == '\0')
		return cert_fail(alert, reason, why, TLSMSG_ALERT_INTERNAL_ERROR,
		    TLSX509_OTHER, "certificate check without a server name");
	if (net_parse_ip(name, ip, &ip_len) != 0)
		ip_len = 0;     /* a DNS name */
	if (leaf_parse(der[0], der_len[0], &nb, &na, &san, &server_ok) != 0)
		return cert_fail(alert, reason, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    TLSX509_MALFORMED, "certificate malformed");
	if (not_before != NULL)
		*not_before = nb;
	if (not_after != NULL)
		*not_after = na;
	/* NULL: br_x509_minimal checks no name (IP literals are checked below) */
	err = chain_run(&xc, ta, ip_len != 0 ? NULL : name, der, der_len, n);
	if (err != 0)
		return chain_fail(err, nb, na, alert, why, reason);
	/* br_x509_minimal falls back to the subject CN when the leaf has no
	 * subjectAltName; Chrome does not: such a leaf matches no name. */
	if (san.p == NULL || (ip_len != 0 && !san_has_ip(san, ip, ip_len)))
		return cert_fail(alert, reason, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    TLSX509_NAME_MISMATCH, "certificate name mismatch");
	/* br_x509_minimal ignores extKeyUsage */
	if (!server_ok)
		return cert_fail(alert, reason, why, TLSMSG_ALERT_UNSUPPORTED_CERTIFICATE,
		    TLSX509_BAD_USAGE, "certificate not for TLS servers (extended key usage)");
	pk = xc.vtable->get_pkey(&xc.vtable, &usages);
	return key_take(pk, usages, key, alert, why, reason);
}

/* ---- signatures ---- */

static int
tls_fail(int *alert, const char **why, int a, const char *w)
{
	if (alert != NULL)
		*alert = a;
	*why = w;
	return MEEK_ETLS;
}

static const char *
scheme_why(uint16_t scheme)
{
	switch (scheme) {
	case 0x0201: return "server chose unsupported signature scheme 0x0201 (rsa_pkcs1_sha1)";
	case 0x0203: return "server chose unsupported signature scheme 0x0203 (ecdsa_sha1)";
	case 0x0603: return "server chose unsupported signature scheme 0x0603 (ecdsa_secp521r1_sha512)";
	case 0x0807: return "server chose unsupported signature scheme 0x0807 (ed25519)";
	case 0x0808: return "server chose unsupported signature scheme 0x0808 (ed448)";
	case 0x0809: return "server chose unsupported signature scheme 0x0809 (rsa_pss_pss_sha256)";
	case 0x080a: return "server chose unsupported signature scheme 0x080a (rsa_pss_pss_sha384)";
	case 0x080b: return "server chose unsupported signature scheme 0x080b (rsa_pss_pss_sha512)";
	case 0x0904: return "server chose ML-DSA (0x0904) which meek-client cannot verify";
	case 0x0905: return "server chose ML-DSA (0x0905) which meek-client cannot verify";
	case 0x0906: return "server chose ML-DSA (0x0906) which meek-client cannot verify";
	default: return "server chose an unknown signature scheme";
	}
}

int
tlsx509_verify(const struct tlsx509_key *key, uint16_t scheme, int tls13,
    const unsigned char *data, size_t data_len, const unsigned char *sig,
    size_t sig_len, int *alert, const char **why)
{
	const br_hash_class *h;
	const unsigned char *oid;
	br_hash_compat_context hc;
	unsigned char hv[64], got[64], q[TLSX509_EC_Q_MAX];
	unsigned char n[TLSX509_RSA_N_MAX], e[TLSX509_RSA_E_MAX];
	size_t hlen;
	int curve = 0, ok;

	/* RFC 8446 4.4.3, RFC 5246 7.4.1.4.1: only a scheme the hello offered */
	if (!tlshello_offers_sigalg(scheme))
		return tls_fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER, scheme_why(scheme));
	switch (scheme) {
	case 0x0403: h = &br_sha256_vtable; curve = BR_EC_secp256r1; break;
	case 0x0503: h = &br_sha384_vtable; curve = BR_EC_secp384r1; break;
	case 0x0804: case 0x0401: h = &br_sha256_vtable; break;
	case 0x0805: case 0x0501: h = &br_sha384_vtable; break;
	case 0x0806: case 0x0601: h = &br_sha512_vtable; break;
	default:
		return tls_fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER, scheme_why(scheme));
	}
	if (curve != 0) {
		if (key->type != BR_KEYTYPE_EC)
			return tls_fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER,
			    "signature scheme ECDSA but the certificate key is not EC");
		if (tls13 && key->curve != curve)
			return tls_fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER,
			    "signature scheme curve differs from the certificate key's");
	} else {
		if (key->type != BR_KEYTYPE_RSA)
			return tls_fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER,
			    "signature scheme RSA but the certificate key is not RSA");
		if (tls13 && (scheme & 0xff) == 0x01)
			return tls_fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER,
			    "signature scheme RSA PKCS#1 v1.5 not allowed in TLS 1.3");
	}
	h->init(&hc.vtable);
	h->update(&hc.vtable, data, data_len);
	h->out(&hc.vtable, hv);
	hlen = (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;

	if (curve != 0) {
		br_ec_public_key pk;

		memcpy(q, key->q, key->q_len);
		pk.curve = key->curve;
		pk.q = q;
		pk.qlen = key->q_len;
		ok = br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(), hv, hlen, &pk, sig,
		    sig_len) == 1;
	} else {
		br_rsa_public_key pk;

		memcpy(n, key->n, key->n_len);
		memcpy(e, key->e, key->e_len);
		pk.n = n;
		pk.nlen = key->n_len;
		pk.e = e;
		pk.elen = key->e_len;
		if ((scheme >> 8) == 0x08) {
			ok = pss_verify(&pk, h, hv, sig, sig_len) == 1;
		} else {
			oid = h == &br_sha256_vtable ? BR_HASH_OID_SHA256 :
			    h == &br_sha384_vtable ? BR_HASH_OID_SHA384 : BR_HASH_OID_SHA512;
			ok = sig_len == key->n_len &&
			    br_rsa_pkcs1_vrfy_get_default()(sig, sig_len, oid, hlen, &pk, got) == 1 &&
			    memcmp(got, hv, hlen) == 0;
		}
	}
	if (!ok)
		return tls_fail(alert, why, TLSMSG_ALERT_DECRYPT_ERROR,
		    "signature verification failed");
	return 0;
}
