#include "config.h"
#include "shared/conn.h"
#include "shared/arena.h"
#include "shared/tls.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

struct conn *
conn_new(int fd, const struct sockaddr *peer, socklen_t peerlen, int timeout_ms)
{
	struct conn *c;
	void *m;
	long pg = sysconf(_SC_PAGESIZE);

	/* Page-aligned, so that rbuf is whole pages (struct conn). */
	if (posix_memalign(&m, pg > 0 ? (size_t)pg : 4096, sizeof *c) != 0)
		m = NULL;
	c = m;
	if (c == NULL) {
		close(fd);
		return NULL;
	}
	c->next = NULL;
	c->ready = 0;
	c->deadline_ms = 0;
	c->partial = 0;
	c->events = POLLIN;
	c->lingering = 0;
	c->drained = 0;
	memset(&c->peer, 0, sizeof c->peer);
	if (peerlen > sizeof c->peer)
		peerlen = sizeof c->peer;
	memcpy(&c->peer, peer, peerlen);
	stream_init(&c->st, fd, NULL, c->rbuf, sizeof c->rbuf, timeout_ms);
	return c;
}

void
conn_idle(struct conn *c)
{
	if (!c->ready || c->lingering || stream_has_pending(&c->st))
		return;
	stream_set_rbuf(&c->st, c->rbuf, sizeof c->rbuf);
	arena_drop(c->rbuf, sizeof c->rbuf);
	if (c->st.tls != NULL)
		tls_conn_idle(c->st.tls);
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	stream_close(&c->st);
	free(c);
}

#define CONN_LINGER_MAX (256 * 1024)

int
conn_linger_begin(struct conn *c)
{
	if (c == NULL)
		return 0;
	/* close_notify first (TLS), then FIN; what the peer still sends is
	 * read and dropped so that close() does not turn into a RST that
	 * destroys the response in flight. */
	if (c->st.tls != NULL) {
		tls_conn_free(c->st.tls);
		c->st.tls = NULL;
	}
	if (c->st.fd < 0 || shutdown(c->st.fd, SHUT_WR) != 0) {
		conn_free(c);
		return 0;
	}
	c->lingering = 1;
	c->drained = 0;
	c->events = POLLIN;
	return 1;
}

int
conn_linger_drain(struct conn *c)
{
	char drain[4096];

	while (c->drained < CONN_LINGER_MAX) {
		ssize_t r = recv(c->st.fd, drain, sizeof drain, MSG_DONTWAIT);

		if (r > 0) {
			c->drained += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
	return 0;
}
