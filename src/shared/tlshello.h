/*
 * tlshello: the ClientHello of Chromium 156 (BoringSSL), field for field, and
 * the key shares it carries.
 *
 * One builder, profiles as data (tlshello.c's tables):
 *   chrome     ALPN h2, http/1.1 and ALPS (application_settings 0x44cd) for h2
 *              (JA4 t13d1517h2_8daaf6152771_cb7bf5808d99)
 *   chrome-ws  ALPN http/1.1 only, no ALPS: what Chromium sends for wss://
 *              (JA4 t13d1516h1_8daaf6152771_5b37b36a67c0)
 * Per connection (tlshello_build): a fresh random, a random 32-byte session id,
 * seven GREASE values (cipher, group, first and last extension, version, ECH
 * config id, signature algorithm), a fresh extension order (GREASE first, the
 * non-empty GREASE last, pre_shared_key after it when offered), a GREASE ECH
 * extension (random config id, HKDF-SHA256 + AES-128-GCM (ChaCha20-Poly1305
 * without AES instructions), an X25519 `enc`, a random payload of 144, 176, 208
 * or 240 bytes) and key shares GREASE + X25519MLKEM768 + X25519.  The cipher
 * list puts ChaCha20 first when the CPU has no AES instructions, as Chrome does.
 * No padding extension (the last GREASE extension is never empty).
 * The hello is the handshake message with its 4-byte header; the caller frames
 * it in a record with version 0x0301.
 * Thread: a struct tlshello has one owner; the module has no global state.
 */
#ifndef MEEK_SHARED_TLSHELLO_H
#define MEEK_SHARED_TLSHELLO_H
#include <stddef.h>
#include <stdint.h>

enum tlshello_profile { TLSHELLO_CHROME_WS = 0, TLSHELLO_CHROME = 1 };

/* Room a hello can need (out's capacity for tlshello_build*). */
#define TLSHELLO_MAX 8192
/* Limits on what the caller hands in (MEEK_ETOOBIG beyond them). */
#define TLSHELLO_SNI_MAX 253
#define TLSHELLO_IDENTITY_MAX 2048

/* Named groups and the GREASE test. */
#define TLSHELLO_GROUP_P256 0x0017
#define TLSHELLO_GROUP_P384 0x0018
#define TLSHELLO_GROUP_X25519 0x001d
#define TLSHELLO_GROUP_X25519MLKEM768 0x11ec
#define TLSHELLO_IS_GREASE(v) ((((v) & 0x0f0f) == 0x0a0a) && (((v) >> 8) == ((v) & 0xff)))

/* 1 when every hello (both profiles) offers signature scheme `scheme` in
 * signature_algorithms, 0 else (GREASE values included: they are never a
 * valid choice).  The one list of the offered schemes: RFC 8446 4.4.3 /
 * RFC 5246 7.4.1.4.1 let the server use only these. */
int tlshello_offers_sigalg(uint16_t scheme);

/* Sets *out from "chrome" or "chrome-ws".  Returns 0 or MEEK_EINVAL. */
int tlshello_profile_parse(const char *name, enum tlshello_profile *out);
/* Returns the profile's name ("chrome", "chrome-ws"). */
const char *tlshello_profile_name(enum tlshello_profile p);
/* Returns a key exchange group's IANA name ("X25519MLKEM768", "X25519",
 * "secp256r1", "secp384r1"), or "?" for a group no hello offers. */
const char *tlshello_group_name(unsigned group);

/* Maps a uTLS client hello name (Go meek's --utls) to a profile: HelloChrome_*
 * and HelloRandomized* (case-insensitive, "Hello" optional) give
 * TLSHELLO_CHROME with *exact = 1; any other name (HelloFirefox_Auto, HelloIOS_*,
 * HelloGolang, "none", ...) gives TLSHELLO_CHROME with *exact = 0 (the caller
 * logs that Chrome's hello is sent instead).  `exact` may be NULL.  A caller
 * that speaks HTTP/1.1 only picks TLSHELLO_CHROME_WS itself. */
enum tlshello_profile tlshello_from_utls(const char *utls, int *exact);

/* A TLS 1.3 ticket to offer (pre_shared_key, always the last extension).
 * Borrowed for the call only. binder_len: 32 (SHA-256) or 48 (SHA-384). */
struct tlshello_psk {
	const unsigned char *identity;
	size_t identity_len;
	uint32_t obfuscated_age;
	size_t binder_len;
};

#define TLSHELLO_MLKEM_EK 1184
#define TLSHELLO_MLKEM_DK 2400
#define TLSHELLO_ECH_MAX 282
#define TLSHELLO_NEXT 20

