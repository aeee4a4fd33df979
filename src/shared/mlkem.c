/*
 * ML-KEM-768 written from FIPS 203 (algorithm numbers below are the
 * standard's).  A polynomial is 256 coefficients in [0, q), q = 3329,
 * either in the normal domain or in the NTT domain (128 degree-one
 * residues); every operation keeps coefficients canonical, so encoding
 * needs no final reduction.  Parameters: k = 3, eta1 = eta2 = 2, du = 10,
 * dv = 4.
 */
#include "config.h"
#include "shared/mlkem.h"
#include "shared/err.h"
#include "shared/keccak.h"
#include "shared/rand.h"

#include <stdint.h>
#include <string.h>

#define Q 3329
#define K 3
#define DU 10
#define DV 4
#define POLY_BYTES 384                  /* ByteEncode_12 */
#define PKE_BYTES (K * POLY_BYTES)      /* dk_pke, or ek without rho */
#define CT_U_BYTES (32 * DU)            /* one polynomial of c1 */
#define CT_V_OFF (K * CT_U_BYTES)

struct poly {
	uint16_t c[256];
};

/* zeta^BitRev7(i) mod q, zeta = 17 (FIPS 203 appendix A) */
static const uint16_t mlkem_zetas[128] = {
	1, 1729, 2580, 3289, 2642, 630, 1897, 848, 1062, 1919, 193, 797,
	2786, 3260, 569, 1746, 296, 2447, 1339, 1476, 3046, 56, 2240, 1333,
	1426, 2094, 535, 2882, 2393, 2879, 1974, 821, 289, 331, 3253, 1756,
	1197, 2304, 2277, 2055, 650, 1977, 2513, 632, 2865, 33, 1320, 1915,
	2319, 1435, 807, 452, 1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,
	2474, 3110, 1227, 910, 17, 2761, 583, 2649, 1637, 723, 2288, 1100,
	1409, 2662, 3281, 233, 756, 2156, 3015, 3050, 1703, 1651, 2789, 1789,
	1847, 952, 1461, 2687, 939, 2308, 2437, 2388, 733, 2337, 268, 641,
	1584, 2298, 2037, 3220, 375, 2549, 2090, 1645, 1063, 319, 2773, 757,
	2099, 561, 2466, 2594, 2804, 1092, 403, 1026, 1143, 2150, 2775, 886,
	1722, 1212, 1874, 1029, 2110, 2935, 885, 2154,
};

/* ---- arithmetic mod q, constant time ---- */

/* r in [0, 2q) -> r mod q, by a masked subtraction. */
static uint16_t
fq_csub(uint32_t r)
{
	r -= Q;
	r += Q & (0u - (r >> 31));
	return (uint16_t)r;
}

/* x < 2^24 -> x mod q (Barrett: floor(2^32 / q) = 1290167; the quotient
 * estimate is at most one short, checked for every x < 2^24). */
static uint16_t
fq_reduce(uint32_t x)
{
	uint32_t t = (uint32_t)(((uint64_t)x * 1290167u) >> 32);

	return fq_csub(x - t * Q);
}

static uint16_t
fq_add(uint16_t a, uint16_t b)
{
	return fq_csub((uint32_t)a + b);
}

static uint16_t
fq_sub(uint16_t a, uint16_t b)
{
	return fq_csub((uint32_t)a + Q - b);
}

static uint16_t
fq_mul(uint16_t a, uint16_t b)
{
	return fq_reduce((uint32_t)a * b);
}

/* floor(n / q) for n < 3329 * 2048 + 1665, without a division
 * instruction (ceil(2^33 / q) = 2580335, exact over that range). */
static uint32_t
fq_div(uint32_t n)
{
	return (uint32_t)(((uint64_t)n * 2580335u) >> 33);
}

/* ---- polynomials ---- */

