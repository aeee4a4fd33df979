/*
 * meek-server: HTTP(S) requests from meek clients -> tor's (Extended)
 * ORPort.  Managed by tor (TOR_PT_* in the environment, SMETHOD lines on
 * stdout) or standalone (--listen, --orport; prints "LISTEN ip:port").
 */
#include "config.h"
#include "shared/arena.h"
#include "server/conf.h"
#include "server/handler.h"
#include "server/xhandler.h"
#include "shared/pool.h"
#include "server/reaper.h"
#include "server/session_table.h"
#include "server/sigloop.h"
#include "server/stats.h"
#include "shared/thread.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/opt.h"
#include "shared/pt.h"
#include "shared/term.h"
#include "shared/tls.h"
#include "shared/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAIN_MAX_BIND PT_MAX_TRANSPORTS

struct server {
	struct conf conf;
	struct tls_creds *creds;
	struct session_table *table;
	struct handler handler;
	struct pool_service svc;
	struct pool *pool;
	struct reaper *reaper;
	struct sigloop *sigloop;
	struct stats stats;
	struct xstate xstate;
	struct decoy decoy;
	struct tls_anchors *decoy_anchors;
	struct srcdial source;
	struct srccap srccap;        /* --max-per-source, --max-ext-per-source */
	char tls_error[1024];        /* SMETHOD-ERROR reason for bad --cert/--key */

	/* One entry per SMETHOD / SMETHOD-ERROR line to print. */
	size_t nbind;
	struct {
		const char *transport;
		int fd;                  /* listening socket, or -1 */
		const char *error;       /* reason when fd is -1 */
		char addr[NET_ADDRSTR_MAX];
		char error_buf[NET_ADDRSTR_MAX + 320]; /* "ADDR: reason" */
	} bind[MAIN_MAX_BIND];
};

/* Warnings reach tor as PT LOG lines in managed mode. */
static void
main_log_hook(enum log_level level, const char *msg)
{
	pt_log(level == LOG_ERROR ? "error" : "warning", msg);
}

static void
main_die(int managed, const char *why)
{
	fprintf(stderr, "meek-server: %s\n", why);
	if (managed)
		pt_env_error(why);
	exit(1);
}

/* Step 1: flags and TOR_PT_*. */
static void
main_parse(struct server *sv, int argc, char **argv)
{
	int managed = conf_env_is_managed();
	const char *why = "";
	int rc;

	conf_init(&sv->conf);
	rc = conf_parse(&sv->conf, argc, argv, &why);
	if (rc == CONF_HELP || rc == CONF_VERSION) {
		opt_info("meek-server", conf_usage, rc == CONF_VERSION);
		exit(0);
	}
	if (rc < 0)
		main_die(managed, why);
	rc = conf_load_env(&sv->conf, &why);
	if (rc == MEEK_EVERSION) {
		pt_version_error();
		exit(1);
	}
	if (rc < 0) {
		char msg[1024];

		/* MEEK_EIO: the state directory; name it and the reason. */
		if (rc == MEEK_EIO) {
			int e = errno;

			snprintf(msg, sizeof msg, "%s %s: %s", why,
			    getenv("TOR_PT_STATE_LOCATION"), strerror(e));
			why = msg;
		}
		/* pt tells tor; stderr is for a human running it by hand. */
		fprintf(stderr, "meek-server: %s\n", why);
		pt_env_error(why);
		exit(1);
	}
	if (conf_check(&sv->conf, &why) < 0)
		main_die(managed, why);
}

/* Opens one listener for `addr` into the next bind slot. */
static void
main_listen(struct server *sv, const char *transport, const char *addr,
    const char *error)
{
	size_t i = sv->nbind;
	const char *why = error;
	int fd = -1;

	if (i >= MAIN_MAX_BIND)
		return;
	if (why == NULL) {
		fd = net_listen(addr, 1024, &why);
		if (fd < 0)
			fd = -1;
	}
	sv->bind[i].transport = transport;
	sv->bind[i].fd = fd;
	sv->bind[i].error = fd < 0 ? why : NULL;
	if (fd >= 0)
		net_sockname(fd, sv->bind[i].addr, sizeof sv->bind[i].addr);
	else if (addr != NULL) {
		/* Go's form: "listen tcp ADDR: bind: permission denied". */
		snprintf(sv->bind[i].error_buf, sizeof sv->bind[i].error_buf,
		    "%s: %s", addr, why);
		sv->bind[i].error = sv->bind[i].error_buf;
	}
	sv->nbind++;
}

