/*
 * tlsx509: chains, names (DNS and IP literals), dates and TLS signatures,
 * with a test CA, leaves and signatures made by the openssl command in a
 * temporary directory.
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/tls.h"
#include "shared/tlshello.h"
#include "shared/tlsmsg.h"
#include "shared/tlsx509.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIT_SUITE "tlsx509"

static char x_dir[64];
static pid_t x_pid;
/* The reason of the last check_one() (a test's own process). */
static enum tlsx509_reason x_reason;

/* Leaves signed by ca (EC P-256): rsa (2048), p256, p384, ip, old, future,
 * and (P-256, CN=front.test) cli (EKU clientAuth only), srv (EKU
 * clientAuth and serverAuth), anyeku (anyExtendedKeyUsage), cnonly (no
 * subjectAltName), wild (only DNS:*.front.test), iponly (only
 * IP:127.0.0.1); stranger signed by an
 * unknown CA.  Signatures over msg.bin. */
static const char x_script[] =
	"set -e\n"
	"exec >gen.log 2>&1\n"
	"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	" -keyout ca.key -out ca.pem -subj /CN=Test-CA -days 30\n"
	"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	" -keyout ca2.key -out ca2.pem -subj /CN=Other-CA -days 30\n"
	"openssl genrsa -out rsa.key 2048\n"
	"openssl ecparam -name prime256v1 -genkey -noout -out p256.key\n"
	"openssl ecparam -name secp384r1 -genkey -noout -out p384.key\n"
	"mkdir db; : > db/index; echo 01 > db/serial\n"
	"cat > ca.cnf <<X\n"
	"[ca]\ndefault_ca = d\n"
	"[d]\ndatabase = db/index\nserial = db/serial\nnew_certs_dir = db\n"
	"default_md = sha256\npolicy = p\nunique_subject = no\ndefault_days = 30\n"
	"[p]\ncommonName = supplied\n"
	"[dns]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"subjectAltName=DNS:front.test,DNS:*.front.test\n"
	"[ip]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"subjectAltName=DNS:front.test,IP:127.0.0.1,IP:::1\n"
	"[inter]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n"
	"[cli]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"extendedKeyUsage=clientAuth\nsubjectAltName=DNS:front.test\n"
	"[srv]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"extendedKeyUsage=clientAuth,serverAuth\nsubjectAltName=DNS:front.test\n"
	"[anyeku]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"extendedKeyUsage=anyExtendedKeyUsage\nsubjectAltName=DNS:front.test\n"
	"[cnonly]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"[wild]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"subjectAltName=DNS:*.front.test\n"
	"[iponly]\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
	"subjectAltName=IP:127.0.0.1\n"
	"X\n"
	"sign() { # key ca ext out [start end]\n"
	"  openssl req -new -key $1.key -subj /CN=front.test -out $4.csr\n"
	"  if [ -n \"$5\" ]; then d=\"-startdate $5 -enddate $6\"; else d=; fi\n"
	"  openssl ca -batch -config ca.cnf -cert $2.pem -keyfile $2.key -in $4.csr"
	" -out $4.pem -extensions $3 -notext $d\n"
	"  openssl x509 -in $4.pem -outform der -out $4.der\n"
	"}\n"
	"sign rsa ca dns rsa\n"
	"sign p256 ca dns p256\n"
	"sign p384 ca dns p384\n"
	"sign p256 ca ip ip\n"
	"sign p256 ca dns old 20200101000000Z 20210101000000Z\n"
	"sign p256 ca dns future 20900101000000Z 20910101000000Z\n"
	"sign p256 ca2 dns stranger\n"
	"for e in cli srv anyeku cnonly wild iponly; do sign p256 ca $e $e; done\n"
	"openssl ecparam -name prime256v1 -genkey -noout -out inter.key\n"
	"openssl req -new -key inter.key -subj /CN=Test-Intermediate -out inter.csr\n"
	"openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in inter.csr"
	" -out inter.pem -extensions inter -notext\n"
	"openssl x509 -in inter.pem -outform der -out inter.der\n"
	"sign p384 inter dns chained\n"
	"printf 'TLS 1.3, server CertificateVerify test message' > msg.bin\n"
	"for h in sha256 sha384 sha512; do\n"
	"  openssl dgst -$h -sign rsa.key -sigopt rsa_padding_mode:pss"
	" -sigopt rsa_pss_saltlen:digest -out pss_$h.sig msg.bin\n"
	"  openssl dgst -$h -sign rsa.key -out pkcs1_$h.sig msg.bin\n"
	"done\n"
	"openssl dgst -sha256 -sign p256.key -out p256.sig msg.bin\n"
	"openssl dgst -sha384 -sign p384.key -out p384.sig msg.bin\n"
	"openssl dgst -sha384 -sign p256.key -out p256_sha384.sig msg.bin\n";

