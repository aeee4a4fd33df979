#include "config.h"
#include "reflector/conf.h"
#include "shared/err.h"
#include "shared/log.h"

#include <string.h>

enum {
	O_CA = 256, O_CERT, O_DISABLE_TLS, O_HELP, O_KEY, O_LISTEN, O_LOG,
	O_LOG_LEVEL, O_MAX_STREAMS, O_QUEUE, O_STACK_SIZE, O_THREADS, O_UNSAFE_LOGGING,
	O_UPSTREAM_IDLE, O_URL, O_VERSION, O_XFF
};

static const struct opt rconf_table[] = {
	{ "ca", required_argument, O_CA, "FILE",
	  "CA bundle for an https --url (default: SSL_CERT_FILE, system)" },
	OPT_ROW_CERT(O_CERT),
	OPT_ROW_DISABLE_TLS(O_DISABLE_TLS),
	OPT_ROW_HELP(O_HELP),
	OPT_ROW_KEY(O_KEY),
	{ "listen", required_argument, O_LISTEN, "ADDR:PORT",
	  "listen address (port 0: any; prints LISTEN ip:port)" },
	OPT_ROW_LOG(O_LOG),
	OPT_ROW_LOG_LEVEL(O_LOG_LEVEL),
	{ "max-streams", required_argument, O_MAX_STREAMS, "N",
	  "streams and long-polls passed at once, on workers added for "
	  "them (default 64; 0: sessions stay classic)" },
	OPT_ROW_QUEUE(O_QUEUE),
	OPT_ROW_STACK_SIZE(O_STACK_SIZE),
	OPT_ROW_THREADS(O_THREADS),
	OPT_ROW_UNSAFE_LOGGING(O_UNSAFE_LOGGING),
	{ "upstream-idle", required_argument, O_UPSTREAM_IDLE, "N",
	  "idle kept-alive connections to meek-server (default 32)" },
	{ "url", required_argument, O_URL, "URL",
	  "the meek-server to forward to, http:// or https://" },
	OPT_ROW_VERSION(O_VERSION),
	{ "xff", no_argument, O_XFF, NULL,
	  "client address from the last X-Forwarded-For (behind a front)" },
	{ NULL, 0, 0, NULL, NULL }
};

const struct opt *
rconf_options(void)
{
	return rconf_table;
}

void
rconf_usage(FILE *f)
{
	opt_usage(f, "meek-reflect --url URL --listen ADDR:PORT "
	    "(--cert FILE --key FILE | --disable-tls) [OPTIONS]", rconf_table);
}

void
rconf_init(struct rconf *c)
{
	memset(c, 0, sizeof *c);
	c->log_level = LOG_INFO;
	c->threads = 16;
	c->queue = 64;
	c->stack_kb = 64;
	c->upstream_idle = 32;
	c->max_streams = 64;
}

static int
rconf_one(struct rconf *c, int key, const char *arg, const char **why)
{
	const struct opt *t = rconf_table;
	char *e = c->error;
	size_t el = sizeof c->error;

	switch (key) {
	case O_CA: c->ca = arg; return 0;
	case O_CERT: c->cert = arg; return 0;
	case O_DISABLE_TLS: c->disable_tls = 1; return 0;
	case O_HELP: return RCONF_HELP;
	case O_KEY: c->key = arg; return 0;
	case O_LISTEN:
		c->listen = arg;
		return opt_hostport(t, key, arg, 1, e, el, why);
	case O_LOG: c->log_file = arg; return 0;
	case O_LOG_LEVEL: return opt_log_level(arg, &c->log_level, why);
	case O_MAX_STREAMS:
		return opt_int(t, key, arg, 0, 4096, &c->max_streams, e, el, why);
	case O_QUEUE: return opt_int(t, key, arg, 1, 1000000, &c->queue, e, el, why);
	case O_STACK_SIZE:
		return opt_int(t, key, arg, 16, 65536, &c->stack_kb, e, el, why);
	case O_THREADS:
		return opt_int(t, key, arg, 1, 4096, &c->threads, e, el, why);
	case O_UNSAFE_LOGGING: c->unsafe_logging = 1; return 0;
	case O_UPSTREAM_IDLE:
		return opt_int(t, key, arg, 0, 100000, &c->upstream_idle, e, el, why);
	case O_URL: c->url_arg = arg; return 0;
	case O_VERSION: return RCONF_VERSION;
	case O_XFF: c->xff = 1; return 0;
	default:
		*why = "unknown option (see --help)";
		return MEEK_EINVAL;
	}
}

static int
rconf_one_cb(void *ctx, int key, const char *arg, const char **why)
{
	return rconf_one(ctx, key, arg, why);
}

int
rconf_parse(struct rconf *c, int argc, char **argv, const char **why)
{
	const char *w = "";
	int rc;

	rc = opt_parse(rconf_table, argc, argv, rconf_one_cb, c, c->error,
	    sizeof c->error, why);
	if (rc != 0)
		return rc;
	if (c->url_arg == NULL) {
		*why = "--url is required: the meek-server to forward to";
		return MEEK_EINVAL;
	}
	if (url_parse(&c->url, c->url_arg, &w) < 0) {
		snprintf(c->error, sizeof c->error, "--url: %s", w);
		*why = c->error;
		return MEEK_EINVAL;
	}
	if (c->listen == NULL) {
		*why = "--listen ADDR:PORT is required";
		return MEEK_EINVAL;
	}
	if (c->disable_tls && (c->cert != NULL || c->key != NULL)) {
		*why = "--disable-tls and --cert/--key exclude each other";
		return MEEK_EINVAL;
	}
	if (!c->disable_tls && (c->cert == NULL || c->key == NULL)) {
		*why = "give --cert and --key, or --disable-tls";
		return MEEK_EINVAL;
	}
	return 0;
}
