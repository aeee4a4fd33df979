/*
 * ctx: what meek-reflect's request handlers share: the reflector's settings
 * and counters (struct reflect) and a worker's buffers.  The dispatcher
 * (reflect), the classic forwarder (forward) and the extension's
 * pass-through (pass) all take these.  Includes go one way: reflect
 * includes forward.h and pass.h, pass includes forward.h (its classic
 * fallback), forward includes neither.
 * Thread: a struct reflect is read-only once set up except `held`
 * (atomic); a struct reflect_bufs belongs to one worker.
 */
#ifndef MEEK_REFLECTOR_CTX_H
#define MEEK_REFLECTOR_CTX_H
#include <stdatomic.h>
#include <stddef.h>
#include "reflector/upstream.h"
#include "shared/conn.h"
#include "shared/http.h"

#define REFLECT_IO_TIMEOUT_MS 20000   /* client read/write and idle keep-alive */
/* The largest extension request body: the largest DATA frame the
 * protocol can carry (client and server may agree on up to 16 MiB with
 * --max-body) and room for the frame heads around it.  Bodies are copied
 * piece by piece, so this costs no memory. */
#define REFLECT_EXT_BODY_MAX (0xffffffUL + 4096)

struct reflect {
	struct upstream *up;   /* borrowed */
	int xff;               /* client address from X-Forwarded-For */
	int max_streams;       /* held responses at once (--max-streams) */
	atomic_int held;       /* streams and long-polls being passed now */
};

/* A worker's buffers, allocated once (about 150 KiB). */
struct reflect_bufs {
	struct http_msg req;
	unsigned char body[HTTP_BODY_MAX];
	struct http_msg resp;
	unsigned char out[HTTP_BODY_MAX];
};

#endif
