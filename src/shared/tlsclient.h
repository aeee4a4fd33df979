/*
 * tlsclient: meek's own TLS client engine on BearSSL 0.6 primitives.
 *
 * One ClientHello (tlshello: Chrome's, profile chosen by the caller) for
 * every server; the server picks TLS 1.3 (RFC 8446) or TLS 1.2 (RFC 5246
 * with ECDHE).  Extended master secret (RFC 7627) is offered and used when
 * the server acks it, but not required: BearSSL 0.6 (meek-server's TLS)
 * does not implement it (tested: tlsclient_tls12_bearssl_server sees no
 * ack), and Chrome accepts such servers too.  A resumed TLS 1.2 session
 * must keep the EMS state of the one it resumes (RFC 7627 5.3).
 *
 *  TLS 1.3: full handshake with (EC)DHE (X25519MLKEM768, X25519, P-256,
 *   P-384), HelloRetryRequest (with or without cookie; a second one or a
 *   group we did not offer fail), PSK resumption (psk_dhe_ke) from tickets
 *   kept per server name in tlsticket, EncryptedExtensions, Certificate and
 *   CompressedCertificate (brotli), CertificateVerify, Finished, an empty
 *   client Certificate when the server asks for one, NewSessionTicket and
 *   KeyUpdate after the handshake, one ChangeCipherSpec sent as Chrome does
 *   (middlebox compatibility: after the server's first flight, before our
 *   next one) and the server's ignored.
 *  TLS 1.2: the downgrade sentinel is checked; ECDHE_ECDSA / ECDHE_RSA with
 *   AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305 only (the CBC and RSA key
 *   exchange suites of Chrome's list are offered, but a server that picks
 *   one fails with handshake_failure "server chose <suite>, which meek-client
 *   does not implement"); X25519, P-256, P-384; secure renegotiation (empty
 *   renegotiation_info, checked by tlsmsg; a server without it is
 *   accepted, as Chrome does; we never renegotiate: a HelloRequest is
 *   ignored); session-id resumption from tlsticket.  session_ticket is
 *   offered empty (Chrome's hello); a TLS 1.2 NewSessionTicket is read and
 *   ignored (session ids only, so a ticket-only TLS 1.2 server is not
 *   resumed).
 *  ChangeCipherSpec: BoringSSL (ssl/tls13_client.cc) queues one CCS after
 *   the server's first message, whether ServerHello or HelloRetryRequest,
 *   so it goes before ClientHello 2 or before the client Finished; we do
 *   the same.  openssl 3.0's s_server -stateless rejects it (its own
 *   s_client fails the same way unless -no_middlebox).
 *
 * Buffers: one input buffer (up to four records read at once,
 * TLSCLIENT_IN_CAP) and one output buffer (one record being filled,
 * TLSCLIENT_OUT_CAP), about 83 KB (pages touched only as bytes arrive),
 * held only while they hold bytes: after the handshake, a read that finds
 * nothing buffered and no input for ARENA_IDLE_MS gives the input buffer
 * back (arena_poll) for the rest of its wait, tlsclient_flush gives the
 * output buffer back and tlsclient_idle both (when they hold nothing), so
 * an idle connection keeps about 1 KB.  Handshake state (key pairs, the
 * handshake message being reassembled, the certificate chain) is
 * allocated during the handshake and wiped and freed after it.
 * Every wait of the handshake is bounded by one deadline (`timeout_ms` of
 * tlsclient_open); later reads and writes wait at most the current timeout
 * each (tlsclient_set_timeout).
 *
 * Errors: a certificate rejection as its reason's code (tlsx509_reason_code:
 * MEEK_ECERTCA, MEEK_ECERTNAME, MEEK_ECERTEXPIRED, MEEK_ECERTNOTYET,
 * MEEK_ECERTDATES, else MEEK_ECERT; why from tlsx509, "certificate not
 * trusted (unknown CA)", ...); MEEK_EALERT with why "TLS alert from peer:
 * <name>" for a fatal alert received; MEEK_ETLS with why "TLS handshake
 * failed: <reason>" / "TLS record failed: <reason>" for a local failure
 * (the matching fatal alert is sent first); MEEK_ETIMEDOUT ("timed out"),
 * MEEK_ECLOSED (close_notify, or EOF: "connection closed by peer"),
 * MEEK_EIO, MEEK_ENOMEM.  After a fatal error every call returns the same
 * error.
 * Thread: a tlsclient has one owner; tlsticket is shared (its own lock).
 */
