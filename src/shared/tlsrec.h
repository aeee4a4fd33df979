/*
 * tlsrec: record protection for one direction of a TLS connection:
 * AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, in the TLS 1.3 form
 * (RFC 8446 5.2-5.4: nonce = iv XOR seq, inner content type and zero
 * padding, AAD = the record header) and the TLS 1.2 forms (RFC 5288 GCM:
 * 4-byte salt + 8-byte explicit nonce carried in the record, which we set
 * to seq; RFC 7905 ChaCha20: nonce = iv XOR seq, no explicit nonce; both
 * with AAD = seq || type || version || plaintext length).
 * The fastest AES / GHASH / ChaCha20 / Poly1305 code BearSSL offers on this
 * CPU is picked at tlsrec_dir_init (x86ni + pclmul, sse2 + ctmulq, else the
 * portable constant-time ones).
 * Records are processed in place in the caller's buffer; nothing is
 * allocated.  The struct may be copied (it holds no pointer into itself).
 * Thread: owner only (one tlsrec_dir per direction of one connection).
 */
#ifndef MEEK_SHARED_TLSREC_H
#define MEEK_SHARED_TLSREC_H
#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#define TLSREC_HEADER_LEN 5
#define TLSREC_TAG_LEN 16
#define TLSREC_PLAINTEXT_MAX 16384                  /* 2^14 */
#define TLSREC_CIPHERTEXT13_MAX (16384 + 256)       /* TLS 1.3 limit */
#define TLSREC_CIPHERTEXT12_MAX (16384 + 2048)      /* TLS 1.2 limit */
/* Largest record tlsrec_seal writes and tlsrec_open accepts, header included. */
#define TLSREC_RECORD_MAX (TLSREC_HEADER_LEN + TLSREC_CIPHERTEXT12_MAX)

/* Alert descriptions tlsrec_alert() returns. */
#define TLSREC_ALERT_UNEXPECTED_MESSAGE 10
#define TLSREC_ALERT_BAD_RECORD_MAC 20
#define TLSREC_ALERT_RECORD_OVERFLOW 22
#define TLSREC_ALERT_DECODE_ERROR 50
#define TLSREC_ALERT_INTERNAL_ERROR 80

enum tlsrec_aead { TLSREC_NULL = 0, TLSREC_AES128_GCM, TLSREC_AES256_GCM, TLSREC_CHACHA20_POLY1305 };

/* One direction's keys, IV and sequence number.  Fields are private. */
struct tlsrec_dir {
	enum tlsrec_aead aead;
	int tls13;
	uint64_t seq;               /* next record's sequence number */
	int seq_used_up;            /* set once seq 2^64-1 was used */
	unsigned alert;             /* alert for the last failure, 0 if none */
	unsigned char iv[12];       /* TLS 1.3 / ChaCha20 iv, or GCM salt in iv[0..4) */
	unsigned char key[32];      /* ChaCha20 key */
	br_aes_gen_ctr_keys aes;    /* AES CTR subkeys (x86ni or ct64) */
	br_ghash ghash;
	br_chacha20_run chacha;
	br_poly1305_run poly;
};

/* Sets up `d` for `aead` (TLSREC_NULL: plaintext records) with sequence
 * number 0.  tls13: iv is 12 bytes.  TLS 1.2: GCM iv = the 4-byte salt
 * (client_write_IV / server_write_IV of the key block), ChaCha20 iv = 12
 * bytes.  key is 16 (AES-128) or 32 bytes; key and iv are copied (the caller
 * wipes its copies).  Returns 0, or MEEK_EINVAL for an unknown aead. */
int tlsrec_dir_init(struct tlsrec_dir *d, enum tlsrec_aead aead, int tls13,
    const unsigned char *key, const unsigned char *iv);
/* Wipes `d` and sets it back to NULL (plaintext) protection, seq 0. */
void tlsrec_dir_clear(struct tlsrec_dir *d);
/* Returns the bytes tlsrec_seal needs before the plaintext: 5, or 13 for
 * TLS 1.2 GCM (header + explicit nonce). */
size_t tlsrec_head_room(const struct tlsrec_dir *d);
/* Returns the bytes tlsrec_seal needs after the plaintext: 0 for NULL,
 * 16 (tag) for TLS 1.2, 1 + pad + 16 (inner type, padding, tag) for TLS 1.3. */
size_t tlsrec_tail_room(const struct tlsrec_dir *d, size_t pad);
/* Seals in place: rec[0..head_room) is free, the plaintext is at
 * rec + head_room (len bytes), tail_room(pad) bytes are free after it.
 * Writes the 5-byte header: once protected, outer type 23 (TLS 1.3; `type`
 * goes inside) or `type` (TLS 1.2), version 0x0303; with NULL protection
 * `type` and `legacy_version` (0x0301 for Chrome's first ClientHello, else
 * 0x0303).  `pad` (zero padding, TLS 1.3 only, ignored otherwise) must keep
 * len + pad <= TLSREC_PLAINTEXT_MAX.  Advances the sequence number.
 * Returns the record's total length, or 0 when len (+ pad) is over
 * TLSREC_PLAINTEXT_MAX or the sequence number is used up (2^64 records:
 * the caller must have sent a KeyUpdate long before); see tlsrec_alert(). */
size_t tlsrec_seal(struct tlsrec_dir *d, unsigned char type, unsigned legacy_version,
    unsigned char *rec, size_t len, size_t pad);
/* Opens in place the record rec[0..rec_len) (header included; rec_len must
 * be 5 + the header's length).  Sets *type (the inner content type in TLS
 * 1.3), *data (pointing into rec) and *len (the plaintext, padding
 * stripped).  Advances the sequence number on success.
 * TLS 1.3 with protection on: an outer change_cipher_spec record of the
 * single byte 0x01 is passed through unprotected (*type 20, seq unchanged);
 * the caller must drop it if it comes before the peer's Finished and treat it
 * as unexpected_message otherwise.
 * Returns 0, or with *why and tlsrec_alert(d) set:
 *   MEEK_ETLS: the tag does not verify (bad_record_mac), or the record is too
 *     short to hold a tag (bad_record_mac);
 *   MEEK_EPROTO: ciphertext or plaintext over the limits (record_overflow),
 *     an all-zero TLS 1.3 plaintext (no inner type: unexpected_message), an
 *     outer type other than 23 / a bad change_cipher_spec in TLS 1.3
 *     (unexpected_message), a header length that disagrees with rec_len
 *     (decode_error), the sequence number used up (internal_error).
 * On failure the plaintext in rec is undefined (the record is dead). */
int tlsrec_open(struct tlsrec_dir *d, unsigned char *rec, size_t rec_len, unsigned char *type,
    unsigned char **data, size_t *len, const char **why);
/* Returns the alert description (TLSREC_ALERT_*) to send for the last
 * failure of tlsrec_seal / tlsrec_open on `d`, or 0 if there was none. */
unsigned tlsrec_alert(const struct tlsrec_dir *d);
/* Returns the sequence number of the next record. */
uint64_t tlsrec_seq(const struct tlsrec_dir *d);

#endif
