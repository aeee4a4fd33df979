#include "config.h"
#include "tests/unit/suites.h"
#include "shared/tlskeys.h"
#include "tests/unit/rfc8448.h"

#include <bearssl.h>
#include <string.h>

/*
 * Test vectors.  s1_*, s2_*, s3_*: RFC 8448 (tests/unit/rfc8448.h).
 * t12_*: TLS 1.2 values computed
 * independently with a short Python script: P_hash of RFC 5246 section 5 on
 * Python's hmac/hashlib, master = PRF(pms, "extended master secret",
 * session_hash)[:48] (RFC 7627), key block = PRF(master, "key expansion",
 * server_random || client_random), Finished = PRF(master, "client finished" /
 * "server finished", hash)[:12]; inputs are byte patterns ((i*m+7) & 0xff)
 * and SHA-256/384 of the strings "session" and "finished".
 */
static const unsigned char t12_pms[32] = {
	0x07, 0x0a, 0x0d, 0x10, 0x13, 0x16, 0x19, 0x1c, 0x1f, 0x22, 0x25, 0x28,
	0x2b, 0x2e, 0x31, 0x34, 0x37, 0x3a, 0x3d, 0x40, 0x43, 0x46, 0x49, 0x4c,
	0x4f, 0x52, 0x55, 0x58, 0x5b, 0x5e, 0x61, 0x64,
};
static const unsigned char t12_session256[32] = {
	0x3f, 0x3a, 0xf1, 0xec, 0xeb, 0xbd, 0x14, 0x10, 0xab, 0x41, 0x7e, 0xc0,
	0xd2, 0x7b, 0xbf, 0xcb, 0x5d, 0x34, 0x0e, 0x17, 0x7a, 0xe1, 0x59, 0xb5,
	0x9f, 0xc8, 0x62, 0x6c, 0x2d, 0xfd, 0x91, 0x75,
};
static const unsigned char t12_session384[48] = {
	0xb1, 0xe2, 0x47, 0x29, 0x39, 0x67, 0x10, 0xce, 0x6a, 0x41, 0xd8, 0xeb,
	0xcb, 0x1a, 0x55, 0x70, 0x9b, 0xd8, 0x07, 0xa1, 0x01, 0xba, 0x27, 0x43,
	0x84, 0x3b, 0x0d, 0x5f, 0x73, 0xe1, 0xb4, 0xda, 0x49, 0xe0, 0x71, 0x26,
	0xf1, 0x60, 0x45, 0xa3, 0x96, 0x76, 0xde, 0x25, 0x7a, 0x1e, 0xd8, 0xa8,
};
static const unsigned char t12_cr[32] = {
	0x07, 0x0c, 0x11, 0x16, 0x1b, 0x20, 0x25, 0x2a, 0x2f, 0x34, 0x39, 0x3e,
	0x43, 0x48, 0x4d, 0x52, 0x57, 0x5c, 0x61, 0x66, 0x6b, 0x70, 0x75, 0x7a,
	0x7f, 0x84, 0x89, 0x8e, 0x93, 0x98, 0x9d, 0xa2,
};
static const unsigned char t12_sr[32] = {
	0x07, 0x12, 0x1d, 0x28, 0x33, 0x3e, 0x49, 0x54, 0x5f, 0x6a, 0x75, 0x80,
	0x8b, 0x96, 0xa1, 0xac, 0xb7, 0xc2, 0xcd, 0xd8, 0xe3, 0xee, 0xf9, 0x04,
	0x0f, 0x1a, 0x25, 0x30, 0x3b, 0x46, 0x51, 0x5c,
};
static const unsigned char t12_fin_hash256[32] = {
	0x05, 0x34, 0x3e, 0x98, 0x45, 0x30, 0x2e, 0xb7, 0x30, 0xfa, 0x9d, 0x18,
	0xac, 0x7b, 0x28, 0xd5, 0xe5, 0x09, 0x89, 0x3d, 0xaf, 0x1e, 0xb7, 0x6e,
	0xde, 0x8d, 0x6e, 0x82, 0xd4, 0x7b, 0x2d, 0xa9,
};
static const unsigned char t12_fin_hash384[48] = {
	0xf5, 0xe6, 0xca, 0xac, 0x8e, 0x6c, 0x6e, 0x9e, 0x83, 0x94, 0x24, 0x5e,
	0xe6, 0x08, 0xf3, 0x1f, 0xdb, 0x37, 0xef, 0x6d, 0x8e, 0x3d, 0x71, 0xda,
	0x0f, 0x89, 0x7a, 0x66, 0x47, 0x70, 0xeb, 0xf1, 0x11, 0xd8, 0x83, 0x5c,
	0x02, 0x7e, 0x77, 0xb3, 0xaa, 0x94, 0x0c, 0x9b, 0xef, 0x0f, 0xa0, 0x64,
};
static const unsigned char t12_master256[48] = {
	0x4c, 0x16, 0x7f, 0xa6, 0x4f, 0xaf, 0xf4, 0x62, 0x76, 0xf5, 0x08, 0xc7,
	0xdf, 0xc6, 0x5c, 0xbf, 0x79, 0x22, 0x74, 0xf6, 0x4c, 0xca, 0xd0, 0xda,
	0x1f, 0x27, 0x1d, 0x47, 0x69, 0x9e, 0x06, 0xb0, 0x5e, 0xbe, 0x6d, 0x6c,
	0x3f, 0x96, 0x36, 0x85, 0x44, 0xf8, 0x05, 0x74, 0xc1, 0xfc, 0x42, 0x5e,
};
static const unsigned char t12_master384[48] = {
	0xe1, 0x26, 0xc5, 0x5c, 0x72, 0x6c, 0x43, 0x41, 0x2c, 0x4c, 0xf5, 0x79,
	0x4b, 0xa9, 0xe8, 0x08, 0xfc, 0x9d, 0x62, 0x28, 0x23, 0x22, 0x54, 0x3a,
	0x08, 0x95, 0x41, 0x3e, 0x6d, 0xc0, 0x25, 0xaa, 0xbb, 0x29, 0x27, 0x7d,
	0xba, 0x65, 0xff, 0x46, 0x89, 0xde, 0x39, 0xe8, 0xef, 0xf7, 0x10, 0x7e,
};
static const unsigned char t12_kb256[40] = {
	0xaf, 0x44, 0xc4, 0xbf, 0x47, 0xa2, 0xc1, 0x60, 0x1a, 0xfa, 0x7e, 0x47,
	0xb1, 0x7f, 0xca, 0x42, 0x67, 0xfe, 0x2f, 0xe7, 0x0c, 0x73, 0xaa, 0x35,
	0xdc, 0xdf, 0x27, 0xb7, 0x43, 0x72, 0x4a, 0xcb, 0x52, 0x99, 0x71, 0xde,
	0xde, 0xe0, 0x35, 0x47,
};
static const unsigned char t12_kb384[88] = {
	0xf6, 0xde, 0xcf, 0x67, 0xb0, 0x32, 0xc0, 0x90, 0xe1, 0x26, 0x1d, 0x9c,
	0xba, 0xc2, 0x59, 0x57, 0x6d, 0x6d, 0x78, 0xb7, 0xce, 0xae, 0x67, 0xdf,
	0xf1, 0xa5, 0x7b, 0x95, 0xf0, 0x76, 0x12, 0x46, 0xf7, 0x51, 0xe2, 0x6e,
	0x43, 0x10, 0x08, 0x9d, 0xd3, 0xb8, 0xfe, 0xbb, 0x2d, 0xd9, 0x4b, 0x1a,
	0x11, 0x5b, 0x5c, 0x7d, 0x9c, 0xe8, 0x1a, 0xfb, 0xff, 0x9c, 0x9c, 0xbf,
	0x16, 0x57, 0x8e, 0x6a, 0x95, 0xa2, 0xc5, 0xce, 0x80, 0xf7, 0xb2, 0x44,
	0x35, 0x0a, 0x5f, 0x8f, 0x42, 0xaa, 0x2e, 0xe0, 0x25, 0xf5, 0x66, 0xef,
	0xb7, 0x25, 0x61, 0xf8,
};
static const unsigned char t12_cfin256[12] = {
	0xa5, 0xeb, 0x3d, 0x33, 0x7e, 0x5e, 0x10, 0x7b, 0x8f, 0x7a, 0x84, 0xb3,
};
static const unsigned char t12_sfin384[12] = {
	0x4f, 0x4f, 0xea, 0xeb, 0xde, 0x24, 0x70, 0xef, 0x55, 0x69, 0x3e, 0x59,
};

