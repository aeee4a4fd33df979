/*
 * meek-client: tor's SOCKS side of meek.  Reads like its torrc story:
 * parse flags and TOR_PT_*, set up trust anchors and SOCKS listeners, print
 * the PT lines, serve until SIGTERM/SIGINT or stdin closes, shut down.
 */
#include "config.h"
#include "shared/arena.h"
#include "client/check.h"
#include "client/conf.h"
#include "client/listener.h"
#include "client/sessions.h"
#include "client/report.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/pt.h"
#include "shared/tls.h"
#include "shared/trust.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define MAIN_DRAIN_POLL_MS 250
#define MAIN_SHUTDOWN_WAIT_MS 2000

struct client {
	struct client_conf conf;
	struct tls_anchors *anchors;
	struct sessions sessions;
	int sessions_ready;
	int sigfd;
	size_t nmethods;                 /* transports tor asked for that we serve */
	struct {
		const char *name;
		int rc;                  /* listener_open() result */
		const char *why;
		struct listener l;
	} methods[PT_MAX_TRANSPORTS];
};

/* Set once VERSION is out: PT LOG lines may not precede it.  The hook is
 * installed before any thread starts; only this flag changes later. */
static atomic_int main_pt_log_on;

static void
main_log_hook(enum log_level level, const char *msg)
{
	if (atomic_load(&main_pt_log_on))
		pt_log(level == LOG_ERROR ? "error" : "warning", msg);
}

/* Reports a startup failure: stderr always, stdout for tor when managed. */
static int
main_fail(const struct client *c, const char *why)
{
	fprintf(stderr, "meek-client: %s\n", why);
	if (c->conf.managed)
		pt_env_error(why);
	return EXIT_FAILURE;
}

/* Step 1: flags and TOR_PT_*. */
static int
main_parse(struct client *c, int argc, char **argv)
{
	const char *why = "invalid configuration";
	int rc;

	rc = client_conf_parse(&c->conf, argc, argv, &why);
	if (rc == MEEK_EVERSION) {
		fprintf(stderr, "meek-client: no supported managed-proxy version\n");
		pt_version_error();
		return EXIT_FAILURE;
	}
	if (rc == MEEK_EPROXY) {
		fprintf(stderr, "meek-client: %s\n", why);
		if (c->conf.managed) {
			pt_version();
			pt_proxy_error(why);
		}
		return EXIT_FAILURE;
	}
	if (rc != 0)
		return main_fail(c, why);
	return 0;
}

/* --check: trust anchors, then the bridge line test; returns the exit code. */
static int
main_check(struct client *c)
{
	const struct client_conf *conf = &c->conf;
	const char *why = NULL, *ca;
	char msg[1024];
	int rc;

	if (log_open(conf->log_file, &why) != 0) {
		int e = errno;

		fprintf(stderr, "meek-client: %s %s: %s\n", why ? why :
		    "cannot open log", conf->log_file, strerror(e));
		return EXIT_FAILURE;
	}
	/* The verdict lines are the output; the log only for --log-level. */
	log_set_level(conf->log_level == LOG_INFO ? LOG_ERROR : conf->log_level);
	signal(SIGPIPE, SIG_IGN);
	if (trust_load(&c->anchors, conf->ca_file, "--ca", &ca, msg,
	    sizeof msg) != 0)
		printf("trust    FAIL %s\n", msg);
	else
		printf("trust    ok   %zu CA certificates from %s\n",
		    tls_anchors_count(c->anchors), ca);
	if (conf->utls != NULL && conf->hello == NULL) {
		enum tlshello_profile p;
		int from_utls = 0;

		(void)client_conf_hello(NULL, conf->utls, &p, &from_utls, NULL);
		if (from_utls == 2)
			printf("note: --utls %s is not a Chrome hello; Chrome's "
			    "(chrome) is sent instead\n", conf->utls);
	}
	rc = check_run(conf, c->anchors, stdout);
	tls_anchors_free(c->anchors);
	c->anchors = NULL;
	log_close();
	return rc;
}

/* The trust anchors for the session machinery: --ca, SSL_CERT_FILE or a
 * system bundle (a named one that cannot be read is an error).  Returns 0
 * or the exit code. */
static int
main_trust_load(struct client *c)
{
	const char *ca;
	char msg[1024];

	if (trust_load(&c->anchors, c->conf.ca_file, "--ca", &ca, msg,
	    sizeof msg) != 0)
		return main_fail(c, msg);
	log_info("%zu trust anchors from %s", tls_anchors_count(c->anchors), ca);
	return 0;
}