static void
x_cleanup(void)
{
	char cmd[128];

	if (x_dir[0] == '\0' || getpid() != x_pid)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", x_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", x_dir);
}

static void
x_setup(void)
{
	char cmd[256];
	FILE *f;

	if (x_dir[0] != '\0')
		return;
	snprintf(x_dir, sizeof x_dir, "/tmp/meek-x509-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(x_dir));
	x_pid = getpid();
	atexit(x_cleanup);
	snprintf(cmd, sizeof cmd, "%s/gen.sh", x_dir);
	f = fopen(cmd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(x_script, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cd '%s' && sh gen.sh", x_dir);
	ck_assert_msg(system(cmd) == 0, "openssl failed, see %s/gen.log", x_dir);
}

/* Reads file `name` of the test dir (malloc'd, the caller frees). */
static unsigned char *
slurp(const char *name, size_t *len)
{
	char p[128];
	unsigned char *buf;
	FILE *f;
	long n;

	snprintf(p, sizeof p, "%s/%s", x_dir, name);
	f = fopen(p, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", p);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct tls_anchors *
x_anchors(void)
{
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	char p[128];

	snprintf(p, sizeof p, "%s/ca.pem", x_dir);
	ck_assert_int_eq(tls_anchors_load(&ta, p, &why), 0);
	return ta;
}

/* Checks the one-certificate chain `file`.der for `name`. */
static int
check_one(const char *file, const char *name, struct tlsx509_key *key, long long *nb,
    long long *na, const char **why)
{
	struct tls_anchors *ta = x_anchors();
	char f[64];
	size_t len;
	unsigned char *der;
	const unsigned char *chain[1];
	int rc, alert = -1;

	snprintf(f, sizeof f, "%s.der", file);
	der = slurp(f, &len);
	chain[0] = der;
	x_reason = (enum tlsx509_reason)-1;
	rc = tlsx509_check(ta, name, chain, &len, 1, key, nb, na, &alert, why, &x_reason);
	if (rc != 0) {
		ck_assert_int_gt(alert, 0);
		ck_assert_int_ne(x_reason, TLSX509_OK);
	} else {
		ck_assert_int_eq(x_reason, TLSX509_OK);
	}
	free(der);
	tls_anchors_free(ta);
	return rc;
}

/* What the signature checks below share: the message (msg.bin), one
 * signature over it (a file of the test dir), and the alert and reason of
 * the last vs_verify(). */
struct vs {
	unsigned char *msg, *sig;
	size_t msg_len, sig_len;
	int alert;
	const char *why;
};

/* Loads msg.bin, no signature yet. */
static void
vs_init(struct vs *v)
{
	memset(v, 0, sizeof *v);
	v->msg = slurp("msg.bin", &v->msg_len);
}

/* Replaces the signature with the one in file `name`. */
static void
vs_sig(struct vs *v, const char *name)
{
	free(v->sig);
	v->sig = slurp(name, &v->sig_len);
}

/* tlsx509_verify of the message and signature under `scheme`. */
static int
vs_verify(struct vs *v, const struct tlsx509_key *key, uint16_t scheme, int tls13)
{
	return tlsx509_verify(key, scheme, tls13, v->msg, v->msg_len, v->sig, v->sig_len,
	    &v->alert, &v->why);
}

static void
vs_free(struct vs *v)
{
	free(v->msg);
	free(v->sig);
}

UNIT_TEST("certs", tlsx509_accepts_rsa_leaf_and_verifies_pss_and_pkcs1,
    .timeout = 120, .once = x_setup)
{
	static const char *const hs[] = { "sha256", "sha384", "sha512" };
	struct tlsx509_key key;
	const char *why = NULL;
	struct vs v;
	size_t i;
	char f[32];

	ck_assert_int_eq(check_one("rsa", "front.test", &key, NULL, NULL, &why), 0);
	ck_assert_int_eq(key.type, BR_KEYTYPE_RSA);
	ck_assert_uint_eq(key.n_len, 256);
	vs_init(&v);
	for (i = 0; i < 3; i++) {
		uint16_t pss = (uint16_t)(0x0804 + i), pkcs1 = (uint16_t)(0x0401 + 0x100 * i);

		snprintf(f, sizeof f, "pss_%s.sig", hs[i]);
		vs_sig(&v, f);
		ck_assert_int_eq(vs_verify(&v, &key, pss, 1), 0);
		/* wrong hash, tampered message, tampered signature */
		ck_assert_int_eq(vs_verify(&v, &key, (uint16_t)(0x0804 + (i + 1) % 3), 1),
		    MEEK_ETLS);
		ck_assert_int_eq(v.alert, TLSMSG_ALERT_DECRYPT_ERROR);
		v.msg[0] ^= 1;
		ck_assert_int_eq(vs_verify(&v, &key, pss, 1), MEEK_ETLS);
		v.msg[0] ^= 1;
		v.sig[v.sig_len / 2] ^= 0x40;
		ck_assert_int_eq(vs_verify(&v, &key, pss, 1), MEEK_ETLS);
		ck_assert_str_eq(v.why, "signature verification failed");

		snprintf(f, sizeof f, "pkcs1_%s.sig", hs[i]);
		vs_sig(&v, f);
		ck_assert_int_eq(vs_verify(&v, &key, pkcs1, 0), 0);
		/* PKCS#1 v1.5 is TLS 1.2 only; not a PSS signature either */
		ck_assert_int_eq(vs_verify(&v, &key, pkcs1, 1), MEEK_ETLS);
		ck_assert_int_eq(v.alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
		ck_assert_int_eq(vs_verify(&v, &key, pss, 1), MEEK_ETLS);
		v.msg[3] ^= 0x80;
		ck_assert_int_eq(vs_verify(&v, &key, pkcs1, 0), MEEK_ETLS);
		v.msg[3] ^= 0x80;
	}
	/* an ECDSA scheme with an RSA key */
	ck_assert_int_eq(tlsx509_verify(&key, 0x0403, 1, v.msg, v.msg_len, v.msg, v.msg_len,
	    &v.alert, &v.why), MEEK_ETLS);
	vs_free(&v);
}
END_TEST

UNIT_TEST("certs", tlsx509_accepts_ec_leaves_and_verifies_ecdsa)
{
	struct tlsx509_key key;
	const char *why = NULL;
	struct vs v;

	vs_init(&v);
	ck_assert_int_eq(check_one("p256", "front.test", &key, NULL, NULL, &why), 0);
	ck_assert_int_eq(key.type, BR_KEYTYPE_EC);
	ck_assert_int_eq(key.curve, BR_EC_secp256r1);
	ck_assert_uint_eq(key.q_len, 65);
	vs_sig(&v, "p256.sig");
	ck_assert_int_eq(vs_verify(&v, &key, 0x0403, 1), 0);
	ck_assert_int_eq(vs_verify(&v, &key, 0x0403, 0), 0);
	v.msg[v.msg_len - 1] ^= 1;
	ck_assert_int_eq(vs_verify(&v, &key, 0x0403, 1), MEEK_ETLS);
	ck_assert_int_eq(v.alert, TLSMSG_ALERT_DECRYPT_ERROR);
	v.msg[v.msg_len - 1] ^= 1;
	/* RSA scheme with an EC key */
	ck_assert_int_eq(vs_verify(&v, &key, 0x0804, 1), MEEK_ETLS);
	/* TLS 1.3 binds the curve to the scheme; TLS 1.2 does not */
	vs_sig(&v, "p256_sha384.sig");
	ck_assert_int_eq(vs_verify(&v, &key, 0x0503, 1), MEEK_ETLS);
	ck_assert_int_eq(v.alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	ck_assert_int_eq(vs_verify(&v, &key, 0x0503, 0), 0);

	ck_assert_int_eq(check_one("p384", "www.front.test", &key, NULL, NULL, &why), 0);
	ck_assert_int_eq(key.curve, BR_EC_secp384r1);
	vs_sig(&v, "p384.sig");
	ck_assert_int_eq(vs_verify(&v, &key, 0x0503, 1), 0);
	v.sig[v.sig_len - 1] ^= 1;
	ck_assert_int_eq(vs_verify(&v, &key, 0x0503, 1), MEEK_ETLS);
	vs_free(&v);
}
END_TEST

UNIT_TEST("certs", tlsx509_rejects_mldsa_and_unknown_schemes)
{
	struct tlsx509_key key;
	const char *why = NULL;
	unsigned char sig[64] = { 0 };
	int alert = 0;

	ck_assert_int_eq(check_one("p256", "front.test", &key, NULL, NULL, &why), 0);
	ck_assert_int_eq(tlsx509_verify(&key, 0x0905, 1, sig, 1, sig, sizeof sig, &alert,
	    &why), MEEK_ETLS);
	ck_assert_str_eq(why, "server chose ML-DSA (0x0905) which meek-client cannot verify");
	ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	ck_assert_int_eq(tlsx509_verify(&key, 0x0904, 1, sig, 1, sig, sizeof sig, &alert,
	    &why), MEEK_ETLS);
	ck_assert_ptr_nonnull(strstr(why, "0x0904"));
	ck_assert_int_eq(tlsx509_verify(&key, 0x0807, 1, sig, 1, sig, sizeof sig, &alert,
	    &why), MEEK_ETLS);
	ck_assert_ptr_nonnull(strstr(why, "ed25519"));
	ck_assert_int_eq(tlsx509_verify(&key, 0x0203, 0, sig, 1, sig, sizeof sig, &alert,
	    &why), MEEK_ETLS);
	ck_assert_int_eq(tlsx509_verify(&key, 0x1234, 1, sig, 1, sig, sizeof sig, &alert,
	    &why), MEEK_ETLS);
	ck_assert_str_eq(why, "server chose an unknown signature scheme");
}
END_TEST

UNIT_TEST("certs", tlsx509_accepts_only_offered_schemes)
{
	struct tlsx509_key key;
	const char *why = NULL;
	struct vs vs;
	int alert = 0;
	unsigned v;

	/* ecdsa_secp521r1_sha512 is not in the hello: illegal_parameter before
	 * any key check, in TLS 1.3 and 1.2 */
	ck_assert_int_eq(tlshello_offers_sigalg(0x0603), 0);
	ck_assert_int_eq(check_one("p256", "front.test", &key, NULL, NULL, &why), 0);
	vs_init(&vs);
	vs_sig(&vs, "p256.sig");
	ck_assert_int_eq(vs_verify(&vs, &key, 0x0603, 1), MEEK_ETLS);
	ck_assert_int_eq(vs.alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	ck_assert_ptr_nonnull(strstr(vs.why, "0x0603"));
	ck_assert_int_eq(vs_verify(&vs, &key, 0x0603, 0), MEEK_ETLS);
	ck_assert_int_eq(vs.alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	ck_assert_int_eq(vs_verify(&vs, &key, 0x0403, 1), 0);
	vs_free(&vs);
	/* every scheme tlsx509_verify gets past its scheme check is offered:
	 * an unoffered one always fails with illegal_parameter */
	for (v = 0; v <= 0xffff; v++) {
		if (tlshello_offers_sigalg((uint16_t)v))
			continue;
		alert = 0;
		ck_assert_int_eq(tlsx509_verify(&key, (uint16_t)v, 0, (const unsigned char *)"x", 1,
		    (const unsigned char *)"x", 1, &alert, &why), MEEK_ETLS);
		ck_assert_int_eq(alert, TLSMSG_ALERT_ILLEGAL_PARAMETER);
	}
	/* GREASE is offered in the hello but never a valid choice */
	ck_assert_int_eq(tlshello_offers_sigalg(0x0a0a), 0);
	ck_assert_int_eq(tlshello_offers_sigalg(0x0804), 1);
	ck_assert_int_eq(tlshello_offers_sigalg(0x0401), 1);
}
END_TEST

/* One check_one(file, name) with no dates and what it must give. */
struct name_case {
	const char *file, *name;
	int rc;                         /* 0 or MEEK_ECERT */
	const char *why;                /* NULL: not checked */
	enum tlsx509_reason reason;     /* TLSX509_OK: not checked */
	int code;                       /* tlsx509_reason_code(x_reason); 0: not checked */
	int key;                        /* KEY(key.type); 0: not checked */
};

#define KEY(type) ((type) + 1)
#define MISMATCH "certificate name mismatch"

static void
check_names(const struct name_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tlsx509_key key;
		const char *why = NULL;
		int rc = check_one(c[i].file, c[i].name, &key, NULL, NULL, &why);

		ck_assert_msg(rc == c[i].rc, "%s for %s: %d", c[i].file, c[i].name, rc);
		if (c[i].why != NULL)
			ck_assert_str_eq(why, c[i].why);
		if (c[i].reason != TLSX509_OK)
			ck_assert_int_eq(x_reason, c[i].reason);
		if (c[i].code != 0)
			ck_assert_int_eq(tlsx509_reason_code(x_reason), c[i].code);
		if (c[i].key != 0)
			ck_assert_int_eq(key.type, c[i].key - 1);
	}
}

#define CHECK_NAMES(cases) check_names((cases), sizeof (cases) / sizeof (cases)[0])

UNIT_TEST("certs", tlsx509_matches_ip_literals_against_ip_sans)
{
	static const struct name_case c[] = {
		{ "ip", "127.0.0.1", 0, .key = KEY(BR_KEYTYPE_EC) },
		{ "ip", "::1", 0 },
		{ "ip", "0:0::1", 0 },
		{ "ip", "front.test", 0 },
		{ "ip", "[::1]", 0 },
		{ "ip", "127.0.0.2", MEEK_ECERT, MISMATCH, TLSX509_NAME_MISMATCH, .key = KEY(0) },
		{ "ip", "::2", MEEK_ECERT, MISMATCH },
		/* a DNS-only leaf never matches an address */
		{ "p256", "127.0.0.1", MEEK_ECERT, MISMATCH },
	};

	CHECK_NAMES(c);
}
END_TEST

UNIT_TEST("certs", tlsx509_rejects_wrong_name_and_unknown_ca)
{
	static const struct name_case c[] = {
		{ "p256", "a.front.test", 0 },
		{ "p256", "b.a.front.test", MEEK_ECERT, MISMATCH },
		{ "p256", "other.test", MEEK_ECERT, MISMATCH },
		{ "stranger", "front.test", MEEK_ECERT, "certificate not trusted (unknown CA)",
		  TLSX509_UNKNOWN_CA },
	};

	CHECK_NAMES(c);
}
END_TEST

UNIT_TEST("certs", tlsx509_requires_server_auth_eku)
{
	static const struct name_case c[] = {
		/* BearSSL alone accepts this clientAuth-only leaf */
		{ "cli", "front.test", MEEK_ECERT,
		  "certificate not for TLS servers (extended key usage)", TLSX509_BAD_USAGE,
		  MEEK_ECERT, KEY(0) },
		{ "srv", "front.test", 0, .key = KEY(BR_KEYTYPE_EC) },
		{ "anyeku", "front.test", 0 },
		/* no EKU at all: any use (p256's leaf) */
		{ "p256", "front.test", 0 },
	};

	CHECK_NAMES(c);
}
END_TEST

UNIT_TEST("certs", tlsx509_ignores_cn_and_bare_wildcard_base)
{
	static const struct name_case c[] = {
		/* CN=front.test but no subjectAltName: BearSSL would match the CN */
		{ "cnonly", "front.test", MEEK_ECERT, MISMATCH, TLSX509_NAME_MISMATCH,
		  MEEK_ECERTNAME },
		{ "cnonly", "127.0.0.1", MEEK_ECERT, .reason = TLSX509_NAME_MISMATCH },
		/* a subjectAltName without dNSName: the CN is not used either */
		{ "iponly", "127.0.0.1", 0 },
		{ "iponly", "front.test", MEEK_ECERT, MISMATCH, TLSX509_NAME_MISMATCH },
		/* "*.front.test" covers one label, not front.test itself */
		{ "wild", "www.front.test", 0 },
		{ "wild", "front.test", MEEK_ECERT, MISMATCH, TLSX509_NAME_MISMATCH },
	};

	CHECK_NAMES(c);
}
END_TEST

UNIT_TEST("certs", tlsx509_reason_codes)
{
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_OK), 0);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_UNKNOWN_CA), MEEK_ECERTCA);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_NAME_MISMATCH), MEEK_ECERTNAME);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_EXPIRED), MEEK_ECERTEXPIRED);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_NOT_YET_VALID), MEEK_ECERTNOTYET);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_DATES), MEEK_ECERTDATES);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_BAD_USAGE), MEEK_ECERT);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_MALFORMED), MEEK_ECERT);
	ck_assert_int_eq(tlsx509_reason_code(TLSX509_OTHER), MEEK_ECERT);
	ck_assert_int_eq(tlsx509_reason_code((enum tlsx509_reason)99), MEEK_ECERT);
}
END_TEST

