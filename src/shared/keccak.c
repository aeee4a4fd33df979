/*
 * Keccak-f[1600] written from FIPS 202 section 3.2: the state is 25 lanes
 * A[x + 5y]; a round is theta, rho and pi (done together: the lane at
 * (x, y) moves to (y, 2x + 3y) rotated by rho's offset), chi and iota.
 */
#include "config.h"
#include "shared/keccak.h"

#include <string.h>

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL
};

/* rho's rotation of lane x + 5y (FIPS 202 table 2). */
static const unsigned char keccak_rho[25] = {
	0, 1, 62, 28, 27,
	36, 44, 6, 55, 20,
	3, 10, 43, 25, 39,
	41, 45, 15, 21, 8,
	18, 2, 61, 56, 14
};

static uint64_t
keccak_rotl(uint64_t v, unsigned n)
{
	return n == 0 ? v : (v << n) | (v >> (64 - n));
}

void
keccak_f1600(uint64_t st[25])
{
	uint64_t b[25], c[5], d;
	unsigned r, x, y;

	for (r = 0; r < 24; r++) {
		for (x = 0; x < 5; x++)
			c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^
			    st[x + 20];
		for (x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ keccak_rotl(c[(x + 1) % 5], 1);
			for (y = 0; y < 25; y += 5)
				st[x + y] ^= d;
		}
		for (y = 0; y < 5; y++)
			for (x = 0; x < 5; x++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
				    keccak_rotl(st[x + 5 * y],
				    keccak_rho[x + 5 * y]);
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				st[x + y] = b[x + y] ^
				    (~b[(x + 1) % 5 + y] & b[(x + 2) % 5 + y]);
		st[0] ^= keccak_rc[r];
	}
	/* b and c hold state words: a secret (ML-KEM's seeds) passes here */
	explicit_bzero(b, sizeof b);
	explicit_bzero(c, sizeof c);
}

void
keccak_init(struct keccak *k, unsigned rate_bytes, unsigned char dsbyte)
{
	memset(k->st, 0, sizeof k->st);
	k->rate = rate_bytes;
	k->pos = 0;
	k->dsbyte = dsbyte;
	k->squeezing = 0;
}

static void
keccak_xor_byte(struct keccak *k, unsigned i, unsigned char v)
{
	k->st[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

void
keccak_absorb(struct keccak *k, const void *in, size_t len)
{
	const unsigned char *p = in;

	while (len > 0) {
		keccak_xor_byte(k, k->pos++, *p++);
		len--;
		if (k->pos == k->rate) {
			keccak_f1600(k->st);
			k->pos = 0;
		}
	}
}

void
keccak_squeeze(struct keccak *k, void *out, size_t len)
{
	unsigned char *p = out;

	if (!k->squeezing) {
		/* pad10*1 after the domain bits; both may share one byte */
		keccak_xor_byte(k, k->pos, k->dsbyte);
		keccak_xor_byte(k, k->rate - 1, 0x80);
		keccak_f1600(k->st);
		k->pos = 0;
		k->squeezing = 1;
	}
	while (len > 0) {
		if (k->pos == k->rate) {
			keccak_f1600(k->st);
			k->pos = 0;
		}
		*p++ = (unsigned char)(k->st[k->pos / 8] >> (8 * (k->pos % 8)));
		k->pos++;
		len--;
	}
}

void
keccak_clear(struct keccak *k)
{
	explicit_bzero(k, sizeof *k);
}

void
keccak_shake128_init(struct keccak *k)
{
	keccak_init(k, KECCAK_SHAKE128_RATE, KECCAK_DS_SHAKE);
}

void
keccak_shake256_init(struct keccak *k)
{
	keccak_init(k, KECCAK_SHAKE256_RATE, KECCAK_DS_SHAKE);
}

static void
keccak_oneshot(unsigned rate, unsigned char ds, void *out, size_t out_len,
    const void *in, size_t in_len)
{
	struct keccak k;

	keccak_init(&k, rate, ds);
	keccak_absorb(&k, in, in_len);
	keccak_squeeze(&k, out, out_len);
	keccak_clear(&k);
}

void
keccak_sha3_256(unsigned char out[32], const void *in, size_t len)
{
	keccak_oneshot(KECCAK_SHA3_256_RATE, KECCAK_DS_SHA3, out, 32, in, len);
}

void
keccak_sha3_512(unsigned char out[64], const void *in, size_t len)
{
	keccak_oneshot(KECCAK_SHA3_512_RATE, KECCAK_DS_SHA3, out, 64, in, len);
}

void
keccak_shake128(void *out, size_t out_len, const void *in, size_t in_len)
{
	keccak_oneshot(KECCAK_SHAKE128_RATE, KECCAK_DS_SHAKE, out, out_len,
	    in, in_len);
}

void
keccak_shake256(void *out, size_t out_len, const void *in, size_t in_len)
{
	keccak_oneshot(KECCAK_SHAKE256_RATE, KECCAK_DS_SHAKE, out, out_len,
	    in, in_len);
}
