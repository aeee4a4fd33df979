/*
 * hctx: what the request handlers share, and nothing else: the server's
 * read-only context (struct handler), a worker's buffers, the extension's
 * limits and counters, and one request's dispatch result (struct hreq).
 * server/handler (the dispatch step and classic meek) and server/xhandler
 * (protocol extension 1) both include this header and neither includes
 * the other's: the dispatcher calls into xhandler, never the reverse.
 * Thread: a struct handler is read-only once set up (its session table,
 * srccap, stats and xstate are thread-safe objects of their own); a
 * handler_bufs and a hreq belong to one worker.
 */
#ifndef MEEK_SERVER_HCTX_H
#define MEEK_SERVER_HCTX_H
#include <stdatomic.h>
#include <stddef.h>
#include "shared/ext.h"
#include "shared/http.h"
#include "shared/log.h"
#include "shared/useraddr.h"
#include "server/decoy.h"
#include "server/session.h"
#include "server/session_table.h"
#include "server/srccap.h"
#include "server/stats.h"

#define HANDLER_IO_TIMEOUT_MS 20000   /* client read/write and idle keep-alive */

/* The extension's limits (flags), read-only once set. */
struct xconf {
	int max_ext;            /* 0: the extension is off */
	long long stream_ms;    /* --stream-time */
	long long hold_ms;      /* --hold-time */
	long long keepalive_ms; /* EXT_KEEPALIVE_MS */
	size_t window;          /* --window, bytes */
	size_t max_body;        /* --max-body, bytes */
};

/* The extension's shared counters. */
struct xstate {
	atomic_int ext_sessions;   /* extension sessions alive */
	atomic_int held;           /* held downstream requests */
};

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

/* One meek request as the dispatch step classified it: its session id
 * (checked once, by sessid_check; idlen 0: missing or bad), the id's
 * loggable form, and its X-Meek-Ext op (EXT_OP_NONE: classic) with the
 * parsed header in `x`.  `id` points into the request's http_msg. */
struct hreq {
	const char *id;
	size_t idlen;
	char sid[LOG_SID_LEN];
	int op;
	struct ext x;
};

#endif