UNIT_TEST("certs", tlsx509_tells_expired_from_not_yet_valid)
{
	struct tlsx509_key key;
	const char *why = NULL;
	long long nb = 0, na = 0;

	ck_assert_int_eq(check_one("old", "front.test", &key, &nb, &na, &why), MEEK_ECERT);
	ck_assert_str_eq(why, "certificate expired");
	ck_assert_int_eq(x_reason, TLSX509_EXPIRED);
	ck_assert_int_eq(nb, 1577836800LL);  /* 2020-01-01T00:00:00Z (UTCTime) */
	ck_assert_int_eq(na, 1609459200LL);  /* 2021-01-01 */
	ck_assert_int_eq(check_one("future", "front.test", &key, &nb, &na, &why), MEEK_ECERT);
	ck_assert_str_eq(why, "certificate not yet valid");
	ck_assert_int_eq(x_reason, TLSX509_NOT_YET_VALID);
	ck_assert_int_eq(nb, 3786912000LL);  /* 2090-01-01 (GeneralizedTime) */
	ck_assert_int_eq(na, 3818448000LL);  /* 2091-01-01 */
	ck_assert_int_eq(check_one("p256", "front.test", &key, &nb, &na, &why), 0);
	ck_assert_int_lt(nb, na);
}
END_TEST

