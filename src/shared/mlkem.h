/*
 * mlkem: ML-KEM-768 (FIPS 203, August 2024) key generation, encapsulation
 * and decapsulation, for TLS's X25519MLKEM768 key share.  Hashes come from
 * shared/keccak (G = SHA3-512, H = SHA3-256, J and PRF = SHAKE256, XOF =
 * SHAKE128); randomness from shared/rand.
 *
 * Constant time: arithmetic mod q is done on values in [0, q) with Barrett
 * multiply-and-shift and mask-based conditional subtraction (no `%` or `/`
 * on secrets); CBD sampling, Compress and the bit packing are straight-line
 * code; the only data-dependent loop is SampleNTT's rejection sampling,
 * which depends on the public seed rho only.  Decapsulation re-encrypts,
 * compares the ciphertexts with an OR-accumulated difference and selects
 * the real or the rejection key with a mask (FIPS 203 section 6.3: implicit
 * rejection), never with a branch.  Secret intermediates are wiped with
 * explicit_bzero before returning.
 *
 * Stack: no function keeps the matrix A; each entry is sampled when needed
 * and vectors are encoded or decoded one polynomial at a time, so the
 * deepest call chain (mlkem_decaps) uses about 3.5 KiB of stack at -O2 and
 * under 6 KiB at -O0 (gcc -fstack-usage), safe on 64 KiB thread stacks
 * (tests/unit/test_mlkem.c runs on one).  No heap allocation.
 * Thread: any (no shared state).
 */
#ifndef MEEK_SHARED_MLKEM_H
#define MEEK_SHARED_MLKEM_H

#define MLKEM_EK_LEN 1184
#define MLKEM_DK_LEN 2400
#define MLKEM_CT_LEN 1088
#define MLKEM_SS_LEN 32

/* ML-KEM.KeyGen_internal: derives the encapsulation key `ek` and the
 * decapsulation key `dk` (expanded form: dk_pke || ek || H(ek) || z) from
 * the seeds `d` and `z`.  The caller owns all buffers and wipes `dk`. */
void mlkem_keygen_derand(unsigned char ek[MLKEM_EK_LEN], unsigned char dk[MLKEM_DK_LEN],
    const unsigned char d[32], const unsigned char z[32]);

/* ML-KEM.KeyGen with fresh seeds from rand_bytes().  Returns 0, or
 * MEEK_EIO (no randomness; ek and dk are then zeroed). */
int mlkem_keygen(unsigned char ek[MLKEM_EK_LEN], unsigned char dk[MLKEM_DK_LEN]);

/* ML-KEM.Encaps_internal with the message `m`: writes the ciphertext `ct`
 * and the shared secret `ss`.  Checks `ek` first (FIPS 203 7.2: every
 * 12-bit coefficient of t below q); returns 0, or MEEK_EPROTO when `ek`
 * fails that check (ct and ss are then zeroed). */
int mlkem_encaps_derand(unsigned char ct[MLKEM_CT_LEN], unsigned char ss[MLKEM_SS_LEN],
    const unsigned char ek[MLKEM_EK_LEN], const unsigned char m[32]);

/* ML-KEM.Encaps with a fresh m from rand_bytes().  Returns 0, MEEK_EPROTO
 * (bad ek) or MEEK_EIO (no randomness); ct and ss are zeroed on error. */
int mlkem_encaps(unsigned char ct[MLKEM_CT_LEN], unsigned char ss[MLKEM_SS_LEN],
    const unsigned char ek[MLKEM_EK_LEN]);

/* ML-KEM.Decaps_internal: writes the shared secret for `ct` under `dk` to
 * `ss`; for a ciphertext that does not re-encrypt to itself, `ss` is the
 * implicit-rejection key J(z || ct), indistinguishable to the sender and
 * computed in the same time.  `dk` must come from mlkem_keygen*() (its
 * embedded H(ek) is not re-checked). */
void mlkem_decaps(unsigned char ss[MLKEM_SS_LEN], const unsigned char ct[MLKEM_CT_LEN],
    const unsigned char dk[MLKEM_DK_LEN]);

#endif
