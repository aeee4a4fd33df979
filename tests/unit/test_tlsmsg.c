/*
 * tlsmsg: the server handshake message parsers, on messages built here
 * field by field (valid ones, then each malformation with the alert RFC
 * 8446 asks for), every truncation of each valid message, and
 * CompressedCertificate with brotli streams of uncompressed meta-blocks
 * (RFC 7932 9.2) written by hand, and with streams libbrotlienc made
 * (tests/unit/data/brotli/) for the decoder's memory cap.
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/tlsmsg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SUITE "tlsmsg"

/* A message builder with nested length prefixes. */
struct mb {
	unsigned char d[140000];
	size_t n;
	size_t at[8];
	int lb[8];
	int sp;
};

static void
p8(struct mb *b, unsigned v)
{
	b->d[b->n++] = (unsigned char)v;
}

static void
p16(struct mb *b, unsigned v)
{
	p8(b, v >> 8);
	p8(b, v);
}

static void
p24(struct mb *b, size_t v)
{
	p8(b, (unsigned)(v >> 16));
	p8(b, (unsigned)(v >> 8));
	p8(b, (unsigned)v);
}

static void
p32(struct mb *b, uint32_t v)
{
	p16(b, v >> 16);
	p16(b, v & 0xffff);
}

static void
pmem(struct mb *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
pfill(struct mb *b, unsigned char c, size_t n)
{
	memset(b->d + b->n, c, n);
	b->n += n;
}

/* Opens a vector with a `lb`-byte length. */
static void
vo(struct mb *b, int lb)
{
	b->at[b->sp] = b->n;
	b->lb[b->sp++] = lb;
	b->n += (size_t)lb;
}

static void
vc(struct mb *b)
{
	size_t at = b->at[--b->sp], len = b->n - at - (size_t)b->lb[b->sp];
	int i;

	for (i = b->lb[b->sp] - 1; i >= 0; i--) {
		b->d[at + (size_t)i] = (unsigned char)len;
		len >>= 8;
	}
}

/* A vector of `n` bytes `c` with a `lb`-byte length. */
static void
pvfill(struct mb *b, int lb, unsigned char c, size_t n)
{
	vo(b, lb);
	pfill(b, c, n);
	vc(b);
}

/* A vector of the `n` bytes at `p` with a `lb`-byte length. */
static void
pvmem(struct mb *b, int lb, const void *p, size_t n)
{
	vo(b, lb);
	pmem(b, p, n);
	vc(b);
}

/* An extension with body bytes. */
static void
pext(struct mb *b, unsigned type, const void *body, size_t n)
{
	p16(b, type);
	p16(b, (unsigned)n);
	pmem(b, body, n);
}

/* One extension of a hand-built list; a NULL body ends the list. */
struct xt {
	unsigned type;
	const char *body;
	size_t len;
};

#define XT_SV13 { 43, "\x03\x04", 2 }         /* supported_versions: TLS 1.3 */
#define XT_EARLY_DATA_16K { 42, "\x00\x00\x40\x00", 4 }  /* early_data, max 16 KiB */
#define XT_KS_X25519_1 { 51, "\x00\x1d\x00\x01\x05", 5 }  /* key_share: x25519, 1 byte */

/* An extensions block (2-byte length) of x[0..max), up to a NULL body. */
static void
pexts(struct mb *b, const struct xt *x, size_t max)
{
	size_t i;

	vo(b, 2);
	for (i = 0; i < max && x[i].body != NULL; i++)
		pext(b, x[i].type, x[i].body, x[i].len);
	vc(b);
}

/* Checks that case `what` of a parser gave MEEK_EPROTO (rc) with `alert`. */
static void
check_rejected(const char *what, int rc, int alert, int want_alert)
{
	ck_assert_msg(rc == MEEK_EPROTO, "%s: not rejected (%d)", what, rc);
	ck_assert_msg(alert == want_alert, "%s: alert %d, want %d", what, alert, want_alert);
}

static const unsigned char hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

#define OFFERED13 (TLSMSG_X_SERVER_NAME | TLSMSG_X_STATUS_REQUEST | TLSMSG_X_SUPPORTED_GROUPS | \
	TLSMSG_X_EC_POINT_FORMATS | TLSMSG_X_SIGNATURE_ALGORITHMS | TLSMSG_X_ALPN | TLSMSG_X_SCT | \
	TLSMSG_X_EXTENDED_MASTER_SECRET | TLSMSG_X_COMPRESS_CERTIFICATE | TLSMSG_X_SESSION_TICKET | \
	TLSMSG_X_PSK_KEY_EXCHANGE_MODES | TLSMSG_X_SUPPORTED_VERSIONS | TLSMSG_X_KEY_SHARE | \
	TLSMSG_X_ALPS | TLSMSG_X_ECH | TLSMSG_X_RENEGOTIATION_INFO | TLSMSG_X_PRE_SHARED_KEY | \
	TLSMSG_X_EARLY_DATA)

/* ServerHello head: version, random, session id (32 x 0x11), suite, compression. */
static void
sh_head(struct mb *b, const unsigned char *random, unsigned suite)
{
	static unsigned char r[32];

	b->n = 0;
	b->sp = 0;
	p16(b, 0x0303);
	if (random == NULL) {
		memset(r, 0x42, sizeof r);
		random = r;
	}
	pmem(b, random, 32);
	p8(b, 32);
	pfill(b, 0x11, 32);
	p16(b, suite);
	p8(b, 0);
}

static void
sh13(struct mb *b, int with_psk)
{
	sh_head(b, NULL, 0x1301);
	vo(b, 2);
	pext(b, 43, "\x03\x04", 2);
	p16(b, 51);
	vo(b, 2);
	p16(b, 0x001d);
	pvfill(b, 2, 0x77, 32);
	vc(b);
	if (with_psk)
		pext(b, 41, "\x00\x01", 2);
	vc(b);
}