/* The soft descriptor limit raised to the hard one (every session holds
 * an ORPort descriptor).  Returns the soft limit in force, or -1 when
 * unknown (unlimited). */
static long
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = was;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 100000000)
		return -1;
	return (long)rl.rlim_cur;
}

/* --max-sessions within the descriptors: each session holds one, each
 * worker a client connection, each held extension request a wake pipe
 * (two), the queue its accepted connections, and MAIN_FD_SPARE for
 * listeners, the log, decoy connections, parked connections and accept()
 * headroom. */
#define MAIN_FD_SPARE 64
static void
main_fit_sessions(struct conf *c)
{
	long nofile = main_raise_nofile(), room;

	if (nofile < 0)
		return;
	room = nofile - (long)c->threads - 3L * c->max_ext - c->queue -
	    MAIN_FD_SPARE;
	if (room >= c->max_sessions)
		return;
	if (room < 1) {
		log_warn("only %ld file descriptors for %d workers and a queue "
		    "of %d: --max-sessions 1 (raise ulimit -n)", nofile,
		    c->threads + c->max_ext, c->queue);
		room = 1;
	} else {
		log_info("--max-sessions %d lowered to %ld: %ld file "
		    "descriptors (ulimit -n)", c->max_sessions, room, nofile);
	}
	c->max_sessions = (int)room;
}

/* Step 2: log, signal mask, credentials, listeners. */
static void
main_setup(struct server *sv)
{
	struct conf *c = &sv->conf;
	const char *why = "", *tls_error = NULL;

	if (log_open(c->log_file, &why) < 0) {
		char msg[1024];
		int e = errno;

		snprintf(msg, sizeof msg, "%s %s: %s", why, c->log_file,
		    strerror(e));
		main_die(c->managed, msg);
	}
	log_set_level((enum log_level)c->log_level);
	log_set_unsafe(c->unsafe_logging);
	log_info("meek-server meek-c %s starting (%s)", PACKAGE_VERSION,
	    c->managed ? "managed" : "standalone");

	/* Every thread inherits this mask. */
	term_block();
	sigloop_block();

	if (!c->disable_tls &&
	    tls_creds_load(&sv->creds, c->cert, c->key, &why) < 0) {
		int e = errno;

		snprintf(sv->tls_error, sizeof sv->tls_error,
		    "cannot load --cert %s / --key %s: %s%s%s", c->cert, c->key,
		    why, e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
		log_error("%s", sv->tls_error);
		if (!c->managed)
			main_die(0, sv->tls_error);
		tls_error = sv->tls_error;
	}

	if (!c->managed) {
		main_listen(sv, "meek", c->listen, NULL);
		if (sv->bind[0].fd < 0)
			main_die(0, sv->bind[0].error);
		return;
	}
	for (size_t i = 0; i < c->env.nbind; i++) {
		const struct pt_bindaddr *b = &c->env.bind[i];
		char host[NET_HOST_MAX], addr[NET_ADDRSTR_MAX + 8];
		uint16_t port;

		if (strcmp(b->transport, "meek") != 0) {
			main_listen(sv, b->transport, NULL, "no such method");
			continue;
		}
		snprintf(addr, sizeof addr, "%s", b->addr);
		if (c->port >= 0 && net_split_hostport(b->addr, host,
		    sizeof host, &port, 1, &why) == 0)
			net_hostport(addr, sizeof addr, host, c->port);
		main_listen(sv, b->transport, addr, tls_error);
	}
}

/* Step 2b: --user: after the listeners are bound (port 443) and the log,
 * certificate and key are open, before any thread starts.  Exits when it
 * cannot drop (running on as root is what the operator asked to avoid). */
static void
main_drop_privileges(struct server *sv)
{
	const char *user = sv->conf.user;
	struct passwd *pw;

	if (user == NULL)
		return;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL)
		main_die(sv->conf.managed, "--user: no such user");
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid) {
		log_info("already running as %s", user);
		return;
	}
	if (setgroups(0, NULL) < 0 || initgroups(user, pw->pw_gid) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
		main_die(sv->conf.managed, "--user: cannot drop privileges "
		    "(not started as root?)");
	/* setuid() to a non-root uid must be final. */
	if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0))
		main_die(sv->conf.managed, "--user: root privileges remain");
	log_info("running as user %s", user);
}