/* The SOCKS listeners: --listen standalone, one per transport tor asked
 * for when managed (a failure is kept for its CMETHOD-ERROR).  Returns 0 or
 * the exit code. */
static int
main_listen(struct client *c)
{
	const struct client_conf *conf = &c->conf;
	char msg[1024];

	if (!conf->managed) {
		c->methods[0].name = "socks";
		c->methods[0].rc = listener_open(&c->methods[0].l, conf->listen,
		    &c->sessions, &c->methods[0].why);
		if (c->methods[0].rc != 0) {
			snprintf(msg, sizeof msg, "cannot listen on %s: %s",
			    conf->listen, c->methods[0].why ? c->methods[0].why : "-");
			return main_fail(c, msg);
		}
		c->nmethods = 1;
	} else {
		for (size_t i = 0; i < conf->env.ntransports; i++) {
			const char *name = conf->env.transports[i];
			int dup = 0;
			/* Unknown names are ignored without CMETHOD-ERROR (PT §3.3.2). */
			if (!client_conf_is_transport(name))
				continue;
			for (size_t j = 0; j < c->nmethods; j++)
				dup |= strcmp(c->methods[j].name, name) == 0;
			if (dup)
				continue;
			c->methods[c->nmethods].name = name;
			c->methods[c->nmethods].rc = listener_open(
			    &c->methods[c->nmethods].l, "127.0.0.1:0", &c->sessions,
			    &c->methods[c->nmethods].why);
			c->nmethods++;
		}
	}
	for (size_t i = 0; i < c->nmethods; i++) {
		if (c->methods[i].rc != 0)
			continue;
		c->methods[i].rc = listener_start(&c->methods[i].l,
		    &c->methods[i].why);
		if (c->methods[i].rc != 0)
			listener_close(&c->methods[i].l);
	}
	return 0;
}