/* Every strict prefix of a valid message must be rejected (decode_error). */
#define ALL_PREFIXES_FAIL(call_with_len, b)                                    \
	do {                                                                   \
		size_t cut_;                                                   \
		for (cut_ = 0; cut_ < (b)->n; cut_++) {                        \
			size_t len_ = cut_;                                    \
			alert = 0;                                             \
			ck_assert_int_eq((call_with_len), MEEK_EPROTO);        \
			ck_assert_int_ne(alert, 0);                            \
		}                                                              \
	} while (0)

/* The same for a ServerHello, except the cut right after the compression
 * method: a TLS 1.2 ServerHello without extensions is valid. */
#define SH_HEAD_LEN (2 + 32 + 1 + 32 + 2 + 1)
#define SH_PREFIXES_FAIL(b, sh)                                                \
	do {                                                                   \
		size_t cut_;                                                   \
		for (cut_ = 0; cut_ < (b)->n; cut_++) {                        \
			int rc_;                                               \
			alert = 0;                                             \
			rc_ = tlsmsg_server_hello((b)->d, cut_, OFFERED13, (sh), \
			    &alert, &why);                                     \
			if (cut_ == SH_HEAD_LEN && rc_ == 0)                   \
				continue;                                      \
			ck_assert_int_eq(rc_, MEEK_EPROTO);                    \
			ck_assert_int_ne(alert, 0);                            \
		}                                                              \
	} while (0)

UNIT_TEST("parse", tlsmsg_next_splits_and_bounds_messages, .timeout = 60)
{
	unsigned char buf[64] = { 2, 0, 0, 3, 'a', 'b', 'c', 20, 0, 0, 1, 'x' };
	const unsigned char *body;
	size_t blen, mlen;
	unsigned type;
	const char *why = NULL;
	int alert = 0;

	ck_assert_int_eq(tlsmsg_next(buf, 3, 100, &type, &body, &blen, &mlen, &alert, &why), 0);
	ck_assert_uint_eq(mlen, 0);
	ck_assert_int_eq(tlsmsg_next(buf, 6, 100, &type, &body, &blen, &mlen, &alert, &why), 0);
	ck_assert_uint_eq(mlen, 7);
	ck_assert_int_eq(tlsmsg_next(buf, 12, 100, &type, &body, &blen, &mlen, &alert, &why), 1);
	ck_assert_uint_eq(type, 2);
	ck_assert_ptr_eq(body, buf + 4);
	ck_assert_uint_eq(blen, 3);
	ck_assert_uint_eq(mlen, 7);
	ck_assert_int_eq(tlsmsg_next(buf + 7, 5, 100, &type, &body, &blen, &mlen, &alert, &why),
	    1);
	ck_assert_uint_eq(type, 20);
	ck_assert_uint_eq(blen, 1);
	/* a header announcing more than max: error before the body arrives */
	ck_assert_int_eq(tlsmsg_next(buf, 4, 2, &type, &body, &blen, &mlen, &alert, &why),
	    MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(tlsmsg_next(buf, 7, 3, &type, &body, &blen, &mlen, &alert, &why), 1);
	ck_assert_uint_eq(tlsmsg_max_len(TLSMSG_CERTIFICATE), TLSMSG_CERT_MSG_MAX);
	ck_assert_uint_eq(tlsmsg_max_len(TLSMSG_COMPRESSED_CERTIFICATE), TLSMSG_CERT_MSG_MAX);
	ck_assert_uint_eq(tlsmsg_max_len(TLSMSG_SERVER_HELLO), TLSMSG_MSG_MAX);
	buf[1] = 0xff;
	ck_assert_int_eq(tlsmsg_next(buf, 4, TLSMSG_CERT_MSG_MAX, &type, &body, &blen, &mlen,
	    &alert, &why), MEEK_EPROTO);
}
END_TEST

UNIT_TEST("parse", tlsmsg_server_hello_tls13)
{
	static struct mb b;
	struct tlsmsg_server_hello sh;
	const char *why = NULL;
	int alert = 0;

	sh13(&b, 1);
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why), 0);
	ck_assert_int_eq(sh.hrr, 0);
	ck_assert_uint_eq(sh.version, 0x0304);
	ck_assert_uint_eq(sh.cipher_suite, 0x1301);
	ck_assert_uint_eq(sh.session_id_len, 32);
	ck_assert_uint_eq(sh.session_id[0], 0x11);
	ck_assert_uint_eq(sh.random[0], 0x42);
	ck_assert_uint_eq(sh.group, 0x001d);
	ck_assert_uint_eq(sh.share_len, 32);
	ck_assert_uint_eq(sh.share[31], 0x77);
	ck_assert_int_eq(sh.psk_identity, 1);
	ck_assert_int_eq(sh.downgrade, 0);
	ck_assert_uint_eq(sh.exts, TLSMSG_X_SUPPORTED_VERSIONS | TLSMSG_X_KEY_SHARE |
	    TLSMSG_X_PRE_SHARED_KEY);
	SH_PREFIXES_FAIL(&b, &sh);
	/* trailing byte */
	b.d[b.n] = 0;
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n + 1, OFFERED13, &sh, &alert, &why),
	    MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_DECODE_ERROR);
	/* the PSK extension when no PSK was offered */
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13 & ~TLSMSG_X_PRE_SHARED_KEY,
	    &sh, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_UNSUPPORTED_EXTENSION);
	/* no supported_versions offered: unsupported_extension */
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13 & ~TLSMSG_X_SUPPORTED_VERSIONS,
	    &sh, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_UNSUPPORTED_EXTENSION);
}
END_TEST

