/*
 * handler: serves one HTTP request on a client connection: the meek POST
 * (X-Session-Id -> session transaction -> 200 with ORPort bytes; the
 * requests of protocol extension 1 go to server/xhandler), the
 * happy-little-web-server page for GET /, and the error statuses (400, 404,
 * 405, 413, 431, 500, 501, 503, 505).
 * Thread: any worker; a struct handler is read-only once set up, the
 * handler_bufs belong to one worker.
 */
#ifndef MEEK_SERVER_HANDLER_H
#define MEEK_SERVER_HANDLER_H
#include <stddef.h>
#include <sys/socket.h>
#include "shared/conn.h"
#include "shared/pool.h"
#include "server/session.h"
#include "server/session_table.h"
#include "shared/http.h"
#include "shared/useraddr.h"
#include "server/decoy.h"
#include "server/srccap.h"
#include "server/stats.h"
#include "server/xhandler.h"

#define HANDLER_IO_TIMEOUT_MS 20000   /* client read/write and idle keep-alive */

struct handler {
	struct session_table *table;   /* borrowed */
	struct session_upstream up;
	/* Several ORPorts (standalone): a session's id picks one, so all its
	 * requests reach the same backend.  norports 0: up.orport. */
	const char *const *orports;
	int norports;
	const struct decoy *decoy;     /* --fallback, or NULL */
	const char *req_name;          /* --require-header, or NULL */
	const char *req_value;
	struct useraddr_rule useraddr; /* Meek-IP / X-Forwarded-For trust */
	struct srccap *srccap;         /* per-source caps, or NULL */
	struct stats *stats;           /* counters, or NULL */
	struct xconf x;                /* protocol extension 1 limits */
	struct xstate *xs;             /* its counters (required when
	                                  x.max_ext > 0) */
};

/* A worker's buffers, allocated once (about 140 KiB: keep them off the
 * small thread stacks). */
struct handler_bufs {
	struct http_msg msg;
	unsigned char body[HTTP_BODY_MAX];
	unsigned char out[HTTP_BODY_MAX];
	struct decoy_bufs decoy;
};

/* Reads one request from `c` and answers it.  Returns POOL_KEEP when
 * the connection may carry another request, else POOL_CLOSE (the caller
 * frees `c`). */
int handler_serve(const struct handler *h, struct conn *c,
    struct handler_bufs *b);
/* Formats the ExtORPort USERADDR for a request into `buf`: the Meek-IP
 * header if it is an IP literal and `peer` is in one of the --meek-ip-from
 * ranges, else with --trusted-proxies N the Nth X-Forwarded-For entry from
 * the right if it is an IP literal (none when the list is shorter), else
 * the IP of `peer` (with neither option the headers are ignored, logged
 * once); the port is always 1 ("1.2.3.4:1", "[::1]:1").  Returns `buf`. */
char *handler_useraddr(const struct handler *h, const struct http_msg *m,
    const struct sockaddr *peer, char *buf, size_t len);
/* The backend index (0..n-1) of session id `id` (`len` bytes). */
int handler_backend(const char *id, size_t len, int n);

#endif
