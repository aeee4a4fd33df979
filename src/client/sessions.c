#include "config.h"
#include "client/sessions.h"
#include "shared/clock.h"
#include "shared/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* client/session's last step: one session fewer. */
static void
sessions_ended(void *owner)
{
	struct sessions *p = owner;

	pthread_mutex_lock(&p->lock);
	if (--p->nsessions == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
}

int
sessions_init(struct sessions *p, const struct client_conf *conf,
    const struct tls_anchors *anchors, const char **why)
{
	memset(p, 0, sizeof *p);
	p->env.conf = conf;
	p->env.anchors = anchors;
	p->env.stack_kb = (size_t)conf->stack_kb;
	p->env.ended = sessions_ended;
	p->env.owner = p;
	p->max_sessions = conf->max_sessions > 0 ?
	    (unsigned)conf->max_sessions : UINT_MAX;
	if (pipe2(p->stop_pipe, O_CLOEXEC) != 0)
		return meek_fail(why, "pipe failed", MEEK_EIO);
	p->env.stop_fd = p->stop_pipe[0];
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->idle, NULL);
	return 0;
}

/* A connection over --max-sessions: a SOCKS failure from what its first
 * byte says (SOCKS5: no acceptable method; SOCKS4: request rejected),
 * waiting at most SESSIONS_TURN_AWAY_MS for it (the accept thread runs
 * this), then the close. */
#define SESSIONS_TURN_AWAY_MS 200
static void
sessions_turn_away(int fd)
{
	static const unsigned char v5[2] = { 0x05, 0xff };
	static const unsigned char v4[8] = { 0x00, 0x5b };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char ver;

	if (poll(&pfd, 1, SESSIONS_TURN_AWAY_MS) == 1 &&
	    recv(fd, &ver, 1, MSG_DONTWAIT | MSG_PEEK) == 1) {
		if (ver == 0x05)
			(void)send(fd, v5, sizeof v5, MSG_DONTWAIT | MSG_NOSIGNAL);
		else if (ver == 0x04)
			(void)send(fd, v4, sizeof v4, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	close(fd);
}

int
sessions_start(struct sessions *p, int fd, const char **why)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	if (p->nsessions >= p->max_sessions) {
		pthread_mutex_unlock(&p->lock);
		sessions_turn_away(fd);
		return meek_fail(why,
		    "--max-sessions reached: SOCKS connection refused",
		    MEEK_EFULL);
	}
	p->nsessions++;
	pthread_mutex_unlock(&p->lock);
	if ((rc = session_start(&p->env, fd, why)) != 0)
		sessions_ended(p);
	return rc;
}

void
sessions_stop(struct sessions *p)
{
	ssize_t w;
	char c = 0;

	do
		w = write(p->stop_pipe[1], &c, 1);
	while (w < 0 && errno == EINTR);
}

unsigned
sessions_count(struct sessions *p)
{
	return sessions_wait(p, 0);
}

unsigned
sessions_wait(struct sessions *p, int timeout_ms)
{
	struct timespec until = clock_after(CLOCK_REALTIME,
	    timeout_ms > 0 ? timeout_ms : 0);
	unsigned n;

	pthread_mutex_lock(&p->lock);
	while (p->nsessions > 0 && timeout_ms != 0) {
		if (timeout_ms < 0)
			pthread_cond_wait(&p->idle, &p->lock);
		else if (pthread_cond_timedwait(&p->idle, &p->lock, &until) != 0)
			break;
	}
	n = p->nsessions;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void
sessions_clear(struct sessions *p)
{
	close(p->stop_pipe[0]);
	close(p->stop_pipe[1]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->idle);
	memset(p, 0, sizeof *p);
	p->stop_pipe[0] = p->stop_pipe[1] = -1;
}