#ifndef MEEK_SHARED_TLSCLIENT_H
#define MEEK_SHARED_TLSCLIENT_H
#include <stddef.h>
#include "shared/tls.h"
#include "shared/tlshello.h"

/* Largest record we accept (TLS 1.3: 2^14 + 256 of ciphertext). */
#define TLSCLIENT_REC_MAX (5 + 16384 + 256)
/* The input buffer: room for four whole records, so that one recv() takes
 * what the socket holds (a bulk download: four records per system call,
 * not one). */
#define TLSCLIENT_IN_CAP (4 * TLSCLIENT_REC_MAX)
/* One record of at most 2^14 plaintext bytes and its protection. */
#define TLSCLIENT_OUT_CAP (13 + 16384 + 1 + 16 + 32)

struct tlsclient;

/* Runs the handshake on connected `fd` (not owned) with `server_name` as
 * SNI, certificate name (a DNS name or an IP literal) and ticket key, the
 * hello `profile`, and anchors `ta` (borrowed for the life of the
 * connection).  `timeout_ms` bounds the whole handshake.  Returns 0 with
 * *out, or an error as above with *why. */
int tlsclient_open(struct tlsclient **out, int fd, const struct tls_anchors *ta,
    const char *server_name, enum tlshello_profile profile, int timeout_ms,
    const char **why);
/* Runs a handshake as tlsclient_open() does (same hello) only as far as
 * the server's certificate chain, reads the leaf's validity dates into
 * *not_before / *not_after (Unix seconds) and aborts (no trust anchors:
 * the chain is never accepted, bad_certificate or unknown_ca is sent; no
 * application data ever is).  For telling an expired certificate from one
 * not valid yet in messages.  Does not own `fd`.  Returns 0, or an error as
 * tlsclient_open() with *why (MEEK_ECERT when the leaf does not decode). */
int tlsclient_cert_dates(int fd, const char *server_name,
    enum tlshello_profile profile, int timeout_ms, long long *not_before,
    long long *not_after, const char **why);
void tlsclient_set_timeout(struct tlsclient *c, int timeout_ms);
/* Reads application data: >0 bytes, or MEEK_ECLOSED (close_notify or EOF),
 * MEEK_ETIMEDOUT (nothing received: the connection stays usable),
 * MEEK_EIO, MEEK_ETLS.  Handles NewSessionTicket and KeyUpdate inline. */
long tlsclient_read(struct tlsclient *c, void *buf, size_t len);
/* Buffers `buf`, sending full records.  Returns 0 or MEEK_ETIMEDOUT,
 * MEEK_EIO, MEEK_ETLS. */
int tlsclient_write(struct tlsclient *c, const void *buf, size_t len);
/* Sends the buffered record.  Returns as tlsclient_write(). */
int tlsclient_flush(struct tlsclient *c);
/* The connection will sit unused: the input and output buffers go back if
 * they hold nothing (they come back on the next read or write). */
void tlsclient_idle(struct tlsclient *c);
/* 1 when decrypted application data is waiting, or a whole record already
 * read from the socket (so the fd will not turn readable for it). */
int tlsclient_has_pending(const struct tlsclient *c);
/* 1 when the handshake resumed (TLS 1.3 PSK accepted, or the TLS 1.2
 * server echoed our cached session id). */
int tlsclient_resumed(const struct tlsclient *c);
/* What the handshake negotiated (logs, tests). */
struct tlsclient_info {
	unsigned version;        /* 0x0304 or 0x0303 */
	unsigned cipher_suite;
	unsigned group;          /* the key exchange group (TLS 1.3 and 1.2) */
	int resumed;
	int hrr;                 /* TLS 1.3: after a HelloRetryRequest */
	int hrr_cookie;          /* ... that carried a cookie */
	int ems;                 /* TLS 1.2: extended master secret */
	unsigned key_updates;    /* KeyUpdates received */
	int h2;                  /* ALPN selected "h2" */
};
void tlsclient_get_info(const struct tlsclient *c, struct tlsclient_info *out);
/* Sends close_notify if it fits in the socket buffer now (no waiting),
 * wipes and frees.  Takes NULL.  Does not close the fd. */
void tlsclient_free(struct tlsclient *c);

#endif
