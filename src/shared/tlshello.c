/*
 * tlshello: Chromium 156's ClientHello.  Facts, not code, from the captures
 * of Chromium 156.0.8078.114 (tests/tls/data/) and BoringSSL's
 * ssl/extensions.cc, ssl/handshake_client.cc, ssl/tls13_client.cc,
 * ssl/encrypted_client_hello.cc and ssl/ssl_cipher.cc:
 * - GREASE: one random byte per slot b gives (b & 0xf0) | 0x0a, doubled; the
 *   last extension's value is XORed with 0x1010 when equal to the first's.
 *   The group GREASE serves supported_groups and key_share (1-byte share 0).
 * - The extensions are permuted (Fisher-Yates over the whole table, absent
 *   ones skipped) once per connection; the retry hello keeps the order.
 * - ECH GREASE: payload 32 * (4..7) + 16 (AEAD tag) random bytes; the retry
 *   hello repeats the extension byte for byte.
 * - The retry hello's key_share has the requested group only; after a
 *   HelloRetryRequest without key_share (cookie only) it is the first
 *   hello's key_share again, GREASE share included.
 */
#include "config.h"
#include "shared/tlshello.h"

#include <bearssl.h>
#include <string.h>
#include <strings.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

#include "shared/err.h"
#include "shared/mlkem.h"
#include "shared/net.h"
#include "shared/rand.h"

_Static_assert(MLKEM_EK_LEN == TLSHELLO_MLKEM_EK, "ML-KEM-768 ek size");
_Static_assert(MLKEM_DK_LEN == TLSHELLO_MLKEM_DK, "ML-KEM-768 dk size");

/* GREASE slots (BoringSSL's ssl_grease_index_t order). */
enum { G_CIPHER, G_GROUP, G_EXT1, G_EXT2, G_VERSION, G_TICKET, G_ECH_ID, G_SIGALG, G_N };

enum {
	EXT_SERVER_NAME = 0x0000, EXT_STATUS_REQUEST = 0x0005, EXT_GROUPS = 0x000a,
	EXT_POINT_FORMATS = 0x000b, EXT_SIGALGS = 0x000d, EXT_ALPN = 0x0010,
	EXT_SCT = 0x0012, EXT_EMS = 0x0017, EXT_COMPRESS_CERT = 0x001b,
	EXT_SESSION_TICKET = 0x0023, EXT_PSK = 0x0029, EXT_VERSIONS = 0x002b,
	EXT_COOKIE = 0x002c, EXT_PSK_MODES = 0x002d, EXT_KEY_SHARE = 0x0033,
	EXT_ALPS = 0x44cd, EXT_TRUST_ANCHORS = 0xca34, EXT_ECH = 0xfe0d,
	EXT_RENEGOTIATION = 0xff01
};

/* ---- the data: cipher lists, groups, signature schemes, fixed extensions ---- */

