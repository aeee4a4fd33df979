/*
 * conf: meek-reflect's command line (one option table feeding getopt_long
 * and --help).  meek-reflect is not launched by tor, so there is no
 * TOR_PT_* environment.  String fields are borrowed from argv.
 * Thread: main only.
 */
#ifndef MEEK_REFLECTOR_CONF_H
#define MEEK_REFLECTOR_CONF_H
#include <stdio.h>
#include "shared/opt.h"
#include "shared/url.h"

#define RCONF_HELP 1
#define RCONF_VERSION 2

struct rconf {
	const char *url_arg;      /* --url: the meek-server to forward to */
	struct url url;           /* parsed --url */
	const char *listen;       /* --listen ADDR:PORT */
	const char *cert;
	const char *key;
	int disable_tls;
	const char *ca;           /* --ca for an https --url */
	const char *log_file;
	int log_level;            /* enum log_level */
	int threads;
	int queue;
	int stack_kb;
	int upstream_idle;        /* kept-alive upstream connections at most */
	int max_streams;          /* workers set aside for held responses */
	int unsafe_logging;
	int xff;                  /* client address from X-Forwarded-For */
	char error[256];          /* *why may point here */
};

/* Defaults: 16 threads, 64 more for held responses (--max-streams),
 * queue 64, 64 KiB stacks, 32 idle upstream connections, log level info. */
void rconf_init(struct rconf *c);
/* Parses the flags and checks their combination.  Returns 0, RCONF_HELP,
 * RCONF_VERSION, or MEEK_EINVAL / MEEK_EUNSUPPORTED with *why. */
int rconf_parse(struct rconf *c, int argc, char **argv, const char **why);
const struct opt *rconf_options(void);
void rconf_usage(FILE *f);

#endif
