/*
 * session: one meek session = one connection to tor's (Extended) ORPort,
 * identified by the client's X-Session-Id.
 *
 * A session is refcounted: the session table holds one reference while the
 * session is linked, and every lookup hands out another; the last
 * session_unref() closes the ORPort fd and frees.
 *
 * A classic session: `lock` is held by the worker for a whole transaction
 * (dial, write, wait, read), so one session's requests never interleave.
 *
 * An extension session (protocol extension 1, server/xhandler.h) is served
 * by several workers at once: one downstream handler reading the ORPort
 * into the session's window, up handlers writing to the ORPort.  `lock` is
 * then held only briefly (window state, never across I/O but the
 * non-blocking recv into the window); ORPort writes hold `wlock`.  An
 * ending extension session's fd is shut down, never closed (another worker
 * may be polling it): the last session_unref() closes it.
 *
 * Lock order: table_lock, then wlock, then lock.
 * Thread: any, with the lock rules below.
 */
#ifndef MEEK_SERVER_SESSION_H
#define MEEK_SERVER_SESSION_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include "server/srcdial.h"
#include "server/stats.h"
#include "server/window.h"
#include "shared/ext.h"
#include "shared/sessid.h"

#define SESSION_ID_MAX SESSID_MAX   /* the one rule: shared/sessid.h */
#define SESSION_OPEN_MS 8000 /* an accepted open with no extension request
                                by then ends (its ORPort fd and place) */

/* Where a new session connects. Borrowed strings, alive for the program. */
struct session_upstream {
	const char *orport;      /* "host:port"; used when extorport is NULL */
	const char *extorport;   /* "host:port" or NULL */
	const char *cookie_file; /* with extorport */
	int turnaround_ms;       /* wait for the first ORPort byte */
	int io_timeout_ms;       /* dial, ExtORPort handshake, each write */
	struct srcdial *source;  /* --orport-source for plain ORPort dials,
	                            or NULL */
	struct stats *stats;     /* byte counters (server/orport.h), or NULL */
};

enum session_mode {
	SESSION_CLASSIC = 0,   /* classic meek (also after a downgrade) */
	SESSION_EXT_OPEN,      /* open accepted, no extension request yet */
	SESSION_EXT            /* an extension request came: extension for good */
};

/* The extension state of a session; allocated at an accepted open, freed
 * with the session. */
struct session_ext {
	/* set at the open, then read-only */
	size_t body;                   /* negotiated largest body */
	unsigned modes;                /* EXT_MODE_* accepted */
	char answer[EXT_VALUE_MAX + 1];/* X-Meek-Ext of the open's answer */

	/* the session's lock guards these */
	struct window win;             /* downstream [base, end) */
	int eof;                       /* ORPort EOF read: end is the total */
	unsigned long long gen;        /* current downstream request */
	int holders;                   /* held downstream handlers */
	int wake_fd;                   /* write end of the current held
	                                  request's wake pipe, or -1: a
	                                  takeover writes a byte to it */
	pthread_cond_t cond;           /* CLOCK_MONOTONIC: window space
	                                  freed, takeover, session ended */
	atomic_int *count;             /* extension sessions counter to
	                                  decrement, NULL once done */
	atomic_int *src_count;         /* per-source places (srccap ext,
	                                  slot s->src), decremented with
	                                  count; NULL: none */

	/* the session's wlock guards this */
	unsigned long long up_next;    /* upstream bytes written */
};

struct session {
	/* table_lock guards next and linked. */
	struct session *next;
	int linked;

	char id[SESSION_ID_MAX + 1];   /* immutable after session_new() */
	size_t idlen;
	atomic_int refs;
	atomic_llong last_used_ms;     /* monotonic ms; read by the reaper */
	atomic_int open_pending;       /* SESSION_EXT_OPEN: an open with no
	                                  extension request yet (the reaper
	                                  ends it after SESSION_OPEN_MS) */
	int src;                       /* srccap slot of its source, -1:
	                                  none; set before it is linked */

	/* lock guards fd, closed, mode and *ext (but ext->up_next). */
	pthread_mutex_t lock;
	int fd;                        /* ORPort connection, -1 until dialed */
	int closed;                    /* ended: no more transactions */
	int mode;                      /* enum session_mode */
	struct session_ext *ext;       /* NULL until an accepted open; then
	                                  fixed until the session is freed */
	pthread_mutex_t wlock;         /* extension: ORPort writes */
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

/* Caller holds s->lock, the session is dialed and classic.  Makes it an
 * extension session (SESSION_EXT_OPEN) with a window of `window` bytes,
 * the negotiated `body` and `modes`, the open's answer `answer`; `count`
 * (already incremented by the caller) is decremented when the session is
 * freed or turns classic.  Returns 0 or MEEK_ENOMEM (nothing changed). */
int session_ext_begin_locked(struct session *s, size_t window, size_t body,
    unsigned modes, const char *answer, atomic_int *count);
/* Caller holds s->lock.  An SESSION_EXT_OPEN session turns classic (the
 * client sent a classic request: an intermediary stripped the answer's
 * header): frees the window and gives back the count. */
void session_ext_downgrade_locked(struct session *s);
/* Caller holds s->lock.  Ends the session: classic closes the fd,
 * extension shuts it down (closed by the last unref) and wakes every
 * worker waiting on ext->cond. */
void session_end_locked(struct session *s);

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
