#include "config.h"
#include "tests/unit/suites.h"
#include "shared/err.h"
#include "shared/tlsrec.h"
#include "tests/unit/rfc8448.h"

#include <bearssl.h>
#include <string.h>

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
static const unsigned char x_key32[32] = {
	0x07, 0x14, 0x21, 0x2e, 0x3b, 0x48, 0x55, 0x62, 0x6f, 0x7c, 0x89, 0x96,
	0xa3, 0xb0, 0xbd, 0xca, 0xd7, 0xe4, 0xf1, 0xfe, 0x0b, 0x18, 0x25, 0x32,
	0x3f, 0x4c, 0x59, 0x66, 0x73, 0x80, 0x8d, 0x9a,
};
static const unsigned char x_iv12[12] = {
	0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f, 0xa0, 0xb1, 0xc2,
};
static const unsigned char x_msg[114] = {
	0x4c, 0x61, 0x64, 0x69, 0x65, 0x73, 0x20, 0x61, 0x6e, 0x64, 0x20, 0x47,
	0x65, 0x6e, 0x74, 0x6c, 0x65, 0x6d, 0x65, 0x6e, 0x20, 0x6f, 0x66, 0x20,
	0x74, 0x68, 0x65, 0x20, 0x63, 0x6c, 0x61, 0x73, 0x73, 0x20, 0x6f, 0x66,
	0x20, 0x27, 0x39, 0x39, 0x3a, 0x20, 0x49, 0x66, 0x20, 0x49, 0x20, 0x63,
	0x6f, 0x75, 0x6c, 0x64, 0x20, 0x6f, 0x66, 0x66, 0x65, 0x72, 0x20, 0x79,
	0x6f, 0x75, 0x20, 0x6f, 0x6e, 0x6c, 0x79, 0x20, 0x6f, 0x6e, 0x65, 0x20,
	0x74, 0x69, 0x70, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x74, 0x68, 0x65, 0x20,
	0x66, 0x75, 0x74, 0x75, 0x72, 0x65, 0x2c, 0x20, 0x73, 0x75, 0x6e, 0x73,
	0x63, 0x72, 0x65, 0x65, 0x6e, 0x20, 0x77, 0x6f, 0x75, 0x6c, 0x64, 0x20,
	0x62, 0x65, 0x20, 0x69, 0x74, 0x2e,
};
static const unsigned char x_cc13_rec[141] = {
	0x17, 0x03, 0x03, 0x00, 0x88, 0xdc, 0x3b, 0x5e, 0xcb, 0x44, 0x6d, 0x8c,
	0x60, 0xfc, 0x3d, 0xe2, 0xf9, 0xd7, 0x09, 0xc3, 0xd4, 0xc3, 0x07, 0xe7,
	0xc9, 0x69, 0xf3, 0x5d, 0x44, 0xd6, 0x94, 0x25, 0x20, 0x60, 0x61, 0x41,
	0x3f, 0x8f, 0xb8, 0x5b, 0x86, 0x7a, 0xbf, 0x8e, 0xe4, 0x33, 0xc6, 0x58,
	0x5f, 0x60, 0xed, 0xde, 0xbe, 0x84, 0xe5, 0x4f, 0x5a, 0x05, 0x74, 0x7c,
	0x78, 0x76, 0x8e, 0xc8, 0x21, 0x00, 0xcd, 0xd2, 0xeb, 0x82, 0x00, 0x59,
	0x50, 0xe5, 0x44, 0x9a, 0x7c, 0x18, 0xdb, 0xb6, 0xcc, 0x3b, 0x8a, 0x85,
	0x12, 0x8f, 0x57, 0x54, 0xd7, 0x91, 0x28, 0xca, 0x20, 0xa7, 0x57, 0xd1,
	0xb5, 0x34, 0xda, 0x70, 0x86, 0x3f, 0x62, 0xe5, 0x2c, 0x3c, 0xf2, 0xed,
	0xbd, 0x0a, 0x5b, 0x04, 0x42, 0xe9, 0x87, 0xb4, 0xbd, 0xe9, 0x93, 0x47,
	0x98, 0x03, 0xc2, 0x8d, 0x06, 0xd4, 0xc2, 0x3b, 0x6d, 0x8b, 0x25, 0xdd,
	0xc0, 0xea, 0x25, 0xa8, 0xa4, 0x52, 0x0d, 0x1d, 0xb0,
};
static const unsigned char x_g256_13_rec[136] = {
	0x17, 0x03, 0x03, 0x00, 0x83, 0xea, 0xff, 0xfa, 0x5b, 0xfa, 0x43, 0x6b,
	0xee, 0x7e, 0x79, 0x84, 0xb8, 0xe1, 0x4e, 0xf9, 0xb6, 0x14, 0x79, 0x01,
	0x6d, 0xe4, 0xc6, 0x9d, 0xf1, 0x7a, 0x0b, 0x12, 0x7e, 0x51, 0xd6, 0x46,
	0x60, 0xe7, 0x58, 0x48, 0x4d, 0xae, 0xd7, 0xd1, 0x11, 0xcd, 0xbd, 0xb8,
	0xda, 0xca, 0xbb, 0xc3, 0xbd, 0xf8, 0x23, 0xbd, 0xa7, 0x16, 0x72, 0x86,
	0xd2, 0x79, 0xa6, 0xc3, 0xac, 0x0e, 0xa5, 0xd4, 0xf7, 0xe6, 0xfb, 0xd6,
	0xb4, 0xc9, 0xdb, 0x58, 0xa8, 0xbc, 0xc5, 0xe5, 0xe7, 0x0c, 0x4b, 0x8d,
	0x87, 0x78, 0x05, 0xec, 0xea, 0x77, 0x3d, 0x0f, 0xe5, 0x89, 0x7a, 0x94,
	0xd9, 0xb7, 0x08, 0x5c, 0xb3, 0x94, 0x19, 0xff, 0x40, 0x02, 0x80, 0x20,
	0x4c, 0xbb, 0x26, 0xd5, 0xff, 0xc6, 0xae, 0x7a, 0xea, 0x67, 0x46, 0x02,
	0xc5, 0x9b, 0xee, 0x87, 0x82, 0x8e, 0xf7, 0xd8, 0x50, 0x8a, 0x45, 0xb8,
	0x65, 0xa0, 0x40, 0xc2,
};
static const unsigned char x_cc12_rec[135] = {
	0x17, 0x03, 0x03, 0x00, 0x82, 0x24, 0xb4, 0x27, 0x90, 0x56, 0x5f, 0xa1,
	0x91, 0xb6, 0x69, 0xa1, 0x4f, 0x6f, 0xf1, 0x04, 0xd4, 0x80, 0x6f, 0x01,
	0xbc, 0x46, 0x0e, 0xda, 0xdb, 0xc8, 0x2a, 0xf0, 0x25, 0x56, 0x87, 0xe8,
	0x67, 0x1a, 0x98, 0xe6, 0x48, 0x63, 0x36, 0x74, 0x40, 0xbc, 0x56, 0xbc,
	0x72, 0x2d, 0x7d, 0xc0, 0x1a, 0xc4, 0xc9, 0x1f, 0x12, 0x7b, 0xd1, 0xfc,
	0x55, 0x26, 0x10, 0x09, 0xf0, 0x66, 0x86, 0xcc, 0x3d, 0xc8, 0xb2, 0x7d,
	0x7c, 0x2e, 0xf0, 0xf7, 0x9e, 0x6a, 0x1c, 0xdd, 0xf2, 0x57, 0xe8, 0xed,
	0x51, 0xa4, 0x18, 0xbe, 0x0a, 0xa0, 0xad, 0x8b, 0x3b, 0x27, 0x62, 0xd8,
	0xbd, 0x1a, 0x64, 0xc6, 0x4d, 0x37, 0x59, 0x27, 0xdc, 0x80, 0xe3, 0xfe,
	0xd6, 0x28, 0xce, 0xa8, 0x05, 0x31, 0xb0, 0x40, 0x08, 0x66, 0xdb, 0xb4,
	0x8a, 0x6b, 0x59, 0x6c, 0xa9, 0x84, 0x4e, 0xd1, 0x46, 0xfc, 0x4b, 0xaf,
	0x73, 0x29, 0xdc,
};
static const unsigned char x_key16[16] = {
	0x07, 0x1a, 0x2d, 0x40, 0x53, 0x66, 0x79, 0x8c, 0x9f, 0xb2, 0xc5, 0xd8,
	0xeb, 0xfe, 0x11, 0x24,
};
static const unsigned char x_salt[4] = {
	0x07, 0x1e, 0x35, 0x4c,
};
static const unsigned char x_g128_12_rec[143] = {
	0x17, 0x03, 0x03, 0x00, 0x8a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x2b, 0xfe, 0x91, 0x72, 0x95, 0x47, 0x04, 0xba, 0x1c, 0x3f, 0xc3,
	0x5e, 0x9f, 0xe6, 0xdc, 0x68, 0xd9, 0xb6, 0xb3, 0x85, 0xad, 0x94, 0x40,
	0xa9, 0xfb, 0xc3, 0x7a, 0x67, 0x7a, 0xdd, 0x4f, 0x00, 0xb4, 0x4a, 0xd7,
	0xbb, 0x8a, 0x0d, 0xa5, 0x8c, 0x83, 0x41, 0x6f, 0xd7, 0xd9, 0xda, 0xa4,
	0x2a, 0x21, 0x89, 0xea, 0x5c, 0x94, 0xcc, 0x14, 0x63, 0x3f, 0x09, 0xe5,
	0xba, 0x7b, 0x62, 0x4a, 0xaf, 0xbd, 0x48, 0xa0, 0x2c, 0xef, 0x07, 0x97,
	0x4a, 0x8a, 0xcb, 0x52, 0xea, 0x84, 0xf8, 0xeb, 0x8d, 0xbd, 0xd6, 0x4d,
	0xa3, 0xef, 0xe4, 0x80, 0xde, 0x0d, 0x4e, 0xa1, 0xda, 0x2f, 0xf8, 0x01,
	0xf3, 0xe1, 0x15, 0xd1, 0x08, 0x18, 0x72, 0xb6, 0xdb, 0xc1, 0x07, 0xa8,
	0xee, 0xb0, 0xea, 0xce, 0xae, 0x37, 0x98, 0x19, 0x8e, 0x24, 0x4a, 0xa6,
	0xce, 0xbe, 0x87, 0x84, 0xa0, 0x8f, 0xe7, 0xe9, 0x36, 0x89, 0xd2,
};

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

