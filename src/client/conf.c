#include "config.h"
#include "client/conf.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	OPT_CA = 256, OPT_CHECK, OPT_FRONT, OPT_HELLO, OPT_HELP, OPT_HELPER, OPT_LISTEN, OPT_LOG,
	OPT_LOG_LEVEL, OPT_MAX_BODY, OPT_MAX_SESSIONS, OPT_MODE, OPT_PROXY, OPT_STACK_SIZE, OPT_TARGETS, OPT_UNSAFE_LOGGING,
	OPT_URL, OPT_UTLS, OPT_VERSION
};

/* The one option table: getopt_long and --help both read it, and
 * doc/meek-client.1 must list every entry. */
static const struct opt client_opts[] = {
	{ "ca", required_argument, OPT_CA, "FILE",
	  "trust anchors (PEM bundle); default $SSL_CERT_FILE or the system bundle" },
	{ "check", required_argument, OPT_CHECK, "ARGS",
	  "test a bridge line's arguments end to end and exit (0: meek-server answered)" },
	{ "front", required_argument, OPT_FRONT, "HOST",
	  "front domain: TCP peer, SNI and certificate name (front= overrides)" },
	{ "hello", required_argument, OPT_HELLO, "NAME",
	  "TLS ClientHello: chrome (default; Chrome's https hello, HTTP/2 when the front picks h2) or chrome-ws (Chrome's WebSocket hello, HTTP/1.1 only) (hello= overrides)" },
	OPT_ROW_HELP(OPT_HELP),
	{ "helper", optional_argument, OPT_HELPER, "ADDR",
	  "browser helper (not supported by meek-c)" },
	{ "listen", required_argument, OPT_LISTEN, "ADDR:PORT",
	  "standalone SOCKS proxy without tor; prints LISTEN ADDR:PORT" },
	OPT_ROW_LOG(OPT_LOG),
	OPT_ROW_LOG_LEVEL(OPT_LOG_LEVEL),
	{ "max-body", required_argument, OPT_MAX_BODY, "KIB",
	  "largest extension response body in KiB (default 1024); when given, "
	  "also the largest request body (default 64)" },
	{ "max-sessions", required_argument, OPT_MAX_SESSIONS, "N",
	  "most SOCKS sessions at once, more get a SOCKS failure (default 256)" },
	{ "mode", required_argument, OPT_MODE, "MODE",
	  "auto (default), stream, poll or classic: protocol extension use (mode= overrides)" },
	{ "proxy", required_argument, OPT_PROXY, "URI",
	  "upstream proxy http://, socks5:// or socks4a:// (overrides TOR_PT_PROXY)" },
	{ "stack-size", required_argument, OPT_STACK_SIZE, "KB",
	  "stack size of each session thread in KiB (default 64)" },
	{ "targets", required_argument, OPT_TARGETS, "LIST",
	  "url/front pairs URL|FRONT+FRONT,URL|FRONT (targets= overrides)" },
	{ "unsafe-logging", no_argument, OPT_UNSAFE_LOGGING, NULL,
	  "log addresses and full session ids" },
	{ "url", required_argument, OPT_URL, "URL",
	  "meek-server URL, Host header and path (url= overrides)" },
	{ "utls", required_argument, OPT_UTLS, "NAME",
	  "uTLS hello name (Go meek); mapped onto Chrome's hello (utls= overrides)" },
	OPT_ROW_VERSION(OPT_VERSION),
	{ NULL, 0, 0, NULL, NULL }
};

#define CLIENT_USAGE "meek-client [--url URL] [--front HOST] [--log FILE] [OPTIONS]"

void
client_conf_usage(FILE *f)
{
	opt_usage(f, CLIENT_USAGE, client_opts);
}

static const char *const conf_mode_names[] = {
	"auto", "stream", "poll", "classic"
};

int
client_conf_mode(const char *name, int *mode)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, conf_mode_names[i]) == 0) {
			*mode = i;
			return 0;
		}
	return MEEK_EINVAL;
}

