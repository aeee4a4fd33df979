/*
 * conf: meek-server's command line (one option table feeding getopt_long
 * and --help) and, in managed mode, the TOR_PT_* environment, merged into
 * one struct conf that the rest of the program reads.
 *
 * String fields taken from argv are borrowed from argv (alive for the whole
 * process); the environment part is owned by c->env.
 * Thread: main only.
 */
#ifndef MEEK_SERVER_CONF_H
#define MEEK_SERVER_CONF_H
#include <stdio.h>
#include "shared/opt.h"
#include "shared/pt.h"
#include "shared/url.h"
#include "shared/cidr.h"

#define CONF_HELP 1      /* conf_parse(): --help given */
#define CONF_VERSION 2   /* conf_parse(): --version given */
#define CONF_ERR_MAX 256
#define CONF_MAX_ORPORTS 16     /* --orport may repeat this often */
#define CONF_MAX_CIDRS 16       /* --meek-ip-from may repeat this often */
#define CONF_HEADER_MAX 256     /* --require-header NAME=VALUE */

struct conf {
	/* flags (borrowed from argv) */
	const char *cert;
	const char *key;
	int disable_tls;
	const char *log_file;
	int port;                 /* --port, -1 when unset */
	const char *listen;       /* --listen (standalone) */
	const char *orport;       /* --orport (the first one) */
	const char *orports[CONF_MAX_ORPORTS]; /* every --orport */
	int norports;
	const char *fallback;     /* --fallback URL, or NULL */
	struct url fallback_url;  /* parsed --fallback */
	char req_name[CONF_HEADER_MAX];  /* --require-header NAME, "" unset */
	char req_value[CONF_HEADER_MAX]; /* its VALUE */
	int trusted_proxies;      /* --trusted-proxies, 0 = Go's rule */
	const char *stats_file;   /* --stats FILE, or NULL */
	const char *user;         /* --user NAME, or NULL */
	struct cidr orport_source; /* --orport-source */
	int has_orport_source;
	int stats_interval_min;   /* --stats-interval, 0: SIGUSR1 only */
	struct cidr meek_ip_from[CONF_MAX_CIDRS]; /* --meek-ip-from */
	int nmeek_ip_from;        /* 0: Meek-IP trusted from anyone (Go) */
	const char *extorport;    /* --extorport */
	const char *auth_cookie;  /* --auth-cookie */
	int threads;
	int queue;
	int stack_kb;
	int max_sessions;
	int max_per_source;       /* --max-per-source, 0: no cap */
	int max_ext_per_source;   /* --max-ext-per-source, 0: no cap */
	int session_timeout_s;
	int turnaround_ms;
	int unsafe_logging;
	int max_ext;              /* --max-ext, 0: extension 1 off */
	int stream_time_s;        /* --stream-time */
	int hold_time_s;          /* --hold-time */
	int window_kb;            /* --window, KiB */
	int max_body_kb;          /* --max-body, KiB */
	int log_level;            /* enum log_level */

	/* environment (conf_load_env) */
	int managed;              /* TOR_PT_MANAGED_TRANSPORT_VER was set */
	struct pt_server_env env;

	/* resolved upstream (conf_check): flags win over the environment */
	const char *up_orport;    /* "host:port" or NULL */
	const char *up_extorport; /* "host:port" or NULL */
	const char *up_cookie;    /* cookie file when up_extorport is set */

	char error[CONF_ERR_MAX]; /* *why may point here */
};

/* Sets the defaults (threads 16, queue 64, stack 64 KiB, max sessions
 * 10000, 256 per source, session timeout 120 s, turnaround 10 ms, log level info,
 * counters logged every 60 minutes; extension 1: 64 sessions, stream time
 * 50 s, hold time 20 s, window 1024 KiB, largest body 1024 KiB, 16
 * extension sessions per source). */
void conf_init(struct conf *c);
/* Frees what conf_load_env() allocated. */
void conf_clear(struct conf *c);

/* Parses the flags.  Returns 0, CONF_HELP, CONF_VERSION, or MEEK_EINVAL
 * with *why (a one-line reason, possibly pointing into c->error). */
int conf_parse(struct conf *c, int argc, char **argv, const char **why);
/* 1 when the environment asks for managed mode (before conf_load_env). */
int conf_env_is_managed(void);
/* Reads TOR_PT_* (managed mode only; standalone leaves c->env empty).
 * Returns 0, MEEK_EVERSION, or MEEK_EINVAL with *why. */
int conf_load_env(struct conf *c, const char **why);
/* Checks the combination of flags and environment and resolves the
 * upstream.  Returns 0 or MEEK_EINVAL with *why. */
int conf_check(struct conf *c, const char **why);

/* The option table (ends with a NULL name). */
const struct opt *conf_options(void);
/* Prints the --help text to `f`. */
void conf_usage(FILE *f);

#endif
