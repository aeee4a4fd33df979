/*
 * keccak: the Keccak-f[1600] sponge of FIPS 202, with SHA3-256, SHA3-512,
 * SHAKE128 and SHAKE256 (BearSSL 0.6 has none of these; ML-KEM needs them).
 *
 * A `struct keccak` is caller storage holding one sponge: absorb any number
 * of times, then squeeze any number of times (the first squeeze pads).  The
 * code has no secret-dependent branch or table index, so it may hash
 * secrets; keccak_clear() wipes a sponge that did.
 * Thread: any (a sponge has one owner).
 */
#ifndef MEEK_SHARED_KECCAK_H
#define MEEK_SHARED_KECCAK_H
#include <stddef.h>
#include <stdint.h>

#define KECCAK_SHA3_256_RATE 136
#define KECCAK_SHA3_512_RATE 72
#define KECCAK_SHAKE128_RATE 168
#define KECCAK_SHAKE256_RATE 136
#define KECCAK_DS_SHA3 0x06
#define KECCAK_DS_SHAKE 0x1f

struct keccak {
	uint64_t st[25];     /* lanes, byte i of the state = byte i%8 of st[i/8] (LE) */
	unsigned rate, pos;  /* rate in bytes; next byte of the rate to absorb/squeeze */
	unsigned char dsbyte;
	int squeezing;
};

/* Applies Keccak-f[1600] (24 rounds) to `st`. */
void keccak_f1600(uint64_t st[25]);

/* Starts an empty sponge with `rate_bytes` (a multiple of 8, below 200) and
 * the domain/padding byte `dsbyte` (KECCAK_DS_SHA3 or KECCAK_DS_SHAKE). */
void keccak_init(struct keccak *k, unsigned rate_bytes, unsigned char dsbyte);

/* Absorbs `len` bytes of `in`.  Must not be called after keccak_squeeze(). */
void keccak_absorb(struct keccak *k, const void *in, size_t len);

/* Writes the next `len` output bytes to `out`.  The first call pads the
 * input; later calls continue the same output stream, so two squeezes of
 * a and b bytes give the same bytes as one of a + b. */
void keccak_squeeze(struct keccak *k, void *out, size_t len);

/* Wipes the sponge (explicit_bzero). */
void keccak_clear(struct keccak *k);

void keccak_shake128_init(struct keccak *k);
void keccak_shake256_init(struct keccak *k);

/* One-shot hashes of `len` bytes of `in`; `out` may not overlap `in`. */
void keccak_sha3_256(unsigned char out[32], const void *in, size_t len);
void keccak_sha3_512(unsigned char out[64], const void *in, size_t len);
void keccak_shake128(void *out, size_t out_len, const void *in, size_t in_len);
void keccak_shake256(void *out, size_t out_len, const void *in, size_t in_len);

#endif