/* ServerHellos that tlsmsg_server_hello rejects: sh_head(random (NULL:
 * 0x42s), suite) and up to three extensions. */
struct sh_case {
	const char *what;
	const unsigned char *random;
	unsigned suite;
	struct xt ext[3];
	int alert;
	const char *why;                /* NULL: not checked */
};

static void
sh_rejects(const struct sh_case *c, size_t n)
{
	static struct mb b;
	struct tlsmsg_server_hello sh;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *why = NULL;
		int alert = 0, rc;

		sh_head(&b, c[i].random, c[i].suite);
		pexts(&b, c[i].ext, 3);
		rc = tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why);
		check_rejected(c[i].what, rc, alert, c[i].alert);
		if (c[i].why != NULL)
			ck_assert_str_eq(why, c[i].why);
	}
}

static const struct sh_case sh13_bad[] = {
	{ "duplicate key_share", NULL, 0x1301, { XT_SV13, XT_KS_X25519_1, XT_KS_X25519_1 },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, "ServerHello: duplicate extension" },
	{ "ALPN in a TLS 1.3 ServerHello (offered, but belongs in EE)", NULL, 0x1301,
	  { XT_SV13, { 16, "\x00\x03\x02h2", 5 } }, TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
	{ "an unknown (GREASE) extension", NULL, 0x1301, { XT_SV13, { 0x0a0a, "", 0 } },
	  TLSMSG_ALERT_UNSUPPORTED_EXTENSION, NULL },
	{ "supported_versions choosing TLS 1.2", NULL, 0xc02f, { { 43, "\x03\x03", 2 } },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
	{ "a cookie outside an HRR", NULL, 0x1301, { XT_SV13, { 44, "\x00\x01\x01", 3 } },
	  TLSMSG_ALERT_UNSUPPORTED_EXTENSION, NULL },
	{ "empty key_exchange", NULL, 0x1301, { XT_SV13, { 51, "\x00\x1d\x00\x00", 4 } },
	  TLSMSG_ALERT_DECODE_ERROR, NULL },
};

/* sh13(b, 0) with the byte at `at` set to `v`. */
static const struct {
	const char *what;
	size_t at;
	unsigned char v;
	int alert;
} sh13_poked[] = {
	{ "compression method 1", 2 + 32 + 1 + 32 + 2, 1, TLSMSG_ALERT_ILLEGAL_PARAMETER },
	{ "session id of 33 bytes", 34, 33, TLSMSG_ALERT_DECODE_ERROR },
};

UNIT_TEST("parse", tlsmsg_server_hello_rejects_bad_extensions)
{
	static struct mb b;
	struct tlsmsg_server_hello sh;
	size_t i;

	sh_rejects(sh13_bad, sizeof sh13_bad / sizeof sh13_bad[0]);
	for (i = 0; i < sizeof sh13_poked / sizeof sh13_poked[0]; i++) {
		const char *why = NULL;
		int alert = 0, rc;

		sh13(&b, 0);
		b.d[sh13_poked[i].at] = sh13_poked[i].v;
		rc = tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why);
		check_rejected(sh13_poked[i].what, rc, alert, sh13_poked[i].alert);
	}
}
END_TEST

static const struct sh_case hrr_bad[] = {
	{ "an HRR key_share with a share", hrr_random, 0x1301, { XT_SV13, XT_KS_X25519_1 },
	  TLSMSG_ALERT_DECODE_ERROR, NULL },
	{ "an HRR that changes nothing", hrr_random, 0x1301, { XT_SV13 },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
	{ "an HRR without supported_versions", hrr_random, 0x1301, { { 51, "\x00\x1d", 2 } },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
	{ "pre_shared_key is not allowed in an HRR", hrr_random, 0x1301,
	  { XT_SV13, { 51, "\x00\x1d", 2 }, { 41, "\x00\x00", 2 } },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
};

UNIT_TEST("parse", tlsmsg_server_hello_detects_hello_retry_request)
{
	static const struct xt hrr_ext[] = {
		XT_SV13, { 51, "\x11\xec", 2 }, { 44, "\x00\x03\xaa\xbb\xcc", 5 },
	};
	static struct mb b;
	struct tlsmsg_server_hello sh;
	const char *why = NULL;
	int alert = 0;

	sh_head(&b, hrr_random, 0x1301);
	pexts(&b, hrr_ext, sizeof hrr_ext / sizeof hrr_ext[0]);
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why), 0);
	ck_assert_int_eq(sh.hrr, 1);
	ck_assert_uint_eq(sh.group, 0x11ec);
	ck_assert_ptr_null(sh.share);
	ck_assert_uint_eq(sh.cookie_len, 3);
	ck_assert_uint_eq(sh.cookie[2], 0xcc);
	SH_PREFIXES_FAIL(&b, &sh);
	sh_rejects(hrr_bad, sizeof hrr_bad / sizeof hrr_bad[0]);
}
END_TEST

static const struct sh_case sh12_bad[] = {
	{ "renegotiation_info that is not the initial empty one", NULL, 0xc02f,
	  { { 0xff01, "\x01\x00", 2 } }, TLSMSG_ALERT_HANDSHAKE_FAILURE, NULL },
	{ "ec_point_formats without uncompressed", NULL, 0xc02f, { { 11, "\x01\x01", 2 } },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
	{ "key_share in a TLS 1.2 ServerHello", NULL, 0xc02f, { XT_KS_X25519_1 },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL },
};

UNIT_TEST("parse", tlsmsg_server_hello_tls12_and_downgrade_sentinels)
{
	static const struct xt sh12_ext[] = {
		{ 0xff01, "\x00", 1 }, { 23, "", 0 }, { 11, "\x01\x00", 2 },
		{ 16, "\x00\x09\x08http/1.1", 11 }, { 35, "", 0 },
	};
	static struct mb b;
	struct tlsmsg_server_hello sh;
	unsigned char r[32];
	const char *why = NULL;
	int alert = 0;

	memset(r, 0x33, sizeof r);
	sh_head(&b, r, 0xc02f);
	pexts(&b, sh12_ext, sizeof sh12_ext / sizeof sh12_ext[0]);
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why), 0);
	ck_assert_uint_eq(sh.version, 0x0303);
	ck_assert_int_eq(sh.downgrade, 0);
	ck_assert_uint_eq(sh.cipher_suite, 0xc02f);
	ck_assert_uint_eq(sh.alpn_len, 8);
	ck_assert_int_eq(memcmp(sh.alpn, "http/1.1", 8), 0);
	ck_assert_uint_eq(sh.exts, TLSMSG_X_RENEGOTIATION_INFO | TLSMSG_X_EXTENDED_MASTER_SECRET |
	    TLSMSG_X_EC_POINT_FORMATS | TLSMSG_X_ALPN | TLSMSG_X_SESSION_TICKET);
	SH_PREFIXES_FAIL(&b, &sh);

	/* no extensions at all is valid TLS 1.2 */
	sh_head(&b, r, 0xc02f);
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why), 0);
	ck_assert_uint_eq(sh.exts, 0);

	memcpy(r + 24, "DOWNGRD\x01", 8);
	sh_head(&b, r, 0xc02f);
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why), 0);
	ck_assert_int_eq(sh.downgrade, 12);
	memcpy(r + 24, "DOWNGRD\x00", 8);
	sh_head(&b, r, 0xc02f);
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why), 0);
	ck_assert_int_eq(sh.downgrade, 11);

	/* TLS 1.1 */
	b.d[1] = 0x02;
	ck_assert_int_eq(tlsmsg_server_hello(b.d, b.n, OFFERED13, &sh, &alert, &why),
	    MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_PROTOCOL_VERSION);

	sh_rejects(sh12_bad, sizeof sh12_bad / sizeof sh12_bad[0]);
}
END_TEST

