/*
 * sessions: the set of meek-client's running sessions, one per SOCKS
 * connection (client/session runs each in its own thread): the
 * --max-sessions cap (a connection past it gets a SOCKS failure and the
 * close), the shutdown signal every session watches, and the wait for the
 * last one to end.
 * Thread: sessions_start/stop/count/wait/clear from main or an accept
 * thread; the count is guarded by sessions->lock (a leaf).
 */
#ifndef MEEK_CLIENT_SESSIONS_H
#define MEEK_CLIENT_SESSIONS_H
#include <pthread.h>
#include <stddef.h>
#include "client/conf.h"
#include "client/session.h"
#include "shared/tls.h"

struct sessions {
	struct session_env env;   /* what every session reads */
	int stop_pipe[2];  /* written once by sessions_stop(); never read */
	unsigned max_sessions; /* --max-sessions (UINT_MAX: no cap) */
	pthread_mutex_t lock;  /* guards nsessions */
	pthread_cond_t idle;   /* signalled when nsessions drops to 0 */
	unsigned nsessions;
};

/* Prepares `p`; borrows `conf` and `anchors` until sessions_clear().
 * Returns 0 or MEEK_EIO with *why. */
int sessions_init(struct sessions *p, const struct client_conf *conf,
    const struct tls_anchors *anchors, const char **why);
/* Starts a session that takes ownership of the accepted SOCKS connection
 * `fd` (closed by the session, or here on failure).  With --max-sessions
 * sessions running, answers a SOCKS failure (bounded to 200 ms), closes
 * `fd` and returns MEEK_EFULL.  Returns 0 or MEEK_ENOMEM / MEEK_EIO /
 * MEEK_EFULL with *why. */
int sessions_start(struct sessions *p, int fd, const char **why);
/* Asks every session, running or future, to end at its next wait. */
void sessions_stop(struct sessions *p);
/* Number of running sessions. */
unsigned sessions_count(struct sessions *p);
/* Waits up to `timeout_ms` (-1: forever, 0: not at all) until no session
 * runs.  Returns the number still running. */
unsigned sessions_wait(struct sessions *p, int timeout_ms);
/* Frees `p`'s resources.  Only when sessions_count() is 0. */
void sessions_clear(struct sessions *p);

#endif