const char *
client_conf_mode_name(int mode)
{
	return mode >= 0 && mode < 4 ? conf_mode_names[mode] : "?";
}

int
client_conf_resolve_mode(const struct client_conf *c,
    const struct ptargs *args, int *mode, const char **why)
{
	const char *m = ptargs_get(args, "mode");

	*mode = c->mode;
	if (m != NULL && client_conf_mode(m, mode) != 0)
		return meek_fail(why,
		    "bad mode= (want auto, stream, poll or classic)",
		    MEEK_EINVAL);
	return 0;
}

int
client_conf_is_transport(const char *name)
{
	return strcmp(name, "meek") == 0 || strcmp(name, "meek_lite") == 0;
}

static int conf_fail(struct client_conf *c, const char **why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats a flag error that names its argument into c->err. */
static int
conf_fail(struct client_conf *c, const char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return meek_fail(why, c->err, MEEK_EINVAL);
}

/* The options that keep their argument as it is. */
static const struct opt_str conf_strs[] = {
	{ OPT_CA, offsetof(struct client_conf, ca_file) },
	{ OPT_CHECK, offsetof(struct client_conf, check) },
	{ OPT_LISTEN, offsetof(struct client_conf, listen) },
	{ OPT_LOG, offsetof(struct client_conf, log_file) },
	{ OPT_UTLS, offsetof(struct client_conf, utls) },
};

/* --targets: kept once it parses. */
static int
conf_targets(struct client_conf *c, const char *arg, const char **why)
{
	struct client_targets *tmp = malloc(sizeof *tmp);
	const char *w = NULL;
	int rc;

	if (tmp == NULL)
		return conf_fail(c, why, "out of memory");
	rc = client_conf_parse_targets(arg, NULL, tmp, &w);
	free(tmp);
	if (rc != 0)
		return conf_fail(c, why, "bad --targets: %s", w ? w : "invalid");
	c->targets = arg;
	return 0;
}

static int
conf_flag(struct client_conf *c, int key, const char *arg, const char **proxy_uri,
    const char **why)
{
	const char *w = NULL;

	if (opt_set_str(conf_strs, sizeof conf_strs / sizeof conf_strs[0], c,
	    key, arg))
		return 0;
	switch (key) {
	case OPT_FRONT:
		if (*arg == '\0' || strlen(arg) >= URL_HOST_MAX)
			return conf_fail(c, why, "bad --front \"%.64s\"", arg);
		c->front = arg;
		break;
	case OPT_HELP: c->help = 1; break;
	case OPT_HELPER:
		return meek_fail(why,
		    "--helper is not supported: meek-c has no browser "
		    "helper mode (use --front and url= instead)", MEEK_EINVAL);
	case OPT_LOG_LEVEL: {
		int level;
		if (opt_log_level(arg, &level, why) != 0)
			return MEEK_EINVAL;
		c->log_level = (enum log_level)level;
		break;
	}
	case OPT_MAX_BODY: {
		int kb;
		/* 64 KiB (classic meek's body) .. 16 MiB (a frame's limit). */
		if (opt_int(client_opts, key, arg, 64, 16383, &kb, c->err,
		    sizeof c->err, why) != 0)
			return MEEK_EINVAL;
		c->max_body = (size_t)kb * 1024;
		c->up_max = c->max_body;
		break;
	}
	case OPT_MAX_SESSIONS:
		if (opt_int(client_opts, key, arg, 1, 100000, &c->max_sessions,
		    c->err, sizeof c->err, why) != 0)
			return MEEK_EINVAL;
		break;
	case OPT_MODE:
		if (client_conf_mode(arg, &c->mode) != 0)
			return conf_fail(c, why, "bad --mode \"%.32s\" (want auto, "
			    "stream, poll or classic)", arg);
		break;
	case OPT_PROXY: *proxy_uri = arg; break;
	case OPT_STACK_SIZE: {
		int kb;
		if (opt_int(client_opts, key, arg, 16, 65536, &kb, c->err,
		    sizeof c->err, why) != 0)
			return MEEK_EINVAL;
		c->stack_kb = (size_t)kb;
		break;
	}
	case OPT_TARGETS: return conf_targets(c, arg, why);
	case OPT_UNSAFE_LOGGING: c->unsafe_logging = 1; break;
	case OPT_URL:
		if (url_parse(&c->url, arg, &w) != 0)
			return conf_fail(c, why, "bad --url: %s", w ? w : "invalid");
		c->has_url = 1;
		break;
	case OPT_HELLO: {
		enum tlshello_profile p;
		if (client_conf_hello(arg, NULL, &p, NULL, &w) != 0)
			return conf_fail(c, why, "bad --hello: %s", w ? w : "invalid");
		c->hello = arg;
		break;
	}
	case OPT_VERSION: c->version = 1; break;
	default:
		return meek_fail(why, "internal error: unhandled option",
		    MEEK_EINVAL);
	}
	return 0;
}

struct conf_ctx {
	struct client_conf *c;
	const char **proxy_uri;
};

static int
conf_flag_cb(void *ctx, int key, const char *arg, const char **why)
{
	struct conf_ctx *x = ctx;

	return conf_flag(x->c, key, arg, x->proxy_uri, why);
}

/* Flags through the one option table; getopt_long_only, so Go's "-url"
 * form works as in Go meek-client's torrc lines. */
static int
conf_flags(struct client_conf *c, int argc, char **argv, const char **proxy_uri,
    const char **why)
{
	struct conf_ctx x = { c, proxy_uri };

	return opt_parse(client_opts, argc, argv, conf_flag_cb, &x, c->err,
	    sizeof c->err, why);
}

int
client_conf_parse(struct client_conf *c, int argc, char **argv,
    const char **why)
{
	const char *proxy_uri = NULL, *w = NULL;
	int rc;

	memset(c, 0, sizeof *c);
	c->log_level = LOG_INFO;
	c->stack_kb = CLIENT_STACK_KB_DEFAULT;
	c->mode = CLIENT_MODE_AUTO;
	c->max_body = (size_t)CLIENT_MAX_BODY_KB_DEFAULT * 1024;
	c->max_sessions = CLIENT_MAX_SESSIONS_DEFAULT;
	c->up_max = CLIENT_UP_MAX_DEFAULT;
	/* Known before the flags so that a bad flag can be reported to tor. */
	c->managed = getenv("TOR_PT_MANAGED_TRANSPORT_VER") != NULL;

	if ((rc = conf_flags(c, argc, argv, &proxy_uri, why)) != 0)
		return rc;
	if (c->help || c->version)
		return 0;
	if (c->check != NULL) {
		/* A one-shot test from the command line: no tor, no listener. */
		c->managed = 0;
	} else if (c->listen != NULL) {
		char host[NET_HOST_MAX];
		uint16_t port;
		/* Standalone: tor's environment plays no part. */
		c->managed = 0;
		if (net_split_hostport(c->listen, host, sizeof host, &port, 1, &w) != 0)
			return conf_fail(c, why, "bad --listen: %s",
			    w ? w : "want ADDR:PORT");
	} else if (c->managed) {
		rc = pt_client_env_parse(&c->env, &w);
		if (rc == MEEK_EVERSION)
			return rc;
		if (rc == MEEK_EIO) {
			int e = errno;

			return conf_fail(c, why, "%s %s: %s", w,
			    getenv("TOR_PT_STATE_LOCATION"), strerror(e));
		}
		if (rc != 0)
			return conf_fail(c, why, "%s", w ? w : "bad environment");
		if (proxy_uri == NULL && c->env.proxy != NULL) {
			proxy_uri = c->env.proxy;
			c->proxy_from_env = 1;
		}
	} else {
		return meek_fail(why,
		    "not launched by tor (TOR_PT_MANAGED_TRANSPORT_VER is "
		    "unset): use --listen ADDR:PORT for standalone mode",
		    MEEK_EINVAL);
	}
	if (proxy_uri != NULL) {
		if (proxy_parse(&c->proxy, proxy_uri, &w) != 0)
			return meek_fail(why, w ? w : "invalid proxy URI",
			    MEEK_EPROXY);
		c->has_proxy = 1;
	}
	return 0;
}

void
client_conf_clear(struct client_conf *c)
{
	/* The environment may be half parsed (a bad TOR_PT_PROXY). */
	pt_client_env_clear(&c->env);
	memset(c, 0, sizeof *c);
}

/* Sets t->front and t->port from `front` (NULL or "": the url's own host)
 * for the url already in t->url. */
static int
conf_front(struct client_target *t, const char *front, const char **why)
{
	const char *w = NULL;
	char host[NET_HOST_MAX];
	uint16_t port;

	if (front == NULL || *front == '\0') {
		/* No fronting: talk to the url's own host. */
		snprintf(t->front, sizeof t->front, "%s", t->url.host);
		t->port = t->url.port;
	} else if (strlen(front) >= sizeof t->front) {
		return meek_fail(why, "front= is too long", MEEK_EINVAL);
	} else if (net_split_hostport(front, host, sizeof host, &port, 0, &w) == 0) {
		/* "cdn.example:8443" names the port as Go's URL.Host would. */
		snprintf(t->front, sizeof t->front, "%s", host);
		t->port = port;
	} else if (front[0] == '[' || (strchr(front, ':') != NULL &&
	    !net_is_ip_literal(front))) {
		return meek_fail(why, "bad front= (want HOST or HOST:PORT)",
		    MEEK_EINVAL);
	} else {
		/* Go replaces the url's host:port with the front, so a front
		 * without a port means the scheme's default port. */
		snprintf(t->front, sizeof t->front, "%s", front);
		t->port = t->url.https ? 443 : 80;
	}
	return 0;
}

int
client_conf_hello(const char *hello, const char *utls,
    enum tlshello_profile *out, int *from_utls, const char **why)
{
	int exact = 1;

	*out = TLSHELLO_CHROME;
	if (from_utls != NULL)
		*from_utls = 0;
	if (hello != NULL) {
		if (tlshello_profile_parse(hello, out) != 0)
			return meek_fail(why, "unknown hello (want chrome or "
			    "chrome-ws)", MEEK_EINVAL);
		return 0;
	}
	if (utls != NULL && *utls != '\0') {
		/* uTLS's Chrome hellos offer h2, as Chrome's own does. */
		(void)tlshello_from_utls(utls, &exact);
		if (from_utls != NULL)
			*from_utls = exact ? 1 : 2;
	}
	return 0;
}

/* Sets the hello of out->t[0..n) from hello=/utls= in `args`, else the
 * flags. */
static int
conf_hello_all(const struct client_conf *c, const struct ptargs *args,
    struct client_target *t, size_t n, const char **why)
{
	const char *hello = ptargs_get(args, "hello");
	const char *utls = ptargs_get(args, "utls");
	enum tlshello_profile p;
	int from_utls, rc;

	if (hello == NULL && utls == NULL) {
		hello = c->hello;
		utls = c->utls;
	}
	rc = client_conf_hello(hello, hello != NULL ? NULL : utls, &p,
	    &from_utls, why);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		t[i].hello = p;
		t[i].hello_from_utls = from_utls;
	}
	return 0;
}