UNIT_TEST("certs", tlsx509_validates_chain_through_intermediate)
{
	struct tls_anchors *ta = x_anchors();
	struct tlsx509_key key;
	const char *why = NULL;
	unsigned char *leaf, *inter;
	const unsigned char *chain[2];
	size_t len[2];
	int alert = 0;
	enum tlsx509_reason reason;

	leaf = slurp("chained.der", &len[0]);
	inter = slurp("inter.der", &len[1]);
	chain[0] = leaf;
	chain[1] = inter;
	ck_assert_int_eq(tlsx509_check(ta, "front.test", chain, len, 2, &key, NULL, NULL,
	    &alert, &why, NULL), 0);
	ck_assert_int_eq(key.type, BR_KEYTYPE_EC);
	ck_assert_int_eq(key.curve, BR_EC_secp384r1);   /* the leaf's key, not the CA's */
	/* without the intermediate: unknown issuer */
	ck_assert_int_eq(tlsx509_check(ta, "front.test", chain, len, 1, &key, NULL, NULL,
	    &alert, &why, &reason), MEEK_ECERT);
	ck_assert_str_eq(why, "certificate not trusted (unknown CA)");
	ck_assert_int_eq(alert, TLSMSG_ALERT_UNKNOWN_CA);
	ck_assert_int_eq(reason, TLSX509_UNKNOWN_CA);
	ck_assert_int_eq(tlsx509_reason_code(reason), MEEK_ECERTCA);
	/* out of order */
	chain[0] = inter;
	chain[1] = leaf;
	ck_assert_int_eq(tlsx509_check(ta, "front.test", chain, (size_t[]){ len[1], len[0] }, 2,
	    &key, NULL, NULL, &alert, &why, &reason), MEEK_ECERT);
	ck_assert_int_ne(reason, TLSX509_OK);
	free(leaf);
	free(inter);
	tls_anchors_free(ta);
}
END_TEST

