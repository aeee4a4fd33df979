/*
 * poller: one meek session per SOCKS connection, each in its own detached
 * thread with a small explicit stack.  The thread runs the SOCKS handshake,
 * resolves url=/front=/utls= against the flags, replies to tor, then polls
 * the server: wait on the SOCKS fd for the backoff interval, read once (up
 * to 64 KiB), POST it, write the response body back, repeat until either
 * side ends.
 *
 * Per session, allocated once at start: a 64 KiB payload buffer (the
 * response body is read into the same buffer, since the request is
 * finished by then), the http_msg and the HTTP_HEAD_MAX read-ahead buffer
 * (httpc), and the TLS context with its half-duplex buffer (tls).
 * Thread: poller_start/stop/wait/clear from main or an accept thread; the
 * session count is guarded by poller->lock.
 */
#ifndef MEEK_CLIENT_POLLER_H
#define MEEK_CLIENT_POLLER_H
#include <pthread.h>
#include <stddef.h>
#include "client/conf.h"
#include "shared/tls.h"

#define POLLER_SOCKS_TIMEOUT_MS 5000
#define POLLER_SID_BYTES 16

struct poller {
	const struct client_conf *conf;    /* borrowed, read-only */
	const struct tls_anchors *anchors; /* borrowed, read-only; may be NULL */
	size_t stack_kb;                   /* every thread's stack */
	int stop_pipe[2];  /* written once by poller_stop(); never read */
	unsigned max_sessions; /* --max-sessions (UINT_MAX: no cap) */
	pthread_mutex_t lock;  /* guards nsessions */
	pthread_cond_t idle;   /* signalled when nsessions drops to 0 */
	unsigned nsessions;
};

/* Prepares `p`; borrows `conf` and `anchors` until poller_clear().
 * Returns 0 or MEEK_EIO with *why. */
int poller_init(struct poller *p, const struct client_conf *conf,
    const struct tls_anchors *anchors, const char **why);
/* Starts a session thread that takes ownership of the accepted SOCKS
 * connection `fd` (closed by the session, or here on failure).  With
 * --max-sessions sessions running, answers a SOCKS failure (bounded to
 * 200 ms), closes `fd` and returns MEEK_EFULL.  Returns 0 or MEEK_ENOMEM /
 * MEEK_EIO / MEEK_EFULL with *why. */
int poller_start(struct poller *p, int fd, const char **why);
/* Asks every session, running or future, to end at its next wait. */
void poller_stop(struct poller *p);
/* Number of running sessions. */
unsigned poller_count(struct poller *p);
/* Waits up to `timeout_ms` (-1: forever) until no session runs.  Returns
 * the number still running. */
unsigned poller_wait(struct poller *p, int timeout_ms);
/* Frees `p`'s resources.  Only when poller_count() is 0. */
void poller_clear(struct poller *p);

#endif
