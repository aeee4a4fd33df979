#include "config.h"
#include "tests/unit/unit.h"
#include "shared/tlskeys.h"
#include "tests/unit/rfc8448.h"
#include "tests/unit/vecfile.h"

#include <bearssl.h>
#include <string.h>

#define UNIT_SUITE "tlskeys"

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
#define T12_VECTORS(X) \
	X(t12_pms, 32) \
	X(t12_session256, 32) \
	X(t12_session384, 48) \
	X(t12_cr, 32) \
	X(t12_sr, 32) \
	X(t12_fin_hash256, 32) \
	X(t12_fin_hash384, 48) \
	X(t12_master256, 48) \
	X(t12_master384, 48) \
	X(t12_kb256, 40) \
	X(t12_kb384, 88) \
	X(t12_cfin256, 12) \
	X(t12_sfin384, 12)

VECFILE_SET(t12_load, "tls/tls12-prf.txt", T12_VECTORS)

/* The fixture: RFC 8448's vectors and those above. */
static void
vectors_load(void)
{
	rfc8448_load();
	t12_load();
}

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

/* Runs the handshake step of `k` and checks its three secrets (32 bytes). */
static void
handshake_eq(struct tlskeys13 *k, const unsigned char *shared, size_t shared_len,
    const unsigned char *th, const unsigned char *hs, const unsigned char *c_hs,
    const unsigned char *s_hs)
{
	tlskeys13_handshake(k, shared, shared_len, th);
	ck_assert_mem_eq(k->hs, hs, 32);
	ck_assert_mem_eq(k->c_hs, c_hs, 32);
	ck_assert_mem_eq(k->s_hs, s_hs, 32);
}

/* Checks the AES-128 key and IV that traffic secret `secret` gives. */
static void
traffic_eq(const unsigned char *secret, const unsigned char *want_key,
    const unsigned char *want_iv)
{
	unsigned char key[16], iv[12];

	tlskeys13_traffic(H256, secret, 16, key, iv);
	ck_assert_mem_eq(key, want_key, sizeof key);
	ck_assert_mem_eq(iv, want_iv, sizeof iv);
}

/* The server's flight after ServerHello, as RFC 8448 sections 3 and 5 both
 * send it: adds EncryptedExtensions `ee`, Certificate (s1_cert, both
 * sections' certificate) and CertificateVerify `cv` to `t`, then checks the
 * server Finished over them against `want` (32 bytes), left in `v`. */
static void
server_flight_eq(struct tlskeys_transcript *t, const struct tlskeys13 *k,
    const unsigned char *ee, size_t ee_len, const unsigned char *cv,
    size_t cv_len, const unsigned char *want, unsigned char *v)
{
	unsigned char th[TLSKEYS_HASH_MAX];

	add_msgs(t, ee, ee_len);
	add_msgs(t, s1_cert, sizeof s1_cert);
	add_msgs(t, cv, cv_len);
	tlskeys_transcript_hash(t, th);
	tlskeys13_finished(H256, k->s_hs, th, v);
	ck_assert_mem_eq(v, want, 32);
}

UNIT_TEST("tls13", tlskeys_rfc8448_simple_1rtt, .setup = vectors_load)
{
	struct tlskeys_transcript t;
	struct tlskeys13 k;
	unsigned char th[TLSKEYS_HASH_MAX], v[TLSKEYS_HASH_MAX], psk[32];

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
	handshake_eq(&k, s1_shared, sizeof s1_shared, th, s1_hs, s1_c_hs, s1_s_hs);
	traffic_eq(k.s_hs, s1_s_hs_key, s1_s_hs_iv);
	traffic_eq(k.c_hs, s1_c_hs_key, s1_c_hs_iv);

	server_flight_eq(&t, &k, s1_ee, sizeof s1_ee, s1_cv, sizeof s1_cv,
	    s1_s_fin, v);
	ck_assert_mem_eq(s1_s_fin_msg + 4, v, 32);
	ck_assert_int_eq(tlskeys_equal(v, s1_s_fin, 32), 1);

	ADD(&t, s1_s_fin_msg);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s1_th_ch_sf);
	tlskeys13_master(&k, th);
	EQ(k.master, s1_master);
	EQ(k.c_ap, s1_c_ap);
	EQ(k.s_ap, s1_s_ap);
	traffic_eq(k.s_ap, s1_s_ap_key, s1_s_ap_iv);
	traffic_eq(k.c_ap, s1_c_ap_key, s1_c_ap_iv);

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

