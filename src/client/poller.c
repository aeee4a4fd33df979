#include "config.h"
#include "client/poller.h"
#include "client/backoff.h"
#include "client/httpc.h"
#include "client/xsession.h"
#include "shared/arena.h"
#include "shared/b64.h"
#include "shared/err.h"
#include "shared/thread.h"
#include "shared/http.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/ptargs.h"
#include "shared/rand.h"
#include "shared/socks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POLLER_SOCKS_WRITE_TIMEOUT_MS 30000

/* Everything one session owns, allocated in one piece when it starts. */
struct session {
	struct poller *p;
	int fd;                           /* SOCKS connection from tor */
	struct socks_request req;
	struct ptargs args;
	struct httpc http;
	int http_ready;
	int mode;                         /* enum client_mode */
	char sid[B64_ENCODED_SIZE(POLLER_SID_BYTES)];
	char sid_log[LOG_SID_LEN];
	unsigned long long up, down;      /* payload bytes each way */
	/* Not cleared at the start, so that their pages stay untouched (not
	 * resident) until used: the targets beyond targets.n, the buffer
	 * until data moves through it. */
	struct client_targets targets;
	unsigned char buf[HTTP_BODY_MAX]; /* request, then response body */
};

int
poller_init(struct poller *p, const struct client_conf *conf,
    const struct tls_anchors *anchors, const char **why)
{
	memset(p, 0, sizeof *p);
	p->conf = conf;
	p->anchors = anchors;
	p->stack_kb = (size_t)conf->stack_kb;
	p->max_sessions = conf->max_sessions > 0 ?
	    (unsigned)conf->max_sessions : UINT_MAX;
	if (pipe2(p->stop_pipe, O_CLOEXEC) != 0) {
		if (why)
			*why = "pipe failed";
		return MEEK_EIO;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->idle, NULL);
	return 0;
}

/* Ends a session before it was granted: a complete SOCKS failure reply. */
static int
poller_refuse(struct session *s, const char *what, const char *why)
{
	log_warn("session refused: %s: %s", what, why);
	socks_server_reply(s->fd, &s->req, SOCKS_REP_FAIL, POLLER_SOCKS_TIMEOUT_MS);
	return MEEK_EINVAL;
}

/* SOCKS handshake, arguments, session id, success reply. */
static int
poller_open(struct session *s)
{
	const struct poller *p = s->p;
	unsigned char raw[POLLER_SID_BYTES];
	const char *why = NULL;
	char esc[CLIENT_UTLS_MAX * 4];
	size_t len;
	int rc;

	rc = socks_server_handshake(s->fd, &s->req, POLLER_SOCKS_TIMEOUT_MS, &why);
	if (rc != 0) {
		log_info("SOCKS handshake failed: %s (%s)", meek_strerror(rc),
		    why ? why : "-");
		return rc;
	}
	/* A single NUL password means "no more args" (pt-spec); tolerate it
	 * whether or not the socks module stripped it. */
	len = s->req.args_len;
	while (len > 0 && s->req.args[len - 1] == '\0')
		len--;
	if ((rc = ptargs_parse(&s->args, s->req.args, len, &why)) != 0)
		return poller_refuse(s, "bad SOCKS arguments", why ? why : "-");
	if (client_conf_resolve_all(p->conf, &s->args, &s->targets, &why) != 0)
		return poller_refuse(s, "SOCKS arguments", why ? why : "-");
	if (client_conf_resolve_mode(p->conf, &s->args, &s->mode, &why) != 0)
		return poller_refuse(s, "SOCKS arguments", why ? why : "-");
	if (s->targets.t[0].hello_from_utls == 2)
		log_info("utls=%s is not a Chrome hello: sending Chrome's "
		    "(hello=%s) instead", log_escape(esc, sizeof esc,
		    s->targets.t[0].utls, strlen(s->targets.t[0].utls)),
		    tlshello_profile_name(s->targets.t[0].hello));

	/* 128 random bits, base64 without padding: 22 characters. */
	if (rand_bytes(raw, sizeof raw) != 0)
		return poller_refuse(s, "session id", "getrandom failed");
	if (b64_encode(s->sid, sizeof s->sid, raw, sizeof raw, 0) < 0)
		return poller_refuse(s, "session id", "encoding failed");
	log_sid(s->sid_log, s->sid);

	if (httpc_init(&s->http, s->targets.t, s->targets.n,
	    p->conf->has_proxy ? &p->conf->proxy : NULL, p->anchors, s->sid,
	    p->stop_pipe[0], &why) != 0)
		return poller_refuse(s, "HTTP client", why ? why : "-");
	s->http_ready = 1;

	/* meek grants the SOCKS request before any HTTP. */
	if ((rc = socks_server_reply(s->fd, &s->req, SOCKS_REP_OK,
	    POLLER_SOCKS_TIMEOUT_MS)) != 0) {
		log_info("session %s: SOCKS reply failed: %s", s->sid_log,
		    meek_strerror(rc));
		return rc;
	}
	log_info("session %s: started (%s%s%s, %zu url/front pair%s)",
	    s->sid_log, s->http.target->url.https ? "https" : "http",
	    p->conf->has_proxy ? ", through proxy" : "",
	    strcmp(s->http.target->front, s->http.target->url.host) != 0 ?
	    ", fronted" : "", s->targets.n, s->targets.n == 1 ? "" : "s");
	return 0;
}

