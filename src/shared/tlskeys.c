#include "config.h"
#include "shared/tlskeys.h"

#include <bearssl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TLSKEYS_LABEL_PREFIX "tls13 "
#define TLSKEYS_LABEL_MAX (255 - (sizeof TLSKEYS_LABEL_PREFIX - 1))

static size_t
hash_of_len(const br_hash_class *h)
{
	return (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

void
tlskeys_transcript_init(struct tlskeys_transcript *t)
{
	br_sha256_init(&t->sha256);
	br_sha384_init(&t->sha384);
	t->h = NULL;
}

void
tlskeys_transcript_add(struct tlskeys_transcript *t, const void *msg, size_t len)
{
	if (t->h != &br_sha384_vtable)
		br_sha256_update(&t->sha256, msg, len);
	if (t->h != &br_sha256_vtable)
		br_sha384_update(&t->sha384, msg, len);
}

void
tlskeys_transcript_select(struct tlskeys_transcript *t, const br_hash_class *h)
{
	if (h != &br_sha256_vtable && h != &br_sha384_vtable)
		abort();
	t->h = h;
}

size_t
tlskeys_transcript_hash(const struct tlskeys_transcript *t, unsigned char *out)
{
	if (t->h == NULL)
		return 0;
	return tlskeys_transcript_peek(t, t->h, NULL, 0, out);
}

size_t
tlskeys_transcript_peek(const struct tlskeys_transcript *t, const br_hash_class *h,
    const void *extra, size_t extra_len, unsigned char *out)
{
	if (t->h != NULL && t->h != h)
		abort();
	if (h == &br_sha256_vtable) {
		br_sha256_context c = t->sha256;

		br_sha256_update(&c, extra, extra_len);
		br_sha256_out(&c, out);
		return 32;
	}
	if (h == &br_sha384_vtable) {
		br_sha384_context c = t->sha384;

		br_sha384_update(&c, extra, extra_len);
		br_sha384_out(&c, out);
		return 48;
	}
	abort();
}

void
tlskeys_transcript_hrr(struct tlskeys_transcript *t, const br_hash_class *h)
{
	unsigned char mh[4 + TLSKEYS_HASH_MAX];
	size_t n;

	tlskeys_transcript_select(t, h);
	n = tlskeys_transcript_hash(t, mh + 4);
	mh[0] = 0xfe;   /* message_hash */
	mh[1] = 0;
	mh[2] = 0;
	mh[3] = (unsigned char)n;
	br_sha256_init(&t->sha256);
	br_sha384_init(&t->sha384);
	tlskeys_transcript_add(t, mh, 4 + n);
}

void
tlskeys_transcript_clear(struct tlskeys_transcript *t)
{
	explicit_bzero(t, sizeof *t);
}

void
tlskeys_extract(const br_hash_class *h, const unsigned char *salt, size_t salt_len,
    const unsigned char *ikm, size_t ikm_len, unsigned char *prk)
{
	static const unsigned char zeros[TLSKEYS_HASH_MAX];
	br_hmac_key_context kc;
	br_hmac_context hc;

	/* An HMAC key of zeros equals the empty key (RFC 2104 pads with zeros),
	 * so "salt = 0" needs no special case beyond the pointer. */
	if (salt == NULL)
		salt_len = 0;
	if (ikm == NULL) {
		ikm = zeros;
		ikm_len = hash_of_len(h);
	}
	br_hmac_key_init(&kc, h, salt, salt_len);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, ikm, ikm_len);
	br_hmac_out(&hc, prk);
	explicit_bzero(&kc, sizeof kc);
	explicit_bzero(&hc, sizeof hc);
}

void
tlskeys_expand_label(const br_hash_class *h, const unsigned char *secret, const char *label,
    const unsigned char *ctx, size_t ctx_len, unsigned char *out, size_t out_len)
{
	unsigned char info[2 + 1 + 255 + 1 + 255];
	unsigned char t[TLSKEYS_HASH_MAX];
	br_hmac_key_context kc;
	br_hmac_context hc;
	size_t hl = hash_of_len(h), label_len = strlen(label), info_len = 0, done = 0, tl = 0;
	unsigned char i = 0;

	if (label_len > TLSKEYS_LABEL_MAX || ctx_len > 255 || out_len > 255 * hl)
		abort();
	/* HkdfLabel: uint16 length, opaque label<7..255>, opaque context<0..255> */
	info[info_len++] = (unsigned char)(out_len >> 8);
	info[info_len++] = (unsigned char)out_len;
	info[info_len++] = (unsigned char)(sizeof TLSKEYS_LABEL_PREFIX - 1 + label_len);
	memcpy(info + info_len, TLSKEYS_LABEL_PREFIX, sizeof TLSKEYS_LABEL_PREFIX - 1);
	info_len += sizeof TLSKEYS_LABEL_PREFIX - 1;
	memcpy(info + info_len, label, label_len);
	info_len += label_len;
	info[info_len++] = (unsigned char)ctx_len;
	if (ctx_len > 0)
		memcpy(info + info_len, ctx, ctx_len);
	info_len += ctx_len;

	/* HKDF-Expand: T(i) = HMAC(PRK, T(i-1) || info || i).  The key is set
	 * up before `out` is written, so out may overlap secret. */
	br_hmac_key_init(&kc, h, secret, hl);
	while (done < out_len) {
		size_t n;

		i++;
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, t, tl);
		br_hmac_update(&hc, info, info_len);
		br_hmac_update(&hc, &i, 1);
		br_hmac_out(&hc, t);
		tl = hl;
		n = out_len - done < hl ? out_len - done : hl;
		memcpy(out + done, t, n);
		done += n;
	}
	explicit_bzero(t, sizeof t);
	explicit_bzero(&kc, sizeof kc);
	explicit_bzero(&hc, sizeof hc);
}

