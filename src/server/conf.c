#include "config.h"
#include "server/conf.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/log.h"
#include "shared/net.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
	O_ACME_EMAIL = 256, O_ACME_HOSTNAMES, O_AUTH_COOKIE, O_CERT,
	O_DISABLE_TLS, O_EXTORPORT, O_FALLBACK, O_HELP, O_MEEK_IP_FROM,
	O_REQUIRE_HEADER, O_TRUSTED_PROXIES, O_STATS, O_STATS_INTERVAL, O_USER, O_ORPORT_SOURCE, O_KEY, O_LISTEN, O_LOG,
	O_LOG_LEVEL, O_MAX_SESSIONS, O_ORPORT, O_PORT, O_QUEUE,
	O_SESSION_TIMEOUT, O_STACK_SIZE, O_THREADS, O_TURNAROUND,
	O_UNSAFE_LOGGING, O_VERSION, O_MAX_EXT, O_STREAM_TIME, O_HOLD_TIME,
	O_WINDOW, O_MAX_BODY, O_MAX_PER_SOURCE, O_MAX_EXT_PER_SOURCE
};

/* The one option table: getopt_long_only and --help both read it. */
static const struct opt conf_table[] = {
	{ "acme-email", required_argument, O_ACME_EMAIL, "EMAIL",
	  "not supported: use certbot, then --cert and --key" },
	{ "acme-hostnames", required_argument, O_ACME_HOSTNAMES, "NAMES",
	  "not supported: use certbot, then --cert and --key" },
	{ "auth-cookie", required_argument, O_AUTH_COOKIE, "FILE",
	  "Extended ORPort auth cookie (standalone, with --extorport)" },
	{ "cert", required_argument, O_CERT, "FILE",
	  "TLS certificate chain, PEM, leaf first (with --key)" },
	{ "disable-tls", no_argument, O_DISABLE_TLS, NULL,
	  "serve plain HTTP (behind a TLS-terminating front)" },
	{ "extorport", required_argument, O_EXTORPORT, "HOST:PORT",
	  "tor's Extended ORPort (standalone, with --auth-cookie)" },
	{ "fallback", required_argument, O_FALLBACK, "URL",
	  "proxy every non-meek request to this decoy web site" },
	{ "help", no_argument, O_HELP, NULL, "print this help and exit" },
	{ "hold-time", required_argument, O_HOLD_TIME, "SECS",
	  "hold an idle long-poll this long (default 20)" },
	{ "key", required_argument, O_KEY, "FILE",
	  "TLS private key, PEM (with --cert)" },
	{ "listen", required_argument, O_LISTEN, "ADDR:PORT",
	  "listen address in standalone mode (port 0: any)" },
	{ "log", required_argument, O_LOG, "FILE",
	  "log to FILE instead of stderr" },
	{ "log-level", required_argument, O_LOG_LEVEL, "LEVEL",
	  "error, warn, info (default) or debug" },
	{ "max-body", required_argument, O_MAX_BODY, "KIB",
	  "largest extension body either way (default 1024)" },
	{ "max-ext", required_argument, O_MAX_EXT, "N",
	  "most extension sessions, 0: classic only (default 64)" },
	{ "max-ext-per-source", required_argument, O_MAX_EXT_PER_SOURCE, "N",
	  "most extension sessions of one source, 0: no cap (default 16)" },
	{ "max-per-source", required_argument, O_MAX_PER_SOURCE, "N",
	  "most sessions of one source, 0: no cap (default 256)" },
	{ "max-sessions", required_argument, O_MAX_SESSIONS, "N",
	  "most sessions at once; more get 503 (default 10000)" },
	{ "meek-ip-from", required_argument, O_MEEK_IP_FROM, "CIDR",
	  "trust Meek-IP only from these peers (repeatable)" },
	{ "orport", required_argument, O_ORPORT, "HOST:PORT",
	  "tor's ORPort in standalone mode (repeat: one per session id)" },
	{ "orport-source", required_argument, O_ORPORT_SOURCE, "CIDR",
	  "dial the ORPort from these 127.0.0.0/8 addresses in turn" },
	{ "port", required_argument, O_PORT, "PORT",
	  "listen on PORT instead of the port tor gave" },
	{ "queue", required_argument, O_QUEUE, "N",
	  "accepted connections waiting for a worker (default 64)" },
	{ "require-header", required_argument, O_REQUIRE_HEADER, "NAME=VALUE",
	  "requests without this header are not meek (decoy)" },
	{ "session-timeout", required_argument, O_SESSION_TIMEOUT, "SECS",
	  "close sessions idle this long (default 120)" },
	{ "stack-size", required_argument, O_STACK_SIZE, "KB",
	  "thread stack size in KiB (default 64)" },
	{ "stats", required_argument, O_STATS, "FILE",
	  "write counters here (Prometheus text format)" },
	{ "stats-interval", required_argument, O_STATS_INTERVAL, "MINUTES",
	  "log counters this often, 0: on SIGUSR1 only (default 60)" },
	{ "stream-time", required_argument, O_STREAM_TIME, "SECS",
	  "longest life of a streamed response (default 50)" },
	{ "threads", required_argument, O_THREADS, "N",
	  "worker threads (default 16)" },
	{ "trusted-proxies", required_argument, O_TRUSTED_PROXIES, "N",
	  "USERADDR: Nth X-Forwarded-For entry from the right" },
	{ "turnaround", required_argument, O_TURNAROUND, "MS",
	  "wait this long for ORPort data before replying (default 10)" },
	{ "unsafe-logging", no_argument, O_UNSAFE_LOGGING, NULL,
	  "log client addresses and full session ids" },
	{ "user", required_argument, O_USER, "NAME",
	  "drop root privileges to this user after binding" },
	{ "window", required_argument, O_WINDOW, "KIB",
	  "retransmit window per extension session (default 1024)" },
	{ "version", no_argument, O_VERSION, NULL,
	  "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};


const struct opt *
conf_options(void)
{
	return conf_table;
}

void
conf_usage(FILE *f)
{
	opt_usage(f, "meek-server [OPTIONS]\n"
	    "  managed by tor: --cert FILE --key FILE | --disable-tls\n"
	    "  standalone:     --listen ADDR:PORT (--orport HOST:PORT |"
	    " --extorport HOST:PORT --auth-cookie FILE)", conf_table);
}

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof *c);
	c->port = -1;
	c->threads = 16;
	c->queue = 64;
	c->stack_kb = 64;
	c->max_sessions = 10000;
	c->max_per_source = 256;
	c->max_ext_per_source = 16;
	c->session_timeout_s = 120;
	c->turnaround_ms = 10;
	c->log_level = LOG_INFO;
	c->stats_interval_min = 60;
	c->max_ext = EXT_MAX_SESSIONS_DEFAULT;
	c->stream_time_s = (int)(EXT_STREAM_MS_DEFAULT / 1000);
	c->hold_time_s = (int)(EXT_HOLD_MS_DEFAULT / 1000);
	c->window_kb = (int)(EXT_WINDOW_DEFAULT / 1024);
	c->max_body_kb = (int)(EXT_BODY_DEFAULT / 1024);
	ptargs_init(&c->env.options);
}