START_TEST(tlsrec_rfc8448_records_open)
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

START_TEST(tlsrec_rfc8448_records_seal)
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

START_TEST(tlsrec_chacha20_and_aes256_tls13)
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

START_TEST(tlsrec_tls12_gcm_and_chacha20)
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
START_TEST(tlsrec_rejects_tampering)
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

/* Round trips with padding; an all-zero plaintext (no content type) and a
 * record too short for its tag are rejected. */
START_TEST(tlsrec_padding_and_inner_type)
{
	static const unsigned char zeros[40];
	struct tlsrec_dir w, r;
	unsigned char type, *data;
	size_t len, n;
	const char *why;

	for (int a = TLSREC_AES128_GCM; a <= TLSREC_CHACHA20_POLY1305; a++) {
		tlsrec_dir_init(&w, (enum tlsrec_aead)a, 1, x_key32, x_iv12);
		tlsrec_dir_init(&r, (enum tlsrec_aead)a, 1, x_key32, x_iv12);
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
		ck_assert_int_eq(tlsrec_open(&r, buf, n, &type, &data, &len, &why), MEEK_EPROTO);
		ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_UNEXPECTED_MESSAGE);

		/* Shorter than a tag. */
		memcpy(buf, "\x17\x03\x03\x00\x0f", 5);
		ck_assert_int_eq(tlsrec_open(&r, buf, 20, &type, &data, &len, &why), MEEK_ETLS);
		ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_BAD_RECORD_MAC);
	}
}
END_TEST

