/*
 * conf: meek-client's configuration: command-line flags (one option table,
 * which also prints --help), the TOR_PT_* client environment and the
 * upstream proxy, and the per-connection resolution of the url=, front= and
 * utls= SOCKS arguments against the flags (Go meek-client semantics: an
 * argument overrides the flag of the same name).
 * Thread: client_conf_parse/clear in main only; a parsed client_conf is
 * read-only afterwards and client_conf_resolve() may run in any thread.
 */
#ifndef MEEK_CLIENT_CONF_H
#define MEEK_CLIENT_CONF_H
#include <stddef.h>
#include <stdio.h>
#include "shared/log.h"
#include "shared/proxy.h"
#include "shared/pt.h"
#include "shared/ptargs.h"
#include "shared/tlshello.h"
#include "shared/url.h"

#define CLIENT_STACK_KB_DEFAULT 64
#define CLIENT_UTLS_MAX 64
#define CLIENT_TARGETS_MAX 16   /* url/front pairs of one bridge line */
#define CLIENT_MAX_BODY_KB_DEFAULT 1024 /* --max-body: extension bodies */
#define CLIENT_MAX_SESSIONS_DEFAULT 256 /* --max-sessions (tor holds one per
                                           bridge, a few more while it
                                           reconnects) */
/* A bulk upload holds at most this much per session (memory on routers). */
#define CLIENT_UP_MAX_DEFAULT (64 * 1024)

/* --mode / mode=: which protocol a session uses (doc/protocol.md). */
enum client_mode {
	CLIENT_MODE_AUTO = 0,   /* offer the extension (stream, then poll) */
	CLIENT_MODE_STREAM,     /* offer stream only */
	CLIENT_MODE_POLL,       /* offer poll only */
	CLIENT_MODE_CLASSIC     /* never offer it: Go meek-client's requests */
};

struct client_conf {
	int managed;            /* launched by tor: TOR_PT_MANAGED_TRANSPORT_VER set, no --listen */
	int help;               /* --help: print client_conf_usage() and exit 0 */
	int version;            /* --version */
	int has_url;
	struct url url;         /* --url, parsed */
	const char *front;      /* --front, borrowed from argv, or NULL */
	const char *utls;       /* --utls, borrowed from argv, or NULL */
	const char *hello;      /* --hello, borrowed from argv (checked), or NULL */
	const char *check;      /* --check ARGS: test a bridge line and exit */
	const char *targets;    /* --targets, borrowed from argv (checked), or NULL */
	const char *log_file;   /* --log, borrowed from argv, or NULL (stderr) */
	const char *listen;     /* --listen ADDR:PORT (standalone mode) or NULL */
	const char *ca_file;    /* --ca, borrowed from argv, or NULL (default bundle) */
	int unsafe_logging;
	enum log_level log_level;
	size_t stack_kb;        /* --stack-size, session thread stack in KiB */
	int mode;               /* --mode, enum client_mode (mode= overrides) */
	size_t max_body;        /* --max-body, in bytes */
	int max_sessions;       /* --max-sessions: SOCKS sessions at once */
	size_t up_max;          /* an upload body: CLIENT_UP_MAX_DEFAULT unless
	                         * --max-body was given, then max_body */
	int has_proxy;          /* every connection goes through `proxy` */
	int proxy_from_env;     /* it came from TOR_PT_PROXY: answer PROXY DONE */
	struct proxy proxy;
	struct pt_client_env env; /* filled in managed mode only */
	char err[256];          /* storage for *why of flag errors that name the flag */
};

/* Where one SOCKS connection's requests go. */
struct client_target {
	struct url url;              /* Host header and path */
	char front[URL_HOST_MAX];    /* TCP/TLS peer, SNI and certificate name */
	unsigned short port;         /* TCP port of `front` */
	char utls[CLIENT_UTLS_MAX];  /* requested uTLS fingerprint, "" when none */
	enum tlshello_profile hello; /* the ClientHello sent to `front` */
	int hello_from_utls;         /* 1: chosen from utls=, 2: and the uTLS name
	                              * was not a Chrome one (logged) */
};

