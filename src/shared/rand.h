/*
 * rand: random bytes from getrandom(2) (session ids, nonces).
 * Thread: any.
 */
#ifndef MEEK_SHARED_RAND_H
#define MEEK_SHARED_RAND_H
#include <stddef.h>

/* Fills `buf` with `n` random bytes, retrying on EINTR and short reads.
 * Returns 0 or MEEK_EIO. */
int rand_bytes(void *buf, size_t n);

#endif