/* Derive-Secret(secret, label, messages) with th = Hash(messages) given;
 * th NULL means the hash of the empty string. */
static void
derive_secret(const br_hash_class *h, const unsigned char *secret, const char *label,
    const unsigned char *th, unsigned char *out)
{
	unsigned char empty[TLSKEYS_HASH_MAX];
	size_t hl = hash_of_len(h);

	if (th == NULL) {
		br_hash_compat_context c;

		h->init(&c.vtable);
		h->out(&c.vtable, empty);
		th = empty;
	}
	tlskeys_expand_label(h, secret, label, th, hl, out, hl);
}

void
tlskeys13_early(struct tlskeys13 *k, const br_hash_class *h, const unsigned char *psk,
    size_t psk_len)
{
	memset(k, 0, sizeof *k);
	k->h = h;
	k->hlen = hash_of_len(h);
	tlskeys_extract(h, NULL, 0, psk, psk_len, k->early);
}

void
tlskeys13_binder_key(const struct tlskeys13 *k, unsigned char *out)
{
	derive_secret(k->h, k->early, "res binder", NULL, out);
}

void
tlskeys13_early_traffic(const struct tlskeys13 *k, const unsigned char *th_ch,
    unsigned char *out)
{
	derive_secret(k->h, k->early, "c e traffic", th_ch, out);
}

/*
 * One step down the RFC 8446 7.1 key schedule: next = HKDF-Extract(
 * Derive-Secret(prev, "derived", ""), ikm); prev (TLSKEYS_HASH_MAX bytes)
 * is wiped, it is not needed any more.
 */
static void
next_secret(struct tlskeys13 *k, unsigned char *prev, const unsigned char *ikm,
    size_t ikm_len, unsigned char *next)
{
	unsigned char derived[TLSKEYS_HASH_MAX];

	derive_secret(k->h, prev, "derived", NULL, derived);
	tlskeys_extract(k->h, derived, k->hlen, ikm, ikm_len, next);
	explicit_bzero(derived, sizeof derived);
	explicit_bzero(prev, TLSKEYS_HASH_MAX);
}