int
client_conf_resolve(const struct client_conf *c, const struct ptargs *args,
    struct client_target *t, const char **why)
{
	const char *u = ptargs_get(args, "url");
	const char *front = ptargs_get(args, "front");
	const char *utls = ptargs_get(args, "utls");
	const char *w = NULL;

	memset(t, 0, sizeof *t);
	if (u != NULL) {
		if (url_parse(&t->url, u, &w) != 0) {
			/* url_parse says what is wrong ("URL scheme is not
			 * http or https", "bad port in URL", ...). */
			return meek_fail(why,
			    w != NULL ? w : "bad url= argument",
			    MEEK_EINVAL);
		}
	} else if (c->has_url) {
		t->url = c->url;
	} else {
		return meek_fail(why, "no url= argument and no --url",
		    MEEK_EINVAL);
	}
	if (front == NULL)
		front = c->front;
	if (conf_front(t, front, why) != 0)
		return MEEK_EINVAL;
	if (utls == NULL)
		utls = c->utls;
	if (utls != NULL)
		snprintf(t->utls, sizeof t->utls, "%s", utls);
	return conf_hello_all(c, args, t, 1, why) == 0 ? 0 : MEEK_EINVAL;
}

int
client_conf_parse_targets(const char *spec, const char *utls,
    struct client_targets *out, const char **why)
{
	char buf[URL_PATH_MAX + URL_HOST_MAX * 2];
	const char *p = spec;

