#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/tlsrec.h"
#include "tests/unit/rfc8448.h"
#include "tests/unit/vecfile.h"

#include <bearssl.h>
#include <string.h>

#define UNIT_SUITE "tlsrec"

/*
 * s1_*: RFC 8448 section 3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256)
 * traffic keys and IVs, records and their payloads (tests/unit/rfc8448.h).
 * x_*: records computed independently with Python's cryptography package
 * (ChaCha20Poly1305 / AESGCM) over byte-pattern keys ((i*m+7) & 0xff) and
 * RFC 8439's sample plaintext: x_cc13_rec TLS 1.3 ChaCha20-Poly1305 seq 1,
 * type 23, 5 bytes of padding; x_g256_13_rec TLS 1.3 AES-256-GCM seq 0,
 * type 22; x_cc12_rec TLS 1.2 ChaCha20-Poly1305 (RFC 7905) seq 2, type 23;
 * x_g128_12_rec TLS 1.2 AES-128-GCM (RFC 5288) seq 1, explicit nonce = seq.
 */
#define X_VECTORS(X) \
	X(x_key32, 32) \
	X(x_iv12, 12) \
	X(x_msg, 114) \
	X(x_cc13_rec, 141) \
	X(x_g256_13_rec, 136) \
	X(x_cc12_rec, 135) \
	X(x_key16, 16) \
	X(x_salt, 4) \
	X(x_g128_12_rec, 143)

VECFILE_SET(x_load, "tls/records.txt", X_VECTORS)

/* The fixture: RFC 8448's vectors and those above. */
static void
vectors_load(void)
{
	rfc8448_load();
	x_load();
}

static unsigned char buf[TLSREC_RECORD_MAX + 64];

/* Opens `rec` as the next record of `d` (copied into buf) and checks type and plaintext. */
static void
open_ok(struct tlsrec_dir *d, const unsigned char *rec, size_t rec_len, unsigned char want_type,
    const unsigned char *want, size_t want_len)
{
	unsigned char type = 0, *data = NULL;
	size_t len = 0;
	const char *why = NULL;

	memcpy(buf, rec, rec_len);
	ck_assert_int_eq(tlsrec_open(d, buf, rec_len, &type, &data, &len, &why), 0);
	ck_assert_uint_eq(type, want_type);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(data, want, want_len);
	ck_assert_uint_eq(tlsrec_alert(d), 0);
}

/* Seals `plain` as the next record of `d` and checks it equals `want`. */
static void
seal_eq(struct tlsrec_dir *d, unsigned char type, const unsigned char *plain, size_t plain_len,
    size_t pad, const unsigned char *want, size_t want_len)
{
	size_t head = tlsrec_head_room(d);

	ck_assert_uint_le(head + plain_len + tlsrec_tail_room(d, pad), sizeof buf);
	memcpy(buf + head, plain, plain_len);
	ck_assert_uint_eq(tlsrec_seal(d, type, 0x0303, buf, plain_len, pad), want_len);
	ck_assert_mem_eq(buf, want, want_len);
}

/* Sets `w` and `r` up as the two ends of one TLS 1.3 direction. */
static void
ends_init(struct tlsrec_dir *w, struct tlsrec_dir *r, enum tlsrec_aead a,
    const unsigned char *key, const unsigned char *iv)
{
	tlsrec_dir_init(w, a, 1, key, iv);
	tlsrec_dir_init(r, a, 1, key, iv);
}

/* The server's first protected record carries EncryptedExtensions,
 * Certificate, CertificateVerify and Finished. */
static unsigned char s1_s_hs_plain[sizeof s1_ee + sizeof s1_cert + sizeof s1_cv +
    sizeof s1_s_fin_msg];

static void
s1_s_hs_plain_fill(void)
{
	unsigned char *p = s1_s_hs_plain;

	memcpy(p, s1_ee, sizeof s1_ee);
	p += sizeof s1_ee;
	memcpy(p, s1_cert, sizeof s1_cert);
	p += sizeof s1_cert;
	memcpy(p, s1_cv, sizeof s1_cv);
	p += sizeof s1_cv;
	memcpy(p, s1_s_fin_msg, sizeof s1_s_fin_msg);
}

#define OPEN(d, rec, type, plain) open_ok((d), (rec), sizeof (rec), (type), (plain), sizeof (plain))
#define SEAL(d, type, plain, pad, rec) seal_eq((d), (type), (plain), sizeof (plain), (pad), (rec), sizeof (rec))