/* Algorithm 9 */
static void
poly_ntt(struct poly *f)
{
	unsigned len, start, j, i = 1;

	for (len = 128; len >= 2; len >>= 1) {
		for (start = 0; start < 256; start += 2 * len) {
			uint16_t z = mlkem_zetas[i++];

			for (j = start; j < start + len; j++) {
				uint16_t t = fq_mul(z, f->c[j + len]);

				f->c[j + len] = fq_sub(f->c[j], t);
				f->c[j] = fq_add(f->c[j], t);
			}
		}
	}
}

/* Algorithm 10 (3303 = 128^-1 mod q) */
static void
poly_invntt(struct poly *f)
{
	unsigned len, start, j, i = 127;

	for (len = 2; len <= 128; len <<= 1) {
		for (start = 0; start < 256; start += 2 * len) {
			uint16_t z = mlkem_zetas[i--];

			for (j = start; j < start + len; j++) {
				uint16_t t = f->c[j];

				f->c[j] = fq_add(t, f->c[j + len]);
				f->c[j + len] = fq_mul(z, fq_sub(f->c[j + len], t));
			}
		}
	}
	for (j = 0; j < 256; j++)
		f->c[j] = fq_mul(f->c[j], 3303);
}

/* zeta^(2 BitRev7(i) + 1) mod q, MultiplyNTTs' gamma: for i = 2j it is
 * zeta^BitRev7(64 + j) (the NTT's own table), for i = 2j + 1 its
 * negative. */
static uint16_t
basemul_gamma(unsigned i)
{
	uint16_t z = mlkem_zetas[64 + i / 2];

	return (i & 1) ? (uint16_t)(Q - z) : z;
}

/* r += a * b in the NTT domain (Algorithms 11 and 12). */
static void
poly_basemul_acc(struct poly *r, const struct poly *a, const struct poly *b)
{
	for (unsigned i = 0; i < 128; i++) {
		uint16_t a0 = a->c[2 * i], a1 = a->c[2 * i + 1];
		uint16_t b0 = b->c[2 * i], b1 = b->c[2 * i + 1];
		uint16_t c0 = fq_add(fq_mul(a0, b0),
		    fq_mul(fq_mul(a1, b1), basemul_gamma(i)));
		uint16_t c1 = fq_add(fq_mul(a0, b1), fq_mul(a1, b0));

		r->c[2 * i] = fq_add(r->c[2 * i], c0);
		r->c[2 * i + 1] = fq_add(r->c[2 * i + 1], c1);
	}
}

static void
poly_add(struct poly *r, const struct poly *a)
{
	for (unsigned i = 0; i < 256; i++)
		r->c[i] = fq_add(r->c[i], a->c[i]);
}

/* ByteEncode_d (Algorithm 5): `d` bits per coefficient, least significant
 * bit first; writes 32 * d bytes. */
static void
poly_encode(unsigned char *out, const struct poly *f, unsigned d)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (unsigned i = 0; i < 256; i++) {
		acc |= (uint32_t)f->c[i] << bits;
		bits += d;
		while (bits >= 8) {
			*out++ = (unsigned char)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
}

/* ByteDecode_d without the mod-q step (Algorithm 6): reads 32 * d bytes. */
static void
poly_decode(struct poly *f, const unsigned char *in, unsigned d)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (unsigned i = 0; i < 256; i++) {
		while (bits < d) {
			acc |= (uint32_t)*in++ << bits;
			bits += 8;
		}
		f->c[i] = (uint16_t)(acc & ((1u << d) - 1));
		acc >>= d;
		bits -= d;
	}
}

/* ByteDecode_12 of a secret: values reduced mod q (a 12-bit value is
 * below 2q). */
static void
poly_decode12(struct poly *f, const unsigned char *in)
{
	poly_decode(f, in, 12);
	for (unsigned i = 0; i < 256; i++)
		f->c[i] = fq_csub(f->c[i]);
}

/* ByteEncode_d(Compress_d(f)) (section 4.2.1) */
static void
poly_compress(unsigned char *out, struct poly *f, unsigned d)
{
	for (unsigned i = 0; i < 256; i++)
		f->c[i] = (uint16_t)(fq_div(((uint32_t)f->c[i] << d) + Q / 2) &
		    ((1u << d) - 1));
	poly_encode(out, f, d);
}