/* Writes a classic answer's `out` body bytes (in s->buf) to tor.
 * Returns 0, or the stream error after logging it (the session ends). */
static int
poller_deliver(struct session *s, size_t out)
{
	int rc;

	if (out == 0)
		return 0;
	s->down += out;
	rc = net_write_all(s->fd, s->buf, out, POLLER_SOCKS_WRITE_TIMEOUT_MS);
	if (rc != 0)
		log_info("session %s: SOCKS write failed: %s", s->sid_log,
		    meek_strerror(rc));
	return rc;
}

/* arena_poll's idle hook: the connection waits for the next poll. */
static void
poller_idle(void *arg)
{
	struct session *s = arg;

	httpc_idle(&s->http);
}

/* The polling loop, first waiting `interval` ms; returns when the session
 * is over. */
static void
poller_loop(struct session *s, int interval)
{
	struct pollfd pfd[2];
	const char *why = NULL;
	int rc;
	size_t out;
	ssize_t n;

	for (;;) {
		pfd[0].fd = s->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->p->stop_pipe[0];
		pfd[1].events = POLLIN;
		rc = arena_poll(pfd, 2, interval, poller_idle, s);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			log_warn("session %s: poll failed", s->sid_log);
			return;
		}
		if (pfd[1].revents != 0) {
			log_debug("session %s: shutting down", s->sid_log);
			return;
		}
		n = 0;
		if (pfd[0].revents != 0) {
			n = recv(s->fd, s->buf, sizeof s->buf, 0);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				n = 0;
			else if (n < 0) {
				log_info("session %s: SOCKS read failed", s->sid_log);
				return;
			} else if (n == 0) {
				log_info("session %s: closed by tor (%llu bytes up, "
				    "%llu down)", s->sid_log, s->up, s->down);
				return;
			}
		}
		s->up += (size_t)n;
		rc = httpc_exchange(&s->http, s->buf, (size_t)n, sizeof s->buf,
		    &out, &why);
		if (rc != 0) {
			if (rc == MEEK_ECLOSED && s->http.stop_fd >= 0 &&
			    net_wait(s->http.stop_fd, POLLIN, 0) == 1)
				return;
			log_warn("session %s: ended: %s (%s)", s->sid_log,
			    meek_strerror(rc), why ? why : "-");
			return;
		}
		if (poller_deliver(s, out) != 0)
			return;
		interval = backoff_next(interval, n > 0 || out > 0);
	}
}

/* The open (unless classic is wanted) and then either an extension session
 * or the classic loop, whose first request the open then was. */
