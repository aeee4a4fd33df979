#include "config.h"
#include "client/session.h"
#include "client/classic.h"
#include "client/ctx.h"
#include "client/httpc.h"
#include "client/xsession.h"
#include "shared/b64.h"
#include "shared/err.h"
#include "shared/http.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/ptargs.h"
#include "shared/rand.h"
#include "shared/socks.h"
#include "shared/thread.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Everything one session owns, allocated in one piece when it starts. */
struct client_session {
	const struct session_env *env;
	int fd;                           /* SOCKS connection from tor */
	struct socks_request req;
	struct ptargs args;
	struct httpc http;
	int http_ready;
	int mode;                         /* enum client_mode */
	char sid[B64_ENCODED_SIZE(SESSION_ID_BYTES)];
	char sid_log[LOG_SID_LEN];
	unsigned long long up, down;      /* payload bytes each way */
	/* Not cleared at the start, so that their pages stay untouched (not
	 * resident) until used: the targets beyond targets.n, the buffer
	 * until data moves through it. */
	struct client_targets targets;
	unsigned char buf[HTTP_BODY_MAX]; /* request, then response body */
};

/* Ends a session before it was granted: a complete SOCKS failure reply. */
static int
session_refuse(struct client_session *s, const char *what, const char *why)
{
	log_warn("session refused: %s: %s", what, why);
	socks_server_reply(s->fd, &s->req, SOCKS_REP_FAIL,
	    SESSION_SOCKS_TIMEOUT_MS);
	return MEEK_EINVAL;
}

/* The SOCKS arguments, resolved against the flags. */
static int
session_args(struct client_session *s)
{
	const struct client_conf *conf = s->env->conf;
	const char *why = NULL;
	char esc[CLIENT_UTLS_MAX * 4];
	size_t len;

	/* A single NUL password means "no more args" (pt-spec); tolerate it
	 * whether or not the socks module stripped it. */
	len = s->req.args_len;
	while (len > 0 && s->req.args[len - 1] == '\0')
		len--;
	if (ptargs_parse(&s->args, s->req.args, len, &why) != 0)
		return session_refuse(s, "bad SOCKS arguments", why ? why : "-");
	if (client_conf_resolve_all(conf, &s->args, &s->targets, &why) != 0 ||
	    client_conf_resolve_mode(conf, &s->args, &s->mode, &why) != 0)
		return session_refuse(s, "SOCKS arguments", why ? why : "-");
	if (s->targets.t[0].hello_from_utls == 2)
		log_info("utls=%s is not a Chrome hello: sending Chrome's "
		    "(hello=%s) instead", log_escape(esc, sizeof esc,
		    s->targets.t[0].utls, strlen(s->targets.t[0].utls)),
		    tlshello_profile_name(s->targets.t[0].hello));
	return 0;
}

/* SOCKS handshake, arguments, session id, success reply. */
static int
session_open(struct client_session *s)
{
	const struct client_conf *conf = s->env->conf;
	unsigned char raw[SESSION_ID_BYTES];
	const char *why = NULL;
	int rc;

	rc = socks_server_handshake(s->fd, &s->req, SESSION_SOCKS_TIMEOUT_MS,
	    &why);
	if (rc != 0) {
		log_info("SOCKS handshake failed: %s (%s)", meek_strerror(rc),
		    why ? why : "-");
		return rc;
	}
	if ((rc = session_args(s)) != 0)
		return rc;
	/* 128 random bits, base64 without padding: 22 characters. */
	if (rand_bytes(raw, sizeof raw) != 0)
		return session_refuse(s, "session id", "getrandom failed");
	if (b64_encode(s->sid, sizeof s->sid, raw, sizeof raw, 0) < 0)
		return session_refuse(s, "session id", "encoding failed");
	log_sid(s->sid_log, s->sid);
	if (httpc_init(&s->http, s->targets.t, s->targets.n,
	    conf->has_proxy ? &conf->proxy : NULL, s->env->anchors, s->sid,
	    s->env->stop_fd, &why) != 0)
		return session_refuse(s, "HTTP client", why ? why : "-");
	s->http_ready = 1;

	/* meek grants the SOCKS request before any HTTP. */
	if ((rc = socks_server_reply(s->fd, &s->req, SOCKS_REP_OK,
	    SESSION_SOCKS_TIMEOUT_MS)) != 0) {
		log_info("session %s: SOCKS reply failed: %s", s->sid_log,
		    meek_strerror(rc));
		return rc;
	}
	log_info("session %s: started (%s%s%s, %zu url/front pair%s)",
	    s->sid_log, s->http.target->url.https ? "https" : "http",
	    conf->has_proxy ? ", through proxy" : "",
	    strcmp(s->http.target->front, s->http.target->url.host) != 0 ?
	    ", fronted" : "", s->targets.n, s->targets.n == 1 ? "" : "s");
	return 0;
}

/* Negotiates once and runs the mode it gave. */
static void
session_serve(struct client_session *s)
{
	const struct session_env *e = s->env;
	struct xsession_open o;
	struct mode_ctx c = {
		.fd = s->fd,
		.http = &s->http,
		.sid = s->sid,
		.sid_log = s->sid_log,
		.mode = s->mode,
		.max_body = e->conf->max_body,
		.up_max = e->conf->up_max,
		.stack_kb = e->stack_kb,
		.stop_fd = e->stop_fd,
		.buf = s->buf,
		.cap = sizeof s->buf,
		.up = &s->up,
		.down = &s->down,
	};

	if (xsession_open(&c, &o) != 0)
		return;
	if (o.mode != 0)
		xsession_run(&c, &o);
	else
		classic_run(&c, o.sent, o.first);
}

static void *
session_main(void *arg)
{
	struct client_session *s = arg;
	const struct session_env *env = s->env;

	pthread_setname_np(pthread_self(), "meek-session");
	ptargs_init(&s->args);
	if (session_open(s) == 0)
		session_serve(s);
	if (s->http_ready)
		httpc_clear(&s->http);
	ptargs_clear(&s->args);
	close(s->fd);
	free(s);
	env->ended(env->owner);
	return NULL;
}

int
session_start(const struct session_env *env, int fd, const char **why)
{
	struct client_session *s;
	const char *w = "";

	/* Only the fields before `targets` are cleared (see struct
	 * client_session). */
	if ((s = malloc(sizeof *s)) == NULL) {
		close(fd);
		return meek_fail(why, "out of memory for a session",
		    MEEK_ENOMEM);
	}
	memset(s, 0, offsetof(struct client_session, targets));
	s->targets.n = 0;
	s->env = env;
	s->fd = fd;
	if (thread_start_detached(env->stack_kb, session_main, s, &w) != 0) {
		close(fd);
		free(s);
		return meek_fail(why, "cannot create a session thread",
		    MEEK_EIO);
	}
	return 0;
}
