/*
 * tlspem: reading the PEM files of shared/tls.h (CA bundles, certificate
 * chains, keys): a whole file into memory, bounded, and a walk over its
 * PEM objects with BearSSL's decoder.  Internal to the tls* modules.
 * Thread: any (no state).  Errors: MEEK_EIO (the file, errno kept),
 * MEEK_ETOOBIG, MEEK_ENOMEM, MEEK_EPROTO (malformed PEM), with *why.
 */
#ifndef MEEK_SHARED_TLSPEM_H
#define MEEK_SHARED_TLSPEM_H
#include <stddef.h>

#define TLS_FILE_MAX (16u << 20)     /* largest PEM file we read */

/* A growable byte buffer, BearSSL's decoders' destination: starts zeroed;
 * `p` is the caller's to free(); `oom` is set (and appends stop) when an
 * allocation failed. */
struct tlspem_buf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};
/* Appends `len` bytes of `data` to the struct tlspem_buf `ctx`. */
void tlspem_buf_append(void *ctx, const void *data, size_t len);
/* A copy of `len` bytes of `p` (malloc), or NULL. */
void *tlspem_memdup(const void *p, size_t len);
/* Reads the whole file at `path` (at most TLS_FILE_MAX bytes) into a new
 * buffer *out (free()) of *outlen bytes.  Returns 0 or an error. */
int tlspem_read_file(const char *path, unsigned char **out, size_t *outlen,
    const char **why);
/* Calls `fn` for each PEM object in `src` with its name and DER bytes.
 * Returns 0, fn's negative return, or an error with *why. */
int tlspem_walk(const unsigned char *src, size_t len,
    int (*fn)(void *arg, const char *name, const unsigned char *der,
    size_t len), void *arg, const char **why);
/* 1 when PEM object name `name` is a certificate's. */
int tlspem_is_cert_name(const char *name);

#endif