/* Decompress_d(ByteDecode_d(in)) */
static void
poly_decompress(struct poly *f, const unsigned char *in, unsigned d)
{
	poly_decode(f, in, d);
	for (unsigned i = 0; i < 256; i++)
		f->c[i] = (uint16_t)(((uint32_t)f->c[i] * Q + (1u << (d - 1))) >> d);
}

/* SampleNTT (Algorithm 7) of rho || col || row: the matrix entry A[row][col]
 * in the NTT domain.  Rejection depends on the public rho only. */
static void
poly_sample_ntt(struct poly *a, const unsigned char rho[32], unsigned row,
    unsigned col)
{
	struct keccak x;
	unsigned char seed[34], b[KECCAK_SHAKE128_RATE];
	unsigned n = 0;

	memcpy(seed, rho, 32);
	seed[32] = (unsigned char)col;
	seed[33] = (unsigned char)row;
	keccak_shake128_init(&x);
	keccak_absorb(&x, seed, sizeof seed);
	while (n < 256) {
		keccak_squeeze(&x, b, sizeof b);
		for (unsigned i = 0; i + 3 <= sizeof b && n < 256; i += 3) {
			unsigned d1 = b[i] | ((unsigned)(b[i + 1] & 15) << 8);
			unsigned d2 = (b[i + 1] >> 4) | ((unsigned)b[i + 2] << 4);

			if (d1 < Q)
				a->c[n++] = (uint16_t)d1;
			if (d2 < Q && n < 256)
				a->c[n++] = (uint16_t)d2;
		}
	}
}

/* SamplePolyCBD_2(PRF_2(seed, nonce)) (Algorithm 8, eta = 2) */
static void
poly_cbd(struct poly *f, const unsigned char seed[32], unsigned nonce)
{
	unsigned char in[33], buf[128];

	memcpy(in, seed, 32);
	in[32] = (unsigned char)nonce;
	keccak_shake256(buf, sizeof buf, in, sizeof in);
	for (unsigned i = 0; i < 256; i++) {
		unsigned v = (buf[i / 2] >> (4 * (i & 1))) & 15;
		uint16_t x = (uint16_t)((v & 1) + ((v >> 1) & 1));
		uint16_t y = (uint16_t)(((v >> 2) & 1) + ((v >> 3) & 1));

		f->c[i] = fq_sub(x, y);
	}
	explicit_bzero(in, sizeof in);
	explicit_bzero(buf, sizeof buf);
}

/* ---- K-PKE ---- */

/* K-PKE.KeyGen (Algorithm 13): ek = ByteEncode_12(t) || rho, dk_pke =
 * ByteEncode_12(s), t = A s + e computed one row at a time. */
static void
kpke_keygen(unsigned char ek[MLKEM_EK_LEN], unsigned char dk_pke[PKE_BYTES],
    const unsigned char d[32])
{
	unsigned char in[33], rs[64];   /* rho = rs[0..32), sigma = rs[32..64) */
	struct poly s[K], a, t;
	unsigned i, j;

	memcpy(in, d, 32);
	in[32] = K;
	keccak_sha3_512(rs, in, sizeof in);
	for (i = 0; i < K; i++) {
		poly_cbd(&s[i], rs + 32, i);
		poly_ntt(&s[i]);
	}
	for (i = 0; i < K; i++) {
		poly_cbd(&t, rs + 32, K + i);
		poly_ntt(&t);
		for (j = 0; j < K; j++) {
			poly_sample_ntt(&a, rs, i, j);
			poly_basemul_acc(&t, &a, &s[j]);
		}
		poly_encode(ek + i * POLY_BYTES, &t, 12);
	}
	memcpy(ek + PKE_BYTES, rs, 32);
	for (i = 0; i < K; i++)
		poly_encode(dk_pke + i * POLY_BYTES, &s[i], 12);
	explicit_bzero(in, sizeof in);
	explicit_bzero(rs, sizeof rs);
	explicit_bzero(s, sizeof s);
	explicit_bzero(&t, sizeof t);
}

