#include "config.h"
#include "client/classic.h"
#include "client/backoff.h"
#include "shared/arena.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"

#include <errno.h>
#include <poll.h>

/* Writes an answer's `out` body bytes (in c->buf) to tor.  Returns 0, or
 * the stream error after logging it (the session ends). */
static int
classic_deliver(const struct mode_ctx *c, size_t out)
{
	int rc;

	if (out == 0)
		return 0;
	*c->down += out;
	rc = net_write_all(c->fd, c->buf, out, CTX_SOCKS_WRITE_MS);
	if (rc != 0)
		log_info("session %s: SOCKS write failed: %s", c->sid_log,
		    meek_strerror(rc));
	return rc;
}

/* arena_poll's idle hook: the connection waits for the next poll. */
static void
classic_idle(void *arg)
{
	const struct mode_ctx *c = arg;

	httpc_idle(c->http);
}

/* Waits up to `interval` ms for tor's bytes or the shutdown.  Returns 1
 * when bytes (or tor's end) are there, 0 at the interval's end, -1 when
 * the session must end now. */
static int
classic_wait(const struct mode_ctx *c, int interval)
{
	struct pollfd pfd[2];

	for (;;) {
		pfd[0].fd = c->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->stop_fd;
		pfd[1].events = POLLIN;
		if (arena_poll(pfd, 2, interval, classic_idle, (void *)c) >= 0)
			break;
		if (errno != EINTR) {
			log_warn("session %s: poll failed", c->sid_log);
			return -1;
		}
	}
	if (pfd[1].revents != 0) {
		log_debug("session %s: shutting down", c->sid_log);
		return -1;
	}
	return pfd[0].revents != 0;
}

void
classic_run(const struct mode_ctx *c, int opened, size_t first)
{
	const char *why = NULL;
	int interval = 0, ended = 0, rc;
	size_t n, out;

	if (opened) {
		if (classic_deliver(c, first) != 0)
			return;
		interval = backoff_next(0, first > 0);
	}
	for (;;) {
		if ((rc = classic_wait(c, interval)) < 0)
			return;
		n = rc > 0 ? net_read_ready(c->fd, c->buf, c->cap, &ended) : 0;
		if (n == 0 && ended != 0) {
			if (ended == MEEK_ECLOSED)
				log_info("session %s: closed by tor (%llu bytes "
				    "up, %llu down)", c->sid_log, *c->up, *c->down);
			else
				log_info("session %s: SOCKS read failed",
				    c->sid_log);
			return;
		}
		/* Bytes read before tor's end still go up; the end is seen
		 * by the next read. */
		*c->up += n;
		rc = httpc_exchange(c->http, c->buf, n, c->cap, &out, &why);
		if (rc != 0) {
			if (!(rc == MEEK_ECLOSED &&
			    net_wait(c->stop_fd, POLLIN, 0) == 1))
				log_warn("session %s: ended: %s (%s)", c->sid_log,
				    meek_strerror(rc), why ? why : "-");
			return;
		}
		if (classic_deliver(c, out) != 0)
			return;
		interval = backoff_next(interval, n > 0 || out > 0);
		ended = 0;
	}
}
