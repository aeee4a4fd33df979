#include "config.h"
#include "shared/tlsrec.h"
#include "shared/err.h"

#include <bearssl.h>
#include <string.h>

#define TLSREC_TYPE_CCS 20
#define TLSREC_TYPE_APPDATA 23
#define TLSREC_GCM12_EXPLICIT 8

static void
put16(unsigned char *p, size_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

int
tlsrec_dir_init(struct tlsrec_dir *d, enum tlsrec_aead aead, int tls13,
    const unsigned char *key, const unsigned char *iv)
{
	const br_block_ctr_class *ctr;

	tlsrec_dir_clear(d);
	switch (aead) {
	case TLSREC_NULL:
		return 0;
	case TLSREC_AES128_GCM:
	case TLSREC_AES256_GCM:
		ctr = br_aes_x86ni_ctr_get_vtable();
		if (ctr == NULL)
			ctr = &br_aes_ct64_ctr_vtable;
		ctr->init(&d->aes.vtable, key, aead == TLSREC_AES128_GCM ? 16 : 32);
		d->ghash = br_ghash_pclmul_get();
		if (d->ghash == NULL)
			d->ghash = br_ghash_ctmul64;
		memcpy(d->iv, iv, tls13 ? 12 : 4);
		break;
	case TLSREC_CHACHA20_POLY1305:
		d->chacha = br_chacha20_sse2_get();
		if (d->chacha == NULL)
			d->chacha = br_chacha20_ct_run;
		d->poly = br_poly1305_ctmulq_get();
		if (d->poly == NULL)
			d->poly = br_poly1305_ctmul_run;
		memcpy(d->key, key, 32);
		memcpy(d->iv, iv, 12);
		break;
	default:
		return MEEK_EINVAL;
	}
	d->aead = aead;
	d->tls13 = tls13 != 0;
	return 0;
}

void
tlsrec_dir_clear(struct tlsrec_dir *d)
{
	explicit_bzero(d, sizeof *d);
	d->aead = TLSREC_NULL;
}

size_t
tlsrec_head_room(const struct tlsrec_dir *d)
{
	if (!d->tls13 && (d->aead == TLSREC_AES128_GCM || d->aead == TLSREC_AES256_GCM))
		return TLSREC_HEADER_LEN + TLSREC_GCM12_EXPLICIT;
	return TLSREC_HEADER_LEN;
}

size_t
tlsrec_tail_room(const struct tlsrec_dir *d, size_t pad)
{
	if (d->aead == TLSREC_NULL)
		return 0;
	if (d->tls13)
		return 1 + pad + TLSREC_TAG_LEN;
	return TLSREC_TAG_LEN;
}

uint64_t
tlsrec_seq(const struct tlsrec_dir *d)
{
	return d->seq;
}

unsigned
tlsrec_alert(const struct tlsrec_dir *d)
{
	return d->alert;
}

/* The per-record nonce: TLS 1.3 and ChaCha20 iv XOR seq (RFC 8446 5.3,
 * RFC 7905), TLS 1.2 GCM salt || explicit (RFC 5288). */
static void
make_nonce(const struct tlsrec_dir *d, const unsigned char *explicit, unsigned char nonce[12])
{
	if (explicit != NULL) {
		memcpy(nonce, d->iv, 4);
		memcpy(nonce + 4, explicit, 8);
		return;
	}
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (unsigned char)(d->seq >> (56 - 8 * i));
}

/* Encrypts (encrypt = 1) or decrypts data[0..len) with `aad`; writes the
 * tag into `tag` (encrypt) or checks it.  Returns 1 when the tag is good
 * (always 1 when encrypting). */
static int
aead_run(struct tlsrec_dir *d, int encrypt, const unsigned char nonce[12], const unsigned char *aad,
    size_t aad_len, unsigned char *data, size_t len, unsigned char *tag)
{
	int ok = 1;

	if (d->aead == TLSREC_CHACHA20_POLY1305) {
		unsigned char t[TLSREC_TAG_LEN];
		unsigned char diff = 0;

		d->poly(d->key, nonce, data, len, aad, aad_len, encrypt ? tag : t, d->chacha,
		    encrypt);
		if (!encrypt) {
			for (size_t i = 0; i < TLSREC_TAG_LEN; i++)
				diff |= t[i] ^ tag[i];
			ok = (int)(1 & ((unsigned)(diff - 1) >> 8));
		}
		explicit_bzero(t, sizeof t);
	} else {
		br_gcm_context gc;

		br_gcm_init(&gc, &d->aes.vtable, d->ghash);
		br_gcm_reset(&gc, nonce, 12);
		br_gcm_aad_inject(&gc, aad, aad_len);
		br_gcm_flip(&gc);
		br_gcm_run(&gc, encrypt, data, len);
		if (encrypt)
			br_gcm_get_tag(&gc, tag);
		else
			ok = (int)br_gcm_check_tag(&gc, tag);
		explicit_bzero(&gc, sizeof gc);
	}
	return ok;
}

/* seq || type || version || length, the TLS 1.2 AEAD additional data. */
static void
aad12(const struct tlsrec_dir *d, const unsigned char *hdr, size_t plen, unsigned char aad[13])
{
	put64(aad, d->seq);
	aad[8] = hdr[0];
	aad[9] = hdr[1];
	aad[10] = hdr[2];
	put16(aad + 11, plen);
}

size_t
tlsrec_seal(struct tlsrec_dir *d, unsigned char type, unsigned legacy_version,
    unsigned char *rec, size_t len, size_t pad)
{
	unsigned char nonce[12], aad[13];
	unsigned char *p;
	size_t total;

	d->alert = 0;
	if (d->aead == TLSREC_NULL) {
		if (len > TLSREC_PLAINTEXT_MAX) {
			d->alert = TLSREC_ALERT_INTERNAL_ERROR;
			return 0;
		}
		rec[0] = type;
		put16(rec + 1, legacy_version);
		put16(rec + 3, len);
		return TLSREC_HEADER_LEN + len;
	}
	if (!d->tls13)
		pad = 0;
	if (len > TLSREC_PLAINTEXT_MAX || pad > TLSREC_PLAINTEXT_MAX - len || d->seq_used_up) {
		d->alert = TLSREC_ALERT_INTERNAL_ERROR;
		return 0;
	}
	if (d->tls13) {
		size_t inner = len + 1 + pad;

		p = rec + TLSREC_HEADER_LEN;
		p[len] = type;
		memset(p + len + 1, 0, pad);
		rec[0] = TLSREC_TYPE_APPDATA;
		put16(rec + 1, 0x0303);
		put16(rec + 3, inner + TLSREC_TAG_LEN);
		make_nonce(d, NULL, nonce);
		aead_run(d, 1, nonce, rec, TLSREC_HEADER_LEN, p, inner, p + inner);
		total = TLSREC_HEADER_LEN + inner + TLSREC_TAG_LEN;
	} else if (d->aead == TLSREC_CHACHA20_POLY1305) {
		p = rec + TLSREC_HEADER_LEN;
		rec[0] = type;
		put16(rec + 1, 0x0303);
		put16(rec + 3, len + TLSREC_TAG_LEN);
		aad12(d, rec, len, aad);
		make_nonce(d, NULL, nonce);
		aead_run(d, 1, nonce, aad, sizeof aad, p, len, p + len);
		total = TLSREC_HEADER_LEN + len + TLSREC_TAG_LEN;
	} else {
		p = rec + TLSREC_HEADER_LEN + TLSREC_GCM12_EXPLICIT;
		rec[0] = type;
		put16(rec + 1, 0x0303);
		put16(rec + 3, TLSREC_GCM12_EXPLICIT + len + TLSREC_TAG_LEN);
		put64(rec + TLSREC_HEADER_LEN, d->seq);
		aad12(d, rec, len, aad);
		make_nonce(d, rec + TLSREC_HEADER_LEN, nonce);
		aead_run(d, 1, nonce, aad, sizeof aad, p, len, p + len);
		total = TLSREC_HEADER_LEN + TLSREC_GCM12_EXPLICIT + len + TLSREC_TAG_LEN;
	}
	if (d->seq == UINT64_MAX)
		d->seq_used_up = 1;
	else
		d->seq++;
	return total;
}

static int
fail(struct tlsrec_dir *d, int code, unsigned alert, const char *msg, const char **why)
{
	d->alert = alert;
	if (why != NULL)
		*why = msg;
	return code;
}

/* The ciphertext length bounds of a protected record: at most max (else
 * record_overflow with too_long), at least min, its tag (else bad_record_mac). */
static int
check_clen(struct tlsrec_dir *d, size_t clen, size_t max, size_t min, const char *too_long,
    const char **why)
{
	if (clen > max)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_RECORD_OVERFLOW, too_long, why);
	if (clen < min)
		return fail(d, MEEK_ETLS, TLSREC_ALERT_BAD_RECORD_MAC,
		    "bad_record_mac: record shorter than its tag", why);
	return 0;
}