void
tlskeys13_handshake(struct tlskeys13 *k, const unsigned char *shared, size_t shared_len,
    const unsigned char *th_ch_sh)
{
	next_secret(k, k->early, shared, shared_len, k->hs);
	derive_secret(k->h, k->hs, "c hs traffic", th_ch_sh, k->c_hs);
	derive_secret(k->h, k->hs, "s hs traffic", th_ch_sh, k->s_hs);
}

void
tlskeys13_master(struct tlskeys13 *k, const unsigned char *th_ch_sf)
{
	next_secret(k, k->hs, NULL, 0, k->master);
	derive_secret(k->h, k->master, "c ap traffic", th_ch_sf, k->c_ap);
	derive_secret(k->h, k->master, "s ap traffic", th_ch_sf, k->s_ap);
}

void
tlskeys13_resumption(struct tlskeys13 *k, const unsigned char *th_ch_cf)
{
	derive_secret(k->h, k->master, "res master", th_ch_cf, k->res_master);
}

void
tlskeys13_ticket_psk(const br_hash_class *h, const unsigned char *res_master,
    const unsigned char *nonce, size_t nonce_len, unsigned char *psk_out)
{
	tlskeys_expand_label(h, res_master, "resumption", nonce, nonce_len, psk_out,
	    hash_of_len(h));
}

void
tlskeys13_finished(const br_hash_class *h, const unsigned char *base_secret,
    const unsigned char *th, unsigned char *verify_out)
{
	unsigned char fk[TLSKEYS_HASH_MAX];
	br_hmac_key_context kc;
	br_hmac_context hc;
	size_t hl = hash_of_len(h);

	tlskeys_expand_label(h, base_secret, "finished", NULL, 0, fk, hl);
	br_hmac_key_init(&kc, h, fk, hl);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, th, hl);
	br_hmac_out(&hc, verify_out);
	explicit_bzero(fk, sizeof fk);
	explicit_bzero(&kc, sizeof kc);
	explicit_bzero(&hc, sizeof hc);
}

void
tlskeys13_traffic(const br_hash_class *h, const unsigned char *secret, size_t key_len,
    unsigned char *key, unsigned char iv[12])
{
	tlskeys_expand_label(h, secret, "key", NULL, 0, key, key_len);
	tlskeys_expand_label(h, secret, "iv", NULL, 0, iv, 12);
}

void
tlskeys13_update(const br_hash_class *h, unsigned char *secret)
{
	tlskeys_expand_label(h, secret, "traffic upd", NULL, 0, secret, hash_of_len(h));
}

void
tlskeys13_clear(struct tlskeys13 *k)
{
	explicit_bzero(k, sizeof *k);
}

int
tlskeys_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned char d = 0;

	for (size_t i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return (int)(1 & ((uint32_t)(d - 1) >> 8));
}

void
tlskeys12_master_ems(br_tls_prf_impl prf, const unsigned char *pms, size_t pms_len,
    const unsigned char *session_hash, size_t hash_len, unsigned char master[48])
{
	br_tls_prf_seed_chunk seed = { session_hash, hash_len };

	prf(master, 48, pms, pms_len, "extended master secret", 1, &seed);
}

void
tlskeys12_key_block(br_tls_prf_impl prf, const unsigned char master[48],
    const unsigned char server_random[32], const unsigned char client_random[32],
    unsigned char *out, size_t len)
{
	br_tls_prf_seed_chunk seed[2] = { { server_random, 32 }, { client_random, 32 } };

	prf(out, len, master, 48, "key expansion", 2, seed);
}

void
tlskeys12_finished(br_tls_prf_impl prf, const unsigned char master[48], int from_client,
    const unsigned char *hash, size_t hash_len, unsigned char out[12])
{
	br_tls_prf_seed_chunk seed = { hash, hash_len };

	prf(out, 12, master, 48, from_client ? "client finished" : "server finished", 1, &seed);
}
