/*
 * handler: the dispatch step for one HTTP request on a client connection,
 * and classic meek.  It reads the head, classifies the request (a meek
 * POST, the decoy's, GET / and the error statuses: 400, 404, 405, 413,
 * 431, 500, 501, 503, 505), checks the session id once, and then:
 *   op=up/stream/poll   looks the session up (never creates one) and hands
 *                       the request to server/xhandler;
 *   classic, op=open    reads the body, looks the session up or creates and
 *                       dials it, then either accepts the open
 *                       (xhandler_open_locked) or runs the classic
 *                       exchange (session_transact_locked: 200 with the
 *                       ORPort's bytes).
 * Thread: any worker; a struct handler is read-only once set up, the
 * handler_bufs belong to one worker (server/hctx.h).
 */
#ifndef MEEK_SERVER_HANDLER_H
#define MEEK_SERVER_HANDLER_H
#include <stddef.h>
#include <sys/socket.h>
#include "shared/conn.h"
#include "shared/http.h"
#include "server/hctx.h"

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
