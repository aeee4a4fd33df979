/*
 * session: one meek-client session, end to end, in the calling thread: the
 * SOCKS handshake with tor, url=/front=/utls= and the other arguments
 * resolved against the flags, a fresh session id, the success reply, then
 * the negotiation (client/xsession's open, unless classic is wanted) and
 * the mode it gave: client/classic, or the extension's two halves
 * (client/xsession).  The session owns the SOCKS fd, its arguments, its
 * httpc and its buffers, and hands the mode a struct mode_ctx
 * (client/ctx.h).
 *
 * Memory, allocated once when the session starts: a 64 KiB payload buffer
 * (an answer's body is read into the same buffer, since the request is
 * finished by then), the httpc (head and read-ahead buffers, given back
 * while idle) and the TLS connection; untouched pages stay non-resident.
 * Thread: session_start() from an accept thread (client/sessions); the
 * session then runs in its own thread; the environment is read-only.
 */
#ifndef MEEK_CLIENT_SESSION_H
#define MEEK_CLIENT_SESSION_H
#include "client/conf.h"
#include "shared/tls.h"

#define SESSION_SOCKS_TIMEOUT_MS 5000   /* the SOCKS handshake and reply */
#define SESSION_ID_BYTES 16             /* 128 random bits */

/* What every session reads, shared and read-only. */
struct session_env {
	const struct client_conf *conf;
	const struct tls_anchors *anchors;   /* may be NULL */
	size_t stack_kb;                     /* every thread's stack */
	int stop_fd;                         /* readable at shutdown */
	/* Called by each session's thread as its last step (its owner's
	 * count: client/sessions). */
	void (*ended)(void *owner);
	void *owner;
};

/* Starts the session of accepted SOCKS connection `fd` in a detached
 * thread with a small stack; the session owns `fd` (closed at its end, or
 * here on failure) and runs until either side ends, logging every
 * outcome, then calls env->ended.  Returns 0 (env->ended will be called),
 * or MEEK_ENOMEM / MEEK_EIO with *why (it will not). */
int session_start(const struct session_env *env, int fd, const char **why);

#endif