UNIT_TEST("vectors", tlsrec_rfc8448_records_open, .setup = vectors_load)
{
	struct tlsrec_dir s, c;

	/* Server handshake keys: EE..Finished in one record (seq 0). */
	s1_s_hs_plain_fill();
	ck_assert_int_eq(tlsrec_dir_init(&s, TLSREC_AES128_GCM, 1, s1_s_hs_key, s1_s_hs_iv), 0);
	OPEN(&s, s1_s_hs_rec, 22, s1_s_hs_plain);
	ck_assert_uint_eq(tlsrec_seq(&s), 1);
	/* Client handshake keys: client Finished. */
	ck_assert_int_eq(tlsrec_dir_init(&c, TLSREC_AES128_GCM, 1, s1_c_hs_key, s1_c_hs_iv), 0);
	OPEN(&c, s1_c_fin_rec, 22, s1_c_fin_msg);
	/* Application keys: NewSessionTicket, data both ways, alerts. */
	tlsrec_dir_init(&s, TLSREC_AES128_GCM, 1, s1_s_ap_key, s1_s_ap_iv);
	tlsrec_dir_init(&c, TLSREC_AES128_GCM, 1, s1_c_ap_key, s1_c_ap_iv);
	OPEN(&s, s1_nst_rec, 22, s1_nst);
	OPEN(&c, s1_c_app_rec, 23, s1_c_app_plain);
	OPEN(&s, s1_s_app_rec, 23, s1_s_app_plain);
	OPEN(&c, s1_c_alert_rec, 21, s1_c_alert_plain);
	OPEN(&s, s1_s_alert_rec, 21, s1_s_alert_plain);
	ck_assert_uint_eq(tlsrec_seq(&s), 3);
	ck_assert_uint_eq(tlsrec_seq(&c), 2);
	tlsrec_dir_clear(&s);
	tlsrec_dir_clear(&c);
}
END_TEST

UNIT_TEST("vectors", tlsrec_rfc8448_records_seal)
{
	struct tlsrec_dir s, c;

	s1_s_hs_plain_fill();
	tlsrec_dir_init(&s, TLSREC_AES128_GCM, 1, s1_s_hs_key, s1_s_hs_iv);
	ck_assert_uint_eq(tlsrec_head_room(&s), 5);
	ck_assert_uint_eq(tlsrec_tail_room(&s, 0), 17);
	SEAL(&s, 22, s1_s_hs_plain, 0, s1_s_hs_rec);
	tlsrec_dir_init(&c, TLSREC_AES128_GCM, 1, s1_c_hs_key, s1_c_hs_iv);
	SEAL(&c, 22, s1_c_fin_msg, 0, s1_c_fin_rec);
	tlsrec_dir_init(&s, TLSREC_AES128_GCM, 1, s1_s_ap_key, s1_s_ap_iv);
	tlsrec_dir_init(&c, TLSREC_AES128_GCM, 1, s1_c_ap_key, s1_c_ap_iv);
	SEAL(&s, 22, s1_nst, 0, s1_nst_rec);
	SEAL(&c, 23, s1_c_app_plain, 0, s1_c_app_rec);
	SEAL(&s, 23, s1_s_app_plain, 0, s1_s_app_rec);
	SEAL(&c, 21, s1_c_alert_plain, 0, s1_c_alert_rec);
	SEAL(&s, 21, s1_s_alert_plain, 0, s1_s_alert_rec);
	tlsrec_dir_clear(&s);
	tlsrec_dir_clear(&c);
}
END_TEST