void
conf_clear(struct conf *c)
{
	pt_server_env_clear(&c->env);
}

/* Parses a decimal integer in [lo, hi] for option `key`. */
static int
conf_int(struct conf *c, int key, const char *arg, long lo, long hi, int *out,
    const char **why)
{
	return opt_int(conf_table, key, arg, lo, hi, out, c->error,
	    sizeof c->error, why);
}

/* Checks a "host:port" flag value. */
static int
conf_hostport(struct conf *c, int key, const char *arg, int allow_zero,
    const char **why)
{
	return opt_hostport(conf_table, key, arg, allow_zero, c->error,
	    sizeof c->error, why);
}

/* --require-header NAME=VALUE: a header token, then any printable value. */
static int
conf_header(struct conf *c, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq != NULL ? (size_t)(eq - arg) : 0;

	*why = "--require-header wants NAME=VALUE";
	if (eq == NULL || n == 0 || n >= sizeof c->req_name ||
	    strlen(eq + 1) == 0 || strlen(eq + 1) >= sizeof c->req_value)
		return MEEK_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)arg[i]) || arg[i] == '-' ||
		    arg[i] == '_'))
			return MEEK_EINVAL;
	for (const char *p = eq + 1; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return MEEK_EINVAL;
	memcpy(c->req_name, arg, n);
	c->req_name[n] = '\0';
	strcpy(c->req_value, eq + 1);
	return 0;
}

