/*
 * listener: one SOCKS listening socket and its accept thread, which hands
 * every accepted connection to the session set (one session thread each).
 * Thread: listener_open/start/close from main; the accept thread owns the
 * listening fd between listener_start() and listener_close().
 */
#ifndef MEEK_CLIENT_LISTENER_H
#define MEEK_CLIENT_LISTENER_H
#include <pthread.h>
#include "client/sessions.h"
#include "shared/net.h"

struct listener {
	int fd;                      /* listening socket, -1 when closed */
	int wake[2];                 /* written by listener_close() */
	int running;                 /* the accept thread was started */
	pthread_t thread;
	struct sessions *sessions;       /* borrowed */
	unsigned long refused;       /* over --max-sessions (accept thread) */
	char addr[NET_ADDRSTR_MAX];  /* actual "ip:port" (the real port) */
};

/* Binds `addr` ("127.0.0.1:0" picks a port) and fills l->addr with the
 * address really bound.  Returns 0 or MEEK_EINVAL / MEEK_EIO with *why;
 * on failure `l` needs no listener_close(). */
int listener_open(struct listener *l, const char *addr, struct sessions *sessions,
    const char **why);
/* Starts the accept thread.  Returns 0 or MEEK_EIO with *why. */
int listener_start(struct listener *l, const char **why);
/* Stops accepting: wakes and joins the accept thread, closes the socket.
 * Running sessions are not touched. */
void listener_close(struct listener *l);

#endif
