#include "config.h"
#include "server/session.h"
#include "server/orport.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/extor.h"
#include "shared/http.h"
#include "shared/net.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct session *
session_new(const char *id, size_t idlen, long long now_ms)
{
	struct session *s;

	if (idlen > SESSION_ID_MAX)
		return NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return NULL;
	}
	if (pthread_mutex_init(&s->wlock, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	memcpy(s->id, id, idlen);
	s->id[idlen] = '\0';
	s->idlen = idlen;
	atomic_init(&s->refs, 1);
	atomic_init(&s->last_used_ms, now_ms);
	atomic_init(&s->open_pending, 0);
	s->src = -1;
	s->fd = -1;
	return s;
}

void
session_ref(struct session *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

/* Closes an ORPort connection after reading what tor sent and nobody
 * will read (bounded): closing a socket with unread bytes makes Linux send
 * a RST, which can discard our last upstream bytes still in flight to a
 * remote ORPort. */
static void
session_close_fd(int fd)
{
	unsigned char sink[4096];

	for (int i = 0; i < 64; i++)
		if (recv(fd, sink, sizeof sink, MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

void
session_unref(struct session *s)
{
	if (s == NULL)
		return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (s->fd >= 0)
		session_close_fd(s->fd);
	if (s->ext != NULL) {
		if (s->ext->count != NULL)
			atomic_fetch_sub(s->ext->count, 1);
		if (s->ext->src_count != NULL)
			atomic_fetch_sub(&s->ext->src_count[s->src], 1);
		window_free(&s->ext->win);
		pthread_cond_destroy(&s->ext->cond);
		free(s->ext);
	}
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void
session_touch(struct session *s, long long now_ms)
{
	atomic_store_explicit(&s->last_used_ms, now_ms, memory_order_relaxed);
}

long long
session_last_used(const struct session *s)
{
	return atomic_load_explicit(&s->last_used_ms, memory_order_relaxed);
}

void
session_end_locked(struct session *s)
{
	if (s->ext != NULL) {
		/* Other workers may poll or write the fd right now: shut it
		 * down (they see EOF or EPIPE); the last unref closes it. */
		if (s->fd >= 0 && !s->closed)
			shutdown(s->fd, SHUT_RDWR);
		s->closed = 1;
		pthread_cond_broadcast(&s->ext->cond);
		return;
	}
	if (s->fd >= 0)
		session_close_fd(s->fd);
	s->fd = -1;
	s->closed = 1;
}

int
session_ext_begin_locked(struct session *s, size_t window, size_t body,
    unsigned modes, const char *answer, atomic_int *count)
{
	struct session_ext *x;
	pthread_condattr_t ca;

	if (s->ext != NULL)
		return MEEK_EINVAL;
	x = calloc(1, sizeof *x);
	if (x == NULL)
		return MEEK_ENOMEM;
	if (window_init(&x->win, window) < 0) {
		free(x);
		return MEEK_ENOMEM;
	}
	if (pthread_condattr_init(&ca) != 0) {
		window_free(&x->win);
		free(x);
		return MEEK_ENOMEM;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&x->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		window_free(&x->win);
		free(x);
		return MEEK_ENOMEM;
	}
	pthread_condattr_destroy(&ca);
	x->body = body;
	x->modes = modes;
	x->wake_fd = -1;
	snprintf(x->answer, sizeof x->answer, "%s", answer);
	x->count = count;
	s->ext = x;
	s->mode = SESSION_EXT_OPEN;
	atomic_store(&s->open_pending, 1);
	return 0;
}

void
session_ext_downgrade_locked(struct session *s)
{
	if (s->ext == NULL || s->mode != SESSION_EXT_OPEN)
		return;
	window_free(&s->ext->win);
	if (s->ext->count != NULL)
		atomic_fetch_sub(s->ext->count, 1);
	s->ext->count = NULL;
	if (s->ext->src_count != NULL)
		atomic_fetch_sub(&s->ext->src_count[s->src], 1);
	s->ext->src_count = NULL;
	s->mode = SESSION_CLASSIC;
	atomic_store(&s->open_pending, 0);
}

void
session_close(struct session *s)
{
	pthread_mutex_lock(&s->lock);
	session_end_locked(s);
	pthread_mutex_unlock(&s->lock);
}

int
session_dial_locked(struct session *s, const struct session_upstream *up,
    const char *useraddr, const char **why)
{
	const char *target = up->extorport != NULL ? up->extorport : up->orport;
	unsigned char cookie[EXTOR_COOKIE_LEN];
	char host[NET_HOST_MAX];
	uint16_t port;
	int fd, rc;

	if (up->extorport != NULL && up->source == NULL) {
		fd = extor_dial(up->extorport, up->cookie_file, useraddr,
		    "meek", up->io_timeout_ms, why);
	} else {
		fd = net_split_hostport(target, host, sizeof host, &port, 0,
		    why);
		if (fd == 0 && up->source != NULL)
			fd = srcdial_dial(up->source, host, port,
			    up->io_timeout_ms, why);
		else if (fd == 0)
			fd = net_dial(host, port, up->io_timeout_ms, why);
		/* --orport-source with an Extended ORPort: our own dial, then
		 * the same exchange extor_dial() runs (cookie re-read). */
		if (fd >= 0 && up->extorport != NULL) {
			rc = extor_cookie_read(up->cookie_file, cookie, why);
			if (rc == 0)
				rc = extor_handshake(fd, cookie, useraddr, "meek",
				    up->io_timeout_ms, why);
			explicit_bzero(cookie, sizeof cookie);
			if (rc < 0) {
				close(fd);
				fd = rc;
			}
		}
	}
	if (fd < 0) {
		s->closed = 1;
		return fd;
	}
	s->fd = fd;
	return 0;
}

long
session_transact_locked(struct session *s, const struct session_upstream *up,
    const unsigned char *body, size_t len, unsigned char *out, size_t cap,
    const char **why)
{
	size_t n = 0;
	int rc, wait_ms, ended = 0;

	if (s->closed || s->fd < 0) {
		*why = "session is closed";
		return MEEK_ECLOSED;
	}
	/* A write tor's side can no longer take is dropped (orport.h): the
	 * read below then meets its end. */
	rc = orport_write(s->fd, body, len, up->io_timeout_ms, up->stats, s->id);
	if (rc < 0) {
		*why = "ORPort write timed out";
		session_end_locked(s);
		return rc;
	}
	/* A full payload means the client has more queued and will send again
	 * at once: answer now instead of holding its pipeline. */
	wait_ms = len >= HTTP_BODY_MAX ? 0 : up->turnaround_ms;
	rc = net_wait(s->fd, POLLIN, wait_ms);
	if (rc < 0) {
		*why = "ORPort poll failed";
		session_end_locked(s);
		return rc;
	}
	if (rc == 0)
		return 0;
	n = orport_read(s->fd, out, cap, &ended, up->stats);
	if (ended) {
		/* tor closed or reset the circuit's connection: hand over
		 * what came, then the session is over. */
		session_end_locked(s);
		if (n == 0) {
			*why = "ORPort closed the connection";
			return MEEK_ECLOSED;
		}
	}
	return (long)n;
}
