/*
 * ctx: what a meek-client session hands the mode it runs (client/classic,
 * client/xsession), and nothing else.  client/session fills it once the
 * SOCKS side is granted; the modes read it and never call back, so no
 * mode module includes the session's header.
 * Ownership: everything here is the session's and outlives the mode's
 * run; the modes may write to `fd`, `buf` and the counters.
 * Thread: the session thread, and an extension session's downstream
 * thread for what xsession says it shares.
 */
#ifndef MEEK_CLIENT_CTX_H
#define MEEK_CLIENT_CTX_H
#include <stddef.h>
#include "client/httpc.h"

#define CTX_SOCKS_WRITE_MS 30000   /* one write to tor's SOCKS connection */

struct mode_ctx {
	int fd;                    /* SOCKS connection from tor */
	struct httpc *http;        /* the session's httpc */
	const char *sid;           /* full session id */
	const char *sid_log;       /* loggable form */
	int mode;                  /* enum client_mode */
	size_t max_body;           /* --max-body, bytes */
	size_t up_max;             /* the largest extension upload body */
	size_t stack_kb;           /* a second thread's stack */
	int stop_fd;               /* the session set's stop pipe (read end):
	                              readable once meek-client shuts down */
	unsigned char *buf;        /* HTTP_BODY_MAX bytes of scratch: a
	                              classic request, then its answer */
	size_t cap;
	unsigned long long *up, *down;  /* payload bytes each way */
};

#endif