/* K-PKE.Encrypt (Algorithm 14); `ek` passed the modulus check. */
static void
kpke_encrypt(unsigned char ct[MLKEM_CT_LEN], const unsigned char ek[MLKEM_EK_LEN],
    const unsigned char m[32], const unsigned char r[32])
{
	const unsigned char *rho = ek + PKE_BYTES;
	struct poly y[K], a, u;
	unsigned i, j;

	for (i = 0; i < K; i++) {
		poly_cbd(&y[i], r, i);
		poly_ntt(&y[i]);
	}
	/* u = NTT^-1(A^T y) + e1 */
	for (i = 0; i < K; i++) {
		memset(&u, 0, sizeof u);
		for (j = 0; j < K; j++) {
			poly_sample_ntt(&a, rho, j, i);
			poly_basemul_acc(&u, &a, &y[j]);
		}
		poly_invntt(&u);
		poly_cbd(&a, r, K + i);
		poly_add(&u, &a);
		poly_compress(ct + i * CT_U_BYTES, &u, DU);
	}
	/* v = NTT^-1(t^T y) + e2 + Decompress_1(m) */
	memset(&u, 0, sizeof u);
	for (j = 0; j < K; j++) {
		poly_decode(&a, ek + j * POLY_BYTES, 12);
		poly_basemul_acc(&u, &a, &y[j]);
	}
	poly_invntt(&u);
	poly_cbd(&a, r, 2 * K);
	poly_add(&u, &a);
	poly_decompress(&a, m, 1);
	poly_add(&u, &a);
	poly_compress(ct + CT_V_OFF, &u, DV);
	explicit_bzero(y, sizeof y);
	explicit_bzero(&a, sizeof a);
	explicit_bzero(&u, sizeof u);
}

/* K-PKE.Decrypt (Algorithm 15): m = Compress_1(v - NTT^-1(s^T NTT(u))). */
static void
kpke_decrypt(unsigned char m[32], const unsigned char dk_pke[PKE_BYTES],
    const unsigned char ct[MLKEM_CT_LEN])
{
	struct poly u, s, w;
	unsigned i;

	memset(&w, 0, sizeof w);
	for (i = 0; i < K; i++) {
		poly_decompress(&u, ct + i * CT_U_BYTES, DU);
		poly_ntt(&u);
		poly_decode12(&s, dk_pke + i * POLY_BYTES);
		poly_basemul_acc(&w, &s, &u);
	}
	poly_invntt(&w);
	poly_decompress(&u, ct + CT_V_OFF, DV);
	for (i = 0; i < 256; i++)
		u.c[i] = fq_sub(u.c[i], w.c[i]);
	poly_compress(m, &u, 1);
	explicit_bzero(&u, sizeof u);
	explicit_bzero(&s, sizeof s);
	explicit_bzero(&w, sizeof w);
}

/* ---- ML-KEM ---- */

/* Modulus check of FIPS 203 section 7.2: ByteEncode_12(ByteDecode_12(t))
 * == t, i.e. no 12-bit value of t is q or more.  Public data: may branch. */
static int
mlkem_ek_ok(const unsigned char ek[MLKEM_EK_LEN])
{
	struct poly t;

	for (unsigned i = 0; i < K; i++) {
		poly_decode(&t, ek + i * POLY_BYTES, 12);
		for (unsigned j = 0; j < 256; j++)
			if (t.c[j] >= Q)
				return 0;
	}
	return 1;
}

void
mlkem_keygen_derand(unsigned char ek[MLKEM_EK_LEN], unsigned char dk[MLKEM_DK_LEN],
    const unsigned char d[32], const unsigned char z[32])
{
	kpke_keygen(ek, dk, d);
	memcpy(dk + PKE_BYTES, ek, MLKEM_EK_LEN);
	keccak_sha3_256(dk + PKE_BYTES + MLKEM_EK_LEN, ek, MLKEM_EK_LEN);
	memcpy(dk + PKE_BYTES + MLKEM_EK_LEN + 32, z, 32);
}

