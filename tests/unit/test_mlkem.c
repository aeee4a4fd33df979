/*
 * mlkem: NIST ACVP known answers for ML-KEM-768 (keyGen, encapsulation,
 * decapsulation with valid and modified ciphertexts) read from
 * tests/unit/data/mlkem/, the encapsulation-key modulus check, implicit
 * rejection against J(z || c) computed here, and a run on a 64 KiB
 * thread stack.  tests/tls/mlkem_cross.sh compares with another
 * implementation (python cryptography).
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/hexdata.h"
#include "shared/err.h"
#include "shared/keccak.h"
#include "shared/mlkem.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SUITE "mlkem"

#define MAX_FIELDS 6

struct kat_line {
	char *line;                     /* getline buffer, owns the fields */
	char *field[MAX_FIELDS];
	int n;
};

/* Decodes the hex string `s` of exactly 2 * n digits into out[0..n). */
static void
unhex(unsigned char *out, size_t n, const char *s)
{
	ck_assert_msg(hexdata_exact(out, n, s) == 0, "hex field of %zu digits, want %zu",
	    strlen(s), 2 * n);
}

static FILE *
kat_open(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/unit/data/mlkem/%s", TOP_SRCDIR, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

/* Reads the next data line (skipping # comments) into `k`, split on
 * spaces.  Returns 0 at end of file. */
static int
kat_next(FILE *f, struct kat_line *k)
{
	size_t cap = 0;

	for (;;) {
		char *p, *save = NULL;

		free(k->line);
		k->line = NULL;
		cap = 0;
		if (getline(&k->line, &cap, f) < 0)
			return 0;
		if (k->line[0] == '#' || k->line[0] == '\n')
			continue;
		k->n = 0;
		for (p = strtok_r(k->line, " \n", &save); p != NULL && k->n < MAX_FIELDS;
		    p = strtok_r(NULL, " \n", &save))
			k->field[k->n++] = p;
		return 1;
	}
}

/* Runs check(field, ctx) on each data line of the known-answer file `name`,
 * which must have `nfields` fields; returns the number of lines. */
static int
kat_each(const char *name, int nfields, void (*check)(char **field, void *ctx),
    void *ctx)
{
	struct kat_line k = { 0 };
	FILE *f = kat_open(name);
	int cases = 0;

	while (kat_next(f, &k)) {
		ck_assert_int_eq(k.n, nfields);
		check(k.field, ctx);
		cases++;
	}
	free(k.line);
	fclose(f);
	return cases;
}

/* The implicit-rejection key J(z || c) for the decapsulation key dk. */
static void
rejection_key(unsigned char kbar[32], const unsigned char *dk,
    const unsigned char c[MLKEM_CT_LEN])
{
	struct keccak j;

	keccak_shake256_init(&j);
	keccak_absorb(&j, dk + 2368, 32);
	keccak_absorb(&j, c, MLKEM_CT_LEN);
	keccak_squeeze(&j, kbar, 32);
}

/* keygen.txt: tcId d z dk (ek is part of dk). */
static void
keygen_case(char **field, void *ctx)
{
	unsigned char d[32], z[32], dk_want[MLKEM_DK_LEN];
	unsigned char ek[MLKEM_EK_LEN], dk[MLKEM_DK_LEN];

	(void)ctx;
	unhex(d, 32, field[1]);
	unhex(z, 32, field[2]);
	unhex(dk_want, MLKEM_DK_LEN, field[3]);
	mlkem_keygen_derand(ek, dk, d, z);
	ck_assert_msg(memcmp(ek, dk_want + 1152, MLKEM_EK_LEN) == 0,
	    "tcId %s: ek", field[0]);
	ck_assert_msg(memcmp(dk, dk_want, MLKEM_DK_LEN) == 0,
	    "tcId %s: dk", field[0]);
}

UNIT_TEST("acvp", mlkem_keygen_matches_acvp, .timeout = 60)
{
	ck_assert_int_ge(kat_each("keygen.txt", 4, keygen_case, NULL), 10);
}
END_TEST

/* encaps.txt: tcId ek m c k. */
static void
encaps_case(char **field, void *ctx)
{
	unsigned char ek[MLKEM_EK_LEN], m[32], c_want[MLKEM_CT_LEN], k_want[32];
	unsigned char ct[MLKEM_CT_LEN], ss[MLKEM_SS_LEN];

	(void)ctx;
	unhex(ek, sizeof ek, field[1]);
	unhex(m, sizeof m, field[2]);
	unhex(c_want, sizeof c_want, field[3]);
	unhex(k_want, sizeof k_want, field[4]);
	ck_assert_int_eq(mlkem_encaps_derand(ct, ss, ek, m), 0);
	ck_assert_msg(memcmp(ct, c_want, sizeof ct) == 0, "tcId %s: c",
	    field[0]);
	ck_assert_msg(memcmp(ss, k_want, sizeof ss) == 0, "tcId %s: k",
	    field[0]);
}

UNIT_TEST("acvp", mlkem_encaps_matches_acvp)
{
	ck_assert_int_ge(kat_each("encaps.txt", 5, encaps_case, NULL), 10);
}
END_TEST

/* decaps.txt: tcId valid|modified dk c k; ctx counts each kind. */
struct decaps_counts {
	int valid, modified;
};

static void
decaps_case(char **field, void *ctx)
{
	static unsigned char dk[MLKEM_DK_LEN];
	unsigned char c[MLKEM_CT_LEN], k_want[32], ss[MLKEM_SS_LEN], kbar[32];
	struct decaps_counts *n = ctx;

	unhex(dk, sizeof dk, field[2]);
	unhex(c, sizeof c, field[3]);
	unhex(k_want, sizeof k_want, field[4]);
	mlkem_decaps(ss, c, dk);
	ck_assert_msg(memcmp(ss, k_want, sizeof ss) == 0, "tcId %s (%s)",
	    field[0], field[1]);
	rejection_key(kbar, dk, c);
	if (strcmp(field[1], "modified") == 0) {
		ck_assert_mem_eq(ss, kbar, 32);
		n->modified++;
	} else {
		ck_assert(memcmp(ss, kbar, 32) != 0);
		n->valid++;
	}
}

/* Valid ciphertexts give the encapsulated key, modified ones the
 * implicit-rejection key; ACVP gives the expected value for both. */
UNIT_TEST("acvp", mlkem_decaps_matches_acvp)
{
	struct decaps_counts n = { 0, 0 };

	kat_each("decaps.txt", 5, decaps_case, &n);
	ck_assert_int_ge(n.valid, 5);
	ck_assert_int_ge(n.modified, 5);
}
END_TEST

/* Sets 12-bit coefficient `i` of the t part of `ek` to `v`. */
static void
ek_set_coeff(unsigned char *ek, unsigned i, unsigned v)
{
	unsigned char *p = ek + 3 * (i / 2);

	if (i % 2 == 0) {
		p[0] = (unsigned char)v;
		p[1] = (unsigned char)((p[1] & 0xf0) | (v >> 8));
	} else {
		p[1] = (unsigned char)((p[1] & 0x0f) | ((v & 15) << 4));
		p[2] = (unsigned char)(v >> 4);
	}
}

UNIT_TEST("kem", mlkem_encaps_rejects_ek_over_modulus, .timeout = 60)
{
	static const unsigned where[] = { 0, 1, 255, 256, 511, 767 };
	static const unsigned bad[] = { 3329, 4095 };
	unsigned char d[32] = { 1 }, z[32] = { 2 }, m[32] = { 3 };
	unsigned char ek[MLKEM_EK_LEN], dk[MLKEM_DK_LEN], bad_ek[MLKEM_EK_LEN];
	unsigned char ct[MLKEM_CT_LEN], ss[MLKEM_SS_LEN], ss2[MLKEM_SS_LEN];

	mlkem_keygen_derand(ek, dk, d, z);
	for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
		for (size_t b = 0; b < 2; b++) {
			memcpy(bad_ek, ek, sizeof ek);
			ek_set_coeff(bad_ek, where[w], bad[b]);
			memset(ss, 0xaa, sizeof ss);
			ck_assert_int_eq(mlkem_encaps_derand(ct, ss, bad_ek, m),
			    MEEK_EPROTO);
			ck_assert_int_eq(ss[0] | ss[31] | ct[0], 0);
			ck_assert_int_eq(mlkem_encaps(ct, ss, bad_ek), MEEK_EPROTO);
		}
		/* q - 1 is still a valid coefficient */
		memcpy(bad_ek, ek, sizeof ek);
		ek_set_coeff(bad_ek, where[w], 3328);
		ck_assert_int_eq(mlkem_encaps_derand(ct, ss, bad_ek, m), 0);
	}
	/* the untouched key works */
	ck_assert_int_eq(mlkem_encaps_derand(ct, ss, ek, m), 0);
	mlkem_decaps(ss2, ct, dk);
	ck_assert_mem_eq(ss, ss2, sizeof ss);
}
END_TEST