/* EncryptedExtensions blocks of up to two extensions that
 * tlsmsg_encrypted_extensions rejects with MEEK_EPROTO. */
struct ee_case {
	const char *what;
	uint32_t offered;
	struct xt ext[2];
	int alert;
};

static const struct ee_case ee_bad[] = {
	{ "ALPS without ALPN", OFFERED13,
	  { { 0x44cd, "", 0 } }, TLSMSG_ALERT_ILLEGAL_PARAMETER },
	{ "not offered (ALPS)", OFFERED13 & ~TLSMSG_X_ALPS,
	  { { 16, "\x00\x03\x02h2", 5 }, { 0x44cd, "", 0 } },
	  TLSMSG_ALERT_UNSUPPORTED_EXTENSION },
	{ "key_share does not belong in EE", OFFERED13,
	  { XT_KS_X25519_1 }, TLSMSG_ALERT_ILLEGAL_PARAMETER },
	{ "duplicate", OFFERED13,
	  { { 0, "", 0 }, { 0, "", 0 } }, TLSMSG_ALERT_ILLEGAL_PARAMETER },
	{ "two ALPN names", OFFERED13,
	  { { 16, "\x00\x06\x02h2\x02h3", 8 } }, TLSMSG_ALERT_DECODE_ERROR },
	{ "GREASE echoed", OFFERED13,
	  { { 0xdada, "", 0 } }, TLSMSG_ALERT_UNSUPPORTED_EXTENSION },
};

UNIT_TEST("parse", tlsmsg_encrypted_extensions_parses_and_checks)
{
	static struct mb b;
	static const struct xt ee_ext[] = {
		{ 0, "", 0 }, { 16, "\x00\x03\x02h2", 5 }, { 0x44cd, "\x00\x00", 2 },
		{ 10, "\x00\x04\x00\x1d\x00\x17", 6 }, { 42, "", 0 },
	};
	struct tlsmsg_encrypted_extensions ee;
	const char *why = NULL;
	int alert = 0;
	size_t i;

	b.n = 0;
	pexts(&b, ee_ext, sizeof ee_ext / sizeof ee_ext[0]);
	ck_assert_int_eq(tlsmsg_encrypted_extensions(b.d, b.n, OFFERED13, &ee, &alert, &why),
	    0);
	ck_assert_uint_eq(ee.alpn_len, 2);
	ck_assert_int_eq(memcmp(ee.alpn, "h2", 2), 0);
	ck_assert_uint_eq(ee.alps_len, 2);
	ck_assert_uint_eq(ee.groups_len, 4);
	ck_assert(ee.exts & TLSMSG_X_EARLY_DATA);
	ck_assert(ee.exts & TLSMSG_X_SERVER_NAME);
	ALL_PREFIXES_FAIL(tlsmsg_encrypted_extensions(b.d, len_, OFFERED13, &ee, &alert, &why),
	    &b);

	/* empty is fine */
	b.n = 0;
	p16(&b, 0);
	ck_assert_int_eq(tlsmsg_encrypted_extensions(b.d, b.n, OFFERED13, &ee, &alert, &why),
	    0);
	ck_assert_uint_eq(ee.exts, 0);

	for (i = 0; i < sizeof ee_bad / sizeof ee_bad[0]; i++) {
		const struct ee_case *c = &ee_bad[i];
		int rc;

		b.n = 0;
		pexts(&b, c->ext, 2);
		alert = 0;
		rc = tlsmsg_encrypted_extensions(b.d, b.n, c->offered, &ee, &alert, &why);
		check_rejected(c->what, rc, alert, c->alert);
	}
}
END_TEST

/* A TLS 1.3 Certificate body with `n` entries of `size` bytes each, the
 * first with an OCSP response and an SCT list. */
