/*
 * tlskeys: the handshake transcript hash, the TLS 1.3 key schedule
 * (RFC 8446 section 7.1, HKDF of RFC 5869 on br_hmac) and the TLS 1.2 master
 * secret with extended master secret (RFC 7627), key block and Finished on
 * BearSSL's TLS 1.2 PRFs.  Callers allocate the structs (their fields are
 * public for the engine and the tests) and wipe them with the *_clear
 * functions.  Sizes: every "hash length" buffer below is h->desc's output
 * size (32 for SHA-256, 48 for SHA-384), at most TLSKEYS_HASH_MAX.
 * No function fails: bad arguments (a label over 249 bytes, an output over
 * 255 hash lengths) are programming errors and abort().
 * Thread: owner only (each struct belongs to one connection); the functions
 * that take no struct are pure and callable from any thread.
 */
#ifndef MEEK_SHARED_TLSKEYS_H
#define MEEK_SHARED_TLSKEYS_H
#include <bearssl.h>
#include <stddef.h>

#define TLSKEYS_HASH_MAX 48

/* The running hash of the handshake messages (headers included).  Until a
 * hash is selected both SHA-256 and SHA-384 run, because the ClientHello is
 * hashed before the server picks the suite. */
struct tlskeys_transcript {
	br_sha256_context sha256;
	br_sha384_context sha384;
	const br_hash_class *h;     /* NULL until selected */
};

/* Starts an empty transcript with both hashes running. */
void tlskeys_transcript_init(struct tlskeys_transcript *t);
/* Appends `len` bytes of handshake messages (borrowed for the call). */
void tlskeys_transcript_add(struct tlskeys_transcript *t, const void *msg, size_t len);
/* Keeps only `h` (&br_sha256_vtable or &br_sha384_vtable) from now on. */
void tlskeys_transcript_select(struct tlskeys_transcript *t, const br_hash_class *h);
/* Writes the hash of everything added so far into `out` (hash length) and
 * returns its length; the transcript goes on.  Returns 0 and writes nothing
 * while no hash is selected. */
size_t tlskeys_transcript_hash(const struct tlskeys_transcript *t, unsigned char *out);
/* Writes Hash(transcript || extra[0..extra_len)) with `h` into `out` without
 * changing `t`, and returns the hash length: for the PSK binder (extra = the
 * ClientHello truncated before the binders).  `h` must be the selected hash
 * if one is selected; else either of the two. */
size_t tlskeys_transcript_peek(const struct tlskeys_transcript *t, const br_hash_class *h,
    const void *extra, size_t extra_len, unsigned char *out);
/* After a HelloRetryRequest: selects `h` and replaces the transcript, which
 * must hold exactly ClientHello1, by message_hash (0xfe 00 00 len ||
 * Hash(ClientHello1)), RFC 8446 4.4.1.  The caller then adds the HRR. */
void tlskeys_transcript_hrr(struct tlskeys_transcript *t, const br_hash_class *h);
/* Wipes the transcript (it is not secret, but may hold a cookie). */
void tlskeys_transcript_clear(struct tlskeys_transcript *t);

/* HKDF-Extract(salt, ikm) into `prk` (hash length).  salt NULL or salt_len
 * 0: a hash length of zeros; ikm NULL: a hash length of zeros. */
void tlskeys_extract(const br_hash_class *h, const unsigned char *salt, size_t salt_len,
    const unsigned char *ikm, size_t ikm_len, unsigned char *prk);
/* HKDF-Expand-Label(secret, "tls13 " label, ctx, out_len) into `out`.
 * `secret` is one hash length; `ctx` may be NULL when ctx_len is 0.
 * `out` may overlap `secret` (tlskeys13_update does so). */
void tlskeys_expand_label(const br_hash_class *h, const unsigned char *secret, const char *label,
    const unsigned char *ctx, size_t ctx_len, unsigned char *out, size_t out_len);

/* The TLS 1.3 secrets of one connection.  Each stage wipes the secret of the
 * stage before it (handshake wipes early, master wipes hs). */
struct tlskeys13 {
	const br_hash_class *h;
	size_t hlen;
	unsigned char early[TLSKEYS_HASH_MAX];   /* early secret */
	unsigned char hs[TLSKEYS_HASH_MAX];      /* handshake secret */
	unsigned char master[TLSKEYS_HASH_MAX];  /* master secret */
	unsigned char c_hs[TLSKEYS_HASH_MAX];    /* client_handshake_traffic_secret */
	unsigned char s_hs[TLSKEYS_HASH_MAX];    /* server_handshake_traffic_secret */
	unsigned char c_ap[TLSKEYS_HASH_MAX];    /* client_application_traffic_secret_0 */
	unsigned char s_ap[TLSKEYS_HASH_MAX];    /* server_application_traffic_secret_0 */
	unsigned char res_master[TLSKEYS_HASH_MAX]; /* resumption_master_secret */
};