/* Step 3: SMETHOD lines or the standalone LISTEN line.  Returns the number
 * of listeners serving. */
static size_t
main_announce(struct server *sv)
{
	size_t ok = 0;

	if (!sv->conf.managed) {
		printf("LISTEN %s\n", sv->bind[0].addr);
		fflush(stdout);
		log_info("listening on %s", sv->bind[0].addr);
		return 1;
	}
	pt_version();
	/* Only now: "VERSION 1" must be tor's first line. */
	log_set_hook(main_log_hook);
	for (size_t i = 0; i < sv->nbind; i++) {
		if (sv->bind[i].fd >= 0) {
			pt_smethod(sv->bind[i].transport, sv->bind[i].addr, NULL);
			log_info("listening on %s", sv->bind[i].addr);
			ok++;
		} else {
			pt_smethod_error(sv->bind[i].transport,
			    sv->bind[i].error);
			log_error("%s: %s", sv->bind[i].transport,
			    sv->bind[i].error);
		}
	}
	pt_smethods_done();
	if (ok == 0)
		log_error("nothing to serve (the errors above)%s",
		    sv->conf.env.exit_on_stdin_close ? "; staying up until tor "
		    "closes stdin or sends SIGTERM, as Go's meek-server does, "
		    "so that tor does not respawn it" : "");
	return ok;
}

/* The pool's view of the meek handler. */
static int
main_serve_one(void *ctx, struct conn *c, void *bufs)
{
	return handler_serve(ctx, c, bufs);
}

/* The handler's context from the flags: the session table, the ORPort
 * side, the decoy, the secret header, the source rules, the extension's
 * limits.  Returns 0, or 1 after logging why not. */
static int
main_handler(struct server *sv)
{
	struct conf *c = &sv->conf;
	struct handler *h = &sv->handler;
	const char *why = "";

	main_fit_sessions(c);
	sv->table = session_table_new((size_t)c->max_sessions);
	srccap_init(&sv->srccap, c->max_per_source, c->max_ext_per_source);
	if (sv->table != NULL)
		session_table_set_limits(sv->table, &sv->srccap,
		    SESSION_OPEN_MS);
	h->srccap = &sv->srccap;
	h->table = sv->table;
	h->up.orport = c->up_orport;
	h->up.extorport = c->up_extorport;
	h->up.cookie_file = c->up_cookie;
	h->up.turnaround_ms = c->turnaround_ms;
	h->up.io_timeout_ms = HANDLER_IO_TIMEOUT_MS;
	h->up.stats = &sv->stats;
	if (c->up_extorport == NULL && c->norports > 1) {
		h->orports = c->orports;
		h->norports = c->norports;
	}
	if (c->fallback != NULL) {
		const char *ca;
		char msg[1024];

		if (c->fallback_url.https && trust_load(&sv->decoy_anchors,
		    NULL, NULL, &ca, msg, sizeof msg) != 0) {
			log_error("--fallback: %s", msg);
			return 1;
		}
		sv->decoy.url = &c->fallback_url;
		sv->decoy.anchors = sv->decoy_anchors;
		sv->decoy.secret_name = c->req_name[0] != '\0' ? c->req_name :
		    NULL;
		h->decoy = &sv->decoy;
	}
	if (c->req_name[0] != '\0') {
		h->req_name = c->req_name;
		h->req_value = c->req_value;
	}
	if (c->has_orport_source) {
		if (srcdial_init(&sv->source, &c->orport_source, &why) < 0) {
			log_error("%s", why);
			return 1;
		}
		h->up.source = &sv->source;
	}
	h->useraddr.trusted_proxies = c->trusted_proxies;
	h->useraddr.meek_ip_from = c->meek_ip_from;
	h->useraddr.nmeek_ip_from = c->nmeek_ip_from;
	stats_init(&sv->stats);
	h->stats = &sv->stats;
	xconf_init(&h->x);
	h->x.max_ext = c->max_ext;
	h->x.stream_ms = (long long)c->stream_time_s * 1000;
	h->x.hold_ms = (long long)c->hold_time_s * 1000;
	h->x.window = (size_t)c->window_kb * 1024;
	h->x.max_body = (size_t)c->max_body_kb * 1024;
	xstate_init(&sv->xstate);
	h->xs = &sv->xstate;
	return 0;
}