#define H256 (&br_sha256_vtable)

static void
add_msgs(struct tlskeys_transcript *t, const unsigned char *a, size_t n)
{
	/* Feeds a message in two pieces, to exercise incremental hashing. */
	tlskeys_transcript_add(t, a, n / 2);
	tlskeys_transcript_add(t, a + n / 2, n - n / 2);
}

#define ADD(t, m) add_msgs((t), (m), sizeof (m))
#define EQ(a, b) ck_assert_mem_eq((a), (b), sizeof (b))

START_TEST(tlskeys_rfc8448_simple_1rtt)
{
	struct tlskeys_transcript t;
	struct tlskeys13 k;
	unsigned char th[TLSKEYS_HASH_MAX], v[TLSKEYS_HASH_MAX], key[16], iv[12], psk[32];

	tlskeys_transcript_init(&t);
	ADD(&t, s1_ch);
	ck_assert_uint_eq(tlskeys_transcript_hash(&t, th), 0);   /* nothing selected yet */
	ADD(&t, s1_sh);
	tlskeys_transcript_select(&t, H256);
	ck_assert_uint_eq(tlskeys_transcript_hash(&t, th), 32);
	EQ(th, s1_th_ch_sh);

	tlskeys13_early(&k, H256, NULL, 0);
	ck_assert_uint_eq(k.hlen, 32);
	EQ(k.early, s1_early);
	tlskeys13_handshake(&k, s1_shared, sizeof s1_shared, th);
	EQ(k.hs, s1_hs);
	EQ(k.c_hs, s1_c_hs);
	EQ(k.s_hs, s1_s_hs);
	tlskeys13_traffic(H256, k.s_hs, 16, key, iv);
	EQ(key, s1_s_hs_key);
	EQ(iv, s1_s_hs_iv);
	tlskeys13_traffic(H256, k.c_hs, 16, key, iv);
	EQ(key, s1_c_hs_key);
	EQ(iv, s1_c_hs_iv);

	ADD(&t, s1_ee);
	ADD(&t, s1_cert);
	ADD(&t, s1_cv);
	tlskeys_transcript_hash(&t, th);
	tlskeys13_finished(H256, k.s_hs, th, v);
	EQ(v, s1_s_fin);
	ck_assert_mem_eq(s1_s_fin_msg + 4, v, 32);
	ck_assert_int_eq(tlskeys_equal(v, s1_s_fin, 32), 1);

	ADD(&t, s1_s_fin_msg);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s1_th_ch_sf);
	tlskeys13_master(&k, th);
	EQ(k.master, s1_master);
	EQ(k.c_ap, s1_c_ap);
	EQ(k.s_ap, s1_s_ap);
	tlskeys13_traffic(H256, k.s_ap, 16, key, iv);
	EQ(key, s1_s_ap_key);
	EQ(iv, s1_s_ap_iv);
	tlskeys13_traffic(H256, k.c_ap, 16, key, iv);
	EQ(key, s1_c_ap_key);
	EQ(iv, s1_c_ap_iv);

	/* The client's Finished covers ClientHello..server Finished. */
	tlskeys13_finished(H256, k.c_hs, th, v);
	EQ(v, s1_c_fin);
	ck_assert_mem_eq(s1_c_fin_msg + 4, v, 32);
	ADD(&t, s1_c_fin_msg);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s1_th_ch_cf);
	tlskeys13_resumption(&k, th);
	EQ(k.res_master, s1_res_master);

	/* NewSessionTicket: type, len(3), lifetime(4), age_add(4), nonce<1..255>. */
	ck_assert_uint_eq(s1_nst[0], 4);
	ck_assert_uint_eq(s1_nst[12], 2);
	tlskeys13_ticket_psk(H256, k.res_master, s1_nst + 13, s1_nst[12], psk);
	EQ(psk, s1_psk);

	tlskeys13_clear(&k);
	tlskeys_transcript_clear(&t);
	memset(v, 0, sizeof v);
	ck_assert_mem_eq(k.res_master, v, sizeof k.res_master);
	ck_assert_mem_eq(k.c_ap, v, sizeof k.c_ap);
}
END_TEST

