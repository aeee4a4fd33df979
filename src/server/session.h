/*
 * session: one meek session = one connection to tor's (Extended) ORPort,
 * identified by the client's X-Session-Id.
 *
 * A session is refcounted: the session table holds one reference while the
 * session is linked, and every lookup hands out another; the last
 * session_unref() closes the ORPort fd and frees.  `lock` is held by the
 * worker for a whole transaction (dial, write, wait, read), so one
 * session's requests never interleave.  Lock order: table_lock, then lock.
 * Thread: any, with the lock rules below.
 */
#ifndef MEEK_SERVER_SESSION_H
#define MEEK_SERVER_SESSION_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include "server/srcdial.h"

#define SESSION_ID_MIN 8     /* Go meek-server: shorter ids get 400 */
#define SESSION_ID_MAX 128   /* longer ids get 400 (no real client sends them) */

/* Where a new session connects. Borrowed strings, alive for the program. */
struct session_upstream {
	const char *orport;      /* "host:port"; used when extorport is NULL */
	const char *extorport;   /* "host:port" or NULL */
	const char *cookie_file; /* with extorport */
	int turnaround_ms;       /* wait for the first ORPort byte */
	int io_timeout_ms;       /* dial, ExtORPort handshake, each write */
	struct srcdial *source;  /* --orport-source for plain ORPort dials,
	                            or NULL */
};

struct session {
	/* table_lock guards next and linked. */
	struct session *next;
	int linked;

	char id[SESSION_ID_MAX + 1];   /* immutable after session_new() */
	size_t idlen;
	atomic_int refs;
	atomic_llong last_used_ms;     /* monotonic ms; read by the reaper */

	/* lock guards fd and closed. */
	pthread_mutex_t lock;
	int fd;                        /* ORPort connection, -1 until dialed */
	int closed;                    /* ended: no more transactions */
};


/* Allocates a session for `id` (`idlen` bytes, <= SESSION_ID_MAX) with one
 * reference, not dialed, last used at `now_ms`.  Returns NULL on ENOMEM. */
struct session *session_new(const char *id, size_t idlen, long long now_ms);
void session_ref(struct session *s);
/* Drops a reference; the last one closes the fd and frees.  Takes no lock:
 * never call it for the last reference while holding s->lock. */
void session_unref(struct session *s);
void session_touch(struct session *s, long long now_ms);
long long session_last_used(const struct session *s);
/* Takes s->lock, closes the ORPort connection and marks the session
 * closed (waits for a running transaction to end). */
void session_close(struct session *s);

/* Caller holds s->lock.  Connects to the upstream: through the Extended
 * ORPort with USERADDR `useraddr` and TRANSPORT meek when up->extorport is
 * set, else plain TCP.  Returns 0 or a MEEK_E* code with *why (then the
 * session is marked closed). */
int session_dial_locked(struct session *s, const struct session_upstream *up,
    const char *useraddr, const char **why);
/* Caller holds s->lock and the session is dialed.  Writes `len` bytes of
 * `body` to the ORPort, waits for ORPort bytes (not at all when `len` is a
 * full 64 KiB payload, else up to up->turnaround_ms for the first byte),
 * then reads what is immediately available into `out` (at most `cap`).
 * Returns the number of bytes read (0 is fine), or MEEK_ECLOSED (EOF with
 * no data), MEEK_EIO, MEEK_ETIMEDOUT with *why; on error, and on EOF after
 * some data, the session is marked closed. */
long session_transact_locked(struct session *s,
    const struct session_upstream *up, const unsigned char *body, size_t len,
    unsigned char *out, size_t cap, const char **why);

#endif