static const uint16_t ciphers_aes[] = {
	0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
	0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
/* Without AES instructions BoringSSL moves ChaCha20 ahead of AES-GCM. */
static const uint16_t ciphers_noaes[] = {
	0x1303, 0x1301, 0x1302, 0xcca9, 0xcca8, 0xc02b, 0xc02f, 0xc02c, 0xc030,
	0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
#define N_CIPHERS (sizeof ciphers_aes / sizeof ciphers_aes[0])

/* supported_groups after the GREASE group. */
static const uint16_t groups[] = { 0x11ec, 0x001d, 0x0017, 0x0018 };
/* key_share after the GREASE share. */
static const uint16_t share_groups[] = { 0x11ec, 0x001d };
/* signature_algorithms after the GREASE scheme (ML-DSA-44/65/87 first). */
static const uint16_t sigalgs[] = {
	0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
	0x0806, 0x0601 };

static const unsigned char v_status_request[] = { 1, 0, 0, 0, 0 };   /* OCSP, no ids */
static const unsigned char v_point_formats[] = { 1, 0 };             /* uncompressed */
static const unsigned char v_compress_cert[] = { 2, 0, 2 };          /* brotli */
static const unsigned char v_psk_modes[] = { 1, 1 };                 /* psk_dhe_ke */
static const unsigned char v_renegotiation[] = { 0 };
/* trust_anchors (0xca34): the same 186 bytes in every capture (Chrome's
 * requested trust anchor ids, a 184-byte list). */
static const unsigned char v_trust_anchors[] = {
	0x00, 0xb8,
	0x05, 0x82, 0xdf, 0x13, 0x02, 0x01, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x06,
	0x05, 0x82, 0xdf, 0x13, 0x02, 0x0d, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x0e,
	0x05, 0x82, 0xdf, 0x13, 0x02, 0x0f, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x12,
	0x05, 0x82, 0xdf, 0x13, 0x02, 0x13, 0x05, 0x82, 0xdf, 0x13, 0x02, 0x14,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x07,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x08,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x09,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0a,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0b,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0c,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x0d,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x12,
	0x08, 0x83, 0x9a, 0x64, 0x8c, 0x9b, 0x2d, 0x01, 0x13,
	0x04, 0xd6, 0x79, 0x09, 0x01, 0x04, 0xd6, 0x79, 0x09, 0x04,
	0x04, 0xd6, 0x79, 0x09, 0x05, 0x04, 0xd6, 0x79, 0x09, 0x06,
	0x04, 0xd6, 0x79, 0x09, 0x07, 0x04, 0xd6, 0x79, 0x09, 0x08,
	0x04, 0xd6, 0x79, 0x09, 0x0a, 0x04, 0xd6, 0x79, 0x09, 0x0b,
	0x04, 0xd6, 0x79, 0x09, 0x0c, 0x04, 0xd6, 0x79, 0x09, 0x0d,
	0x04, 0xd6, 0x79, 0x09, 0x0f };
_Static_assert(sizeof v_trust_anchors == 186, "trust_anchors is 186 bytes");

/* ALPN and ALPS bodies per profile. */
static const unsigned char v_alpn_h2[] = {
	0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
static const unsigned char v_alpn_h1[] = {
	0, 9, 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
static const unsigned char v_alps_h2[] = { 0, 3, 2, 'h', '2' };

struct fixed_ext {
	uint16_t type;
	const unsigned char *v;
	size_t len;
};

/* A profile: its extensions (the cookie among them: it takes a place in the
 * permutation and is written only in a retry hello) and its fixed bodies. */
struct profile {
	const char *name;
	const uint16_t *exts;
	size_t n_exts;
	const struct fixed_ext *fixed;
	size_t n_fixed;
};

#define FIXED(t, a) { t, a, sizeof a }
#define COMMON_FIXED \
	FIXED(EXT_STATUS_REQUEST, v_status_request), FIXED(EXT_POINT_FORMATS, v_point_formats), \
	FIXED(EXT_COMPRESS_CERT, v_compress_cert), FIXED(EXT_PSK_MODES, v_psk_modes), \
	FIXED(EXT_RENEGOTIATION, v_renegotiation), FIXED(EXT_TRUST_ANCHORS, v_trust_anchors), \
	{ EXT_SCT, NULL, 0 }, { EXT_EMS, NULL, 0 }

static const struct fixed_ext fixed_chrome[] = {
	COMMON_FIXED, FIXED(EXT_ALPN, v_alpn_h2), FIXED(EXT_ALPS, v_alps_h2) };
static const struct fixed_ext fixed_chrome_ws[] = {
	COMMON_FIXED, FIXED(EXT_ALPN, v_alpn_h1) };

static const uint16_t exts_chrome[] = {
	EXT_SERVER_NAME, EXT_ECH, EXT_EMS, EXT_RENEGOTIATION, EXT_GROUPS,
	EXT_POINT_FORMATS, EXT_SESSION_TICKET, EXT_ALPN, EXT_STATUS_REQUEST,
	EXT_SIGALGS, EXT_SCT, EXT_KEY_SHARE, EXT_PSK_MODES, EXT_VERSIONS,
	EXT_COOKIE, EXT_COMPRESS_CERT, EXT_ALPS, EXT_TRUST_ANCHORS };
static const uint16_t exts_chrome_ws[] = {
	EXT_SERVER_NAME, EXT_ECH, EXT_EMS, EXT_RENEGOTIATION, EXT_GROUPS,
	EXT_POINT_FORMATS, EXT_SESSION_TICKET, EXT_ALPN, EXT_STATUS_REQUEST,
	EXT_SIGALGS, EXT_SCT, EXT_KEY_SHARE, EXT_PSK_MODES, EXT_VERSIONS,
	EXT_COOKIE, EXT_COMPRESS_CERT, EXT_TRUST_ANCHORS };

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

int
tlshello_offers_sigalg(uint16_t scheme)
{
	for (size_t i = 0; i < NELEM(sigalgs); i++)
		if (sigalgs[i] == scheme)
			return 1;
	return 0;
}

static const struct profile profiles[] = {
	[TLSHELLO_CHROME_WS] = { "chrome-ws", exts_chrome_ws, NELEM(exts_chrome_ws),
		fixed_chrome_ws, NELEM(fixed_chrome_ws) },
	[TLSHELLO_CHROME] = { "chrome", exts_chrome, NELEM(exts_chrome),
		fixed_chrome, NELEM(fixed_chrome) },
};
_Static_assert(NELEM(exts_chrome) <= TLSHELLO_NEXT, "order[] too small");

/* ---- names ---- */

int
tlshello_profile_parse(const char *name, enum tlshello_profile *out)
{
	for (size_t i = 0; i < NELEM(profiles); i++)
		if (name != NULL && strcmp(name, profiles[i].name) == 0) {
			*out = (enum tlshello_profile)i;
			return 0;
		}
	return MEEK_EINVAL;
}

const char *
tlshello_profile_name(enum tlshello_profile p)
{
	return (unsigned)p < NELEM(profiles) ? profiles[p].name : "?";
}

const char *
tlshello_group_name(unsigned group)
{
	switch (group) {
	case TLSHELLO_GROUP_X25519MLKEM768: return "X25519MLKEM768";
	case TLSHELLO_GROUP_X25519: return "X25519";
	case TLSHELLO_GROUP_P256: return "secp256r1";
	case TLSHELLO_GROUP_P384: return "secp384r1";
	default: return "?";
	}
}

enum tlshello_profile
tlshello_from_utls(const char *utls, int *exact)
{
	int ok = 0;
	if (utls != NULL) {
		const char *s = utls;
		if (strncasecmp(s, "Hello", 5) == 0)
			s += 5;
		ok = strncasecmp(s, "Chrome", 6) == 0 || strncasecmp(s, "Randomized", 10) == 0;
	}
	if (exact != NULL)
		*exact = ok;
	return TLSHELLO_CHROME;
}

/* ---- a bounded writer ---- */

struct w {
	unsigned char *p;
	size_t cap, len;
	int over;
};

static void
put(struct w *w, const void *v, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void
put8(struct w *w, unsigned v)
{
	unsigned char b = (unsigned char)v;
	put(w, &b, 1);
}

static void
put16(struct w *w, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };
	put(w, b, 2);
}

/* Opens a length field of n bytes; returns its offset. */
static size_t
open_len(struct w *w, int n)
{
	size_t at = w->len;
	static const unsigned char z[3];
	put(w, z, (size_t)n);
	return at;
}

static void
close_len(struct w *w, size_t at, int n)
{
	if (w->over)
		return;
	size_t v = w->len - at - (size_t)n;
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		w->p[at + (size_t)i] = (unsigned char)v;
}

/* ---- randomness and keys ---- */

static int
has_aes_hw(void)
{
#if defined(__aarch64__) && defined(__linux__) && defined(HWCAP_AES)
	return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#else
	return br_aes_x86ni_ctr_get_vtable() != NULL || br_aes_pwr8_ctr_get_vtable() != NULL;
#endif
}

static uint16_t
grease_of(unsigned char b)
{
	unsigned v = (b & 0xf0u) | 0x0au;
	return (uint16_t)(v << 8 | v);
}

/* Generates a key pair on `curve`: sk (*sk_len bytes) and pk (*pk_len). */
static int
ec_keypair(int curve, unsigned char *sk, size_t *sk_len, unsigned char *pk, size_t *pk_len)
{
	br_hmac_drbg_context drbg;
	unsigned char seed[48];
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key k;
	br_ec_public_key pub;
	const br_ec_impl *impl = br_ec_get_default();
	int rc = 0;

	if (rand_bytes(seed, sizeof seed) != 0)
		return MEEK_EIO;
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, sizeof seed);
	size_t n = br_ec_keygen(&drbg.vtable, impl, &k, kbuf, curve);
	if (n == 0 || br_ec_compute_pub(impl, &pub, pk, &k) == 0) {
		rc = MEEK_EIO;
	} else {
		memcpy(sk, k.x, k.xlen);
		*sk_len = k.xlen;
		*pk_len = pub.qlen;
	}
	explicit_bzero(&drbg, sizeof drbg);
	explicit_bzero(seed, sizeof seed);
	explicit_bzero(kbuf, sizeof kbuf);
	explicit_bzero(&k, sizeof k);
	return rc;
}

static int
x25519_keypair(unsigned char sk[32], unsigned char pk[32])
{
	size_t a, b;
	int rc = ec_keypair(BR_EC_curve25519, sk, &a, pk, &b);
	if (rc == 0 && (a != 32 || b != 32))
		rc = MEEK_EIO;
	return rc;
}

static void
wipe_keys(struct tlshello *h)
{
	explicit_bzero(h->x25519_sk, sizeof h->x25519_sk);
	explicit_bzero(h->hy_x_sk, sizeof h->hy_x_sk);
	explicit_bzero(h->mlkem_dk, sizeof h->mlkem_dk);
	explicit_bzero(h->ec_sk, sizeof h->ec_sk);
	h->ec_sk_len = 0;
	h->ec_pk_len = 0;
	h->n_groups = 0;
}

static int
make_share(struct tlshello *h, uint16_t group)
{
	int rc;
	switch (group) {
	case TLSHELLO_GROUP_X25519:
		rc = x25519_keypair(h->x25519_sk, h->x25519_pk);
		break;
	case TLSHELLO_GROUP_X25519MLKEM768:
		rc = mlkem_keygen(h->mlkem_ek, h->mlkem_dk);
		if (rc == 0)
			rc = x25519_keypair(h->hy_x_sk, h->hy_x_pk);
		break;
	case TLSHELLO_GROUP_P256:
		rc = ec_keypair(BR_EC_secp256r1, h->ec_sk, &h->ec_sk_len, h->ec_pk, &h->ec_pk_len);
		break;
	case TLSHELLO_GROUP_P384:
		rc = ec_keypair(BR_EC_secp384r1, h->ec_sk, &h->ec_sk_len, h->ec_pk, &h->ec_pk_len);
		break;
	default:
		return MEEK_EPROTO;
	}
	if (rc != 0)
		return rc < 0 ? rc : MEEK_EIO;
	h->groups[h->n_groups++] = group;
	return 0;
}

static void
put_share(struct w *w, const struct tlshello *h, uint16_t group)
{
	put16(w, group);
	switch (group) {
	case TLSHELLO_GROUP_X25519:
		put16(w, 32);
		put(w, h->x25519_pk, 32);
		break;
	case TLSHELLO_GROUP_X25519MLKEM768:
		put16(w, TLSHELLO_MLKEM_EK + 32);
		put(w, h->mlkem_ek, TLSHELLO_MLKEM_EK);
		put(w, h->hy_x_pk, 32);
		break;
	default:
		put16(w, (unsigned)h->ec_pk_len);
		put(w, h->ec_pk, h->ec_pk_len);
		break;
	}
}

/* The GREASE ECH extension body (draft/RFC 9849 outer form). */
static int
make_ech(struct tlshello *h, unsigned char ech_id)
{
	unsigned char sk[32], enc[32], r;
	struct w w = { h->ech, sizeof h->ech, 0, 0 };
	int rc = x25519_keypair(sk, enc);
	explicit_bzero(sk, sizeof sk);
	if (rc != 0 || rand_bytes(&r, 1) != 0)
		return MEEK_EIO;
	size_t payload = 32 * (size_t)(4 + (r & 3)) + 16;
	put8(&w, 0);                       /* ClientHelloOuter */
	put16(&w, 0x0001);                 /* HKDF-SHA256 */
	put16(&w, h->aes_hw ? 0x0001 : 0x0003);   /* AES-128-GCM / ChaCha20-Poly1305 */
	put8(&w, ech_id);
	put16(&w, 32);
	put(&w, enc, 32);
	put16(&w, (unsigned)payload);
	if (w.over || rand_bytes(h->ech + w.len, payload) != 0)
		return MEEK_EIO;
	h->ech_len = w.len + payload;
	return 0;
}

/* ---- the hello ---- */

static const struct fixed_ext *
find_fixed(const struct profile *pr, uint16_t t)
{
	for (size_t i = 0; i < pr->n_fixed; i++)
		if (pr->fixed[i].type == t)
			return &pr->fixed[i];
	return NULL;
}

/* An extension that is a u16 list with GREASE value `grease` first. */
static void
put_grease_list(struct w *w, uint16_t t, uint16_t grease, const uint16_t *v,
    size_t n)
{
	put16(w, t);
	put16(w, (unsigned)(2 + 2 * (1 + n)));
	put16(w, (unsigned)(2 * (1 + n)));
	put16(w, grease);
	for (size_t j = 0; j < n; j++)
		put16(w, v[j]);
}

/* Extension `t` of the profile's order (nothing for an empty SNI or
 * cookie).  Returns 0, or MEEK_EINVAL for a type the profile lacks. */
static int
put_ext(struct w *w, const struct tlshello *h, uint16_t t,
    const unsigned char *cookie, size_t cookie_len)
{
	const struct fixed_ext *f;
	size_t x, y;

	switch (t) {
	case EXT_SERVER_NAME:
		if (h->sni[0] == '\0')
			break;
		put16(w, t);
		x = open_len(w, 2);
		y = open_len(w, 2);
		put8(w, 0);           /* host_name */
		put16(w, (unsigned)strlen(h->sni));
		put(w, h->sni, strlen(h->sni));
		close_len(w, y, 2);
		close_len(w, x, 2);
		break;
	case EXT_GROUPS:
		put_grease_list(w, t, h->grease[G_GROUP], groups, NELEM(groups));
		break;
	case EXT_SIGALGS:
		put_grease_list(w, t, h->grease[G_SIGALG], sigalgs,
		    NELEM(sigalgs));
		break;
	case EXT_VERSIONS:
		put16(w, t);
		put16(w, 7);
		put8(w, 6);
		put16(w, h->grease[G_VERSION]);
		put16(w, 0x0304);
		put16(w, 0x0303);
		break;
	case EXT_SESSION_TICKET:
		put16(w, t);           /* empty: no TLS 1.2 ticket cached */
		put16(w, 0);
		break;
	case EXT_COOKIE:
		if (cookie_len == 0)
			break;
		put16(w, t);
		put16(w, (unsigned)cookie_len + 2);
		put16(w, (unsigned)cookie_len);
		put(w, cookie, cookie_len);
		break;
	case EXT_KEY_SHARE:
		put16(w, t);
		x = open_len(w, 2);
		y = open_len(w, 2);
		if (!h->retry) {       /* the retry hello has no GREASE share */
			put16(w, h->grease[G_GROUP]);
			put16(w, 1);
			put8(w, 0);
		}
		for (size_t j = 0; j < h->n_groups; j++)
			put_share(w, h, h->groups[j]);
		close_len(w, y, 2);
		close_len(w, x, 2);
		break;
	case EXT_ECH:
		put16(w, t);
		put16(w, (unsigned)h->ech_len);
		put(w, h->ech, h->ech_len);
		break;
	default:
		f = find_fixed(&profiles[h->profile], t);
		if (f == NULL)
			return MEEK_EINVAL;   /* a profile table bug */
		put16(w, t);
		put16(w, (unsigned)f->len);
		put(w, f->v, f->len);
		break;
	}
	return 0;
}

/* The pre_shared_key extension, last, with zero binders of the right
 * length; *binders_off is where they start. */
static void
put_psk(struct w *w, const struct tlshello_psk *psk, size_t *binders_off)
{
	static const unsigned char zero[48];
	unsigned char age[4] = { (unsigned char)(psk->obfuscated_age >> 24),
		(unsigned char)(psk->obfuscated_age >> 16),
		(unsigned char)(psk->obfuscated_age >> 8),
		(unsigned char)psk->obfuscated_age };
	size_t x, y;

	put16(w, EXT_PSK);
	x = open_len(w, 2);
	y = open_len(w, 2);
	put16(w, (unsigned)psk->identity_len);
	put(w, psk->identity, psk->identity_len);
	put(w, age, 4);
	close_len(w, y, 2);
	*binders_off = w->len;
	put16(w, (unsigned)psk->binder_len + 1);
	put8(w, (unsigned)psk->binder_len);
	put(w, zero, psk->binder_len);
	close_len(w, x, 2);
}

static int
write_hello(const struct tlshello *h, const unsigned char *cookie, size_t cookie_len,
    const struct tlshello_psk *psk, unsigned char *out, size_t cap, size_t *len,
    size_t *binders_off)
{
	const uint16_t *cs = h->aes_hw ? ciphers_aes : ciphers_noaes;
	struct w w = { out, cap, 0, 0 };
	size_t at, ext_at, x, boff = 0;

	if (psk != NULL && ((psk->binder_len != 32 && psk->binder_len != 48) ||
	    psk->identity_len == 0 || psk->identity == NULL))
		return MEEK_EINVAL;
	if (psk != NULL && psk->identity_len > TLSHELLO_IDENTITY_MAX)
		return MEEK_ETOOBIG;
	if (cookie_len > 0xffff - 2)
		return MEEK_ETOOBIG;

	put8(&w, 1);                           /* client_hello */
	at = open_len(&w, 3);
	put16(&w, 0x0303);
	put(&w, h->random, 32);
	put8(&w, (unsigned)h->session_id_len);
	put(&w, h->session_id, h->session_id_len);
	x = open_len(&w, 2);
	put16(&w, h->grease[G_CIPHER]);
	for (size_t i = 0; i < N_CIPHERS; i++)
		put16(&w, cs[i]);
	close_len(&w, x, 2);
	put8(&w, 1);
	put8(&w, 0);                           /* null compression */
	ext_at = open_len(&w, 2);

	put16(&w, h->grease[G_EXT1]);          /* empty GREASE extension first */
	put16(&w, 0);
	for (size_t i = 0; i < h->n_order; i++)
		if (put_ext(&w, h, h->order[i], cookie, cookie_len) != 0)
			return MEEK_EINVAL;
	put16(&w, h->grease[G_EXT2]);          /* non-empty GREASE extension last */
	put16(&w, 1);
	put8(&w, 0);
	if (psk != NULL)
		put_psk(&w, psk, &boff);
	if (binders_off != NULL)
		*binders_off = boff;
	close_len(&w, ext_at, 2);
	close_len(&w, at, 3);
	if (w.over)
		return MEEK_ETOOBIG;
	*len = w.len;
	return 0;
}

int
tlshello_build(struct tlshello *h, enum tlshello_profile p, const char *sni,
    const struct tlshello_psk *psk, const unsigned char *sid12, size_t sid12_len,
    unsigned char *out, size_t cap, size_t *len, size_t *binders_off)
{
	unsigned char seeds[G_N];
	uint32_t shuffle[TLSHELLO_NEXT];
	int rc;

	memset(h, 0, sizeof *h);
	if ((unsigned)p >= NELEM(profiles))
		return MEEK_EINVAL;
	h->profile = p;
	h->aes_hw = has_aes_hw();
	if (sni != NULL && sni[0] != '\0' && !net_is_ip_literal(sni)) {
		if (strlen(sni) > TLSHELLO_SNI_MAX)
			return MEEK_ETOOBIG;
		strcpy(h->sni, sni);
	}
	if (sid12 != NULL && (sid12_len == 0 || sid12_len > 32))
		return MEEK_EINVAL;
	if (rand_bytes(h->random, 32) != 0 || rand_bytes(seeds, sizeof seeds) != 0 ||
	    rand_bytes(shuffle, sizeof shuffle) != 0)
		return MEEK_EIO;
	h->session_id_len = 32;
	if (sid12 != NULL) {
		memcpy(h->session_id, sid12, sid12_len);
		h->session_id_len = sid12_len;
	} else if (rand_bytes(h->session_id, 32) != 0) {
		return MEEK_EIO;
	}
	for (int i = 0; i < G_N; i++)
		h->grease[i] = grease_of(seeds[i]);
	if (h->grease[G_EXT2] == h->grease[G_EXT1])
		h->grease[G_EXT2] ^= 0x1010;

	/* Fisher-Yates over the profile's extension table. */
	const struct profile *pr = &profiles[p];
	h->n_order = pr->n_exts;
	memcpy(h->order, pr->exts, pr->n_exts * sizeof pr->exts[0]);
	for (size_t i = h->n_order - 1; i > 0; i--) {
		size_t j = shuffle[i - 1] % (i + 1);
		uint16_t t = h->order[i];
		h->order[i] = h->order[j];
		h->order[j] = t;
	}

	if ((rc = make_ech(h, seeds[G_ECH_ID])) != 0)
		goto fail;
	for (size_t i = 0; i < NELEM(share_groups); i++)
		if ((rc = make_share(h, share_groups[i])) != 0)
			goto fail;
	if ((rc = write_hello(h, NULL, 0, psk, out, cap, len, binders_off)) != 0)
		goto fail;
	h->built = 1;
	return 0;
fail:
	tlshello_clear(h);
	return rc;
}

int
tlshello_build_retry(struct tlshello *h, uint16_t group, const unsigned char *cookie,
    size_t cookie_len, const struct tlshello_psk *psk, unsigned char *out, size_t cap,
    size_t *len, size_t *binders_off)
{
	int known = 0, rc;
	if (!h->built)
		return MEEK_EINVAL;
	if (cookie_len > 0 && cookie == NULL)
		return MEEK_EINVAL;
	if (group == 0) {
		/* A HelloRetryRequest with a cookie only: the first hello's key
		 * pairs stay and its key_share goes out again byte for byte
		 * (GREASE share included, as BoringSSL does).  Without a cookie
		 * nothing would change: RFC 8446 4.1.4. */
		if (cookie_len == 0)
			return MEEK_EPROTO;
		return write_hello(h, cookie, cookie_len, psk, out, cap, len, binders_off);
	}
	for (size_t i = 0; i < NELEM(groups); i++)
		known |= groups[i] == group;
	for (size_t i = 0; i < h->n_groups; i++)
		if (h->groups[i] == group)
			return MEEK_EPROTO;
	if (!known)
		return MEEK_EPROTO;
	wipe_keys(h);
	h->retry = 1;
	if ((rc = make_share(h, group)) != 0)
		return rc;
	return write_hello(h, cookie, cookie_len, psk, out, cap, len, binders_off);
}

/* Returns 1 when the n bytes at p are all zero, in constant time. */
static int
all_zero(const unsigned char *p, size_t n)
{
	unsigned acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return (int)(((acc | (0u - acc)) >> (sizeof acc * 8 - 1)) ^ 1u);
}

static int
x25519(const unsigned char sk[32], const unsigned char *peer, unsigned char out[32])
{
	unsigned char g[32];
	memcpy(g, peer, 32);
	uint32_t ok = br_ec_get_default()->mul(g, 32, sk, 32, BR_EC_curve25519);
	int zero = all_zero(g, 32);
	memcpy(out, g, 32);
	explicit_bzero(g, sizeof g);
	if (!ok || zero) {
		explicit_bzero(out, 32);
		return MEEK_EPROTO;
	}
	return 32;
}

int
tlshello_shared_secret(struct tlshello *h, uint16_t group, const unsigned char *share,
    size_t share_len, unsigned char *out, size_t cap)
{
	int offered = 0;
	for (size_t i = 0; i < h->n_groups; i++)
		offered |= h->groups[i] == group;
	if (!offered || share == NULL)
		return MEEK_EPROTO;
	switch (group) {
	case TLSHELLO_GROUP_X25519:
		if (share_len != 32)
			return MEEK_EPROTO;
		if (cap < 32)
			return MEEK_ETOOBIG;
		return x25519(h->x25519_sk, share, out);
	case TLSHELLO_GROUP_X25519MLKEM768: {
		if (share_len != MLKEM_CT_LEN + 32)
			return MEEK_EPROTO;
		if (cap < MLKEM_SS_LEN + 32)
			return MEEK_ETOOBIG;
		if (x25519(h->hy_x_sk, share + MLKEM_CT_LEN, out + MLKEM_SS_LEN) < 0)
			return MEEK_EPROTO;
		mlkem_decaps(out, share, h->mlkem_dk);
		return MLKEM_SS_LEN + 32;
	}
	case TLSHELLO_GROUP_P256:
	case TLSHELLO_GROUP_P384: {
		int curve = group == TLSHELLO_GROUP_P256 ? BR_EC_secp256r1 : BR_EC_secp384r1;
		size_t plen = group == TLSHELLO_GROUP_P256 ? 65 : 97, xlen = (plen - 1) / 2;
		unsigned char g[97];
		if (share_len != plen || share[0] != 0x04)
			return MEEK_EPROTO;
		if (cap < xlen)
			return MEEK_ETOOBIG;
		memcpy(g, share, plen);
		uint32_t ok = br_ec_get_default()->mul(g, plen, h->ec_sk, h->ec_sk_len, curve);
		if (ok)
			memcpy(out, g + 1, xlen);
		explicit_bzero(g, sizeof g);
		return ok ? (int)xlen : MEEK_EPROTO;
	}
	default:
		return MEEK_EPROTO;
	}
}

const unsigned char *
tlshello_random(const struct tlshello *h)
{
	return h->random;
}

const unsigned char *
tlshello_session_id(const struct tlshello *h)
{
	return h->session_id;
}

size_t
tlshello_session_id_len(const struct tlshello *h)
{
	return h->session_id_len;
}

void
tlshello_clear(struct tlshello *h)
{
	explicit_bzero(h, sizeof *h);
}
