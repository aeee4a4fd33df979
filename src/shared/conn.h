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
	struct conn *next;            /* queue link, guarded by the pool lock */
	struct stream st;             /* owns the fd and the tls_conn */
	int ready;                    /* TLS handshake done, or plain */
	long long idle_since_ms;      /* when it was parked, or when its
	                                 partial request head began */
	int partial;                  /* parked with an incomplete head */
	struct sockaddr_storage peer;
	unsigned char rbuf[HTTP_HEAD_MAX];
};

/* Wraps accepted `fd` (owned from now on) from `peer`.  Returns NULL on
 * ENOMEM (then the fd is closed). */
struct conn *conn_new(int fd, const struct sockaddr *peer, socklen_t peerlen,
    int timeout_ms);
/* Closes the stream (TLS close_notify best effort, fd) and frees. */
void conn_free(struct conn *c);
/* Closes gracefully after a response the peer may still be sending into
 * (a 413, a 400): close_notify, FIN, then reads and drops for at most `ms`
 * milliseconds before closing.  Frees `c`; NULL is fine. */
void conn_linger_free(struct conn *c, int ms);

#endif