/* A TLS 1.3 record after the keys changed: a compatibility CCS, or a
 * protected record whose inner content type ends the plaintext. */
static int
open13(struct tlsrec_dir *d, unsigned char *rec, size_t clen,
    unsigned char *type, unsigned char **data, size_t *len, const char **why)
{
	unsigned char nonce[12], found = 0;
	unsigned char *p = rec + TLSREC_HEADER_LEN;
	size_t inner, tlen;
	int rc;

	if (rec[0] == TLSREC_TYPE_CCS) {
		if (clen != 1 || p[0] != 1)
			return fail(d, MEEK_EPROTO, TLSREC_ALERT_UNEXPECTED_MESSAGE,
			    "bad change_cipher_spec record", why);
		*type = TLSREC_TYPE_CCS;
		*data = p;
		*len = 1;
		return 1;            /* no sequence number used */
	}
	if (rec[0] != TLSREC_TYPE_APPDATA)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_UNEXPECTED_MESSAGE,
		    "unprotected record after the keys changed", why);
	rc = check_clen(d, clen, TLSREC_CIPHERTEXT13_MAX, TLSREC_TAG_LEN,
	    "record_overflow: ciphertext over 2^14+256 bytes", why);
	if (rc != 0)
		return rc;
	if (d->seq_used_up)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_INTERNAL_ERROR,
		    "record sequence number used up", why);
	inner = clen - TLSREC_TAG_LEN;
	make_nonce(d, NULL, nonce);
	if (!aead_run(d, 0, nonce, rec, TLSREC_HEADER_LEN, p, inner, p + inner))
		return fail(d, MEEK_ETLS, TLSREC_ALERT_BAD_RECORD_MAC,
		    "bad_record_mac: record authentication failed", why);
	if (inner > TLSREC_PLAINTEXT_MAX + 1)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_RECORD_OVERFLOW,
		    "record_overflow: plaintext over 2^14 bytes", why);
	/* The content type is the last non-zero byte (RFC 8446 5.4).  The
	 * scan's time depends only on the padding length, which the sender
	 * chose and the record's size already bounds (as in BoringSSL and
	 * Go); a byte-by-byte constant-time scan cost 4x in bulk speed. */
	tlen = inner;
	while (tlen > 0 && p[tlen - 1] == 0)
		tlen--;
	if (tlen > 0)
		found = p[--tlen];
	if (found == 0)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_UNEXPECTED_MESSAGE,
		    "protected record without content type", why);
	*type = found;
	*data = p;
	*len = tlen;
	return 0;
}

