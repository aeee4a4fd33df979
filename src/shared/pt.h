/*
 * pt: the managed-proxy side of tor's pluggable-transport protocol
 * (pt-protocol.md §1): TOR_PT_* environment parsing and the lines written
 * to stdout.
 *
 * Every pt_* line function writes one whole line and flushes stdout under
 * pt_lock (a leaf lock).  Messages are sanitized: LF and NUL never reach
 * stdout inside an argument.
 * Thread: the env functions in main only; the line functions any.
 */
#ifndef MEEK_SHARED_PT_H
#define MEEK_SHARED_PT_H
#include <stddef.h>
#include "shared/ptargs.h"

#define PT_MAX_TRANSPORTS 16
#define PT_NAME_MAX 64

/* One TOR_PT_SERVER_BINDADDR entry. */
struct pt_bindaddr {
	char transport[PT_NAME_MAX];
	char addr[300]; /* "1.2.3.4:443" or "[::1]:443", as given */
};

struct pt_client_env {
	int managed;               /* TOR_PT_MANAGED_TRANSPORT_VER was set */
	int exit_on_stdin_close;   /* TOR_PT_EXIT_ON_STDIN_CLOSE == "1" */
	char *state_dir;           /* owned or NULL */
	char *proxy;               /* TOR_PT_PROXY, owned or NULL */
	size_t ntransports;
	char transports[PT_MAX_TRANSPORTS][PT_NAME_MAX];
};

struct pt_server_env {
	int managed;
	int exit_on_stdin_close;
	char *state_dir;           /* owned or NULL */
	size_t ntransports;
	char transports[PT_MAX_TRANSPORTS][PT_NAME_MAX];
	size_t nbind;              /* entries whose transport is in `transports` */
	struct pt_bindaddr bind[PT_MAX_TRANSPORTS];
	char *orport;              /* TOR_PT_ORPORT, owned or NULL */
	char *ext_port;            /* TOR_PT_EXTENDED_SERVER_PORT; NULL when unset or empty */
	char *cookie_file;         /* TOR_PT_AUTH_COOKIE_FILE, owned or NULL */
	/* TOR_PT_SERVER_TRANSPORT_OPTIONS entries for every transport:
	 * key is "transport:key", value unescaped. */
	struct ptargs options;
};

/* Reads the client-side variables from the environment.  When
 * TOR_PT_MANAGED_TRANSPORT_VER is unset, returns 0 with e->managed = 0.
 * Otherwise checks them per pt-protocol.md and returns 0, MEEK_EVERSION (no
 * "1" in the version list: caller prints pt_version_error()), or MEEK_EINVAL
 * with *why (caller prints pt_env_error(why)).  Creates the state directory
 * (0700) when it is set: MEEK_EIO with *why and errno when that fails (the
 * caller adds the path, TOR_PT_STATE_LOCATION, and strerror(errno)).  Free
 * with pt_client_env_clear(). */
int pt_client_env_parse(struct pt_client_env *e, const char **why);
void pt_client_env_clear(struct pt_client_env *e);
/* Returns 1 when `name` is in e->transports. */
int pt_client_env_wants(const struct pt_client_env *e, const char *name);

/* The same for the server side (TOR_PT_SERVER_TRANSPORTS, _BINDADDR,
 * _ORPORT, _EXTENDED_SERVER_PORT, _AUTH_COOKIE_FILE, _TRANSPORT_OPTIONS). */
int pt_server_env_parse(struct pt_server_env *e, const char **why);
void pt_server_env_clear(struct pt_server_env *e);
int pt_server_env_wants(const struct pt_server_env *e, const char *name);
/* Returns the bind address ("ip:port") tor asked for `name`, or NULL. */
const char *pt_server_env_bindaddr(const struct pt_server_env *e, const char *name);

/* Encodes `src` as a quoted CString for LOG/STATUS values: '"', bytes
 * 32,33,35-91,93-126 kept, every other byte as '\' and 3 octal digits,
 * '"'.  Truncates to fit `dstlen` (always NUL-terminated, always closed
 * with '"').  Returns `dst`. */
char *pt_cstring(char *dst, size_t dstlen, const char *src);

/* stdout lines. */
void pt_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pt_version(void);                       /* "VERSION 1" */
void pt_version_error(void);                 /* "VERSION-ERROR no-version" */
void pt_env_error(const char *msg);          /* "ENV-ERROR msg" */
void pt_proxy_done(void);
void pt_proxy_error(const char *msg);
void pt_cmethod(const char *name, const char *proto, const char *addr);
void pt_cmethod_error(const char *name, const char *msg);
void pt_cmethods_done(void);
/* `args` is NULL or an already-escaped "k=v,k=v" list (sent as ARGS:...). */
void pt_smethod(const char *name, const char *addr, const char *args);
void pt_smethod_error(const char *name, const char *msg);
void pt_smethods_done(void);
/* "LOG SEVERITY=<sev> MESSAGE=<cstring>"; sev is error|warning|notice|info|debug. */
void pt_log(const char *severity, const char *msg);
/* "STATUS TRANSPORT=<transport> <kv>" where `kv` is already formatted. */
void pt_status(const char *transport, const char *kv);

#endif