/* Per-connection state. Caller storage; every field is private. */
struct tlshello {
	enum tlshello_profile profile;
	int aes_hw;
	unsigned char random[32];
	unsigned char session_id[32];
	size_t session_id_len;
	uint16_t grease[8];
	uint16_t order[TLSHELLO_NEXT];   /* extension types, permuted (cookie included) */
	size_t n_order;
	char sni[TLSHELLO_SNI_MAX + 1];  /* "" when no server_name is sent */
	unsigned char ech[TLSHELLO_ECH_MAX];
	size_t ech_len;
	/* key shares of the hello last built: groups[0..n_groups) */
	uint16_t groups[2];
	size_t n_groups;
	unsigned char x25519_sk[32], x25519_pk[32];        /* X25519 */
	unsigned char hy_x_sk[32], hy_x_pk[32];            /* X25519 half of the hybrid */
	unsigned char mlkem_ek[TLSHELLO_MLKEM_EK];
	unsigned char mlkem_dk[TLSHELLO_MLKEM_DK];
	unsigned char ec_sk[48];                           /* P-256 / P-384 (retry) */
	size_t ec_sk_len;
	unsigned char ec_pk[97];
	size_t ec_pk_len;
	int built, retry;
};

/* Builds ClientHello 1 (handshake header included) into out[0..*len)
 * (cap >= TLSHELLO_MAX is always enough) and fills `h` (overwritten; call
 * tlshello_clear when done).  `sni`: the server_name to send; NULL, "" or an
 * IPv4/IPv6 literal sends none (Chrome sends no SNI for addresses).
 * `sid12` (sid12_len 1..32 bytes): the id of a cached TLS 1.2 session to
 * resume, sent as the session id; NULL: a random 32-byte id (TLS 1.3
 * compatibility mode).  session_ticket is always sent empty (no TLS 1.2
 * tickets are cached).  Both are borrowed for the call only.
 * `psk` NULL: none.  With a psk the binder bytes are left zero and
 * *binders_off is the offset in `out` of the binders list (its 2-byte
 * length; the binder's bytes start at out + *binders_off + 3): the engine
 * computes the binder over out[0..*binders_off) and writes it in.  Without a
 * psk *binders_off is 0; binders_off may be NULL then.
 * (Parameters sid12/sid12_len were added to the design's contract for
 * tlsclient's TLS 1.2 resumption.)
 * Returns 0, MEEK_EINVAL (psk binder_len not 32/48 or empty identity, bad
 * sid12_len, bad profile), MEEK_ETOOBIG (cap too small, sni or identity over
 * its limit) or MEEK_EIO (no randomness). */
int tlshello_build(struct tlshello *h, enum tlshello_profile p, const char *sni,
    const struct tlshello_psk *psk, const unsigned char *sid12, size_t sid12_len,
    unsigned char *out, size_t cap, size_t *len, size_t *binders_off);

/* Builds ClientHello 2 after a HelloRetryRequest: the same random, session
 * id, GREASE values, ECH extension and extension order; key_share holds one
 * fresh share for `group` only (no GREASE share, as BoringSSL does); the
 * cookie extension (at its place in the order) when cookie_len > 0; `psk` as
 * for tlshello_build (the engine drops a PSK whose hash differs from the
 * suite's).  The previous key pairs are wiped.
 * `group` 0: the HelloRetryRequest had no key_share, only a cookie (RFC 8446
 * 4.1.2, e.g. a stateless server): the first hello's key pairs are kept and
 * its key_share extension is sent again unchanged (GREASE share included, as
 * BoringSSL does); tlshello_shared_secret then accepts the first hello's
 * groups.  cookie_len must be > 0 then.
 * Returns 0, MEEK_EPROTO (group not in supported_groups, a group whose
 * share the first hello already carried, or group 0 without a cookie: the
 * retry would change nothing, RFC 8446 4.1.4, send illegal_parameter),
 * MEEK_EINVAL (no tlshello_build before, cookie NULL with cookie_len > 0),
 * MEEK_ETOOBIG, MEEK_EIO. */
int tlshello_build_retry(struct tlshello *h, uint16_t group, const unsigned char *cookie,
    size_t cookie_len, const struct tlshello_psk *psk, unsigned char *out, size_t cap,
    size_t *len, size_t *binders_off);

/* Computes the shared secret for the server's key_share (group, share) into
 * out: X25519 32 bytes (all-zero result rejected); P-256 / P-384 the ECDH
 * x-coordinate (32 / 48; the point must be uncompressed and on the curve);
 * X25519MLKEM768 (share = ML-KEM ciphertext 1088 || X25519 32): ML-KEM ss (32)
 * || X25519 ss (32).  Returns the length, MEEK_EPROTO (bad share, group not
 * offered by the hello last built) or MEEK_ETOOBIG (cap too small). */
int tlshello_shared_secret(struct tlshello *h, uint16_t group, const unsigned char *share,
    size_t share_len, unsigned char *out, size_t cap);

/* The hello's client random (32 bytes), session id (tlshello_session_id_len
 * bytes: 32, or sid12_len when resuming a TLS 1.2 session); valid while `h`
 * lives. */
const unsigned char *tlshello_random(const struct tlshello *h);
const unsigned char *tlshello_session_id(const struct tlshello *h);
size_t tlshello_session_id_len(const struct tlshello *h);

/* Wipes every private key and the whole state. */
void tlshello_clear(struct tlshello *h);

#endif