/* The worker pool over the handler, with the listeners bound in step 3.
 * Returns 0, or 1 after logging why not. */
static int
main_pool(struct server *sv)
{
	struct conf *c = &sv->conf;
	struct pool_conf pc;

	memset(&pc, 0, sizeof pc);
	/* Workers set aside for held streams and long-polls (one per
	 * extension session), beside --threads for everything else. */
	pc.threads = c->threads + c->max_ext;
	pc.queue = c->queue;
	pc.stack_kb = (size_t)c->stack_kb;
	pc.creds = sv->creds;
	sv->svc.serve = main_serve_one;
	sv->svc.ctx = &sv->handler;
	sv->svc.bufs_size = sizeof(struct handler_bufs);
	sv->svc.io_timeout_ms = HANDLER_IO_TIMEOUT_MS;
	pc.svc = &sv->svc;
	sv->pool = sv->table != NULL ? pool_new(&pc) : NULL;
	if (sv->pool == NULL) {
		log_error("out of memory");
		return 1;
	}
	for (size_t i = 0; i < sv->nbind; i++) {
		if (sv->bind[i].fd >= 0) {
			pool_add_listener(sv->pool, sv->bind[i].fd);
			sv->bind[i].fd = -1;
		}
	}
	return 0;
}

/* Step 4: start the threads and wait.  Returns 0 or 1. */
static int
main_serve(struct server *sv)
{
	struct conf *c = &sv->conf;
	struct sigloop_conf sl;
	const char *why = "";

	if (main_handler(sv) != 0 || main_pool(sv) != 0)
		return 1;
	if (pool_start(sv->pool, &why) < 0 ||
	    reaper_start(&sv->reaper, sv->table,
	    (long long)c->session_timeout_s * 1000, (size_t)c->stack_kb,
	    &why) < 0) {
		log_error("cannot start threads: %s", why);
		return 1;
	}
	sl.creds = sv->creds;
	sl.stats = &sv->stats;
	sl.table = sv->table;
	sl.reaper = sv->reaper;
	sl.stats_file = c->stats_file;
	sl.log_every_s = c->stats_interval_min * 60;
	if (sigloop_start(&sv->sigloop, &sl, (size_t)c->stack_kb, &why) < 0) {
		log_error("cannot start threads: %s", why);
		return 1;
	}
	term_wait(c->managed && c->env.exit_on_stdin_close, (size_t)c->stack_kb);
	return 0;
}

/* Step 5: join, free, and give the exit code back. */
static int
main_shutdown(struct server *sv, int code)
{
	pool_free(sv->pool);
	sigloop_stop(sv->sigloop);
	reaper_stop(sv->reaper);
	session_table_free(sv->table);
	for (size_t i = 0; i < sv->nbind; i++)
		if (sv->bind[i].fd >= 0)
			close(sv->bind[i].fd);
	tls_creds_free(sv->creds);
	tls_anchors_free(sv->decoy_anchors);
	log_info("stopped");
	conf_clear(&sv->conf);
	log_close();
	return code;
}

int
main(int argc, char **argv)
{
	static struct server sv;
	int code;

	arena_bound(4);
	main_parse(&sv, argc, argv);
	main_setup(&sv);
	main_drop_privileges(&sv);
	if (main_announce(&sv) == 0) {
		/* Managed: exiting would only make tor start it again (and
		 * again); wait for tor to end it, as Go's meek-server does. */
		if (sv.conf.managed)
			term_wait(sv.conf.env.exit_on_stdin_close,
			    (size_t)sv.conf.stack_kb);
		return main_shutdown(&sv, 1);
	}
	code = main_serve(&sv);
	return main_shutdown(&sv, code);
}
