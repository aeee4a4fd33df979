#include "config.h"
#include "shared/conn.h"
#include "shared/clock.h"
#include "shared/tls.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

struct conn *
conn_new(int fd, const struct sockaddr *peer, socklen_t peerlen, int timeout_ms)
{
	struct conn *c;

	c = malloc(sizeof *c);
	if (c == NULL) {
		close(fd);
		return NULL;
	}
	c->next = NULL;
	c->ready = 0;
	c->idle_since_ms = 0;
	c->partial = 0;
	memset(&c->peer, 0, sizeof c->peer);
	if (peerlen > sizeof c->peer)
		peerlen = sizeof c->peer;
	memcpy(&c->peer, peer, peerlen);
	stream_init(&c->st, fd, NULL, c->rbuf, sizeof c->rbuf, timeout_ms);
	return c;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	stream_close(&c->st);
	free(c);
}

void
conn_linger_free(struct conn *c, int ms)
{
	char drain[4096];
	long long end = clock_ms() + ms;
	size_t total = 0;

	if (c == NULL)
		return;
	/* close_notify first (TLS), then FIN; what the peer still sends is
	 * read and dropped so that close() does not turn into a RST that
	 * destroys the response in flight. */
	if (c->st.tls != NULL) {
		tls_conn_free(c->st.tls);
		c->st.tls = NULL;
	}
	if (c->st.fd >= 0 && shutdown(c->st.fd, SHUT_WR) == 0) {
		while (total < 256 * 1024) {
			long long left = end - clock_ms();
			struct pollfd pfd = { .fd = c->st.fd, .events = POLLIN };
			ssize_t r;

			if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
				break;
			r = recv(c->st.fd, drain, sizeof drain, MSG_DONTWAIT);
			if (r <= 0)
				break;
			total += (size_t)r;
		}
	}
	conn_free(c);
}