START_TEST(tlsrec_rejects_overflow)
{
	struct tlsrec_dir w, r;
	unsigned char type, *data;
	size_t len, n;
	const char *why;

	/* Sealing over 2^14 bytes of plaintext (content + padding) is refused. */
	tlsrec_dir_init(&w, TLSREC_AES128_GCM, 1, x_key16, x_iv12);
	tlsrec_dir_init(&r, TLSREC_AES128_GCM, 1, x_key16, x_iv12);
	ck_assert_uint_eq(tlsrec_seal(&w, 23, 0x0303, buf, TLSREC_PLAINTEXT_MAX + 1, 0), 0);
	ck_assert_uint_eq(tlsrec_seal(&w, 23, 0x0303, buf, TLSREC_PLAINTEXT_MAX, 1), 0);
	ck_assert_uint_eq(tlsrec_seq(&w), 0);
	/* Exactly 2^14 goes. */
	memset(buf + 5, 0x61, TLSREC_PLAINTEXT_MAX);
	n = tlsrec_seal(&w, 23, 0x0303, buf, TLSREC_PLAINTEXT_MAX, 0);
	ck_assert_uint_eq(n, 5 + TLSREC_PLAINTEXT_MAX + 17);
	ck_assert_int_eq(tlsrec_open(&r, buf, n, &type, &data, &len, &why), 0);
	ck_assert_uint_eq(len, TLSREC_PLAINTEXT_MAX);

	/* A peer's 2^14 + 1 bytes of content (+ type) authenticates but overflows. */
	/* Built with BearSSL's AEAD directly: tlsrec_seal refuses to. */
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	n = TLSREC_PLAINTEXT_MAX + 2;
	memset(buf + 5, 0x61, n);
	buf[5 + n - 1] = 23;
	memcpy(buf, "\x17\x03\x03", 3);
	buf[3] = (unsigned char)((n + 16) >> 8);
	buf[4] = (unsigned char)(n + 16);
	br_poly1305_ctmul_run(x_key32, x_iv12, buf + 5, n, buf, 5, buf + 5 + n, br_chacha20_ct_run, 1);
	ck_assert_int_eq(tlsrec_open(&r, buf, 5 + n + 16, &type, &data, &len, &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_RECORD_OVERFLOW);
	/* One byte less is fine. */
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	n = TLSREC_PLAINTEXT_MAX + 1;
	memset(buf + 5, 0x61, n);
	buf[5 + n - 1] = 23;
	buf[3] = (unsigned char)((n + 16) >> 8);
	buf[4] = (unsigned char)(n + 16);
	br_poly1305_ctmul_run(x_key32, x_iv12, buf + 5, n, buf, 5, buf + 5 + n, br_chacha20_ct_run, 1);
	ck_assert_int_eq(tlsrec_open(&r, buf, 5 + n + 16, &type, &data, &len, &why), 0);
	ck_assert_uint_eq(len, TLSREC_PLAINTEXT_MAX);

	/* Ciphertext over 2^14 + 256 is refused before any decryption. */
	tlsrec_dir_init(&r, TLSREC_AES128_GCM, 1, x_key16, x_iv12);
	buf[3] = (unsigned char)((TLSREC_CIPHERTEXT13_MAX + 1) >> 8);
	buf[4] = (unsigned char)(TLSREC_CIPHERTEXT13_MAX + 1);
	ck_assert_int_eq(tlsrec_open(&r, buf, 5 + TLSREC_CIPHERTEXT13_MAX + 1, &type, &data, &len,
	    &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_RECORD_OVERFLOW);

	/* TLS 1.2: plaintext over 2^14 (checked before the tag). */
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 0, x_key32, x_iv12);
	buf[3] = (unsigned char)((TLSREC_PLAINTEXT_MAX + 17) >> 8);
	buf[4] = (unsigned char)(TLSREC_PLAINTEXT_MAX + 17);
	ck_assert_int_eq(tlsrec_open(&r, buf, 5 + TLSREC_PLAINTEXT_MAX + 17, &type, &data, &len,
	    &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_RECORD_OVERFLOW);

	/* NULL protection: plaintext record over 2^14. */
	tlsrec_dir_clear(&r);
	buf[0] = 22;
	buf[3] = (unsigned char)((TLSREC_PLAINTEXT_MAX + 1) >> 8);
	buf[4] = (unsigned char)(TLSREC_PLAINTEXT_MAX + 1);
	ck_assert_int_eq(tlsrec_open(&r, buf, 5 + TLSREC_PLAINTEXT_MAX + 1, &type, &data, &len,
	    &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_RECORD_OVERFLOW);

	/* Header length disagreeing with the record length. */
	buf[3] = 0;
	buf[4] = 10;
	ck_assert_int_eq(tlsrec_open(&r, buf, 16, &type, &data, &len, &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_DECODE_ERROR);
}
END_TEST

START_TEST(tlsrec_plaintext_and_ccs)
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
	ck_assert_int_eq(tlsrec_open(&d, buf, 6, &type, &data, &len, &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&d), TLSREC_ALERT_UNEXPECTED_MESSAGE);
	/* An unprotected handshake record once keys are on. */
	memcpy(buf, "\x16\x03\x03\x00\x05hello", 10);
	ck_assert_int_eq(tlsrec_open(&d, buf, 10, &type, &data, &len, &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&d), TLSREC_ALERT_UNEXPECTED_MESSAGE);
	/* The real record still opens afterwards (seq untouched). */
	s1_s_hs_plain_fill();
	OPEN(&d, s1_s_hs_rec, 22, s1_s_hs_plain);
	ck_assert_int_eq(tlsrec_dir_init(&d, (enum tlsrec_aead)99, 1, x_key16, x_iv12), MEEK_EINVAL);
}
END_TEST

START_TEST(tlsrec_refuses_sequence_wrap)
{
	struct tlsrec_dir w, r;
	unsigned char type, *data;
	size_t len, n;
	const char *why;

	tlsrec_dir_init(&w, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	tlsrec_dir_init(&r, TLSREC_CHACHA20_POLY1305, 1, x_key32, x_iv12);
	w.seq = r.seq = UINT64_MAX;
	memcpy(buf + 5, "x", 1);
	n = tlsrec_seal(&w, 23, 0x0303, buf, 1, 0);
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(tlsrec_open(&r, buf, n, &type, &data, &len, &why), 0);
	ck_assert_uint_eq(tlsrec_seal(&w, 23, 0x0303, buf, 1, 0), 0);
	ck_assert_uint_eq(tlsrec_alert(&w), TLSREC_ALERT_INTERNAL_ERROR);
	ck_assert_int_eq(tlsrec_open(&r, buf, n, &type, &data, &len, &why), MEEK_EPROTO);
	ck_assert_uint_eq(tlsrec_alert(&r), TLSREC_ALERT_INTERNAL_ERROR);
}
END_TEST

Suite *
tlsrec_suite(void)
{
	Suite *s = suite_create("tlsrec");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, tlsrec_rfc8448_records_open);
	tcase_add_test(tc, tlsrec_rfc8448_records_seal);
	tcase_add_test(tc, tlsrec_chacha20_and_aes256_tls13);
	tcase_add_test(tc, tlsrec_tls12_gcm_and_chacha20);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, tlsrec_rejects_tampering);
	tcase_add_test(tc, tlsrec_padding_and_inner_type);
	tcase_add_test(tc, tlsrec_rejects_overflow);
	tcase_add_test(tc, tlsrec_plaintext_and_ccs);
	tcase_add_test(tc, tlsrec_refuses_sequence_wrap);
	suite_add_tcase(s, tc);
	return s;
}
