#include "config.h"
#include "shared/conn.h"

#include <stdlib.h>
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