UNIT_TEST("certs", tlsx509_rejects_garbage_and_empty_chains)
{
	struct tls_anchors *ta = x_anchors();
	struct tlsx509_key key;
	const char *why = NULL;
	unsigned char junk[64];
	const unsigned char *chain[1] = { junk };
	size_t len = sizeof junk, i;
	unsigned char *der;
	int alert;
	enum tlsx509_reason reason;

	der = slurp("p256.der", &len);
	chain[0] = der;
	ck_assert_int_eq(tlsx509_check(ta, NULL, chain, &len, 1, &key, NULL, NULL, &alert,
	    &why, NULL), MEEK_ECERT);
	ck_assert_int_eq(tlsx509_check(ta, "", chain, &len, 1, &key, NULL, NULL, &alert,
	    &why, &reason), MEEK_ECERT);
	ck_assert_str_eq(why, "certificate check without a server name");
	ck_assert_int_eq(reason, TLSX509_OTHER);
	free(der);
	chain[0] = junk;
	len = sizeof junk;
	memset(junk, 0x30, sizeof junk);
	ck_assert_int_eq(tlsx509_check(ta, "front.test", chain, &len, 0, &key, NULL, NULL,
	    &alert, &why, &reason), MEEK_ECERT);
	ck_assert_int_eq(reason, TLSX509_MALFORMED);
	ck_assert_int_eq(tlsx509_check(ta, "front.test", chain, &len, 1, &key, NULL, NULL,
	    &alert, &why, &reason), MEEK_ECERT);
	ck_assert_str_eq(why, "certificate malformed");
	ck_assert_int_eq(reason, TLSX509_MALFORMED);
	ck_assert_int_eq(alert, TLSMSG_ALERT_BAD_CERTIFICATE);
	/* every truncation of a real certificate is rejected, by the leaf's own
	 * decoder first (a leaf it cannot read is fatal) */
	der = slurp("ip.der", &len);
	chain[0] = der;
	for (i = 0; i < len; i += 7) {
		ck_assert_int_eq(tlsx509_check(ta, "127.0.0.1", chain, &i, 1, &key, NULL, NULL,
		    &alert, &why, &reason), MEEK_ECERT);
		ck_assert_str_eq(why, "certificate malformed");
		ck_assert_int_eq(reason, TLSX509_MALFORMED);
	}
	free(der);
	tls_anchors_free(ta);
}
END_TEST