static void
cert13(struct mb *b, size_t n, size_t size)
{
	size_t i;

	b->n = 0;
	b->sp = 0;
	p8(b, 0);
	vo(b, 3);
	for (i = 0; i < n; i++) {
		pvfill(b, 3, (unsigned char)(0x30 + i), size);
		vo(b, 2);
		if (i == 0) {
			p16(b, 5);
			vo(b, 2);
			p8(b, 1);
			p24(b, 3);
			pmem(b, "\x30\x01\x00", 3);
			vc(b);
			pext(b, 18, "\x00\x02\xab\xcd", 4);
		}
		vc(b);
	}
	vc(b);
}

UNIT_TEST("parse", tlsmsg_certificate_both_forms)
{
	static struct mb b;
	static struct tlsmsg_certificate c;
	const char *why = NULL;
	int alert = 0;

	cert13(&b, 3, 100);
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 1, OFFERED13, &c, &alert, &why), 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_uint_eq(c.e[0].der_len, 100);
	ck_assert_uint_eq(c.e[2].der[99], 0x32);
	ck_assert_uint_eq(c.e[0].ocsp_len, 3);
	ck_assert_uint_eq(c.e[0].sct_len, 4);
	ck_assert_ptr_null(c.e[1].ocsp);
	ALL_PREFIXES_FAIL(tlsmsg_certificate(b.d, len_, 1, OFFERED13, &c, &alert, &why), &b);
	/* status_request not offered */
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 1, OFFERED13 & ~TLSMSG_X_STATUS_REQUEST, &c,
	    &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_UNSUPPORTED_EXTENSION);
	/* non-empty request context */
	b.d[0] = 1;
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 1, OFFERED13, &c, &alert, &why),
	    MEEK_EPROTO);

	/* the longest chain kept, then one more */
	cert13(&b, TLSMSG_CERT_CHAIN_MAX, 10);
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 1, OFFERED13, &c, &alert, &why), 0);
	cert13(&b, TLSMSG_CERT_CHAIN_MAX + 1, 10);
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 1, OFFERED13, &c, &alert, &why),
	    MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_BAD_CERTIFICATE);

	/* empty list */
	cert13(&b, 0, 0);
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 1, OFFERED13, &c, &alert, &why),
	    MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_DECODE_ERROR);

	/* TLS 1.2 form */
	b.n = 0;
	vo(&b, 3);
	pvfill(&b, 3, 0x30, 50);
	pvfill(&b, 3, 0x31, 60);
	vc(&b);
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 0, OFFERED13, &c, &alert, &why), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_uint_eq(c.e[1].der_len, 60);
	ALL_PREFIXES_FAIL(tlsmsg_certificate(b.d, len_, 0, OFFERED13, &c, &alert, &why), &b);
	/* a zero-length certificate */
	b.n = 0;
	p24(&b, 3);
	p24(&b, 0);
	ck_assert_int_eq(tlsmsg_certificate(b.d, b.n, 0, OFFERED13, &c, &alert, &why),
	    MEEK_EPROTO);
}
END_TEST

/* Brotli stream of uncompressed meta-blocks (RFC 7932 9.2): WBITS = 16
 * (one 0 bit), then per block ISLAST = 0, MNIBBLES = 4, MLEN - 1 in 16 bits,
 * ISUNCOMPRESSED = 1, padding to the byte, the bytes; then an empty last
 * block (ISLAST = 1, ISLASTEMPTY = 1). */
static size_t
brotli_stored(unsigned char *out, const unsigned char *in, size_t n)
{
	size_t o = 0, off = 0;
	int first = 1;

	while (off < n) {
		size_t m = n - off > 65536 ? 65536 : n - off;
		uint32_t bits = 0;
		int nb = 0;

		if (first) {
			nb = 1;                         /* WBITS = 16: bit 0 */
			first = 0;
		}
		/* ISLAST 0, MNIBBLES 00, MLEN-1 (16), ISUNCOMPRESSED 1 */
		bits |= 0u << nb;
		nb += 1;
		bits |= 0u << nb;
		nb += 2;
		bits |= (uint32_t)(m - 1) << nb;
		nb += 16;
		bits |= 1u << nb;
		nb += 1;
		while (nb > 0) {
			out[o++] = (unsigned char)bits;
			bits >>= 8;
			nb -= 8;
		}
		memcpy(out + o, in + off, m);
		o += m;
		off += m;
	}
	if (first)
		out[o++] = 0x06;                        /* WBITS 0, ISLAST, ISLASTEMPTY */
	else
		out[o++] = 0x03;                        /* ISLAST, ISLASTEMPTY */
	return o;
}

/* A CompressedCertificate body into *b: algorithm `alg`, uncompressed_length
 * `declared`, then the `zn` bytes of compressed data `z`. */
static void
cc_body(struct mb *b, unsigned alg, size_t declared, const unsigned char *z, size_t zn)
{
	b->n = 0;
	b->sp = 0;
	p16(b, alg);
	p24(b, declared);
	vo(b, 3);
	pmem(b, z, zn);
	vc(b);
}

static void
compressed(struct mb *b, unsigned alg, size_t declared, const unsigned char *plain, size_t n)
{
	static unsigned char z[140000];

	cc_body(b, alg, declared, z, brotli_stored(z, plain, n));
}

/* Checks that the body in `b` decompresses into out[0..cap) to `plain`,
 * a cert13() of `n` entries, and that the output parses as that
 * Certificate. */
static void
cc_ok(const struct mb *b, unsigned char *out, size_t cap, const struct mb *plain,
    size_t n)
{
	static struct tlsmsg_certificate c;
	const char *why = NULL;
	size_t out_len = 0;
	int alert = 0;

	ck_assert_int_eq(tlsmsg_compressed_certificate(b->d, b->n, out, cap, &out_len, &alert,
	    &why), 0);
	ck_assert_uint_eq(out_len, plain->n);
	ck_assert_int_eq(memcmp(out, plain->d, plain->n), 0);
	ck_assert_int_eq(tlsmsg_certificate(out, plain->n, 1, OFFERED13, &c, &alert, &why), 0);
	ck_assert_uint_eq(c.n, n);
}

