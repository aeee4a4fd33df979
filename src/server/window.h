/*
 * window: the downstream retransmit window of an extension session
 * (doc/protocol.md, "Window"): a ring buffer of `cap` bytes holding the
 * downstream bytes [base, end) read from the ORPort and not yet
 * acknowledged by the client.  Offsets count the downstream direction of
 * the tor stream from 0.
 * Thread: none of its own; the caller guards a window (session->lock).
 */
#ifndef MEEK_SERVER_WINDOW_H
#define MEEK_SERVER_WINDOW_H
#include <stddef.h>
#include <stdint.h>

struct window {
	unsigned char *buf;   /* owned, cap bytes; NULL after window_free */
	size_t cap;
	uint64_t base;        /* first byte not acknowledged */
	uint64_t end;         /* bytes read from the ORPort so far */
};

/* Allocates an empty window of `cap` (> 0) bytes at offset 0.  Returns 0
 * or MEEK_ENOMEM. */
int window_init(struct window *w, size_t cap);
/* Frees the buffer; the offsets stay.  Safe twice. */
void window_free(struct window *w);

/* Bytes held (end - base), and room left (cap - held). */
size_t window_used(const struct window *w);
size_t window_space(const struct window *w);
/* The contiguous free region after `end`, for a read straight into the
 * window: returns a pointer and sets *len (0 when the window is full). */
unsigned char *window_tail(struct window *w, size_t *len);
/* Counts `n` bytes written at window_tail() as held (n <= that length). */
void window_commit(struct window *w, size_t n);
/* Appends `len` bytes (at most window_space()).  Returns bytes taken. */
size_t window_put(struct window *w, const void *buf, size_t len);
/* Acknowledges every byte below `off`: drops them.  `off` below base is
 * stale and changes nothing.  Returns 0, or MEEK_EPROTO when `off` is
 * beyond end (never read: nothing changes). */
int window_ack(struct window *w, uint64_t off);
/* 1 when `off` is a place a download may start from: base <= off <= end. */
int window_holds(const struct window *w, uint64_t off);
/* Copies up to `len` held bytes starting at offset `off` (base <= off <=
 * end) into `dst`.  Returns bytes copied (0 when off == end or off is not
 * held). */
size_t window_copy(const struct window *w, uint64_t off, void *dst,
    size_t len);

#endif