/* Every url/front pair of one SOCKS connection, in the bridge line's
 * order (httpc shuffles them). */
struct client_targets {
	size_t n;
	struct client_target t[CLIENT_TARGETS_MAX];
};

/* Parses `argv` and, in managed mode, the TOR_PT_* environment and the
 * upstream proxy (--proxy overrides TOR_PT_PROXY).  `c` borrows strings from
 * `argv` for its lifetime.  Returns 0, or:
 *  MEEK_EINVAL with *why for a bad flag or environment (caller prints the
 *   reason on stderr and, when c->managed, "ENV-ERROR why"; exit 1);
 *  MEEK_EVERSION (caller prints VERSION-ERROR; exit 1);
 *  MEEK_EPROXY with *why for a bad proxy URI (caller prints VERSION 1 then
 *   PROXY-ERROR when managed; exit 1).
 * *why may point into c->err.  Free with client_conf_clear(). */
int client_conf_parse(struct client_conf *c, int argc, char **argv,
    const char **why);
void client_conf_clear(struct client_conf *c);
/* Prints the usage line and every option of the table. */
void client_conf_usage(FILE *f);
/* Parses "auto", "stream", "poll" or "classic" into *mode (enum
 * client_mode).  Returns 0 or MEEK_EINVAL. */
int client_conf_mode(const char *name, int *mode);
/* Name of an enum client_mode. */
const char *client_conf_mode_name(int mode);
/* The mode of one SOCKS connection: mode= from `args` when present (and
 * valid: else MEEK_EINVAL with *why), else --mode.  Returns 0. */
int client_conf_resolve_mode(const struct client_conf *c,
    const struct ptargs *args, int *mode, const char **why);
/* Returns 1 when `name` is a transport this program serves ("meek",
 * "meek_lite"). */
int client_conf_is_transport(const char *name);

/* Resolves the target of one SOCKS connection from its arguments `args`
 * and the flags in `c`: url= and front= and utls= override --url, --front
 * and --utls.  The hello (t->hello): hello=, else utls= (mapped by
 * client_conf_hello), else --hello, else --utls, else chrome.  A front of the form host:port names the port too; otherwise,
 * as in Go (the front replaces the url's host:port), the scheme's default
 * port is used.  Returns 0, or MEEK_EINVAL with *why (no url from
 * either source, bad url, bad front). */
int client_conf_resolve(const struct client_conf *c, const struct ptargs *args,
    struct client_target *t, const char **why);

/* Chooses the ClientHello profile from a hello name (`hello`, may be NULL)
 * or else a uTLS name (`utls`, may be NULL): "chrome" (the default: ALPN
 * h2, http/1.1) or "chrome-ws" (http/1.1 only); a uTLS name maps to
 * chrome (*from_utls = 1, or 2 when it was not a Chrome/randomized name:
 * the caller logs that Chrome's hello is sent instead).  Returns 0, or
 * MEEK_EINVAL (unknown hello name) with *why. */
int client_conf_hello(const char *hello, const char *utls,
    enum tlshello_profile *out, int *from_utls, const char **why);

/* Parses a lyrebird 0.8 targets list "URL|FRONT+FRONT,URL|FRONT,URL" into
 * `out` (one pair per url/front; a url without '|' is not fronted), every
 * pair with `utls` (or "").  Each FRONT is HOST or HOST:PORT as front=.
 * Returns 0, or MEEK_EINVAL with *why (empty, bad url, bad front, more than
 * CLIENT_TARGETS_MAX pairs). */
int client_conf_parse_targets(const char *spec, const char *utls,
    struct client_targets *out, const char **why);

/* Resolves every pair of one SOCKS connection: targets= from the args;
 * else url= (with front= or --front) from the args; else --targets; else
 * --url with --front (as client_conf_resolve()).  utls= overrides --utls;
 * the hello as client_conf_resolve() says, the same for every pair.
 * Returns 0 (out->n >= 1), or MEEK_EINVAL with *why. */
int client_conf_resolve_all(const struct client_conf *c,
    const struct ptargs *args, struct client_targets *out, const char **why);

#endif