static int
conf_one(struct conf *c, int key, const char *arg, const char **why)
{
	switch (key) {
	case O_ACME_EMAIL:
	case O_ACME_HOSTNAMES:
		*why = "ACME is not built into meek-c: get a certificate "
		    "with certbot (certbot certonly --standalone -d HOST) and "
		    "pass --cert and --key";
		return MEEK_EUNSUPPORTED;
	case O_AUTH_COOKIE: c->auth_cookie = arg; return 0;
	case O_CERT: c->cert = arg; return 0;
	case O_DISABLE_TLS: c->disable_tls = 1; return 0;
	case O_EXTORPORT:
		c->extorport = arg;
		return conf_hostport(c, key, arg, 0, why);
	case O_FALLBACK:
		c->fallback = arg;
		if (url_parse(&c->fallback_url, arg, why) < 0) {
			snprintf(c->error, sizeof c->error, "--fallback %s: %s",
			    arg, *why);
			*why = c->error;
			return MEEK_EINVAL;
		}
		return 0;
	case O_HELP: return CONF_HELP;
	case O_MEEK_IP_FROM:
		if (c->nmeek_ip_from >= CONF_MAX_CIDRS) {
			*why = "too many --meek-ip-from";
			return MEEK_EINVAL;
		}
		if (cidr_parse(&c->meek_ip_from[c->nmeek_ip_from], arg) < 0) {
			snprintf(c->error, sizeof c->error,
			    "--meek-ip-from %s: not an address/prefix", arg);
			*why = c->error;
			return MEEK_EINVAL;
		}
		c->nmeek_ip_from++;
		return 0;
	case O_REQUIRE_HEADER:
		return conf_header(c, arg, why);
	case O_STATS: c->stats_file = arg; return 0;
	case O_USER: c->user = arg; return 0;
	case O_ORPORT_SOURCE:
		if (cidr_parse(&c->orport_source, arg) < 0 ||
		    c->orport_source.family != AF_INET ||
		    c->orport_source.addr[0] != 127 ||
		    c->orport_source.bits < 16) {
			snprintf(c->error, sizeof c->error, "--orport-source %s: "
			    "want a range of at most /16 inside 127.0.0.0/8",
			    arg);
			*why = c->error;
			return MEEK_EINVAL;
		}
		c->has_orport_source = 1;
		return 0;
	case O_STATS_INTERVAL:
		return conf_int(c, key, arg, 0, 100000, &c->stats_interval_min,
		    why);
	case O_TRUSTED_PROXIES:
		return conf_int(c, key, arg, 0, 64, &c->trusted_proxies, why);
	case O_KEY: c->key = arg; return 0;
	case O_LISTEN:
		c->listen = arg;
		return conf_hostport(c, key, arg, 1, why);
	case O_LOG: c->log_file = arg; return 0;
	case O_LOG_LEVEL: return opt_log_level(arg, &c->log_level, why);
	case O_MAX_SESSIONS:
		return conf_int(c, key, arg, 1, 10000000, &c->max_sessions, why);
	case O_MAX_PER_SOURCE:
		return conf_int(c, key, arg, 0, 10000000, &c->max_per_source,
		    why);
	case O_MAX_EXT_PER_SOURCE:
		return conf_int(c, key, arg, 0, 10000000,
		    &c->max_ext_per_source, why);
	case O_ORPORT:
		if (c->norports >= CONF_MAX_ORPORTS) {
			*why = "too many --orport";
			return MEEK_EINVAL;
		}
		if (c->orport == NULL)
			c->orport = arg;
		c->orports[c->norports++] = arg;
		return conf_hostport(c, key, arg, 0, why);
	case O_PORT: return conf_int(c, key, arg, 0, 65535, &c->port, why);
	case O_QUEUE: return conf_int(c, key, arg, 1, 1000000, &c->queue, why);
	case O_SESSION_TIMEOUT:
		return conf_int(c, key, arg, 1, 86400, &c->session_timeout_s,
		    why);
	case O_STACK_SIZE:
		return conf_int(c, key, arg, 16, 65536, &c->stack_kb, why);
	case O_THREADS: return conf_int(c, key, arg, 1, 1024, &c->threads, why);
	case O_TURNAROUND:
		return conf_int(c, key, arg, 0, 60000, &c->turnaround_ms, why);
	case O_UNSAFE_LOGGING: c->unsafe_logging = 1; return 0;
	case O_VERSION: return CONF_VERSION;
	case O_MAX_EXT:
		return conf_int(c, key, arg, 0, 4096, &c->max_ext, why);
	case O_STREAM_TIME:
		return conf_int(c, key, arg, 1, 3600, &c->stream_time_s, why);
	case O_HOLD_TIME:
		return conf_int(c, key, arg, 1, 3600, &c->hold_time_s, why);
	case O_WINDOW:
		return conf_int(c, key, arg, 16, 1048576, &c->window_kb, why);
	case O_MAX_BODY:
		/* A DATA frame's length field has 24 bits. */
		return conf_int(c, key, arg, 64, 16383, &c->max_body_kb, why);
	default:
		*why = "unknown option";
		return MEEK_EINVAL;
	}
}