/* Checks that the body in `b` is rejected (MEEK_EPROTO) with `want_alert`
 * (0: not checked) and `want_why` (NULL: not checked).  Returns the output
 * length the call left. */
static size_t
cc_rejects(const struct mb *b, unsigned char *out, size_t cap, int want_alert,
    const char *want_why)
{
	const char *why = NULL;
	size_t out_len = SIZE_MAX;
	int alert = 0;

	ck_assert_int_eq(tlsmsg_compressed_certificate(b->d, b->n, out, cap, &out_len, &alert,
	    &why), MEEK_EPROTO);
	if (want_alert != 0)
		ck_assert_int_eq(alert, want_alert);
	if (want_why != NULL)
		ck_assert_str_eq(why, want_why);
	return out_len;
}

#define CC_SHORT "CompressedCertificate: shorter than uncompressed_length"
#define CC_LONG "CompressedCertificate: longer than uncompressed_length"

UNIT_TEST("parse", tlsmsg_compressed_certificate_brotli)
{
	static struct mb plain, b;
	static unsigned char out[TLSMSG_CERT_MSG_MAX];
	const char *why = NULL;
	size_t out_len = 0;
	int alert = 0;

	cert13(&plain, 3, 25000);       /* > 65536: two meta-blocks */
	compressed(&b, 2, plain.n, plain.d, plain.n);
	cc_ok(&b, out, sizeof out, &plain, 3);
	/* the output cap is the declared length, then `cap` */
	cc_rejects(&b, out, plain.n - 1, TLSMSG_ALERT_BAD_CERTIFICATE, NULL);
	ALL_PREFIXES_FAIL(tlsmsg_compressed_certificate(b.d, len_, out, sizeof out, &out_len,
	    &alert, &why), &b);

	/* declared longer / shorter than the data */
	compressed(&b, 2, plain.n + 1, plain.d, plain.n);
	cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_BAD_CERTIFICATE, CC_SHORT);
	compressed(&b, 2, plain.n - 1, plain.d, plain.n);
	cc_rejects(&b, out, sizeof out, 0, CC_LONG);

	/* over the limit, zero, other algorithms, garbage */
	compressed(&b, 2, TLSMSG_CERT_MSG_MAX + 1, plain.d, 10);
	cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_BAD_CERTIFICATE, NULL);
	compressed(&b, 2, 0, plain.d, 0);
	cc_rejects(&b, out, sizeof out, 0, NULL);
	compressed(&b, 1, 10, plain.d, 10);
	cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_ILLEGAL_PARAMETER, NULL);
	compressed(&b, 2, 10, plain.d, 10);
	b.d[8] ^= 0xff;                   /* the first meta-block header */
	cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_BAD_CERTIFICATE, NULL);
	/* bytes after the end of the brotli stream */
	compressed(&b, 2, 10, plain.d, 10);
	b.d[b.n++] = 0;
	b.d[7]++;
	cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_BAD_CERTIFICATE, NULL);
}
END_TEST

/* cert13(3, 100) compressed by libbrotlienc (quality 11, lgwin 22): a
 * stream with Huffman-coded meta-blocks, not only stored ones. */
static const unsigned char brotli_cert13_3x100[57] = {
	0x1b, 0x51, 0x01, 0xf8, 0x8d, 0x94, 0x2e, 0xe2, 0x1e, 0x81, 0xdd, 0x7e, 0x70, 0x3a,
	0xa9, 0x20, 0x05, 0x25, 0xad, 0x37, 0xd1, 0x0c, 0x1b, 0x70, 0x9c, 0xd8, 0x80, 0x3c,
	0xa0, 0x2d, 0x60, 0x01, 0xe2, 0x0d, 0x40, 0x00, 0x08, 0x2c, 0x20, 0xc4, 0xb3, 0xe7,
	0x6e, 0x59, 0xba, 0x11, 0xd4, 0xfd, 0xeb, 0x53, 0x53, 0x3e, 0x79, 0x84, 0x3d, 0x2f,
	0x05,
};

UNIT_TEST("parse", tlsmsg_compressed_certificate_real_brotli)
{
	static struct mb plain, b;
	static unsigned char out[4096];
	const char *why = NULL;
	size_t out_len = 0;
	int alert = 0;

	cert13(&plain, 3, 100);
	ck_assert_uint_eq(plain.n, 338);
	cc_body(&b, 2, plain.n, brotli_cert13_3x100, sizeof brotli_cert13_3x100);
	cc_ok(&b, out, sizeof out, &plain, 3);
	/* a flipped bit in the compressed data is caught (by brotli or by the
	 * length) or changes the output: never silently the same */
	b.d[8 + 20] ^= 0x10;
	if (tlsmsg_compressed_certificate(b.d, b.n, out, sizeof out, &out_len, &alert,
	    &why) == 0)
		ck_assert_int_ne(memcmp(out, plain.d, plain.n), 0);
	else
		ck_assert_int_eq(alert, TLSMSG_ALERT_BAD_CERTIFICATE);
}
END_TEST

/* Wraps the brotli stream tests/unit/data/brotli/`name` as a
 * CompressedCertificate body declaring `declared` bytes into *b. */
static void
compressed_file(struct mb *b, const char *name, size_t declared)
{
	static unsigned char z[4096];
	char path[512];
	size_t zn;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/unit/data/brotli/%s", TOP_SRCDIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	zn = fread(z, 1, sizeof z, f);
	ck_assert_int_eq(feof(f), 1);
	fclose(f);
	ck_assert_uint_gt(zn, 0);
	cc_body(b, 2, declared, z, zn);
}

