/*
 * conn: one accepted client connection: its stream (plain or TLS), the
 * read-ahead buffer the stream borrows, and the peer address.  A conn is
 * owned by exactly one of: the accept thread, the work queue, a worker, or
 * the poller (parked keep-alive connections).
 * Thread: owner only.
 */
#ifndef MEEK_SHARED_CONN_H
#define MEEK_SHARED_CONN_H
#include <sys/socket.h>
#include "shared/http.h"
#include "shared/stream.h"

struct conn {
	/* First, in a page-aligned conn: whole pages, for conn_idle. */
	unsigned char rbuf[HTTP_HEAD_MAX];
	struct conn *next;            /* queue link, guarded by the pool lock */
	struct stream st;             /* owns the fd and the tls_conn */
	int ready;                    /* TLS handshake done, or plain */
	long long deadline_ms;        /* parked: closed by the poller then
	                                 (idle keep-alive, handshake + head,
	                                 or the end of a lingering close) */
	int partial;                  /* handshake or request head begun */
	short events;                 /* parked: what to poll() for */
	int lingering;                /* closing: only draining what comes */
	size_t drained;               /* bytes dropped while lingering */
	struct sockaddr_storage peer;
};

/* Wraps accepted `fd` (owned from now on) from `peer`.  Returns NULL on
 * ENOMEM (then the fd is closed). */
struct conn *conn_new(int fd, const struct sockaddr *peer, socklen_t peerlen,
    int timeout_ms);
/* Closes the stream (TLS close_notify best effort, fd) and frees. */
void conn_free(struct conn *c);
/* `c` is about to be parked between requests: when it holds no unread
 * bytes, the pages of its read-ahead buffer and of its TLS record buffer
 * (tls_conn_idle) go back to the kernel until the next request. */
void conn_idle(struct conn *c);
/* Begins a graceful close after a response the peer may still be
 * sending into (a 413, a 400, Connection: close): close_notify (TLS, best
 * effort, no waiting), then FIN.  Never blocks.  Returns 1 when the fd
 * should be drained before it is closed (conn_linger_drain, from the
 * poller), 0 when `c` was freed. */
int conn_linger_begin(struct conn *c);
/* Reads and drops what the peer sent, without blocking.  Returns 1 while
 * more may come, 0 when the peer closed, failed, or sent more than the
 * bound (then conn_free it). */
int conn_linger_drain(struct conn *c);

#endif
