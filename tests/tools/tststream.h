/*
 * tststream: the "source" test protocol spoken between meek-test-socks
 * (--down) and meek-test-echo (--source), so that a test can move different
 * amounts each way, with known bytes, and time the ends.
 *
 * The SOCKS side starts its upstream with a 40-byte header:
 *   bytes 0-7    "MEEKTST1"
 *   bytes 8-15   seed, big-endian
 *   bytes 16-23  U: upstream bytes in all, header included (>= 40)
 *   bytes 24-31  D: downstream bytes the ORPort side sends
 *   bytes 32-39  flags, big-endian: bit 0 (TSTSTREAM_CLOSE): the ORPort side
 *                closes once it has read all U bytes and sent all D bytes;
 *                bit 1 (TSTSTREAM_ACK): the ORPort side holds back the last
 *                of its D bytes until it has read all U bytes, so that the
 *                SOCKS side's last byte says the far end has everything
 *                (for clients that drop queued bytes when SOCKS closes, as
 *                obfs4proxy's meek_lite does);
 *                bits 32-63: milliseconds it waits before that close
 * then U - 40 bytes of tststream_fill(seed ^ TSTSTREAM_UP_SALT).  The ORPort
 * side answers D bytes of tststream_fill(seed ^ TSTSTREAM_DOWN_SALT).  Each
 * side checks every byte it reads against the stream it expects, so a gap,
 * a duplicate or a byte from another session shows as the first bad offset.
 *
 * The generator is xorshift64*, emitted as little-endian 64-bit words: cheap
 * and reproducible, no cryptographic claim.  Thread: any (caller state).
 */
#ifndef MEEK_TESTS_TSTSTREAM_H
#define MEEK_TESTS_TSTSTREAM_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define TSTSTREAM_MAGIC "MEEKTST1"
#define TSTSTREAM_HEAD 40
#define TSTSTREAM_CLOSE 1ULL
#define TSTSTREAM_ACK 2ULL
#define TSTSTREAM_UP_SALT 0x75707374726561ULL   /* "upstrea" */
#define TSTSTREAM_DOWN_SALT 0x646f776e737472ULL /* "downstr" */

struct tststream {
	uint64_t s;
	unsigned char word[8];
	int left;               /* unused bytes at the end of word[] */
};

struct tststream_head {
	uint64_t seed, up, down, flags;
};

static inline void
tststream_init(struct tststream *g, uint64_t seed)
{
	g->s = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	g->left = 0;
}

static inline uint64_t
tststream_next64(struct tststream *g)
{
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 0x2545f4914f6cdd1dULL;
}

static inline void
tststream_word(unsigned char out[8], uint64_t w)
{
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (unsigned char)(w >> (8 * i));
}

/* Writes the next n bytes of the stream to buf. */
static inline void
tststream_fill(struct tststream *g, unsigned char *buf, size_t n)
{
	while (n > 0 && g->left > 0) {
		*buf++ = g->word[8 - g->left];
		g->left--;
		n--;
	}
	while (n >= 8) {
		tststream_word(buf, tststream_next64(g));
		buf += 8;
		n -= 8;
	}
	if (n > 0) {
		tststream_word(g->word, tststream_next64(g));
		memcpy(buf, g->word, n);
		g->left = 8 - (int)n;
	}
}

/* Checks the k bytes just read into buf against the stream, of which only
 * `left` more bytes are due (any past them are wrong): takes those next
 * bytes from g into `expect` (room for k).  Returns the offset of the first
 * wrong byte in buf, or k when all are right. */
static inline size_t
tststream_check(struct tststream *g, unsigned char *expect,
    const unsigned char *buf, size_t k, unsigned long long left)
{
	size_t ok = left < k ? (size_t)left : k, i = 0;

	tststream_fill(g, expect, ok);
	while (i < ok && expect[i] == buf[i])
		i++;
	return i;
}

static inline void
tststream_put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

static inline uint64_t
tststream_get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void
tststream_head_put(unsigned char out[TSTSTREAM_HEAD],
    const struct tststream_head *h)
{
	memcpy(out, TSTSTREAM_MAGIC, 8);
	tststream_put64(out + 8, h->seed);
	tststream_put64(out + 16, h->up);
	tststream_put64(out + 24, h->down);
	tststream_put64(out + 32, h->flags);
}

/* Returns 0, or -1 when `in` is not a valid header. */
static inline int
tststream_head_get(const unsigned char in[TSTSTREAM_HEAD],
    struct tststream_head *h)
{
	if (memcmp(in, TSTSTREAM_MAGIC, 8) != 0)
		return -1;
	h->seed = tststream_get64(in + 8);
	h->up = tststream_get64(in + 16);
	h->down = tststream_get64(in + 24);
	h->flags = tststream_get64(in + 32);
	return h->up >= TSTSTREAM_HEAD ? 0 : -1;
}

/* Wall-clock seconds (CLOCK_REALTIME), comparable between processes. */
static inline double
tststream_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