/* The decoder's memory cap (tlsmsg.c TLSMSG_BROTLI_MEM_MAX), with streams
 * libbrotlienc made (tests/unit/data/brotli/gen.py). */
UNIT_TEST("parse", tlsmsg_compressed_certificate_memory_cap)
{
	static struct mb plain, b;
	static unsigned char out[TLSMSG_CERT_MSG_MAX];

	/* 100 KB of certificates in a stream with a 16 MiB window: the
	 * decoder sizes its ring buffer from the data, within the cap */
	cert13(&plain, 4, 25000);
	ck_assert_uint_eq(plain.n, 100043);
	compressed_file(&b, "cert13-4x25000-w24.br", plain.n);
	ck_assert_uint_lt(b.n, 200);
	cc_ok(&b, out, sizeof out, &plain, 4);

	/* 14 bytes that inflate to 16 MiB in one meta-block: the ring buffer
	 * it asks for is over the cap, so the decoder fails before any output */
	compressed_file(&b, "zeros-16m-w24.br", 100000);
	ck_assert_uint_eq(cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_BAD_CERTIFICATE,
	    "CompressedCertificate: brotli data does not decompress"), 0);
	/* the same 16 MiB with a 128 KiB window fits the cap: the output
	 * bound (the declared length) stops it instead */
	compressed_file(&b, "zeros-16m-w17.br", 100000);
	cc_rejects(&b, out, sizeof out, TLSMSG_ALERT_BAD_CERTIFICATE, CC_LONG);
	/* declared at the limit, still stopped there */
	compressed_file(&b, "zeros-16m-w17.br", TLSMSG_CERT_MSG_MAX);
	cc_rejects(&b, out, sizeof out, 0, CC_LONG);
}
END_TEST