START_TEST(tlskeys_rfc8448_resumed_0rtt)
{
	struct tlskeys_transcript t;
	struct tlskeys13 k;
	unsigned char th[TLSKEYS_HASH_MAX], bk[TLSKEYS_HASH_MAX], v[TLSKEYS_HASH_MAX];
	unsigned char cet[TLSKEYS_HASH_MAX], key[16], iv[12];
	unsigned char ch[sizeof s2_ch_prefix + 3 + 32];

	/* The PSK is the one section 3's ticket gave. */
	tlskeys13_early(&k, H256, s1_psk, sizeof s1_psk);
	EQ(k.early, s2_early);
	tlskeys13_binder_key(&k, bk);
	EQ(bk, s2_binder_key);

	/* Binder over the ClientHello truncated before the binders list. */
	tlskeys_transcript_init(&t);
	ck_assert_uint_eq(tlskeys_transcript_peek(&t, H256, s2_ch_prefix, sizeof s2_ch_prefix, th),
	    32);
	EQ(th, s2_binder_hash);
	tlskeys13_finished(H256, bk, th, v);
	EQ(v, s2_binder);
	/* The binders list ends the full ClientHello: len(2) len(1) binder. */
	memcpy(ch, s2_ch_prefix, sizeof s2_ch_prefix);
	memcpy(ch + sizeof s2_ch_prefix, "\x00\x21\x20", 3);
	memcpy(ch + sizeof s2_ch_prefix + 3, v, 32);

	ADD(&t, ch);
	tlskeys_transcript_select(&t, H256);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s2_th_ch);
	tlskeys13_early_traffic(&k, th, cet);
	EQ(cet, s2_c_e);
	tlskeys13_traffic(H256, cet, 16, key, iv);
	EQ(key, s2_c_e_key);
	EQ(iv, s2_c_e_iv);

	ADD(&t, s2_sh);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s2_th_ch_sh);
	tlskeys13_handshake(&k, s2_shared, sizeof s2_shared, th);
	EQ(k.hs, s2_hs);
	EQ(k.c_hs, s2_c_hs);
	EQ(k.s_hs, s2_s_hs);
	memset(v, 0, sizeof v);
	ck_assert_mem_eq(k.early, v, sizeof k.early);   /* wiped once used */
	tlskeys13_clear(&k);
}
END_TEST