	/* Entries are cleared as they are filled: the 16 slots are 46 KB,
	 * and a session's pages stay untouched (not resident) beyond n. */
	out->n = 0;
	if (spec == NULL || *spec == '\0')
		return meek_fail(why, "empty targets list", MEEK_EINVAL);
	/* Pairs are separated by ',', a url from its fronts by '|', fronts
	 * by '+'; none of the three may appear unescaped in a front, and a
	 * ',' or '|' in a url would have to be percent-encoded anyway. */
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		char *bar, *f, *next;
		const char *uw = NULL;
		struct url u;

		if (len == 0 || len >= sizeof buf)
			return meek_fail(why,
			    len == 0 ? "empty entry in targets" :
			    "targets entry too long", MEEK_EINVAL);
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len;
		if (*p == ',' && *++p == '\0')
			return meek_fail(why, "empty entry in targets",
			    MEEK_EINVAL);
		bar = strchr(buf, '|');
		if (bar != NULL)
			*bar = '\0';
		if (url_parse(&u, buf, &uw) != 0)
			return meek_fail(why, "bad url in targets",
			    MEEK_EINVAL);
		f = bar != NULL ? bar + 1 : NULL;
		if (f != NULL && *f == '\0')
			return meek_fail(why,
			    "url with '|' but no front in targets",
			    MEEK_EINVAL);
		do {
			struct client_target *t;

			next = f != NULL ? strchr(f, '+') : NULL;
			if (next != NULL)
				*next++ = '\0';
			if (f != NULL && *f == '\0')
				return meek_fail(why, "empty front in targets",
				    MEEK_EINVAL);
			if (out->n == CLIENT_TARGETS_MAX)
				return meek_fail(why,
				    "more than 16 url/front pairs in targets",
				    MEEK_EINVAL);
			t = &out->t[out->n];
			memset(t, 0, sizeof *t);
			t->url = u;
			if (conf_front(t, f, why) != 0)
				return MEEK_EINVAL;
			if (utls != NULL)
				snprintf(t->utls, sizeof t->utls, "%s", utls);
			out->n++;
			f = next;
		} while (f != NULL);
	}
	return 0;
}

int
client_conf_resolve_all(const struct client_conf *c,
    const struct ptargs *args, struct client_targets *out, const char **why)
{
	const char *targets = ptargs_get(args, "targets");
	const char *utls = ptargs_get(args, "utls");

	if (utls == NULL)
		utls = c->utls;
	if (targets == NULL && ptargs_get(args, "url") == NULL)
		targets = c->targets;
	if (targets != NULL) {
		if (client_conf_parse_targets(targets, utls, out, why) != 0)
			return MEEK_EINVAL;
		return conf_hello_all(c, args, out->t, out->n, why) == 0 ? 0 :
		    MEEK_EINVAL;
	}
	out->n = 0;
	if (client_conf_resolve(c, args, &out->t[0], why) != 0)
		return MEEK_EINVAL;
	out->n = 1;
	return 0;
}
