/*
 * b64: standard base64 (RFC 4648, "+/" alphabet) encoding.
 * Thread: any.
 */
#ifndef MEEK_SHARED_B64_H
#define MEEK_SHARED_B64_H
#include <stddef.h>

/* Bytes needed to encode `n` bytes with padding, plus the NUL. */
#define B64_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4 + 1)

/* Encodes `n` bytes of `src` into `dst` (NUL-terminated), with '=' padding
 * when `pad` is non-zero.  Returns the length written without the NUL, or
 * MEEK_ETOOBIG (and writes nothing) when `dstlen` is too small. */
int b64_encode(char *dst, size_t dstlen, const void *src, size_t n, int pad);

#endif