struct conf_ctx {
	struct conf *c;
	int help, version;
};

static int
conf_one_cb(void *ctx, int key, const char *arg, const char **why)
{
	struct conf_ctx *x = ctx;
	int rc = conf_one(x->c, key, arg, why);

	if (rc == CONF_HELP)
		x->help = 1;
	else if (rc == CONF_VERSION)
		x->version = 1;
	else if (rc < 0)
		return rc == MEEK_EUNSUPPORTED ? MEEK_EINVAL : rc;
	return 0;
}

int
conf_parse(struct conf *c, int argc, char **argv, const char **why)
{
	struct conf_ctx x = { c, 0, 0 };
	int rc;

	/* getopt_long_only also takes Go's single-dash "-cert FILE". */
	rc = opt_parse(conf_table, argc, argv, conf_one_cb, &x, c->error,
	    sizeof c->error, why);
	if (rc != 0)
		return rc;
	if (x.help)
		return CONF_HELP;
	if (x.version)
		return CONF_VERSION;
	return 0;
}

int
conf_env_is_managed(void)
{
	return getenv("TOR_PT_MANAGED_TRANSPORT_VER") != NULL;
}

int
conf_load_env(struct conf *c, const char **why)
{
	int rc;

	rc = pt_server_env_parse(&c->env, why);
	if (rc < 0)
		return rc;
	c->managed = c->env.managed;
	return 0;
}

int
conf_check(struct conf *c, const char **why)
{
	if (c->disable_tls && (c->cert != NULL || c->key != NULL)) {
		*why = "--disable-tls cannot be used with --cert or --key";
		return MEEK_EINVAL;
	}
	if (!c->disable_tls && (c->cert == NULL || c->key == NULL)) {
		*why = "the --cert and --key options are required "
		    "(or --disable-tls)";
		return MEEK_EINVAL;
	}
	if (c->norports > 1 && c->extorport != NULL) {
		*why = "several --orport cannot be used with --extorport";
		return MEEK_EINVAL;
	}
	if ((c->extorport == NULL) != (c->auth_cookie == NULL)) {
		*why = "--extorport and --auth-cookie go together";
		return MEEK_EINVAL;
	}
	if (c->managed) {
		c->up_orport = c->orport != NULL ? c->orport : c->env.orport;
		if (c->extorport != NULL) {
			c->up_extorport = c->extorport;
			c->up_cookie = c->auth_cookie;
		} else if (c->env.ext_port != NULL && c->orport == NULL) {
			c->up_extorport = c->env.ext_port;
			c->up_cookie = c->env.cookie_file;
			if (c->up_cookie == NULL) {
				*why = "TOR_PT_EXTENDED_SERVER_PORT is set but "
				    "TOR_PT_AUTH_COOKIE_FILE is not";
				return MEEK_EINVAL;
			}
		}
		if (c->up_orport == NULL && c->up_extorport == NULL) {
			*why = "need TOR_PT_ORPORT or TOR_PT_EXTENDED_SERVER_PORT";
			return MEEK_EINVAL;
		}
		if (c->listen != NULL) {
			*why = "--listen is for standalone mode (tor gives the "
			    "address in TOR_PT_SERVER_BINDADDR; use --port)";
			return MEEK_EINVAL;
		}
		return 0;
	}
	if (c->listen == NULL) {
		*why = "standalone mode (no TOR_PT_MANAGED_TRANSPORT_VER) "
		    "needs --listen ADDR:PORT";
		return MEEK_EINVAL;
	}
	if (c->orport == NULL && c->extorport == NULL) {
		*why = "standalone mode needs --orport HOST:PORT or "
		    "--extorport HOST:PORT --auth-cookie FILE";
		return MEEK_EINVAL;
	}
	c->up_orport = c->orport;
	c->up_extorport = c->extorport;
	c->up_cookie = c->auth_cookie;
	return 0;
}