/* Step 2: log, trust anchors, signal mask, session machinery, listeners. */
static int
main_setup(struct client *c)
{
	const struct client_conf *conf = &c->conf;
	const char *why = NULL;
	char msg[1024];
	sigset_t sigs;
	int rc;

	if (log_open(conf->log_file, &why) != 0) {
		int e = errno;

		snprintf(msg, sizeof msg, "%s %s: %s", why ? why :
		    "cannot open log", conf->log_file, strerror(e));
		return main_fail(c, msg);
	}
	log_set_level(conf->log_level);
	log_set_unsafe(conf->unsafe_logging);
	log_info("meek-client meek-c %s starting (%s mode)", PACKAGE_VERSION,
	    conf->managed ? "managed" : "standalone");
	if (conf->utls != NULL && conf->hello == NULL) {
		enum tlshello_profile p;
		int from_utls = 0;
		char esc[128];

		(void)client_conf_hello(NULL, conf->utls, &p, &from_utls, NULL);
		if (from_utls == 2)
			log_info("--utls %s is not a Chrome hello: sending Chrome's "
			    "(chrome) instead", log_escape(esc, sizeof esc,
			    conf->utls, strlen(conf->utls)));
	}
	if (conf->has_proxy)
		log_info("every connection goes through the %s proxy",
		    conf->proxy.type == PROXY_HTTP ? "HTTP" :
		    conf->proxy.type == PROXY_SOCKS5 ? "SOCKS5" : "SOCKS4a");

	if ((rc = main_trust_load(c)) != 0)
		return rc;

	/* Signals go to main's signalfd only: block them before any thread. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((c->sigfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0)
		return main_fail(c, "signalfd failed");

	if (conf->managed)
		log_set_hook(main_log_hook);
	if (sessions_init(&c->sessions, conf, c->anchors, &why) != 0)
		return main_fail(c, why);
	c->sessions_ready = 1;

	return main_listen(c);
}

/* Step 3: the PT lines (or the LISTEN line in standalone mode). */
static int
main_announce(struct client *c)
{
	size_t ok = 0;

	if (!c->conf.managed) {
		if (c->methods[0].rc != 0)
			return main_fail(c, c->methods[0].why ? c->methods[0].why :
			    "cannot start the listener");
		log_info("SOCKS proxy listening on %s", c->methods[0].l.addr);
		pt_line("LISTEN %s", c->methods[0].l.addr);
		return 0;
	}
	pt_version();
	pt_line("STATUS TYPE=version IMPLEMENTATION=meek-c VERSION=%s",
	    PACKAGE_VERSION);
	report_enable_status();
	if (c->conf.proxy_from_env)
		pt_proxy_done();
	for (size_t i = 0; i < c->nmethods; i++) {
		if (c->methods[i].rc == 0) {
			pt_cmethod(c->methods[i].name, "socks5", c->methods[i].l.addr);
			log_info("%s: SOCKS listener on %s", c->methods[i].name,
			    c->methods[i].l.addr);
			ok++;
		} else {
			pt_cmethod_error(c->methods[i].name, c->methods[i].why ?
			    c->methods[i].why : meek_strerror(c->methods[i].rc));
		}
	}
	pt_cmethods_done();
	atomic_store(&main_pt_log_on, 1);
	if (ok == 0) {
		log_error("no supported transport (meek, meek_lite) could be started");
		return EXIT_FAILURE;
	}
	return 0;
}

static void
main_close_listeners(struct client *c)
{
	for (size_t i = 0; i < c->nmethods; i++)
		if (c->methods[i].rc == 0) {
			listener_close(&c->methods[i].l);
			c->methods[i].rc = MEEK_ECLOSED;
		}
}

/* Step 4: serve until SIGTERM, a second SIGINT (the first one stops
 * accepting and lets sessions drain), or stdin closing when tor asked for
 * that (TOR_PT_EXIT_ON_STDIN_CLOSE=1). */
static int
main_serve(struct client *c)
{
	int watch_stdin = c->conf.managed && c->conf.env.exit_on_stdin_close;
	int draining = 0;
	struct pollfd pfd[2];
	char buf[256];

	for (;;) {
		pfd[0].fd = c->sigfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = watch_stdin ? STDIN_FILENO : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, draining ? MAIN_DRAIN_POLL_MS : -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll failed in the main loop");
			return EXIT_FAILURE;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
				if (si.ssi_signo == SIGINT && !draining) {
					log_info("SIGINT: no new connections; "
					    "waiting for %u sessions (again to exit)",
					    sessions_count(&c->sessions));
					main_close_listeners(c);
					draining = 1;
				} else {
					log_info("signal %u: exiting", si.ssi_signo);
					return 0;
				}
			}
		}
		if (pfd[1].revents != 0) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				log_info("stdin closed: exiting");
				return 0;
			}
		}
		if (draining && sessions_count(&c->sessions) == 0) {
			log_info("all sessions ended: exiting");
			return 0;
		}
	}
}

/* Step 5: stop listeners and sessions, free, return the exit code. */
static int
main_shutdown(struct client *c, int rc)
{
	unsigned left = 0;

	main_close_listeners(c);
	if (c->sessions_ready) {
		sessions_stop(&c->sessions);
		left = sessions_wait(&c->sessions, MAIN_SHUTDOWN_WAIT_MS);
		if (left == 0)
			sessions_clear(&c->sessions);
		else
			log_info("%u sessions still busy at exit", left);
	}
	/* Sessions still running borrow the anchors and the conf: exit frees. */
	if (left == 0) {
		tls_anchors_free(c->anchors);
		client_conf_clear(&c->conf);
	}
	if (c->sigfd >= 0)
		close(c->sigfd);
	log_close();
	return rc;
}

int
main(int argc, char **argv)
{
	struct client c;
	int rc;

	/* Routers: 2 malloc arenas, not 8 per core. */
	arena_bound(2);
	memset(&c, 0, sizeof c);
	c.sigfd = -1;
	if ((rc = main_parse(&c, argc, argv)) != 0) {
		client_conf_clear(&c.conf);
		return rc;
	}
	if (c.conf.help) {
		client_conf_usage(stdout);
		client_conf_clear(&c.conf);
		return 0;
	}
	if (c.conf.version) {
		printf("meek-client meek-c %s\n", PACKAGE_VERSION);
		client_conf_clear(&c.conf);
		return 0;
	}
	if (c.conf.check != NULL) {
		rc = main_check(&c);
		client_conf_clear(&c.conf);
		return rc;
	}
	if ((rc = main_setup(&c)) != 0 || (rc = main_announce(&c)) != 0)
		return main_shutdown(&c, rc);
	rc = main_serve(&c);
	return main_shutdown(&c, rc);
}