/* A protected TLS 1.2 record (AES-GCM with its explicit nonce, or
 * ChaCha20-Poly1305); its content type is the header's. */
static int
open12(struct tlsrec_dir *d, unsigned char *rec, size_t clen,
    unsigned char **data, size_t *len, const char **why)
{
	unsigned char nonce[12], aad[13];
	unsigned char *p = rec + TLSREC_HEADER_LEN;
	size_t over = d->aead == TLSREC_CHACHA20_POLY1305 ? TLSREC_TAG_LEN :
	    TLSREC_GCM12_EXPLICIT + TLSREC_TAG_LEN;
	size_t plen;
	int rc;

	rc = check_clen(d, clen, TLSREC_CIPHERTEXT12_MAX, over,
	    "record_overflow: ciphertext over 2^14+2048 bytes", why);
	if (rc != 0)
		return rc;
	plen = clen - over;
	if (plen > TLSREC_PLAINTEXT_MAX)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_RECORD_OVERFLOW,
		    "record_overflow: plaintext over 2^14 bytes", why);
	if (d->seq_used_up)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_INTERNAL_ERROR,
		    "record sequence number used up", why);
	aad12(d, rec, plen, aad);
	if (d->aead == TLSREC_CHACHA20_POLY1305) {
		make_nonce(d, NULL, nonce);
	} else {
		make_nonce(d, p, nonce);
		p += TLSREC_GCM12_EXPLICIT;
	}
	if (!aead_run(d, 0, nonce, aad, sizeof aad, p, plen, p + plen))
		return fail(d, MEEK_ETLS, TLSREC_ALERT_BAD_RECORD_MAC,
		    "bad_record_mac: record authentication failed", why);
	*data = p;
	*len = plen;
	return 0;
}

int
tlsrec_open(struct tlsrec_dir *d, unsigned char *rec, size_t rec_len, unsigned char *type,
    unsigned char **data, size_t *len, const char **why)
{
	size_t clen;
	int rc;

	d->alert = 0;
	if (rec_len < TLSREC_HEADER_LEN ||
	    (((size_t)rec[3] << 8) | rec[4]) != rec_len - TLSREC_HEADER_LEN)
		return fail(d, MEEK_EPROTO, TLSREC_ALERT_DECODE_ERROR,
		    "record length disagrees with its header", why);
	clen = rec_len - TLSREC_HEADER_LEN;
	if (d->aead == TLSREC_NULL) {
		if (clen > TLSREC_PLAINTEXT_MAX)
			return fail(d, MEEK_EPROTO, TLSREC_ALERT_RECORD_OVERFLOW,
			    "record_overflow: plaintext record over 2^14 bytes", why);
		*type = rec[0];
		*data = rec + TLSREC_HEADER_LEN;
		*len = clen;
		return 0;
	}
	if (d->tls13) {
		rc = open13(d, rec, clen, type, data, len, why);
	} else {
		*type = rec[0];
		rc = open12(d, rec, clen, data, len, why);
	}
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	if (d->seq == UINT64_MAX)
		d->seq_used_up = 1;
	else
		d->seq++;
	return 0;
}