UNIT_TEST("parse", tlsmsg_small_messages)
{
	static struct mb b;
	struct tlsmsg_certificate_verify cv;
	const unsigned char *v;
	const char *why = NULL;
	int alert = 0, req = -1;
	unsigned char x[48] = { 0 };

	b.n = 0;
	p16(&b, 0x0804);
	pvfill(&b, 2, 0xee, 256);
	ck_assert_int_eq(tlsmsg_certificate_verify(b.d, b.n, &cv, &alert, &why), 0);
	ck_assert_uint_eq(cv.scheme, 0x0804);
	ck_assert_uint_eq(cv.sig_len, 256);
	ALL_PREFIXES_FAIL(tlsmsg_certificate_verify(b.d, len_, &cv, &alert, &why), &b);
	ck_assert_int_eq(tlsmsg_certificate_verify(b.d, b.n + 1, &cv, &alert, &why),
	    MEEK_EPROTO);

	ck_assert_int_eq(tlsmsg_finished(x, 32, 32, &v, &alert, &why), 0);
	ck_assert_ptr_eq(v, x);
	ck_assert_int_eq(tlsmsg_finished(x, 48, 32, &v, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_DECODE_ERROR);
	ck_assert_int_eq(tlsmsg_finished(x, 12, 12, &v, &alert, &why), 0);

	x[0] = 0;
	ck_assert_int_eq(tlsmsg_key_update(x, 1, &req, &alert, &why), 0);
	ck_assert_int_eq(req, 0);
	x[0] = 1;
	ck_assert_int_eq(tlsmsg_key_update(x, 1, &req, &alert, &why), 0);
	ck_assert_int_eq(req, 1);
	x[0] = 2;
	ck_assert_int_eq(tlsmsg_key_update(x, 1, &req, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	ck_assert_int_eq(tlsmsg_key_update(x, 2, &req, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_DECODE_ERROR);

	ck_assert_int_eq(tlsmsg_server_hello_done(x, 0, &alert, &why), 0);
	ck_assert_int_eq(tlsmsg_server_hello_done(x, 1, &alert, &why), MEEK_EPROTO);

	b.n = 0;
	p8(&b, 1);
	pvfill(&b, 3, 0x30, 9);
	{
		const unsigned char *o;
		size_t ol;

		ck_assert_int_eq(tlsmsg_certificate_status(b.d, b.n, &o, &ol, &alert, &why), 0);
		ck_assert_uint_eq(ol, 9);
		ALL_PREFIXES_FAIL(tlsmsg_certificate_status(b.d, len_, &o, &ol, &alert, &why),
		    &b);
		b.d[0] = 2;
		ck_assert_int_eq(tlsmsg_certificate_status(b.d, b.n, &o, &ol, &alert, &why),
		    MEEK_EPROTO);
		ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	}
	ck_assert_str_eq(tlsmsg_alert_name(50), "decode_error");
	ck_assert_str_eq(tlsmsg_alert_name(120), "no_application_protocol");
	ck_assert_str_eq(tlsmsg_alert_name(255), "unknown alert");
	ck_assert_uint_eq(tlsmsg_ext_bit(0x44cd), TLSMSG_X_ALPS);
	ck_assert_uint_eq(tlsmsg_ext_bit(0x4469), 0);
}
END_TEST

/* TLS 1.3 NewSessionTickets that tlsmsg_new_session_ticket rejects. */
struct nst_case {
	const char *what;
	const char *ticket;
	size_t ticket_len;
	struct xt ext[2];
	int alert;
};

static const struct nst_case nst13_bad[] = {
	{ "duplicate early_data", "\x01", 1, { XT_EARLY_DATA_16K, XT_EARLY_DATA_16K },
	  TLSMSG_ALERT_ILLEGAL_PARAMETER },
	{ "an empty ticket", "", 0, { { 0, NULL, 0 } }, TLSMSG_ALERT_DECODE_ERROR },
};

UNIT_TEST("parse", tlsmsg_new_session_ticket_both_forms)
{
	static struct mb b;
	static const struct xt nst_ext[] = {
		{ 0x1234, "xyz", 3 },           /* unknown: ignored */
		XT_EARLY_DATA_16K,
	};
	struct tlsmsg_new_session_ticket t;
	const char *why = NULL;
	int alert = 0;
	size_t i;

	b.n = 0;
	p32(&b, 604800);
	p32(&b, 0xdeadbeef);
	pvfill(&b, 1, 0x01, 8);
	pvfill(&b, 2, 0x7e, 200);
	pexts(&b, nst_ext, 2);
	ck_assert_int_eq(tlsmsg_new_session_ticket(b.d, b.n, 1, &t, &alert, &why), 0);
	ck_assert_uint_eq(t.lifetime, 604800);
	ck_assert_uint_eq(t.age_add, 0xdeadbeef);
	ck_assert_uint_eq(t.nonce_len, 8);
	ck_assert_uint_eq(t.ticket_len, 200);
	ck_assert_int_eq(t.early_data, 1);
	ck_assert_uint_eq(t.max_early_data, 0x4000);
	ALL_PREFIXES_FAIL(tlsmsg_new_session_ticket(b.d, len_, 1, &t, &alert, &why), &b);
	b.d[3] = 0x81;                      /* 604801 */
	ck_assert_int_eq(tlsmsg_new_session_ticket(b.d, b.n, 1, &t, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);

	/* lifetime 100, age_add 1, no nonce, then the ticket and extensions */
	for (i = 0; i < sizeof nst13_bad / sizeof nst13_bad[0]; i++) {
		const struct nst_case *c = &nst13_bad[i];
		int rc;

		b.n = 0;
		p32(&b, 100);
		p32(&b, 1);
		p8(&b, 0);
		pvmem(&b, 2, c->ticket, c->ticket_len);
		pexts(&b, c->ext, 2);
		alert = 0;
		rc = tlsmsg_new_session_ticket(b.d, b.n, 1, &t, &alert, &why);
		check_rejected(c->what, rc, alert, c->alert);
	}

	/* TLS 1.2 (RFC 5077) */
	b.n = 0;
	p32(&b, 7200);
	pvfill(&b, 2, 0x55, 150);
	ck_assert_int_eq(tlsmsg_new_session_ticket(b.d, b.n, 0, &t, &alert, &why), 0);
	ck_assert_uint_eq(t.lifetime, 7200);
	ck_assert_uint_eq(t.ticket_len, 150);
	ALL_PREFIXES_FAIL(tlsmsg_new_session_ticket(b.d, len_, 0, &t, &alert, &why), &b);
}
END_TEST

UNIT_TEST("parse", tlsmsg_certificate_request_both_forms)
{
	static struct mb b;
	static const struct xt cr13_ext[] = {
		{ 13, "\x00\x04\x04\x03\x08\x04", 6 }, { 0x7777, "", 0 },
	};
	struct tlsmsg_certificate_request cr;
	const char *why = NULL;
	int alert = 0;

	b.n = 0;
	pvmem(&b, 1, "ctx", 3);
	pexts(&b, cr13_ext, 2);
	ck_assert_int_eq(tlsmsg_certificate_request(b.d, b.n, 1, &cr, &alert, &why), 0);
	ck_assert_uint_eq(cr.context_len, 3);
	ALL_PREFIXES_FAIL(tlsmsg_certificate_request(b.d, len_, 1, &cr, &alert, &why), &b);

	/* signature_algorithms missing */
	b.n = 0;
	p8(&b, 0);
	pexts(&b, cr13_ext + 1, 1);
	ck_assert_int_eq(tlsmsg_certificate_request(b.d, b.n, 1, &cr, &alert, &why),
	    MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_MISSING_EXTENSION);

	/* TLS 1.2: certificate types, signature algorithms, one CA name */
	b.n = 0;
	pvmem(&b, 1, "\x01\x40", 2);
	pvmem(&b, 2, "\x04\x03", 2);
	vo(&b, 2);
	pvfill(&b, 2, 0x30, 5);
	vc(&b);
	ck_assert_int_eq(tlsmsg_certificate_request(b.d, b.n, 0, &cr, &alert, &why), 0);
	ALL_PREFIXES_FAIL(tlsmsg_certificate_request(b.d, len_, 0, &cr, &alert, &why), &b);
}
END_TEST

UNIT_TEST("parse", tlsmsg_server_key_exchange_ecdhe)
{
	static struct mb b;
	struct tlsmsg_server_key_exchange ske;
	const char *why = NULL;
	int alert = 0;

	b.n = 0;
	p8(&b, 3);
	p16(&b, 0x0017);
	vo(&b, 1);
	p8(&b, 4);
	pfill(&b, 0x99, 64);
	vc(&b);
	p16(&b, 0x0403);
	pvfill(&b, 2, 0x30, 71);
	ck_assert_int_eq(tlsmsg_server_key_exchange(b.d, b.n, &ske, &alert, &why), 0);
	ck_assert_uint_eq(ske.group, 0x0017);
	ck_assert_uint_eq(ske.point_len, 65);
	ck_assert_uint_eq(ske.point[0], 4);
	ck_assert_ptr_eq(ske.params, b.d);
	ck_assert_uint_eq(ske.params_len, 4 + 65);
	ck_assert_uint_eq(ske.scheme, 0x0403);
	ck_assert_uint_eq(ske.sig_len, 71);
	ALL_PREFIXES_FAIL(tlsmsg_server_key_exchange(b.d, len_, &ske, &alert, &why), &b);
	b.d[0] = 1;
	ck_assert_int_eq(tlsmsg_server_key_exchange(b.d, b.n, &ske, &alert, &why), MEEK_EPROTO);
	ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
}
END_TEST