/* Starts the schedule with `h` (the suite's hash): early secret =
 * HKDF-Extract(0, psk), psk NULL for a full handshake (a hash length of
 * zeros).  Borrows `psk` for the call. */
void tlskeys13_early(struct tlskeys13 *k, const br_hash_class *h, const unsigned char *psk,
    size_t psk_len);
/* Writes binder_key = Derive-Secret(early, "res binder", "") (hash length).
 * The binder is then tlskeys13_finished(h, binder_key, Hash(truncated CH)). */
void tlskeys13_binder_key(const struct tlskeys13 *k, unsigned char *out);
/* Writes client_early_traffic_secret = Derive-Secret(early, "c e traffic",
 * ClientHello) for 0-RTT; `th_ch` is Hash(ClientHello). */
void tlskeys13_early_traffic(const struct tlskeys13 *k, const unsigned char *th_ch,
    unsigned char *out);
/* Derives the handshake secret from the (EC)DHE `shared` secret (NULL for
 * psk_ke) and fills c_hs, s_hs from th_ch_sh = Hash(ClientHello..ServerHello).
 * Wipes `early`. */
void tlskeys13_handshake(struct tlskeys13 *k, const unsigned char *shared, size_t shared_len,
    const unsigned char *th_ch_sh);
/* Derives the master secret and fills c_ap, s_ap from th_ch_sf =
 * Hash(ClientHello..server Finished).  Wipes `hs`. */
void tlskeys13_master(struct tlskeys13 *k, const unsigned char *th_ch_sf);
/* Fills res_master from th_ch_cf = Hash(ClientHello..client Finished). */
void tlskeys13_resumption(struct tlskeys13 *k, const unsigned char *th_ch_cf);
/* Writes the ticket's PSK = HKDF-Expand-Label(res_master, "resumption",
 * ticket_nonce, hash length) into `psk_out`. */
void tlskeys13_ticket_psk(const br_hash_class *h, const unsigned char *res_master,
    const unsigned char *nonce, size_t nonce_len, unsigned char *psk_out);
/* Writes Finished verify_data = HMAC(Expand-Label(base_secret, "finished",
 * "", hash length), th) into `verify_out` (hash length).  Compare a
 * received one with tlskeys_equal(). */
void tlskeys13_finished(const br_hash_class *h, const unsigned char *base_secret,
    const unsigned char *th, unsigned char *verify_out);
/* Writes the record key (key_len bytes: 16 or 32) and the 12-byte IV of a
 * traffic secret. */
void tlskeys13_traffic(const br_hash_class *h, const unsigned char *secret, size_t key_len,
    unsigned char *key, unsigned char iv[12]);
/* Replaces `secret` by the next generation (KeyUpdate, "traffic upd"). */
void tlskeys13_update(const br_hash_class *h, unsigned char *secret);
/* Wipes every secret. */
void tlskeys13_clear(struct tlskeys13 *k);

/* Returns 1 when a[0..len) == b[0..len), 0 otherwise, in constant time. */
int tlskeys_equal(const unsigned char *a, const unsigned char *b, size_t len);

/* TLS 1.2.  prf = br_tls12_sha256_prf or br_tls12_sha384_prf (the suite's). */
/* Writes master = PRF(pms, "extended master secret", session_hash)[0..48)
 * (RFC 7627); session_hash is the transcript hash through ClientKeyExchange. */
void tlskeys12_master_ems(br_tls_prf_impl prf, const unsigned char *pms, size_t pms_len,
    const unsigned char *session_hash, size_t hash_len, unsigned char master[48]);
/* Writes `len` bytes of PRF(master, "key expansion", server_random ||
 * client_random).  For AEAD suites: client key, server key, client IV (4 for
 * GCM, 12 for ChaCha20), server IV. */
void tlskeys12_key_block(br_tls_prf_impl prf, const unsigned char master[48],
    const unsigned char server_random[32], const unsigned char client_random[32],
    unsigned char *out, size_t len);
/* Writes Finished verify_data = PRF(master, "client finished" or "server
 * finished", hash)[0..12). */
void tlskeys12_finished(br_tls_prf_impl prf, const unsigned char master[48], int from_client,
    const unsigned char *hash, size_t hash_len, unsigned char out[12]);

#endif