UNIT_TEST("vectors", tlsrec_chacha20_and_aes256_tls13)
{
	struct tlsrec_dir d;
	unsigned char type, *data;
	size_t len;

	/* ChaCha20-Poly1305, second record (seq 1), padding stripped on open. */
	tlsrec_dir_init(&d, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	memcpy(buf + 5, x_msg, sizeof x_msg);
	ck_assert_uint_gt(tlsrec_seal(&d, 23, 0x0303, buf, sizeof x_msg, 0), 0);
	SEAL(&d, 23, x_msg, 5, x_cc13_rec);
	tlsrec_dir_init(&d, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	memcpy(buf, x_cc13_rec, sizeof x_cc13_rec);
	ck_assert_int_ne(tlsrec_open(&d, buf, sizeof x_cc13_rec, &type, &data, &len, NULL), 0);
	tlsrec_dir_init(&d, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	d.seq = 1;      /* the record is the second one */
	OPEN(&d, x_cc13_rec, 23, x_msg);

	tlsrec_dir_init(&d, TLSREC_AES256_GCM, 1, x_key32, x_iv12);
	SEAL(&d, 22, x_msg, 0, x_g256_13_rec);
	tlsrec_dir_init(&d, TLSREC_AES256_GCM, 1, x_key32, x_iv12);
	OPEN(&d, x_g256_13_rec, 22, x_msg);
	tlsrec_dir_clear(&d);
}
END_TEST

UNIT_TEST("vectors", tlsrec_tls12_gcm_and_chacha20)
{
	struct tlsrec_dir d;

	/* RFC 5288: 13 bytes of head room (header + explicit nonce = seq). */
	tlsrec_dir_init(&d, TLSREC_AES128_GCM, 0, x_key16, x_salt);
	ck_assert_uint_eq(tlsrec_head_room(&d), 13);
	ck_assert_uint_eq(tlsrec_tail_room(&d, 7), 16);
	d.seq = 1;
	SEAL(&d, 23, x_msg, 0, x_g128_12_rec);
	tlsrec_dir_init(&d, TLSREC_AES128_GCM, 0, x_key16, x_salt);
	d.seq = 1;
	OPEN(&d, x_g128_12_rec, 23, x_msg);

	/* RFC 7905: no explicit nonce, nonce = iv XOR seq. */
	tlsrec_dir_init(&d, TLSREC_CHACHA20_POLY1305, 0, x_key32, x_iv12);
	ck_assert_uint_eq(tlsrec_head_room(&d), 5);
	d.seq = 2;
	SEAL(&d, 23, x_msg, 0, x_cc12_rec);
	tlsrec_dir_init(&d, TLSREC_CHACHA20_POLY1305, 0, x_key32, x_iv12);
	d.seq = 2;
	OPEN(&d, x_cc12_rec, 23, x_msg);
	tlsrec_dir_clear(&d);
}
END_TEST

/* Any flipped bit in header, ciphertext or tag fails with bad_record_mac,
 * and a failed record does not advance the sequence number. */
UNIT_TEST("limits", tlsrec_rejects_tampering, .setup = vectors_load)
{
	static const struct { enum tlsrec_aead a; int tls13; const unsigned char *k, *iv, *rec;
	    size_t len; uint64_t seq; } v[] = {
		{ TLSREC_AES128_GCM, 1, s1_s_ap_key, s1_s_ap_iv, s1_s_app_rec, sizeof s1_s_app_rec, 1 },
		{ TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12, x_cc13_rec, sizeof x_cc13_rec, 1 },
		{ TLSREC_CHACHA20_POLY1305, 0, x_key32, x_iv12, x_cc12_rec, sizeof x_cc12_rec, 2 },
		{ TLSREC_AES128_GCM, 0, x_key16, x_salt, x_g128_12_rec, sizeof x_g128_12_rec, 1 },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		/* Skip the length bytes (a wrong length is a decode_error). */
		for (size_t pos = 0; pos < v[i].len; pos += (pos == 2 ? 3 : 1)) {
			struct tlsrec_dir d;
			unsigned char type, *data;
			size_t len;
			const char *why = NULL;
			int rc;

			tlsrec_dir_init(&d, v[i].a, v[i].tls13, v[i].k, v[i].iv);
			d.seq = v[i].seq;
			memcpy(buf, v[i].rec, v[i].len);
			buf[pos] ^= 0x01;
			rc = tlsrec_open(&d, buf, v[i].len, &type, &data, &len, &why);
			if (v[i].tls13 && pos == 0) {
				ck_assert_int_eq(rc, MEEK_EPROTO);   /* outer type 22 */
				ck_assert_uint_eq(tlsrec_alert(&d), TLSREC_ALERT_UNEXPECTED_MESSAGE);
			} else {
				ck_assert_int_eq(rc, MEEK_ETLS);
				ck_assert_uint_eq(tlsrec_alert(&d), TLSREC_ALERT_BAD_RECORD_MAC);
			}
			ck_assert_ptr_nonnull(why);
			ck_assert_uint_eq(tlsrec_seq(&d), v[i].seq);
		}
	}
}
END_TEST

/* Checks that `d` refuses the `n` bytes in buf with `rc` and `alert`. */
static void
open_fails(struct tlsrec_dir *d, size_t n, int rc, unsigned alert)
{
	unsigned char type, *data;
	size_t len;
	const char *why;

	ck_assert_int_eq(tlsrec_open(d, buf, n, &type, &data, &len, &why), rc);
	ck_assert_uint_eq(tlsrec_alert(d), alert);
}

/* Opens the `n` bytes in buf with `d`, which must succeed; returns the
 * plaintext's length. */
static size_t
open_len(struct tlsrec_dir *d, size_t n)
{
	unsigned char type, *data;
	size_t len;
	const char *why;

	ck_assert_int_eq(tlsrec_open(d, buf, n, &type, &data, &len, &why), 0);
	return len;
}

/* Round trips with padding; an all-zero plaintext (no content type) and a
 * record too short for its tag are rejected. */
UNIT_TEST("limits", tlsrec_padding_and_inner_type)
{
	static const unsigned char zeros[40];
	struct tlsrec_dir w, r;
	unsigned char type, *data;
	size_t len, n;
	const char *why;

	for (int a = TLSREC_AES128_GCM; a <= TLSREC_CHACHA20_POLY1305; a++) {
		ends_init(&w, &r, (enum tlsrec_aead)a, x_key32, x_iv12);
		for (size_t pad = 0; pad < 300; pad += 37) {
			/* Plaintext ending in zero bytes: only padding may be stripped. */
			memcpy(buf + 5, zeros, 10);
			buf[5] = 0x41;
			n = tlsrec_seal(&w, 23, 0x0303, buf, 10, pad);
			ck_assert_uint_eq(n, 5 + 10 + 1 + pad + 16);
			ck_assert_uint_eq(buf[0], 23);
			ck_assert_int_eq(tlsrec_open(&r, buf, n, &type, &data, &len, &why), 0);
			ck_assert_uint_eq(type, 23);
			ck_assert_uint_eq(len, 10);
			ck_assert_uint_eq(data[0], 0x41);
			ck_assert_mem_eq(data + 1, zeros, 9);
		}
		/* Empty content (allowed for application data). */
		n = tlsrec_seal(&w, 23, 0x0303, buf, 0, 3);
		ck_assert_int_eq(tlsrec_open(&r, buf, n, &type, &data, &len, &why), 0);
		ck_assert_uint_eq(len, 0);
		ck_assert_uint_eq(type, 23);

		/* "Content type" 0: the whole inner plaintext is zeros. */
		memcpy(buf + 5, zeros, 8);
		n = tlsrec_seal(&w, 0, 0x0303, buf, 8, 4);
		open_fails(&r, n, MEEK_EPROTO, TLSREC_ALERT_UNEXPECTED_MESSAGE);

		/* Shorter than a tag. */
		memcpy(buf, "\x17\x03\x03\x00\x0f", 5);
		open_fails(&r, 20, MEEK_ETLS, TLSREC_ALERT_BAD_RECORD_MAC);
	}
}
END_TEST

/* Writes the header length `n` into the record in buf. */
static void
set_len(size_t n)
{
	buf[3] = (unsigned char)(n >> 8);
	buf[4] = (unsigned char)n;
}

/* Builds in buf, with BearSSL's AEAD directly (tlsrec_seal refuses over
 * 2^14), a TLS 1.3 ChaCha20-Poly1305 record (x_key32, x_iv12, seq 0) of
 * `n` bytes of inner plaintext: 'a's then type 23.  Returns its length. */
static size_t
chacha_record(size_t n)
{
	memset(buf + 5, 0x61, n);
	buf[5 + n - 1] = 23;
	memcpy(buf, "\x17\x03\x03", 3);
	set_len(n + 16);
	br_poly1305_ctmul_run(x_key32, x_iv12, buf + 5, n, buf, 5, buf + 5 + n, br_chacha20_ct_run, 1);
	return 5 + n + 16;
}

/* Sets the header length of the record in buf to `n` and checks that `r`
 * refuses the 5 + n bytes as record_overflow. */
static void
open_overflows(struct tlsrec_dir *r, size_t n)
{
	set_len(n);
	open_fails(r, 5 + n, MEEK_EPROTO, TLSREC_ALERT_RECORD_OVERFLOW);
}

UNIT_TEST("limits", tlsrec_rejects_overflow)
{
	struct tlsrec_dir w, r;
	size_t n;

	/* Sealing over 2^14 bytes of plaintext (content + padding) is refused. */
	ends_init(&w, &r, TLSREC_AES128_GCM, x_key16, x_iv12);
	ck_assert_uint_eq(tlsrec_seal(&w, 23, 0x0303, buf, TLSREC_PLAINTEXT_MAX + 1, 0), 0);
	ck_assert_uint_eq(tlsrec_seal(&w, 23, 0x0303, buf, TLSREC_PLAINTEXT_MAX, 1), 0);
	ck_assert_uint_eq(tlsrec_seq(&w), 0);
	/* Exactly 2^14 goes. */
	memset(buf + 5, 0x61, TLSREC_PLAINTEXT_MAX);
	n = tlsrec_seal(&w, 23, 0x0303, buf, TLSREC_PLAINTEXT_MAX, 0);
	ck_assert_uint_eq(n, 5 + TLSREC_PLAINTEXT_MAX + 17);
	ck_assert_uint_eq(open_len(&r, n), TLSREC_PLAINTEXT_MAX);

	/* A peer's 2^14 + 1 bytes of content (+ type) authenticates but overflows. */
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	n = chacha_record(TLSREC_PLAINTEXT_MAX + 2);
	open_fails(&r, n, MEEK_EPROTO, TLSREC_ALERT_RECORD_OVERFLOW);
	/* One byte less is fine. */
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	n = chacha_record(TLSREC_PLAINTEXT_MAX + 1);
	ck_assert_uint_eq(open_len(&r, n), TLSREC_PLAINTEXT_MAX);

	/* Ciphertext over 2^14 + 256 is refused before any decryption. */
	tlsrec_dir_init(&r, TLSREC_AES128_GCM, 1, x_key16, x_iv12);
	open_overflows(&r, TLSREC_CIPHERTEXT13_MAX + 1);

	/* TLS 1.2: plaintext over 2^14 (checked before the tag). */
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 0, x_key32, x_iv12);
	open_overflows(&r, TLSREC_PLAINTEXT_MAX + 17);

	/* NULL protection: plaintext record over 2^14. */
	tlsrec_dir_clear(&r);
	buf[0] = 22;
	open_overflows(&r, TLSREC_PLAINTEXT_MAX + 1);

	/* Header length disagreeing with the record length. */
	set_len(10);
	open_fails(&r, 16, MEEK_EPROTO, TLSREC_ALERT_DECODE_ERROR);
}
END_TEST

UNIT_TEST("limits", tlsrec_plaintext_and_ccs)
{
	struct tlsrec_dir d;
	unsigned char type, *data;
	size_t len, n;
	const char *why;

	/* NULL protection: header only, with the legacy version asked for. */
	tlsrec_dir_clear(&d);
	ck_assert_uint_eq(tlsrec_head_room(&d), 5);
	ck_assert_uint_eq(tlsrec_tail_room(&d, 9), 0);
	memcpy(buf + 5, "hello", 5);
	n = tlsrec_seal(&d, 22, 0x0301, buf, 5, 0);
	ck_assert_uint_eq(n, 10);
	ck_assert_mem_eq(buf, "\x16\x03\x01\x00\x05hello", 10);
	ck_assert_int_eq(tlsrec_open(&d, buf, n, &type, &data, &len, &why), 0);
	ck_assert_uint_eq(type, 22);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(data, "hello", 5);

	/* TLS 1.3: middlebox change_cipher_spec passes, other CCS do not. */
	tlsrec_dir_init(&d, TLSREC_AES128_GCM, 1, s1_s_hs_key, s1_s_hs_iv);
	memcpy(buf, "\x14\x03\x03\x00\x01\x01", 6);
	ck_assert_int_eq(tlsrec_open(&d, buf, 6, &type, &data, &len, &why), 0);
	ck_assert_uint_eq(type, 20);
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(tlsrec_seq(&d), 0);
	memcpy(buf, "\x14\x03\x03\x00\x01\x02", 6);
	open_fails(&d, 6, MEEK_EPROTO, TLSREC_ALERT_UNEXPECTED_MESSAGE);
	/* An unprotected handshake record once keys are on. */
	memcpy(buf, "\x16\x03\x03\x00\x05hello", 10);
	open_fails(&d, 10, MEEK_EPROTO, TLSREC_ALERT_UNEXPECTED_MESSAGE);
	/* The real record still opens afterwards (seq untouched). */
	s1_s_hs_plain_fill();
	OPEN(&d, s1_s_hs_rec, 22, s1_s_hs_plain);
	ck_assert_int_eq(tlsrec_dir_init(&d, (enum tlsrec_aead)99, 1, x_key16, x_iv12), MEEK_EINVAL);
}
END_TEST

UNIT_TEST("limits", tlsrec_refuses_sequence_wrap)
{
	struct tlsrec_dir w, r;
	size_t n;

	ends_init(&w, &r, TLSREC_CHACHA20_POLY1305, x_key32, x_iv12);
	w.seq = r.seq = UINT64_MAX;
	memcpy(buf + 5, "x", 1);
	n = tlsrec_seal(&w, 23, 0x0303, buf, 1, 0);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(open_len(&r, n), 1);
	ck_assert_uint_eq(tlsrec_seal(&w, 23, 0x0303, buf, 1, 0), 0);
	ck_assert_uint_eq(tlsrec_alert(&w), TLSREC_ALERT_INTERNAL_ERROR);
	open_fails(&r, n, MEEK_EPROTO, TLSREC_ALERT_INTERNAL_ERROR);
}
END_TEST