START_TEST(tlskeys_rfc8448_hello_retry)
{
	struct tlskeys_transcript t;
	struct tlskeys13 k;
	unsigned char th[TLSKEYS_HASH_MAX], v[TLSKEYS_HASH_MAX];

	tlskeys_transcript_init(&t);
	ADD(&t, s3_ch1);
	tlskeys_transcript_hrr(&t, H256);
	ADD(&t, s3_hrr);
	ADD(&t, s3_ch2);
	ADD(&t, s3_sh);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s3_th_ch_sh);

	tlskeys13_early(&k, H256, NULL, 0);
	tlskeys13_handshake(&k, s3_shared, sizeof s3_shared, th);
	EQ(k.hs, s3_hs);
	EQ(k.c_hs, s3_c_hs);
	EQ(k.s_hs, s3_s_hs);
	ADD(&t, s3_ee);
	ADD(&t, s1_cert);
	ADD(&t, s3_cv);
	tlskeys_transcript_hash(&t, th);
	tlskeys13_finished(H256, k.s_hs, th, v);
	EQ(v, s3_s_fin);
	ADD(&t, s3_s_fin_msg);
	tlskeys_transcript_hash(&t, th);
	tlskeys13_finished(H256, k.c_hs, th, v);
	EQ(v, s3_c_fin);
	tlskeys13_clear(&k);
}
END_TEST

/* With SHA-384 selected, the transcript equals a plain SHA-384 of the
 * messages, and the SHA-384 half ran from the start. */
