/*
 * xsession: a meek-client session that negotiates meek-c's protocol
 * extension 1 (doc/protocol.md) and, when the server accepts, runs it.
 *
 * The open (an empty POST with "X-Meek-Ext: 1; op=open; ...") is its own
 * request, xsession_open(); to a server that does not speak the extension
 * it is also a classic poll, so when the answer has no X-Meek-Ext the
 * session (client/session) runs client/classic, the answer's body being
 * the first downstream bytes.
 *
 * An extension session uses two threads and two connections to the same
 * url/front pair:
 *  - the calling (session) thread is the upstream side: it waits on the
 *    SOCKS fd, a wake pipe and the session set's stop pipe, reads up to the
 *    negotiated body size and POSTs op=up with one DATA frame at its offset
 *    (plus an ACK of the downstream offset when there is something to
 *    acknowledge, plus END at SOCKS EOF), keeping the body until the answer
 *    acknowledges it and resending it unchanged after failures;
 *  - a downstream thread (small stack) loops on op=stream (or op=poll)
 *    requests carrying an ACK of its offset, writes DATA frames to the SOCKS
 *    fd (skipping any part it already has) and, in stream mode, wakes the
 *    upstream side to send an ACK every window/4 bytes.
 * Both resume after failures (spec section 5; client/retry's
 * RETRY_RESUME: at once, 250 ms, 500 ms, 1 s, ...; 4xx moves to the next
 * pair; 75 s without success ends the session).  A stream that shows no frame within 2 s falls back to poll;
 * two failed long-polls in a row make later sessions classic (modemem).
 *
 * Memory: the upload buffer (body size) is malloc'd and untouched pages stay
 * non-resident; the downstream thread reads through the caller's buffer.
 * Thread: xsession_open() and xsession_run() in the session thread; the
 * latter starts and joins the
 * downstream thread itself.  The pure helpers below run anywhere.
 */
#ifndef MEEK_CLIENT_XSESSION_H
#define MEEK_CLIENT_XSESSION_H
#include <stddef.h>
#include <stdint.h>
#include "client/ctx.h"
#include "client/httpc.h"
#include "shared/frame.h"
#include "shared/http.h"
#include "shared/stream.h"

#define XSESSION_FIRST_FRAME_MS 2000   /* stream: head + first frame */
#define XSESSION_POLL_SLACK_MS 10000   /* long-poll answer: hold + this */

/* The open's outcome: the mode the session runs and, for an extension
 * session, the server's numbers within meek-c's ranges. */
struct xsession_open {
	int sent;                  /* an open was sent and answered */
	size_t first;              /* classic after an open: its answer's
	                              body, downstream bytes in c->buf */
	unsigned mode;             /* EXT_MODE_STREAM, EXT_MODE_POLL; 0:
	                              classic */
	unsigned accepted;         /* the offered modes the server took */
	size_t body;               /* largest body either way */
	unsigned long window, hold_ms, stream_ms, keepalive_ms;
};

/* The negotiation, as its own request: sends the open (an empty POST with
 * X-Meek-Ext op=open; unless --mode classic or modemem says classic) and
 * reads its answer into *o.  Returns 0 (o->mode 0: classic, o->first
 * downstream bytes in c->buf when o->sent), or the error code that ended
 * the session (logged). */
int xsession_open(const struct mode_ctx *c, struct xsession_open *o);
/* Runs the extension session xsession_open() accepted (o->mode != 0)
 * until it ends, starting and joining the downstream thread. */
void xsession_run(const struct mode_ctx *c, const struct xsession_open *o);

/*
 * Pure pieces (unit-tested).
 */

/* The modes to offer (EXT_MODE_* bits, *first the preferred one) for
 * client mode `mode` and what modemem learned (`mem`, enum modemem_mode).
 * Returns 0 when no open should be sent (classic). */
unsigned xsession_offer(int mode, int mem, int *first);
/* The mode to use: `first` when the server accepted it, else another
 * offered mode it accepted, else 0 (unusable answer: go classic). */
unsigned xsession_choose(unsigned offered, int first, unsigned accepted);
/* Delay before the next long-poll: 0 after data or a held answer, else
 * (an empty answer back in less than half the hold time) the classic
 * schedule from `prev` (100 ms, x1.5, at most 5 s). */
int xsession_poll_wait(int prev, long long elapsed_ms, unsigned long hold_ms,
    int had_data);
/* A DATA frame at `off` with `len` bytes arrived when `have` bytes were
 * already received: sets *skip to the bytes to drop (len when all are old).
 * Returns 0, or MEEK_EPROTO when the frame starts beyond `have` (a gap). */
int xsession_data_skip(uint64_t have, uint64_t off, size_t len, size_t *skip);
/* Builds an up request body in `buf`: a DATA head at buf[0] for the `n`
 * payload bytes already at buf + FRAME_HEAD (none when n is 0: the frames
 * that follow then start at buf[0]), then an ACK of `ack_off` when `ack`,
 * then END at `end_off` when `end`.  Returns the body length. */
size_t xsession_up_build(unsigned char *buf, uint64_t off, size_t n, int ack,
    uint64_t ack_off, int end, uint64_t end_off);
/* Parses an up answer's body (ACK, maybe RESET, unknown frames skipped):
 * *ack (and *have_ack), *reset with the raw reason in `reason` (NUL
 * terminated, FRAME_RESET_MAX + 1 bytes).  Returns 0 or MEEK_EPROTO. */
int xsession_parse_up_answer(const unsigned char *buf, size_t len,
    uint64_t *ack, int *have_ack, int *reset, char *reason);

/* The frames of one downstream answer, read piece by piece. */
struct xsession_down {
	int out_fd;                /* where DATA goes (the SOCKS fd) */
	unsigned char *buf;        /* scratch for payloads */
	size_t cap;
	uint64_t off;              /* next downstream byte wanted */
	/* Called after new bytes were written out (off is already updated). */
	void (*advance)(void *ctx, uint64_t off, size_t n);
	/* Called once, after the answer's first frame head. */
	void (*first_frame)(void *ctx);
	void *ctx;
	int frames;                /* frames read in this answer */
	int got_data;              /* new bytes were written */
	int have_end;
	uint64_t end_off;
	int reset;
	char reason[FRAME_RESET_MAX + 1];
	int out_failed;            /* writing to out_fd failed */
};
/* Reads frames from body `b` of stream `s` until the body ends (returns 0),
 * a RESET (0 with d->reset), an END that leaves nothing missing (0 with
 * d->have_end), or an error.  Waits for the first frame are bounded by
 * `first_ms`, later ones by `io_ms`. */
int xsession_down_read(struct xsession_down *d, struct stream *s,
    struct http_body *b, int first_ms, int io_ms, const char **why);

#endif
