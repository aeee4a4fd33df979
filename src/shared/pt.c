#include "config.h"
#include "shared/pt.h"
#include "shared/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* pt_lock keeps each stdout line whole; it is a leaf lock. */
static pthread_mutex_t pt_lock = PTHREAD_MUTEX_INITIALIZER;

/* getenv() that treats the empty string as unset, as goptlib does. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && v[0] != '\0') ? v : NULL;
}

static int
fail(const char **why, const char *msg)
{
	*why = msg;
	return MEEK_EINVAL;
}

static int
dup_env(char **dst, const char *name)
{
	const char *v = env(name);

	*dst = NULL;
	if (v != NULL && (*dst = strdup(v)) == NULL)
		return MEEK_ENOMEM;
	return 0;
}

/* Returns 1 when the comma list `s` has the element "1". */
static int
version_ok(const char *s)
{
	size_t n;

	for (;;) {
		n = strcspn(s, ",");
		if (n == 1 && s[0] == '1')
			return 1;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

/* Splits the comma list `s` into names[]; empty elements are skipped. */
static int
parse_names(const char *s, char names[][PT_NAME_MAX], size_t *count,
    const char **why)
{
	size_t n;

	*count = 0;
	for (;;) {
		n = strcspn(s, ",");
		if (n > 0) {
			if (n >= PT_NAME_MAX)
				return fail(why, "transport name too long");
			if (*count == PT_MAX_TRANSPORTS)
				return fail(why, "too many transports");
			memcpy(names[*count], s, n);
			names[*count][n] = '\0';
			(*count)++;
		}
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if (*count == 0)
		return fail(why, "empty transport list");
	return 0;
}

static int
has_name(const char (*names)[PT_NAME_MAX], size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* Checks "1.2.3.4:port" or "[v6]:port" with an IP literal and port 0-65535. */
static int
addr_ok(const char *s)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *colon, *p;
	unsigned long port = 0;
	size_t hl;
	int af = AF_INET;

	if (s[0] == '[') {
		p = strchr(s, ']');
		if (p == NULL || p[1] != ':')
			return 0;
		s++;
		hl = (size_t)(p - s);
		colon = p + 1;
		af = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (colon == NULL)
			return 0;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof host)
		return 0;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(af, host, bin) != 1)
		return 0;
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		return 0;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	return port <= 65535;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int
make_dirs(const char *path)
{
	char *p, *s = strdup(path);
	struct stat st;
	int rc = 0, e = 0;

	if (s == NULL)
		return MEEK_ENOMEM;
	for (p = s + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		/* An existing directory is fine, whatever errno says. */
		if (mkdir(s, 0700) < 0 && errno != EEXIST &&
		    (stat(s, &st) < 0 || !S_ISDIR(st.st_mode))) {
			e = errno != 0 ? errno : ENOTDIR;
			rc = MEEK_EIO;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	if (rc == 0 && (stat(s, &st) < 0 || !S_ISDIR(st.st_mode))) {
		e = errno != 0 ? errno : ENOTDIR;
		rc = MEEK_EIO;
	}
	free(s);
	errno = e;
	return rc;
}

/* The part shared by client and server: version, state dir, stdin rule,
 * then the transport names of `var` (TOR_PT_CLIENT_TRANSPORTS or
 * TOR_PT_SERVER_TRANSPORTS; `missing` says it is unset).  Returns 0 with
 * *managed 0, reading nothing more, outside a managed tor. */
static int
parse_common(int *managed, int *exit_on_stdin_close, char **state_dir,
    const char *var, const char *missing, char names[][PT_NAME_MAX],
    size_t *count, const char **why)
{
	const char *v = getenv("TOR_PT_MANAGED_TRANSPORT_VER");
	int rc;

	if (v == NULL)
		return 0;
	*managed = 1;
	if (!version_ok(v))
		return MEEK_EVERSION;
	v = getenv("TOR_PT_EXIT_ON_STDIN_CLOSE");
	*exit_on_stdin_close = v != NULL && strcmp(v, "1") == 0;
	if (env("TOR_PT_CLIENT_TRANSPORTS") && env("TOR_PT_SERVER_TRANSPORTS"))
		return fail(why, "both TOR_PT_CLIENT_TRANSPORTS and "
		    "TOR_PT_SERVER_TRANSPORTS are set");
	if ((rc = dup_env(state_dir, "TOR_PT_STATE_LOCATION")) < 0)
		return rc;
	if (*state_dir != NULL && (rc = make_dirs(*state_dir)) < 0) {
		if (rc == MEEK_ENOMEM)
			return rc;
		/* MEEK_EIO with errno: the caller names the path. */
		*why = "cannot create TOR_PT_STATE_LOCATION";
		return MEEK_EIO;
	}
	if ((v = env(var)) == NULL)
		return fail(why, missing);
	return parse_names(v, names, count, why);
}

int
pt_client_env_parse(struct pt_client_env *e, const char **why)
{
	int rc;

	memset(e, 0, sizeof *e);
	rc = parse_common(&e->managed, &e->exit_on_stdin_close, &e->state_dir,
	    "TOR_PT_CLIENT_TRANSPORTS", "no TOR_PT_CLIENT_TRANSPORTS",
	    e->transports, &e->ntransports, why);
	if (rc < 0 || !e->managed)
		return rc;
	return dup_env(&e->proxy, "TOR_PT_PROXY");
}

void
pt_client_env_clear(struct pt_client_env *e)
{
	free(e->state_dir);
	free(e->proxy);
	memset(e, 0, sizeof *e);
}

int
pt_client_env_wants(const struct pt_client_env *e, const char *name)
{
	return has_name(e->transports, e->ntransports, name);
}

static int
parse_bindaddr(struct pt_server_env *e, const char *s, const char **why)
{
	struct pt_bindaddr *b;
	const char *dash;
	size_t n, nl, al, kept = 0;

	/* Check every entry, as goptlib does, then keep what tor asked for. */
	for (;;) {
		n = strcspn(s, ",");
		dash = memchr(s, '-', n);
		if (dash == NULL)
			return fail(why, "TOR_PT_SERVER_BINDADDR entry without '-'");
		nl = (size_t)(dash - s);
		al = n - nl - 1;
		if (nl == 0 || nl >= PT_NAME_MAX)
			return fail(why, "bad name in TOR_PT_SERVER_BINDADDR");
		if (al >= sizeof b->addr)
			return fail(why, "bad address in TOR_PT_SERVER_BINDADDR");
		if (e->nbind == PT_MAX_TRANSPORTS)
			return fail(why, "too many TOR_PT_SERVER_BINDADDR entries");
		b = &e->bind[e->nbind];
		memcpy(b->transport, s, nl);
		b->transport[nl] = '\0';
		memcpy(b->addr, dash + 1, al);
		b->addr[al] = '\0';
		if (pt_server_env_bindaddr(e, b->transport) != NULL)
			return fail(why, "duplicate name in TOR_PT_SERVER_BINDADDR");
		if (!addr_ok(b->addr))
			return fail(why, "bad address in TOR_PT_SERVER_BINDADDR");
		e->nbind++;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	for (size_t i = 0; i < e->nbind; i++)
		if (pt_server_env_wants(e, e->bind[i].transport))
			e->bind[kept++] = e->bind[i];
	e->nbind = kept;
	return 0;
}

/*
 * Copies s[*i..] unescaped into `out` up to the first unescaped byte in
 * `stops` (goptlib indexUnescaped); `out` holds at least strlen(s) + 1.
 */
static int
unescape_until(const char *s, size_t *i, const char *stops, char *out,
    const char **why)
{
	size_t o = 0;

	for (; s[*i] != '\0' && strchr(stops, s[*i]) == NULL; (*i)++) {
		if (s[*i] == '\\' && s[++*i] == '\0')
			return fail(why, "trailing backslash in "
			    "TOR_PT_SERVER_TRANSPORT_OPTIONS");
		out[o++] = s[*i];
	}
	out[o] = '\0';
	return 0;
}

/*
 * "name:k=v;name:k=v" (goptlib parseServerTransportOptions).  The name ends
 * at the first unescaped ':'; the "k=v" after it runs to the next unescaped
 * ';' and goes through ptargs_parse, which finds the key's '='.
 */
static int
parse_options(struct ptargs *opts, const char *s, const char **why)
{
	size_t len = strlen(s), i = 0, start;
	char *name = malloc(len + 1), *key = NULL;
	struct ptargs one;
	int rc = 0;

	ptargs_init(&one);
	if (name == NULL)
		return MEEK_ENOMEM;
	while (len > 0) {
		if ((rc = unescape_until(s, &i, ":=;", name, why)) < 0)
			break;
		if (s[i] != ':') {
			rc = fail(why, "no ':' in TOR_PT_SERVER_TRANSPORT_OPTIONS");
			break;
		}
		if (name[0] == '\0') {
			rc = fail(why, "empty transport name in "
			    "TOR_PT_SERVER_TRANSPORT_OPTIONS");
			break;
		}
		start = ++i;
		while (s[i] != '\0' && s[i] != ';')
			i += (s[i] == '\\' && s[i + 1] != '\0') ? 2 : 1;
		rc = ptargs_parse(&one, s + start, i - start, why);
		if (rc == MEEK_EPROTO)
			rc = fail(why, "bad k=v in TOR_PT_SERVER_TRANSPORT_OPTIONS");
		/* An empty "k=v" gives no pair: goptlib says "no equals sign". */
		if (rc == 0 && one.n != 1)
			rc = fail(why, "no '=' in TOR_PT_SERVER_TRANSPORT_OPTIONS");
		if (rc < 0)
			break;
		if (asprintf(&key, "%s:%s", name, one.kv[0].key) < 0) {
			key = NULL;
			rc = MEEK_ENOMEM;
			break;
		}
		rc = ptargs_add(opts, key, one.kv[0].value);
		free(key);
		ptargs_clear(&one);
		if (rc < 0 || s[i] == '\0')
			break;
		i++;
	}
	ptargs_clear(&one);
	free(name);
	return rc;
}

int
pt_server_env_parse(struct pt_server_env *e, const char **why)
{
	const char *v;
	int rc;

	memset(e, 0, sizeof *e);
	ptargs_init(&e->options);
	rc = parse_common(&e->managed, &e->exit_on_stdin_close, &e->state_dir,
	    "TOR_PT_SERVER_TRANSPORTS", "no TOR_PT_SERVER_TRANSPORTS",
	    e->transports, &e->ntransports, why);
	if (rc < 0 || !e->managed)
		return rc;
	if ((v = env("TOR_PT_SERVER_BINDADDR")) == NULL)
		return fail(why, "no TOR_PT_SERVER_BINDADDR");
	if ((rc = parse_bindaddr(e, v, why)) < 0)
		return rc;
	if ((rc = dup_env(&e->orport, "TOR_PT_ORPORT")) < 0 ||
	    (rc = dup_env(&e->ext_port, "TOR_PT_EXTENDED_SERVER_PORT")) < 0 ||
	    (rc = dup_env(&e->cookie_file, "TOR_PT_AUTH_COOKIE_FILE")) < 0)
		return rc;
	if (e->orport != NULL && !addr_ok(e->orport))
		return fail(why, "bad TOR_PT_ORPORT");
	if (e->ext_port != NULL) {
		if (!addr_ok(e->ext_port))
			return fail(why, "bad TOR_PT_EXTENDED_SERVER_PORT");
		if (e->cookie_file == NULL)
			return fail(why, "TOR_PT_EXTENDED_SERVER_PORT without "
			    "TOR_PT_AUTH_COOKIE_FILE");
	}
	if (e->orport == NULL && e->ext_port == NULL)
		return fail(why, "neither TOR_PT_ORPORT nor "
		    "TOR_PT_EXTENDED_SERVER_PORT is set");
	if ((v = env("TOR_PT_SERVER_TRANSPORT_OPTIONS")) != NULL)
		return parse_options(&e->options, v, why);
	return 0;
}

void
pt_server_env_clear(struct pt_server_env *e)
{
	free(e->state_dir);
	free(e->orport);
	free(e->ext_port);
	free(e->cookie_file);
	ptargs_clear(&e->options);
	memset(e, 0, sizeof *e);
}

int
pt_server_env_wants(const struct pt_server_env *e, const char *name)
{
	return has_name(e->transports, e->ntransports, name);
}

const char *
pt_server_env_bindaddr(const struct pt_server_env *e, const char *name)
{
	for (size_t i = 0; i < e->nbind; i++)
		if (strcmp(e->bind[i].transport, name) == 0)
			return e->bind[i].addr;
	return NULL;
}

char *
pt_cstring(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (dstlen == 0)
		return dst;
	if (dstlen < 3) {
		dst[0] = '\0';
		return dst;
	}
	dst[o++] = '"';
	for (; *s != '\0'; s++) {
		int keep = *s >= 32 && *s <= 126 && *s != '"' && *s != '\\';
		/* Room for this byte's encoding, the closing '"' and the NUL. */
		if (o + (keep ? 1 : 4) + 2 > dstlen)
			break;
		if (keep) {
			dst[o++] = (char)*s;
		} else {
			dst[o++] = '\\';
			dst[o++] = (char)('0' + (*s >> 6));
			dst[o++] = (char)('0' + ((*s >> 3) & 7));
			dst[o++] = (char)('0' + (*s & 7));
		}
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

void
pt_line(const char *fmt, ...)
{
	char stackbuf[1024], *line = stackbuf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(stackbuf, sizeof stackbuf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof stackbuf) {
		line = malloc((size_t)n + 1);
		if (line == NULL) {
			/* Send the truncated line rather than nothing. */
			line = stackbuf;
			n = (int)sizeof stackbuf - 1;
		} else {
			va_start(ap, fmt);
			vsnprintf(line, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	/* tor splits on LF; a CR or NUL inside a line is no better. */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r' || line[i] == '\0')
			line[i] = ' ';
	pthread_mutex_lock(&pt_lock);
	fwrite(line, 1, (size_t)n, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&pt_lock);
	if (line != stackbuf)
		free(line);
}

/* NULL-safe argument for the line writers. */
static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

void pt_version(void) { pt_line("VERSION 1"); }
void pt_version_error(void) { pt_line("VERSION-ERROR no-version"); }
void pt_env_error(const char *msg) { pt_line("ENV-ERROR %s", str(msg)); }
void pt_proxy_done(void) { pt_line("PROXY DONE"); }
void pt_proxy_error(const char *msg) { pt_line("PROXY-ERROR %s", str(msg)); }
void pt_cmethods_done(void) { pt_line("CMETHODS DONE"); }
void pt_smethods_done(void) { pt_line("SMETHODS DONE"); }

void
pt_cmethod(const char *name, const char *proto, const char *addr)
{
	pt_line("CMETHOD %s %s %s", str(name), str(proto), str(addr));
}

void
pt_cmethod_error(const char *name, const char *msg)
{
	pt_line("CMETHOD-ERROR %s %s", str(name), str(msg));
}

void
pt_smethod(const char *name, const char *addr, const char *args)
{
	if (args != NULL && args[0] != '\0')
		pt_line("SMETHOD %s %s ARGS:%s", str(name), str(addr), args);
	else
		pt_line("SMETHOD %s %s", str(name), str(addr));
}

void
pt_smethod_error(const char *name, const char *msg)
{
	pt_line("SMETHOD-ERROR %s %s", str(name), str(msg));
}

void
pt_log(const char *severity, const char *msg)
{
	static const char *const sev[] = {
		"error", "warning", "notice", "info", "debug"
	};
	const char *s = "notice";
	char small[256], *q = small;
	size_t need = 4 * strlen(str(msg)) + 3, qlen = sizeof small;

	/* tor drops a LOG line whose severity it does not know. */
	for (size_t i = 0; i < sizeof sev / sizeof sev[0]; i++)
		if (severity != NULL && strcmp(severity, sev[i]) == 0)
			s = sev[i];
	/* Without memory, a truncated message beats none. */
	if (need > sizeof small && (q = malloc(need)) != NULL)
		qlen = need;
	else
		q = small;
	pt_line("LOG SEVERITY=%s MESSAGE=%s", s, pt_cstring(q, qlen, str(msg)));
	if (q != small)
		free(q);
}

void
pt_status(const char *transport, const char *kv)
{
	if (kv != NULL && kv[0] != '\0')
		pt_line("STATUS TRANSPORT=%s %s", str(transport), kv);
	else
		pt_line("STATUS TRANSPORT=%s", str(transport));
}
