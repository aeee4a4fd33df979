/*
 * tlsticket: the client's process-wide resumption cache, keyed by server
 * name (the front: the SNI the connection used).
 *
 * Per name it keeps up to TLSTICKET_PER_NAME TLS 1.3 tickets (RFC 8446
 * 4.6.1) and one TLS 1.2 session (session id + master secret, for BearSSL
 * servers such as meek-server that resume by session id).  A TLS 1.3 ticket
 * is single-use: tlsticket_take13() removes it (RFC 8446 C.4: reusing a
 * ticket links connections).  Tickets expire after their lifetime, capped
 * at 7 days.  At most TLSTICKET_NAMES names are kept; putting a new name
 * evicts the least recently used one.  Every secret leaving the cache
 * (eviction, expiry, removal, replacement) is wiped with explicit_bzero.
 *
 * Sizes: a ticket up to TLSTICKET_TICKET_MAX (2 KiB) is cached; larger ones
 * are dropped (tlsticket_put13 returns MEEK_ETOOBIG).  Google's and
 * Cloudflare's tickets are 100-300 bytes; OpenSSL's with a stateless
 * session, 200-1200; 2 KiB leaves room and keeps the whole cache under
 * about 16 * 4 * 2.2 KiB = 140 KiB on a router.  PSKs are up to 48 bytes
 * (SHA-384).
 *
 * Times are the caller's clock_ms() values (monotonic milliseconds),
 * passed in so that tests need no sleeping.
 * Thread: any; every function takes tlsticket_lock (a leaf lock: no other
 * lock is taken under it, no I/O or logging).
 */
#ifndef MEEK_SHARED_TLSTICKET_H
#define MEEK_SHARED_TLSTICKET_H
#include <stddef.h>
#include <stdint.h>

#define TLSTICKET_NAME_MAX 255          /* longest server name (bytes) */
#define TLSTICKET_TICKET_MAX 2048
#define TLSTICKET_PSK_MAX 48
#define TLSTICKET_ALPN_MAX 32
#define TLSTICKET_PER_NAME 3
#define TLSTICKET_NAMES 16
#define TLSTICKET_LIFETIME_MAX 604800u  /* seconds (7 days) */

/* A TLS 1.3 ticket and what resuming with it needs. */
struct tlsticket13 {
	unsigned char ticket[TLSTICKET_TICKET_MAX];
	size_t ticket_len;
	unsigned char psk[TLSTICKET_PSK_MAX];   /* secret: the resumption PSK */
	size_t psk_len;                         /* the suite's hash length */
	uint16_t cipher_suite;                  /* suite of the connection that got it */
	uint32_t age_add;
	uint32_t lifetime;                      /* seconds, from the ticket */
	long long received_ms;                  /* clock_ms() when received */
	uint32_t max_early_data;                /* 0: no early data */
	unsigned char alpn[TLSTICKET_ALPN_MAX]; /* ALPN of that connection */
	size_t alpn_len;
};

/* A TLS 1.2 session. */
struct tlsticket12 {
	unsigned char session_id[32];
	size_t session_id_len;                  /* 1..32 */
	unsigned char master[48];               /* secret */
	uint16_t cipher_suite;
	int ems;                                /* 1: extended master secret was used */
};

/* Copies *t into name's tickets (the oldest of a full set is dropped and
 * wiped).  Returns 0; MEEK_EINVAL when name is empty or longer than
 * TLSTICKET_NAME_MAX, lifetime is 0, psk_len is 0 or > TLSTICKET_PSK_MAX,
 * ticket_len is 0, alpn_len too long; MEEK_ETOOBIG when the ticket exceeds
 * TLSTICKET_TICKET_MAX. The caller still wipes its own copy. */
int tlsticket_put13(const char *name, const struct tlsticket13 *t);

/* Takes the newest unexpired ticket of `name` (at `now_ms`) out of the
 * cache into *out; expired ones met are wiped.  Returns 1 (the caller must
 * tlsticket13_clear(out) when done), or 0 when there is none. */
int tlsticket_take13(const char *name, long long now_ms, struct tlsticket13 *out);

/* The obfuscated_ticket_age of RFC 8446 4.2.11 for `t` at now_ms. */
uint32_t tlsticket_obfuscated_age(const struct tlsticket13 *t, long long now_ms);

/* Stores *s as name's TLS 1.2 session (replacing and wiping any older).
 * Returns 0 or MEEK_EINVAL (bad name, session_id_len not 1..32). */
int tlsticket_put12(const char *name, const struct tlsticket12 *s);

/* Copies name's TLS 1.2 session into *out (it stays cached: session ids are
 * reusable).  Returns 1 or 0.  The caller wipes *out when done. */
int tlsticket_get12(const char *name, struct tlsticket12 *out);

/* Drops (and wipes) name's TLS 1.2 session: the server did not resume it,
 * or the connection failed. */
void tlsticket_remove12(const char *name);

/* Drops everything cached for `name`. */
void tlsticket_forget(const char *name);

/* Drops everything (tests, shutdown). */
void tlsticket_clear_all(void);

/* Number of tickets of `name` currently cached, expired ones included
 * (tests). */
size_t tlsticket_count13(const char *name);

/* Wipes a ticket / session copy. */
void tlsticket13_clear(struct tlsticket13 *t);
void tlsticket12_clear(struct tlsticket12 *s);

#endif