START_TEST(tlskeys_transcript_selects_sha384)
{
	struct tlskeys_transcript t;
	unsigned char th[TLSKEYS_HASH_MAX], want[48], mh[4 + 48];
	br_sha384_context c;

	tlskeys_transcript_init(&t);
	ADD(&t, s1_ch);
	ADD(&t, s1_sh);
	tlskeys_transcript_select(&t, &br_sha384_vtable);
	ck_assert_uint_eq(tlskeys_transcript_hash(&t, th), 48);
	br_sha384_init(&c);
	br_sha384_update(&c, s1_ch, sizeof s1_ch);
	br_sha384_update(&c, s1_sh, sizeof s1_sh);
	br_sha384_out(&c, want);
	EQ(th, want);

	/* HRR with SHA-384: message_hash is fe 00 00 30 || SHA-384(CH1). */
	tlskeys_transcript_init(&t);
	ADD(&t, s1_ch);
	tlskeys_transcript_hrr(&t, &br_sha384_vtable);
	ck_assert_uint_eq(tlskeys_transcript_hash(&t, th), 48);
	mh[0] = 0xfe;
	mh[1] = 0;
	mh[2] = 0;
	mh[3] = 48;
	br_sha384_init(&c);
	br_sha384_update(&c, s1_ch, sizeof s1_ch);
	br_sha384_out(&c, mh + 4);
	br_sha384_init(&c);
	br_sha384_update(&c, mh, sizeof mh);
	br_sha384_out(&c, want);
	EQ(th, want);
}
END_TEST

/* KeyUpdate: application_traffic_secret_N+1 = Expand-Label(N, "traffic upd",
 * "", Hash.length); checked against the explicit Expand-Label call. */
START_TEST(tlskeys_update_is_traffic_upd_label)
{
	unsigned char s[32], want[32];

	memcpy(s, s1_s_ap, 32);
	tlskeys_expand_label(H256, s1_s_ap, "traffic upd", NULL, 0, want, 32);
	tlskeys13_update(H256, s);
	EQ(s, want);
	ck_assert_int_ne(memcmp(s, s1_s_ap, 32), 0);
	tlskeys13_update(H256, s);
	ck_assert_int_ne(memcmp(s, want, 32), 0);
}
END_TEST

START_TEST(tlskeys_equal_compares)
{
	unsigned char a[32], b[32];

	memcpy(a, s1_c_fin, 32);
	memcpy(b, s1_c_fin, 32);
	ck_assert_int_eq(tlskeys_equal(a, b, 32), 1);
	for (size_t i = 0; i < 32; i++) {
		b[i] ^= 0x80;
		ck_assert_int_eq(tlskeys_equal(a, b, 32), 0);
		b[i] ^= 0x80;
	}
	ck_assert_int_eq(tlskeys_equal(a, b, 0), 1);
}
END_TEST

START_TEST(tlskeys_tls12_ems_key_block_finished)
{
	unsigned char m[48], kb[88], fin[12];

	tlskeys12_master_ems(br_tls12_sha256_prf, t12_pms, sizeof t12_pms, t12_session256,
	    sizeof t12_session256, m);
	EQ(m, t12_master256);
	tlskeys12_key_block(br_tls12_sha256_prf, m, t12_sr, t12_cr, kb, 40);
	ck_assert_mem_eq(kb, t12_kb256, 40);
	tlskeys12_finished(br_tls12_sha256_prf, m, 1, t12_fin_hash256, 32, fin);
	EQ(fin, t12_cfin256);

	tlskeys12_master_ems(br_tls12_sha384_prf, t12_pms, sizeof t12_pms, t12_session384,
	    sizeof t12_session384, m);
	EQ(m, t12_master384);
	tlskeys12_key_block(br_tls12_sha384_prf, m, t12_sr, t12_cr, kb, 88);
	ck_assert_mem_eq(kb, t12_kb384, 88);
	tlskeys12_finished(br_tls12_sha384_prf, m, 0, t12_fin_hash384, 48, fin);
	EQ(fin, t12_sfin384);
}
END_TEST

Suite *
tlskeys_suite(void)
{
	Suite *s = suite_create("tlskeys");
	TCase *tc = tcase_create("tls13");

	tcase_add_test(tc, tlskeys_rfc8448_simple_1rtt);
	tcase_add_test(tc, tlskeys_rfc8448_resumed_0rtt);
	tcase_add_test(tc, tlskeys_rfc8448_hello_retry);
	tcase_add_test(tc, tlskeys_transcript_selects_sha384);
	tcase_add_test(tc, tlskeys_update_is_traffic_upd_label);
	tcase_add_test(tc, tlskeys_equal_compares);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls12");
	tcase_add_test(tc, tlskeys_tls12_ems_key_block_finished);
	suite_add_tcase(s, tc);
	return s;
}
