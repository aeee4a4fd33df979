/*
 * keccak: FIPS 202 known answers (NIST's SHA-3 / SHAKE example values,
 * checked against python3's hashlib when they were written down), the
 * rate-boundary cases and the incremental interface.
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/keccak.h"

#include <stdio.h>
#include <string.h>

#define UNIT_SUITE "keccak"

static void
hex(char *dst, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(dst + 2 * i, "%02x", p[i]);
	dst[2 * n] = '\0';
}

#define MSG_448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG_896 "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

UNIT_TEST("fips202", keccak_sha3_256_known_answers)
{
	unsigned char a3[200], out[32];
	char h[65];

	keccak_sha3_256(out, "", 0);
	hex(h, out, 32);
	ck_assert_str_eq(h, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
	keccak_sha3_256(out, "abc", 3);
	hex(h, out, 32);
	ck_assert_str_eq(h, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
	keccak_sha3_256(out, MSG_448, strlen(MSG_448));
	hex(h, out, 32);
	ck_assert_str_eq(h, "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376");
	/* 1600 bits of 0xa3: more than one 136-byte block */
	memset(a3, 0xa3, sizeof a3);
	keccak_sha3_256(out, a3, sizeof a3);
	hex(h, out, 32);
	ck_assert_str_eq(h, "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787");
}
END_TEST

UNIT_TEST("fips202", keccak_sha3_512_known_answers)
{
	unsigned char a3[200], out[64];
	char h[129];

	keccak_sha3_512(out, "", 0);
	hex(h, out, 64);
	ck_assert_str_eq(h, "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
	    "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26");
	keccak_sha3_512(out, "abc", 3);
	hex(h, out, 64);
	ck_assert_str_eq(h, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
	    "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
	keccak_sha3_512(out, MSG_896, strlen(MSG_896));
	hex(h, out, 64);
	ck_assert_str_eq(h, "afebb2ef542e6579c50cad06d2e578f9f8dd6881d7dc824d26360feebf18a4fa"
	    "73e3261122948efcfd492e74e82e2189ed0fb440d187f382270cb455f21dd185");
	memset(a3, 0xa3, sizeof a3);
	keccak_sha3_512(out, a3, sizeof a3);
	hex(h, out, 64);
	ck_assert_str_eq(h, "e76dfad22084a8b1467fcf2ffa58361bec7628edf5f3fdc0e4805dc48caeeca8"
	    "1b7c13c30adf52a3659584739a2df46be589c51ca1a4a8416df6545a1ce8ba00");
}
END_TEST

UNIT_TEST("fips202", keccak_shake_known_answers)
{
	unsigned char a3[200], out[512];
	char h[129];

	keccak_shake128(out, 32, "", 0);
	hex(h, out, 32);
	ck_assert_str_eq(h, "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
	keccak_shake256(out, 64, "", 0);
	hex(h, out, 64);
	ck_assert_str_eq(h, "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
	    "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be");
	memset(a3, 0xa3, sizeof a3);
	keccak_shake128(out, 32, a3, sizeof a3);
	hex(h, out, 32);
	ck_assert_str_eq(h, "131ab8d2b594946b9c81333f9bb6e0ce75c3b93104fa3469d3917457385da037");
	keccak_shake256(out, 32, a3, sizeof a3);
	hex(h, out, 32);
	ck_assert_str_eq(h, "cd8a920ed141aa0407a22d59288652e9d9f1a7ee0c1e7c1ca699424da84a904d");
	/* long outputs: bytes 480..511 need several permutations of squeezing */
	keccak_shake128(out, 512, "abc", 3);
	hex(h, out + 480, 32);
	ck_assert_str_eq(h, "7085901803ec6f17f0ec650a292198275211a56bf13f0bf7241268b50d3f1ec8");
	keccak_shake256(out, 512, "abc", 3);
	hex(h, out + 480, 32);
	ck_assert_str_eq(h, "9440b99d6088e20203aebafa8e9dffa94ed35ef1f41f5fdf549fbcc5a0f68298");
}
END_TEST

/* Absorbing in pieces of every size 1..rate+1 gives the one-shot digest,
 * including pieces that end exactly on the rate boundary. */
UNIT_TEST("incremental", keccak_incremental_absorb_matches_oneshot)
{
	static const unsigned rates[] = { KECCAK_SHA3_256_RATE, KECCAK_SHA3_512_RATE,
	    KECCAK_SHAKE128_RATE };
	static const unsigned char ds[] = { KECCAK_DS_SHA3, KECCAK_DS_SHA3, KECCAK_DS_SHAKE };
	unsigned char msg[700], one[64], inc[64];
	struct keccak k;

	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)(i * 7 + 1);
	for (size_t r = 0; r < 3; r++) {
		for (size_t len = 0; len <= sizeof msg; len += 67) {
			keccak_init(&k, rates[r], ds[r]);
			keccak_absorb(&k, msg, len);
			keccak_squeeze(&k, one, sizeof one);
			for (size_t step = 1; step <= rates[r] + 1; step++) {
				size_t off = 0;

				keccak_init(&k, rates[r], ds[r]);
				while (off < len) {
					size_t n = len - off < step ? len - off : step;

					keccak_absorb(&k, msg + off, n);
					off += n;
				}
				keccak_squeeze(&k, inc, sizeof inc);
				ck_assert_msg(memcmp(one, inc, sizeof one) == 0,
				    "rate %u len %zu step %zu", rates[r], len, step);
			}
		}
	}
	keccak_sha3_256(inc, msg, 300);
	keccak_init(&k, KECCAK_SHA3_256_RATE, KECCAK_DS_SHA3);
	keccak_absorb(&k, msg, 136);
	keccak_absorb(&k, msg + 136, 0);
	keccak_absorb(&k, msg + 136, 164);
	keccak_squeeze(&k, one, 32);
	ck_assert_mem_eq(one, inc, 32);
	keccak_clear(&k);
}
END_TEST

/* Several squeezes continue one output stream. */
UNIT_TEST("incremental", keccak_multiple_squeezes_continue_stream)
{
	unsigned char one[600], part[600];
	struct keccak k;
	size_t off, n, sizes[] = { 1, 167, 168, 169, 31, 64 };

	keccak_shake128(one, sizeof one, "meek", 4);
	keccak_shake128_init(&k);
	keccak_absorb(&k, "me", 2);
	keccak_absorb(&k, "ek", 2);
	for (off = 0, n = 0; off < sizeof part; n++) {
		size_t len = sizes[n % 6];

		if (len > sizeof part - off)
			len = sizeof part - off;
		keccak_squeeze(&k, part + off, len);
		off += len;
	}
	ck_assert_mem_eq(one, part, sizeof one);

	keccak_shake256(one, 300, "meek", 4);
	keccak_shake256_init(&k);
	keccak_absorb(&k, "meek", 4);
	keccak_squeeze(&k, part, 0);
	keccak_squeeze(&k, part, 136);
	keccak_squeeze(&k, part + 136, 164);
	ck_assert_mem_eq(one, part, 300);
	keccak_clear(&k);
}
END_TEST