static void
poller_run(struct session *s)
{
	const struct poller *p = s->p;
	struct xsession_conf xc;
	size_t out = 0;
	int opened = 0, interval = 0;

	memset(&xc, 0, sizeof xc);
	xc.fd = s->fd;
	xc.http = &s->http;
	xc.sid = s->sid;
	xc.sid_log = s->sid_log;
	xc.mode = s->mode;
	xc.max_body = p->conf->max_body;
	xc.up_max = p->conf->up_max;
	xc.stack_kb = p->stack_kb;
	xc.stop_fd = p->stop_pipe[0];
	xc.buf = s->buf;
	xc.cap = sizeof s->buf;
	xc.up = &s->up;
	xc.down = &s->down;
	if (xsession_run(&xc, &opened, &out) != XSESSION_CLASSIC)
		return;
	if (opened) {
		if (poller_deliver(s, out) != 0)
			return;
		interval = backoff_next(0, out > 0);
	}
	poller_loop(s, interval);
}

static void *
poller_main(void *arg)
{
	struct session *s = arg;
	struct poller *p = s->p;

	pthread_setname_np(pthread_self(), "meek-session");
	ptargs_init(&s->args);
	if (poller_open(s) == 0)
		poller_run(s);
	if (s->http_ready)
		httpc_clear(&s->http);
	ptargs_clear(&s->args);
	close(s->fd);
	free(s);

	pthread_mutex_lock(&p->lock);
	if (--p->nsessions == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* A connection over --max-sessions: a SOCKS failure from what its first
 * byte says (SOCKS5: no acceptable method; SOCKS4: request rejected),
 * waiting at most POLLER_TURN_AWAY_MS for it (the accept thread runs
 * this), then the close. */
#define POLLER_TURN_AWAY_MS 200
static void
poller_turn_away(int fd)
{
	static const unsigned char v5[2] = { 0x05, 0xff };
	static const unsigned char v4[8] = { 0x00, 0x5b };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char ver;

	if (poll(&pfd, 1, POLLER_TURN_AWAY_MS) == 1 &&
	    recv(fd, &ver, 1, MSG_DONTWAIT | MSG_PEEK) == 1) {
		if (ver == 0x05)
			(void)send(fd, v5, sizeof v5, MSG_DONTWAIT | MSG_NOSIGNAL);
		else if (ver == 0x04)
			(void)send(fd, v4, sizeof v4, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	close(fd);
}

int
poller_start(struct poller *p, int fd, const char **why)
{
	struct session *s;
	const char *w = "";
	int rc;

	/* Only the fields before `targets` are cleared (see struct
	 * session). */
	if ((s = malloc(sizeof *s)) == NULL) {
		close(fd);
		if (why)
			*why = "out of memory for a session";
		return MEEK_ENOMEM;
	}
	pthread_mutex_lock(&p->lock);
	if (p->nsessions >= p->max_sessions) {
		pthread_mutex_unlock(&p->lock);
		free(s);
		poller_turn_away(fd);
		if (why)
			*why = "--max-sessions reached: SOCKS connection refused";
		return MEEK_EFULL;
	}
	p->nsessions++;
	pthread_mutex_unlock(&p->lock);
	memset(s, 0, offsetof(struct session, targets));
	s->targets.n = 0;
	s->p = p;
	s->fd = fd;
	rc = thread_start_detached(p->stack_kb, poller_main, s, &w);
	if (rc != 0) {
		pthread_mutex_lock(&p->lock);
		if (--p->nsessions == 0)
			pthread_cond_broadcast(&p->idle);
		pthread_mutex_unlock(&p->lock);
		close(fd);
		free(s);
		if (why)
			*why = "cannot create a session thread";
		return MEEK_EIO;
	}
	return 0;
}

void
poller_stop(struct poller *p)
{
	ssize_t w;
	char c = 0;

	do
		w = write(p->stop_pipe[1], &c, 1);
	while (w < 0 && errno == EINTR);
}

unsigned
poller_count(struct poller *p)
{
	unsigned n;

	pthread_mutex_lock(&p->lock);
	n = p->nsessions;
	pthread_mutex_unlock(&p->lock);
	return n;
}

unsigned
poller_wait(struct poller *p, int timeout_ms)
{
	struct timespec until;
	unsigned n;

	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&p->lock);
	while (p->nsessions > 0) {
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
poller_clear(struct poller *p)
{
	close(p->stop_pipe[0]);
	close(p->stop_pipe[1]);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->idle);
	memset(p, 0, sizeof *p);
	p->stop_pipe[0] = p->stop_pipe[1] = -1;
}
