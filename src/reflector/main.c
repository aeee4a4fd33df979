/*
 * meek-reflect: the middle hop of meek (App Engine in the original).
 * HTTP(S) requests from meek clients (or a CDN front) -> a meek-server URL,
 * adding Meek-IP.  Not launched by tor: it runs as a service and prints
 * "LISTEN ip:port" when ready.
 */
#include "config.h"
#include "shared/arena.h"
#include "reflector/conf.h"
#include "reflector/reflect.h"
#include "reflector/upstream.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/opt.h"
#include "shared/pool.h"
#include "shared/term.h"
#include "shared/tls.h"
#include "shared/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

struct reflector {
	struct rconf conf;
	struct tls_creds *creds;
	struct tls_anchors *anchors;
	struct upstream *up;
	struct reflect reflect;
	struct pool_service svc;
	struct pool *pool;
	int lfd;
	char addr[NET_ADDRSTR_MAX];
};

static void __attribute__((noreturn))
main_die(const char *why)
{
	fprintf(stderr, "meek-reflect: %s\n", why);
	exit(1);
}

/* Step 1: flags. */
static void
main_parse(struct reflector *r, int argc, char **argv)
{
	const char *why = "";
	int rc;

	rconf_init(&r->conf);
	rc = rconf_parse(&r->conf, argc, argv, &why);
	if (rc == RCONF_HELP || rc == RCONF_VERSION) {
		opt_info("meek-reflect", rconf_usage, rc == RCONF_VERSION);
		exit(0);
	}
	if (rc != 0)
		main_die(why);
}

/* Step 2: log, signal mask, credentials, trust anchors, listener. */
static void
main_setup(struct reflector *r)
{
	struct rconf *c = &r->conf;
	const char *why = "", *ca;

	if (log_open(c->log_file, &why) < 0) {
		int e = errno;

		fprintf(stderr, "meek-reflect: %s %s: %s\n", why, c->log_file,
		    strerror(e));
		exit(1);
	}
	log_set_level((enum log_level)c->log_level);
	log_set_unsafe(c->unsafe_logging);
	term_block();
	if (!c->disable_tls && tls_creds_load(&r->creds, c->cert, c->key, &why) < 0) {
		int e = errno;

		fprintf(stderr, "meek-reflect: cannot load --cert %s / --key %s: %s%s%s\n",
		    c->cert, c->key, why, e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
		exit(1);
	}
	if (c->url.https) {
		char msg[1024];

		if (trust_load(&r->anchors, c->ca, "--ca", &ca, msg,
		    sizeof msg) != 0) {
			fprintf(stderr, "meek-reflect: %s\n", msg);
			exit(1);
		}
	}
	if (upstream_new(&r->up, &c->url, r->anchors,
	    (size_t)c->upstream_idle, &why) < 0)
		main_die(why);
	r->lfd = net_listen(c->listen, 1024, &why);
	if (r->lfd < 0) {
		fprintf(stderr, "meek-reflect: cannot listen on %s: %s\n",
		    c->listen, why);
		exit(1);
	}
	net_sockname(r->lfd, r->addr, sizeof r->addr);
}

/* Step 3: tell whoever started us where we listen. */
static void
main_announce(struct reflector *r)
{
	printf("LISTEN %s\n", r->addr);
	fflush(stdout);
	log_info("meek-reflect meek-c %s listening on %s, forwarding to %s://%s%s",
	    PACKAGE_VERSION, r->addr, r->conf.url.https ? "https" : "http",
	    r->conf.url.host_header, r->conf.url.path);
}

/* Step 4: serve until SIGTERM/SIGINT. */
static int
main_serve(struct reflector *r)
{
	struct rconf *c = &r->conf;
	struct pool_conf pc;
	const char *why = "";

	r->reflect.up = r->up;
	r->reflect.xff = c->xff;
	r->reflect.max_streams = c->max_streams;
	atomic_init(&r->reflect.held, 0);
	r->svc.serve = reflect_serve;
	r->svc.ctx = &r->reflect;
	r->svc.bufs_size = sizeof(struct reflect_bufs);
	r->svc.io_timeout_ms = REFLECT_IO_TIMEOUT_MS;
	memset(&pc, 0, sizeof pc);
	/* Each stream or long-poll holds its worker for up to a minute:
	 * --max-streams workers are added for them, so the --threads
	 * workers stay free for everything else. */
	pc.threads = c->threads + c->max_streams;
	pc.queue = c->queue;
	pc.stack_kb = (size_t)c->stack_kb;
	pc.creds = r->creds;
	pc.svc = &r->svc;
	r->pool = pool_new(&pc);
	if (r->pool == NULL) {
		log_error("out of memory");
		return 1;
	}
	pool_add_listener(r->pool, r->lfd);
	r->lfd = -1;
	if (pool_start(r->pool, &why) < 0) {
		log_error("cannot start threads: %s", why);
		return 1;
	}
	term_wait(0, (size_t)c->stack_kb);
	return 0;
}

/* Step 5: join, free, exit code. */
static int
main_shutdown(struct reflector *r, int code)
{
	pool_free(r->pool);
	if (r->lfd >= 0)
		close(r->lfd);
	upstream_free(r->up);
	tls_anchors_free(r->anchors);
	tls_creds_free(r->creds);
	log_info("stopped");
	log_close();
	return code;
}

int
main(int argc, char **argv)
{
	static struct reflector r;

	arena_bound(4);
	r.lfd = -1;
	main_parse(&r, argc, argv);
	main_setup(&r);
	main_announce(&r);
	return main_shutdown(&r, main_serve(&r));
}