/* Fresh keys round-trip; every one-bit change of the ciphertext yields
 * J(z || c'), not the real key. */
static void *
roundtrip(void *arg)
{
	static const unsigned flips[] = { 0, 7, 500, 959, 960, 1087 * 8 + 7 };
	unsigned char ek[MLKEM_EK_LEN], dk[MLKEM_DK_LEN], ek2[MLKEM_EK_LEN];
	unsigned char dk2[MLKEM_DK_LEN], ct[MLKEM_CT_LEN], ss[MLKEM_SS_LEN];
	unsigned char ss2[MLKEM_SS_LEN], kbar[32];
	int *ok = arg;

	*ok = 0;
	if (mlkem_keygen(ek, dk) != 0 || mlkem_keygen(ek2, dk2) != 0)
		return NULL;
	if (memcmp(ek, ek2, sizeof ek) == 0 || memcmp(dk, dk2, sizeof dk) == 0)
		return NULL;
	if (mlkem_encaps(ct, ss, ek) != 0)
		return NULL;
	mlkem_decaps(ss2, ct, dk);
	if (memcmp(ss, ss2, sizeof ss) != 0)
		return NULL;
	/* the other key decapsulates to something else */
	mlkem_decaps(ss2, ct, dk2);
	if (memcmp(ss, ss2, sizeof ss) == 0)
		return NULL;
	for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
		ct[flips[i] / 8] ^= (unsigned char)(1u << (flips[i] % 8));
		mlkem_decaps(ss2, ct, dk);
		rejection_key(kbar, dk, ct);
		if (memcmp(ss2, kbar, sizeof kbar) != 0 ||
		    memcmp(ss2, ss, sizeof ss) == 0)
			return NULL;
		ct[flips[i] / 8] ^= (unsigned char)(1u << (flips[i] % 8));
	}
	mlkem_decaps(ss2, ct, dk);
	if (memcmp(ss, ss2, sizeof ss) != 0)
		return NULL;
	*ok = 1;
	return NULL;
}

UNIT_TEST("kem", mlkem_roundtrip_and_implicit_rejection)
{
	int ok;

	roundtrip(&ok);
	ck_assert_int_eq(ok, 1);
}
END_TEST

/* The header promises a working set far below a 64 KiB thread stack (the
 * programs' default; where the C library's minimum is larger, as on MIPS
 * with 128 KiB, that minimum); this thread's stack also holds the test's
 * own key buffers. */
UNIT_TEST("kem", mlkem_runs_on_64k_thread_stack)
{
	pthread_attr_t attr;
	pthread_t t;
	size_t size = 64 * 1024;
	int ok = 0;

	if (size < (size_t)PTHREAD_STACK_MIN)
		size = (size_t)PTHREAD_STACK_MIN;
	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&attr, size), 0);
	ck_assert_int_eq(pthread_create(&t, &attr, roundtrip, &ok), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	ck_assert_int_eq(ok, 1);
}
END_TEST