int
mlkem_keygen(unsigned char ek[MLKEM_EK_LEN], unsigned char dk[MLKEM_DK_LEN])
{
	unsigned char seed[64];

	if (rand_bytes(seed, sizeof seed) != 0) {
		memset(ek, 0, MLKEM_EK_LEN);
		memset(dk, 0, MLKEM_DK_LEN);
		explicit_bzero(seed, sizeof seed);
		return MEEK_EIO;
	}
	mlkem_keygen_derand(ek, dk, seed, seed + 32);
	explicit_bzero(seed, sizeof seed);
	return 0;
}

int
mlkem_encaps_derand(unsigned char ct[MLKEM_CT_LEN], unsigned char ss[MLKEM_SS_LEN],
    const unsigned char ek[MLKEM_EK_LEN], const unsigned char m[32])
{
	unsigned char mh[64], kr[64];   /* m || H(ek); K || r */

	if (!mlkem_ek_ok(ek)) {
		memset(ct, 0, MLKEM_CT_LEN);
		memset(ss, 0, MLKEM_SS_LEN);
		return MEEK_EPROTO;
	}
	memcpy(mh, m, 32);
	keccak_sha3_256(mh + 32, ek, MLKEM_EK_LEN);
	keccak_sha3_512(kr, mh, sizeof mh);
	kpke_encrypt(ct, ek, m, kr + 32);
	memcpy(ss, kr, MLKEM_SS_LEN);
	explicit_bzero(mh, sizeof mh);
	explicit_bzero(kr, sizeof kr);
	return 0;
}

int
mlkem_encaps(unsigned char ct[MLKEM_CT_LEN], unsigned char ss[MLKEM_SS_LEN],
    const unsigned char ek[MLKEM_EK_LEN])
{
	unsigned char m[32];
	int rc;

	if (rand_bytes(m, sizeof m) != 0) {
		memset(ct, 0, MLKEM_CT_LEN);
		memset(ss, 0, MLKEM_SS_LEN);
		explicit_bzero(m, sizeof m);
		return MEEK_EIO;
	}
	rc = mlkem_encaps_derand(ct, ss, ek, m);
	explicit_bzero(m, sizeof m);
	return rc;
}

/* 0xff when a[0..n) and b[0..n) differ, else 0, without a branch; the
 * volatile keeps the compiler from turning the mask back into one. */
static unsigned char
mlkem_ne_mask(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned acc = 0;
	unsigned d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned)(a[i] ^ b[i]);
	acc = d;
	return (unsigned char)(0u - ((acc + 0xffu) >> 8));
}

void
mlkem_decaps(unsigned char ss[MLKEM_SS_LEN], const unsigned char ct[MLKEM_CT_LEN],
    const unsigned char dk[MLKEM_DK_LEN])
{
	const unsigned char *ek = dk + PKE_BYTES;
	const unsigned char *h = ek + MLKEM_EK_LEN;
	const unsigned char *z = h + 32;
	unsigned char mh[64], kr[64], kbar[32], ct2[MLKEM_CT_LEN], mask;
	struct keccak j;

	kpke_decrypt(mh, dk, ct);
	memcpy(mh + 32, h, 32);
	keccak_sha3_512(kr, mh, sizeof mh);
	/* K-bar = J(z || c) */
	keccak_shake256_init(&j);
	keccak_absorb(&j, z, 32);
	keccak_absorb(&j, ct, MLKEM_CT_LEN);
	keccak_squeeze(&j, kbar, sizeof kbar);
	keccak_clear(&j);
	kpke_encrypt(ct2, ek, mh, kr + 32);
	mask = mlkem_ne_mask(ct, ct2, MLKEM_CT_LEN);
	for (unsigned i = 0; i < MLKEM_SS_LEN; i++)
		ss[i] = (unsigned char)(kr[i] ^ (mask & (kr[i] ^ kbar[i])));
	explicit_bzero(mh, sizeof mh);
	explicit_bzero(kr, sizeof kr);
	explicit_bzero(kbar, sizeof kbar);
	explicit_bzero(ct2, sizeof ct2);
}
