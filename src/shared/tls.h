/*
 * tls: BearSSL glue (see shared/docs/bearssl-notes.md).
 *
 *  - trust anchors loaded from a PEM bundle (tls_anchors);
 *  - client connections: meek's own engine (tlsclient: Chrome's hello,
 *    TLS 1.3 and 1.2, tickets and sessions cached per server name in
 *    tlsticket); tls_conn_* dispatch on the connection's kind;
 *  - server credentials from a PEM chain and an RSA or EC key (PKCS#1,
 *    PKCS#8, SEC1), reloaded when the files' mtime/size change (checked at
 *    most once a second) or on tls_creds_reload(); server connections use a
 *    shared, locked session cache.
 *
 * A tls_conn owns its BearSSL contexts and its I/O buffer; it does not own
 * the fd (the stream does).  Its low-level I/O waits at most `timeout_ms`
 * (updated by tls_conn_set_timeout) for each read or write.
 * Thread: tls_anchors and tls_creds are shared read-only after load (creds
 * reload swaps under creds->lock; connections hold a reference to the
 * version they started with); a tls_conn has one owner.
 */
#ifndef MEEK_SHARED_TLS_H
#define MEEK_SHARED_TLS_H
#include <stddef.h>
#include <bearssl.h>
#include "shared/tlshello.h"

struct tls_anchors;
struct tls_creds;
struct tls_conn;

/* Loads every certificate of the PEM bundle at `path` as a trust anchor.
 * Returns 0 with *out, or MEEK_EIO / MEEK_EPROTO (no certificate found)
 * with *why. */
int tls_anchors_load(struct tls_anchors **out, const char *path, const char **why);
/* Number of anchors loaded. */
size_t tls_anchors_count(const struct tls_anchors *ta);
/* The anchors themselves (*n of them), owned by `ta`, read-only. */
const br_x509_trust_anchor *tls_anchors_list(const struct tls_anchors *ta, size_t *n);
void tls_anchors_free(struct tls_anchors *ta);

/* Opens a client TLS connection on connected `fd` and runs the handshake
 * with meek's own engine (shared/tlsclient.h: Chrome's ClientHello of
 * profile `hello`, TLS 1.3 or 1.2), bounded as a whole by `timeout_ms`.
 * `server_name` is sent as SNI (not for an IP literal, as Chrome) and
 * checked against the certificate (an IP literal against its iPAddress
 * names).  `mono` is accepted for compatibility: the engine's buffers are
 * the same for both uses.
 * Returns 0 with *out, or a certificate code (meek_is_cert(): MEEK_ECERTCA,
 * MEEK_ECERTNAME, MEEK_ECERTEXPIRED, MEEK_ECERTNOTYET, MEEK_ECERTDATES,
 * MEEK_ECERT), MEEK_EALERT (the server's alert), MEEK_ETLS, MEEK_ETIMEDOUT,
 * MEEK_ECLOSED, MEEK_EIO, MEEK_ENOMEM. */
int tls_client_open(struct tls_conn **out, int fd, const struct tls_anchors *ta,
    const char *server_name, enum tlshello_profile hello, int mono,
    int timeout_ms, const char **why);

/* Loads a certificate chain (PEM, leaf first) and private key (PEM).
 * Returns 0 with *out, or MEEK_EIO (unreadable) / MEEK_EPROTO (no
 * certificate, unsupported or encrypted key, key does not match) with *why. */
int tls_creds_load(struct tls_creds **out, const char *cert_path,
    const char *key_path, const char **why);
/* Reloads now; on failure keeps the old credentials.  Returns 0 or an error
 * as tls_creds_load().  After MEEK_EIO from either, errno is the system
 * error (*why names the file: certificate or key). */
int tls_creds_reload(struct tls_creds *c, const char **why);
/* The certificate in use: *not_after is its leaf's notAfter (Unix
 * seconds).  Returns 0 when the last reload (on change or
 * tls_creds_reload) succeeded, else its error code with *why and *err (the
 * errno of a MEEK_EIO, else 0), until a reload succeeds.  Thread-safe. */
int tls_creds_state(struct tls_creds *c, long long *not_after, int *err,
    const char **why);
void tls_creds_free(struct tls_creds *c);

/* Opens a server TLS connection on accepted `fd` and runs the handshake,
 * first reloading `c` if its files changed.  Returns 0 with *out, or
 * MEEK_ETLS, MEEK_ETIMEDOUT, MEEK_ECLOSED, MEEK_EIO, MEEK_ENOMEM. */
int tls_server_open(struct tls_conn **out, int fd, struct tls_creds *c,
    int timeout_ms, const char **why);

/* The same without I/O, for a caller that drives the handshake itself
 * (the pool, with the fd parked between reads): allocates and resets the
 * server engine.  Returns 0 with *out, or MEEK_ETLS, MEEK_ENOMEM. */
int tls_server_new(struct tls_conn **out, int fd, struct tls_creds *c,
    const char **why);
/* Advances the handshake as far as the socket allows without blocking.
 * Returns 0 when done (application data may flow), POLLIN or POLLOUT when
 * it must wait for the fd, or MEEK_ETLS, MEEK_ECLOSED, MEEK_EIO with *why. */
int tls_conn_handshake_step(struct tls_conn *t, const char **why);
/* Reads decrypted application data without blocking: bytes (>0), or 0
 * with *events (POLLIN / POLLOUT) when nothing can be read now, or
 * MEEK_ECLOSED, MEEK_EIO, MEEK_ETLS.  A record cut short stays buffered in
 * the engine: the connection remains usable.  A client connection (our
 * own engine reads whole records) waits, within its timeout, for the rest
 * of a record that has begun to arrive. */
long tls_conn_read_now(struct tls_conn *t, void *buf, size_t len,
    short *events);

void tls_conn_set_timeout(struct tls_conn *t, int timeout_ms);
/* No read waits past clock_ms() `deadline_ms` (0: none, the default);
 * past it a read still takes what has arrived. */
void tls_conn_set_deadline(struct tls_conn *t, long long deadline_ms);
/* As stream_read(): >0, MEEK_ECLOSED, MEEK_ETIMEDOUT, MEEK_EIO, MEEK_ETLS. */
long tls_conn_read(struct tls_conn *t, void *buf, size_t len);
int tls_conn_write(struct tls_conn *t, const void *buf, size_t len);
int tls_conn_flush(struct tls_conn *t);
/* The connection will sit unused: buffers that hold nothing go back
 * (client connections: tlsclient_idle; a server connection whose handshake
 * is done and whose engine is between records: the pages of its record
 * buffer, arena_drop). */
void tls_conn_idle(struct tls_conn *t);
/* 1 when decrypted application data is waiting (a client connection: or a
 * whole record already read from the socket, tlsclient_has_pending). */
int tls_conn_has_pending(const struct tls_conn *t);
/* 1 when the handshake resumed a cached session (client: the server
 * accepted our TLS 1.3 ticket or echoed our cached TLS 1.2 session id;
 * server: found in the session cache). */
int tls_conn_resumed(const struct tls_conn *t);
/* The TLS version in use: 0x0304 (TLS 1.3, client only) or 0x0303. */
unsigned tls_conn_version(const struct tls_conn *t);
/* The key exchange group the handshake used (TLSHELLO_GROUP_*; client
 * connections only, 0 on a server connection). */
unsigned tls_conn_group(const struct tls_conn *t);
/* 1 when ALPN selected "h2" (client connections only). */
int tls_conn_h2(const struct tls_conn *t);
/* Sends close_notify without waiting for the peer's, then frees. */
void tls_conn_free(struct tls_conn *t);

#endif
