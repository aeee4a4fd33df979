/*
 * tlscreds: meek-server's and meek-reflect's TLS credentials (the tls_creds_*
 * functions of shared/tls.h): the certificate chain and key as an
 * immutable, refcounted snapshot, reloaded when the files change (checked
 * at most once a second) or on tls_creds_reload(), and the server session
 * cache (BearSSL's LRU behind a mutex) shared by every connection.  This
 * header is what the connection code (shared/tls.c) needs of it.
 * Thread: any; creds->lock guards the current snapshot, the cache has its
 * own lock (both leaves).
 */
#ifndef MEEK_SHARED_TLSCREDS_H
#define MEEK_SHARED_TLSCREDS_H
#include <bearssl.h>
#include "shared/tls.h"

/* One immutable version of the credentials. */
struct tls_snap {
	int refs;                    /* atomic */
	long long not_after;         /* leaf's notAfter, Unix seconds */
	br_x509_certificate *chain;
	size_t chain_len;
	int key_type;                /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	unsigned issuer_key_type;    /* signer of the leaf (full_ec needs it) */
	br_rsa_private_key rsa;
	br_ec_private_key ec;
	unsigned char *keymem;
};

/* BearSSL's server context of one connection.  `s` first: the session
 * cache casts BearSSL's pointer back and marks `resumed` when a session was
 * found. */
struct tls_sctx {
	br_ssl_server_context s;
	int resumed;
};

/* A reference to the current snapshot (reloading first when the files
 * changed); give it back with tlscreds_snap_unref(). */
struct tls_snap *tlscreds_get(struct tls_creds *c);
void tlscreds_snap_unref(struct tls_snap *s);
/* The session cache to give br_ssl_server_set_cache(). */
const br_ssl_session_cache_class **tlscreds_cache(struct tls_creds *c);

#endif
