/*
 * frame: the 12-byte frame heads of meek-c's protocol extension 1
 * (doc/protocol.md, "Frames"): type, 24-bit payload length, 64-bit offset,
 * all big-endian.  Encoding and checking only; no I/O.
 * Thread: any (pure functions).
 */
#ifndef MEEK_SHARED_FRAME_H
#define MEEK_SHARED_FRAME_H
#include <stddef.h>
#include <stdint.h>

#define FRAME_HEAD 12
#define FRAME_LEN_MAX 0xffffffUL
#define FRAME_RESET_MAX 256      /* longest RESET reason */

enum frame_type {
	FRAME_DATA = 1,
	FRAME_ACK = 2,
	FRAME_KEEPALIVE = 3,
	FRAME_END = 4,
	FRAME_RESET = 5
};

struct frame {
	int type;          /* enum frame_type, or any other byte (skip it) */
	size_t len;        /* payload bytes that follow the head */
	uint64_t off;
};

/* Writes the head of a frame into `out`.  `len` must be <= FRAME_LEN_MAX. */
void frame_put(unsigned char out[FRAME_HEAD], int type, size_t len,
    uint64_t off);
/* Decodes a head from `in` into `f` and checks it: ACK, KEEPALIVE and END
 * with a payload, RESET over FRAME_RESET_MAX, DATA with no payload are
 * MEEK_EPROTO with *why.  Unknown types are fine (0: the caller skips
 * f->len bytes).  Returns 0 or MEEK_EPROTO. */
int frame_get(struct frame *f, const unsigned char in[FRAME_HEAD],
    const char **why);
/* Writes a whole payload-less frame (ACK, KEEPALIVE, END) into `out`;
 * returns FRAME_HEAD. */
size_t frame_put_empty(unsigned char out[FRAME_HEAD], int type, uint64_t off);

#endif
