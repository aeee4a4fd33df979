#include "config.h"
#include "server/conf.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/log.h"
#include "shared/net.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
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

/* What both ACME options say: it is not built in (see conf_one). */
#define CONF_NO_ACME "not supported: use certbot, then --cert and --key"

/* The one option table: getopt_long_only and --help both read it. */
static const struct opt conf_table[] = {
	{ "acme-email", required_argument, O_ACME_EMAIL, "EMAIL",
	  CONF_NO_ACME },
	{ "acme-hostnames", required_argument, O_ACME_HOSTNAMES, "NAMES",
	  CONF_NO_ACME },
	{ "auth-cookie", required_argument, O_AUTH_COOKIE, "FILE",
	  "Extended ORPort auth cookie (standalone, with --extorport)" },
	OPT_ROW_CERT(O_CERT),
	OPT_ROW_DISABLE_TLS(O_DISABLE_TLS),
	{ "extorport", required_argument, O_EXTORPORT, "HOST:PORT",
	  "tor's Extended ORPort (standalone, with --auth-cookie)" },
	{ "fallback", required_argument, O_FALLBACK, "URL",
	  "proxy every non-meek request to this decoy web site" },
	OPT_ROW_HELP(O_HELP),
	{ "hold-time", required_argument, O_HOLD_TIME, "SECS",
	  "hold an idle long-poll this long (default 20)" },
	OPT_ROW_KEY(O_KEY),
	{ "listen", required_argument, O_LISTEN, "ADDR:PORT",
	  "listen address in standalone mode (port 0: any)" },
	OPT_ROW_LOG(O_LOG),
	OPT_ROW_LOG_LEVEL(O_LOG_LEVEL),
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
	OPT_ROW_QUEUE(O_QUEUE),
	{ "require-header", required_argument, O_REQUIRE_HEADER, "NAME=VALUE",
	  "requests without this header are not meek (decoy)" },
	{ "session-timeout", required_argument, O_SESSION_TIMEOUT, "SECS",
	  "close sessions idle this long (default 120)" },
	OPT_ROW_STACK_SIZE(O_STACK_SIZE),
	{ "stats", required_argument, O_STATS, "FILE",
	  "write counters here (Prometheus text format)" },
	{ "stats-interval", required_argument, O_STATS_INTERVAL, "MINUTES",
	  "log counters this often, 0: on SIGUSR1 only (default 60)" },
	{ "stream-time", required_argument, O_STREAM_TIME, "SECS",
	  "longest life of a streamed response (default 50)" },
	OPT_ROW_THREADS(O_THREADS),
	{ "trusted-proxies", required_argument, O_TRUSTED_PROXIES, "N",
	  "USERADDR: Nth X-Forwarded-For entry from the right" },
	{ "turnaround", required_argument, O_TURNAROUND, "MS",
	  "wait this long for ORPort data before replying (default 10)" },
	OPT_ROW_UNSAFE_LOGGING(O_UNSAFE_LOGGING),
	{ "user", required_argument, O_USER, "NAME",
	  "drop root privileges to this user after binding" },
	{ "window", required_argument, O_WINDOW, "KIB",
	  "retransmit window per extension session (default 1024)" },
	OPT_ROW_VERSION(O_VERSION),
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

/* The options that take an integer, with their ranges (--max-body: a DATA
 * frame's length field has 24 bits), and those that keep their argument. */
static const struct {
	int key;
	long lo, hi;
	size_t off;      /* of the int in struct conf */
} conf_ints[] = {
	{ O_STATS_INTERVAL, 0, 100000, offsetof(struct conf, stats_interval_min) },
	{ O_TRUSTED_PROXIES, 0, 64, offsetof(struct conf, trusted_proxies) },
	{ O_MAX_SESSIONS, 1, 10000000, offsetof(struct conf, max_sessions) },
	{ O_MAX_PER_SOURCE, 0, 10000000, offsetof(struct conf, max_per_source) },
	{ O_MAX_EXT_PER_SOURCE, 0, 10000000, offsetof(struct conf, max_ext_per_source) },
	{ O_PORT, 0, 65535, offsetof(struct conf, port) },
	{ O_QUEUE, 1, 1000000, offsetof(struct conf, queue) },
	{ O_SESSION_TIMEOUT, 1, 86400, offsetof(struct conf, session_timeout_s) },
	{ O_STACK_SIZE, 16, 65536, offsetof(struct conf, stack_kb) },
	{ O_THREADS, 1, 1024, offsetof(struct conf, threads) },
	{ O_TURNAROUND, 0, 60000, offsetof(struct conf, turnaround_ms) },
	{ O_MAX_EXT, 0, 4096, offsetof(struct conf, max_ext) },
	{ O_STREAM_TIME, 1, 3600, offsetof(struct conf, stream_time_s) },
	{ O_HOLD_TIME, 1, 3600, offsetof(struct conf, hold_time_s) },
	{ O_WINDOW, 16, 1048576, offsetof(struct conf, window_kb) },
	{ O_MAX_BODY, 64, 16383, offsetof(struct conf, max_body_kb) },
};

static const struct opt_str conf_strs[] = {
	{ O_AUTH_COOKIE, offsetof(struct conf, auth_cookie) },
	{ O_CERT, offsetof(struct conf, cert) },
	{ O_STATS, offsetof(struct conf, stats_file) },
	{ O_USER, offsetof(struct conf, user) },
	{ O_KEY, offsetof(struct conf, key) },
	{ O_LOG, offsetof(struct conf, log_file) },
};

static int
conf_one(struct conf *c, int key, const char *arg, const char **why)
{
	for (size_t i = 0; i < sizeof conf_ints / sizeof conf_ints[0]; i++)
		if (conf_ints[i].key == key)
			return conf_int(c, key, arg, conf_ints[i].lo,
			    conf_ints[i].hi, OPT_FIELD(c, conf_ints[i].off, int),
			    why);
	if (opt_set_str(conf_strs, sizeof conf_strs / sizeof conf_strs[0], c,
	    key, arg))
		return 0;
	switch (key) {
	case O_ACME_EMAIL:
	case O_ACME_HOSTNAMES:
		*why = "ACME is not built into meek-c: get a certificate "
		    "with certbot (certbot certonly --standalone -d HOST) and "
		    "pass --cert and --key";
		return MEEK_EUNSUPPORTED;
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
	case O_LISTEN:
		c->listen = arg;
		return conf_hostport(c, key, arg, 1, why);
	case O_LOG_LEVEL: return opt_log_level(arg, &c->log_level, why);
	case O_ORPORT:
		if (c->norports >= CONF_MAX_ORPORTS) {
			*why = "too many --orport";
			return MEEK_EINVAL;
		}
		if (c->orport == NULL)
			c->orport = arg;
		c->orports[c->norports++] = arg;
		return conf_hostport(c, key, arg, 0, why);
	case O_UNSAFE_LOGGING: c->unsafe_logging = 1; return 0;
	case O_VERSION: return CONF_VERSION;
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