UNIT_TEST("tls13", tlskeys_rfc8448_resumed_0rtt)
{
	struct tlskeys_transcript t;
	struct tlskeys13 k;
	unsigned char th[TLSKEYS_HASH_MAX], bk[TLSKEYS_HASH_MAX], v[TLSKEYS_HASH_MAX];
	unsigned char cet[TLSKEYS_HASH_MAX];
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
	traffic_eq(cet, s2_c_e_key, s2_c_e_iv);

	ADD(&t, s2_sh);
	tlskeys_transcript_hash(&t, th);
	EQ(th, s2_th_ch_sh);
	handshake_eq(&k, s2_shared, sizeof s2_shared, th, s2_hs, s2_c_hs, s2_s_hs);
	memset(v, 0, sizeof v);
	ck_assert_mem_eq(k.early, v, sizeof k.early);   /* wiped once used */
	tlskeys13_clear(&k);
}
END_TEST

UNIT_TEST("tls13", tlskeys_rfc8448_hello_retry)
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
	handshake_eq(&k, s3_shared, sizeof s3_shared, th, s3_hs, s3_c_hs, s3_s_hs);
	server_flight_eq(&t, &k, s3_ee, sizeof s3_ee, s3_cv, sizeof s3_cv,
	    s3_s_fin, v);
	ADD(&t, s3_s_fin_msg);
	tlskeys_transcript_hash(&t, th);
	tlskeys13_finished(H256, k.c_hs, th, v);
	EQ(v, s3_c_fin);
	tlskeys13_clear(&k);
}
END_TEST

/* With SHA-384 selected, the transcript equals a plain SHA-384 of the
 * messages, and the SHA-384 half ran from the start. */
UNIT_TEST("tls13", tlskeys_transcript_selects_sha384)
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
UNIT_TEST("tls13", tlskeys_update_is_traffic_upd_label)
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

UNIT_TEST("tls13", tlskeys_equal_compares)
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

/* The TLS 1.2 EMS schedule for each PRF: master secret, key block and one
 * side's Finished, against the vectors above. */
struct t12_case {
	br_tls_prf_impl prf;
	const unsigned char *session;
	size_t session_len;
	const unsigned char *master;	/* 48 bytes */
	const unsigned char *kb;
	size_t kb_len;
	int from_client;
	const unsigned char *fin_hash;
	size_t fin_hash_len;
	const unsigned char *fin;	/* 12 bytes */
};

static const struct t12_case t12_cases[] = {
	{ br_tls12_sha256_prf, t12_session256, sizeof t12_session256, t12_master256,
	    t12_kb256, sizeof t12_kb256, 1, t12_fin_hash256, sizeof t12_fin_hash256,
	    t12_cfin256 },
	{ br_tls12_sha384_prf, t12_session384, sizeof t12_session384, t12_master384,
	    t12_kb384, sizeof t12_kb384, 0, t12_fin_hash384, sizeof t12_fin_hash384,
	    t12_sfin384 },
};

UNIT_TEST("tls12", tlskeys_tls12_ems_key_block_finished, .setup = vectors_load,
    .loops = UNIT_N(t12_cases))
{
	const struct t12_case *c = &t12_cases[_i];
	unsigned char m[48], kb[88], fin[12];

	tlskeys12_master_ems(c->prf, t12_pms, sizeof t12_pms, c->session,
	    c->session_len, m);
	ck_assert_mem_eq(m, c->master, sizeof m);
	tlskeys12_key_block(c->prf, m, t12_sr, t12_cr, kb, c->kb_len);
	ck_assert_mem_eq(kb, c->kb, c->kb_len);
	tlskeys12_finished(c->prf, m, c->from_client, c->fin_hash,
	    c->fin_hash_len, fin);
	ck_assert_mem_eq(fin, c->fin, sizeof fin);
}
END_TEST
