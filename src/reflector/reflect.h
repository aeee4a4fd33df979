/*
 * reflect: serves one request on a client connection of meek-reflect.
 * A classic meek POST (no X-Meek-Ext) is forwarded to meek-server with only
 * its body, X-Session-Id and Content-Type, plus Meek-IP (the client's
 * address); the status, Content-Type and body come back.  A POST of
 * meek-c's extension (doc/protocol.md) also carries X-Meek-Ext both ways
 * and is passed through piece by piece (reflector/pass.h).  Other requests
 * get what meek-server would answer (shared/httpd.h).  502 when
 * meek-server cannot be reached or answers garbage.  Payloads and
 * addresses are never logged (addresses only with --unsafe-logging).
 * Thread: any worker; a struct reflect is read-only once set up except
 * `held` (atomic); the reflect_bufs belong to one worker.
 */
#ifndef MEEK_REFLECTOR_REFLECT_H
#define MEEK_REFLECTOR_REFLECT_H
#include <stdatomic.h>
#include <stddef.h>
#include <sys/socket.h>
#include "reflector/upstream.h"
#include "shared/conn.h"
#include "shared/http.h"

#define REFLECT_IO_TIMEOUT_MS 20000   /* client read/write and idle keep-alive */
#define REFLECT_SID_MIN 8
#define REFLECT_SID_MAX 256
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

/* The pool_service serve() of meek-reflect: `ctx` is a struct reflect,
 * `bufs` a struct reflect_bufs.  Returns POOL_KEEP or POOL_CLOSE. */
int reflect_serve(void *ctx, struct conn *c, void *bufs);
/* Formats the address sent as Meek-IP: with `xff`, the last
 * X-Forwarded-For entry when it is an IP literal (the hop in front of us),
 * else the TCP peer's IP.  Returns `buf`. */
char *reflect_client_ip(int xff, const struct http_msg *m,
    const struct sockaddr *peer, char *buf, size_t len);
/* Formats the header lines every forwarded POST carries (X-Session-Id,
 * Meek-IP, Content-Type when the client sent one) into `buf`.  Returns the
 * length, or MEEK_ETOOBIG. */
int reflect_extra(const struct reflect *r, const struct conn *c,
    const struct http_msg *m, const char *sid, char *buf, size_t len);
/* Forwards a POST as classic meek (`len` body bytes in b->body).  Returns
 * the pool's verdict. */
int reflect_post(const struct reflect *r, struct conn *c,
    struct reflect_bufs *b, size_t len);

#endif
