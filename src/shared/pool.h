/*
 * pool: the threads of an HTTP(S) server (meek-server, meek-reflect).  One accept thread per listener ("meek-accept")
 * feeds a bounded work queue; a fixed set of workers ("meek-worker") each
 * takes a connection and serves the requests that are ready.  No worker
 * and never the accept thread waits on a client outside a request body:
 * the TLS handshake and every request head are read without blocking, and
 * a connection that needs more bytes (or is idle between keep-alive
 * requests, or is in a lingering close) is parked with the poller thread
 * ("meek-poller"), which poll()s every parked fd and re-queues a
 * connection when it turns readable (or writable, for a handshake), drains
 * lingering closes itself, and closes a connection at its deadline: the
 * handshake and the first head within io_timeout_ms of the accept, a
 * later head within io_timeout_ms of its first byte, idle keep-alive after
 * io_timeout_ms, a lingering close after 0.5 s.  Dripping bytes never
 * extend a deadline.  A request body is read by the worker under the
 * minimum rate httpd_read_head() starts (stream_pace_begin), ended here
 * after serve().
 * A new connection that finds the queue full gets a 503 in one
 * non-blocking write (plain HTTP) or is closed at once (TLS).
 * Thread: pool_* from main only.
 */
#ifndef MEEK_SHARED_POOL_H
#define MEEK_SHARED_POOL_H
#include <stddef.h>
#include "shared/conn.h"

#define POOL_MAX_LISTENERS 16

struct tls_creds;
struct pool;

enum { POOL_KEEP = 0, POOL_CLOSE = 1 };

/* What a pool serves: one request at a time on a connection. */
struct pool_service {
	/* Reads one request from `c` and answers it, using `bufs` (bufs_size
	 * bytes, one block per worker, allocated once, zeroed; scratch: they
	 * keep nothing from one call to the next, since a worker idle for
	 * ARENA_IDLE_MS gives their pages back and they read as zeros again).
	 * Returns POOL_KEEP when the connection may carry another request,
	 * else POOL_CLOSE. */
	int (*serve)(void *ctx, struct conn *c, void *bufs);
	void *ctx;            /* borrowed, handed to serve() */
	size_t bufs_size;
	int io_timeout_ms;    /* client read/write and idle keep-alive bound */
};

struct pool_conf {
	int threads;                   /* workers */
	int queue;                     /* new connections waiting for a worker */
	size_t stack_kb;               /* every thread's stack */
	struct tls_creds *creds;       /* borrowed; NULL serves plain HTTP */
	const struct pool_service *svc; /* borrowed */
};

/* Creates a stopped pool.  Returns NULL on ENOMEM. */
struct pool *pool_new(const struct pool_conf *pc);
/* Adds listening socket `fd` (owned by the pool from now on, even on
 * failure).  Returns 0 or MEEK_EFULL (more than POOL_MAX_LISTENERS). */
int pool_add_listener(struct pool *p, int fd);
/* Starts the poller, the workers and one accept thread per listener.
 * Returns 0 or MEEK_ENOMEM with *why (then call pool_free). */
int pool_start(struct pool *p, const char **why);
/* Closes the listeners, stops and joins every thread, closes every
 * connection; a request being served is cut short.  Then frees.  NULL is
 * fine. */
void pool_free(struct pool *p);

#endif
