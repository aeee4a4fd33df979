/* meek-server flags and TOR_PT_* environment (src/server/conf.c). */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/confsuite.h"
#include "server/conf.h"
#include "shared/err.h"
#include "shared/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT_SUITE "server_conf"

/* parse(&c, &why, flags..., NULL): see confsuite.h. */
UNIT_ARGV_PARSER(parse, struct conf, "meek-server", conf_init, conf_parse)

/* The numbers a parse leaves in a struct conf. */
#define F(f) UNIT_INT_FIELD(struct conf, f)
static const struct unit_int_field numbers[] = { F(threads), F(queue),
    F(stack_kb), F(max_sessions), F(session_timeout_s), F(turnaround_ms),
    F(port), F(log_level), F(unsafe_logging) };
#undef F

/* A flag list that conf_parse rejects, and a word its reason must say. */
struct rejected {
	const char *flags[3];
	const char *says;
};

static void
check_rejected(const struct rejected *r, size_t n)
{
	struct conf c;
	const char *why;

	for (size_t i = 0; i < n; i++) {
		/* parse() stops at the first NULL: flags[] is NULL-padded. */
		ck_assert_int_eq(parse(&c, &why, r[i].flags[0], r[i].flags[1],
		    r[i].flags[2], NULL), MEEK_EINVAL);
		ck_assert_msg(strstr(why, r[i].says) != NULL,
		    "reason \"%s\" does not say %s", why, r[i].says);
	}
}

UNIT_TEST("flags", server_conf_has_go_defaults)
{
	static const struct conf go = { .threads = 16, .queue = 64,
	    .stack_kb = 64, .max_sessions = 10000, .session_timeout_s = 120,
	    .turnaround_ms = 10, .port = -1, .log_level = LOG_INFO,
	    .unsafe_logging = 0 };
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, NULL), 0);
	unit_ints_eq(&c, &go, numbers, UNIT_N(numbers));
	ck_assert_int_eq(c.disable_tls, 0);
	ck_assert_ptr_null(c.cert);
	conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", server_conf_parses_every_flag)
{
	static const struct conf given = { .threads = 4, .queue = 8,
	    .stack_kb = 128, .max_sessions = 50, .session_timeout_s = 2,
	    .turnaround_ms = 25, .port = 8443, .log_level = LOG_DEBUG,
	    .unsafe_logging = 1 };
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "--cert", "c.pem", "--key", "k.pem",
	    "--log", "/tmp/x.log", "--port", "8443", "--listen",
	    "127.0.0.1:0", "--orport", "127.0.0.1:9001", "--extorport",
	    "[::1]:9002", "--auth-cookie", "/tmp/cookie", "--threads", "4",
	    "--queue", "8", "--stack-size", "128", "--max-sessions", "50",
	    "--session-timeout", "2", "--turnaround=25", "--unsafe-logging",
	    "--log-level", "debug", NULL), 0);
	ck_assert_str_eq(c.cert, "c.pem");
	ck_assert_str_eq(c.key, "k.pem");
	ck_assert_str_eq(c.log_file, "/tmp/x.log");
	ck_assert_str_eq(c.listen, "127.0.0.1:0");
	ck_assert_str_eq(c.orport, "127.0.0.1:9001");
	ck_assert_str_eq(c.extorport, "[::1]:9002");
	ck_assert_str_eq(c.auth_cookie, "/tmp/cookie");
	unit_ints_eq(&c, &given, numbers, UNIT_N(numbers));
	conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", server_conf_takes_go_single_dash_flags)
{
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "-disable-tls", "-port", "80", NULL),
	    0);
	ck_assert_int_eq(c.disable_tls, 1);
	ck_assert_int_eq(c.port, 80);
	conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", server_conf_help_and_version)
{
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "--help", NULL), CONF_HELP);
	ck_assert_int_eq(parse(&c, &why, "--version", NULL), CONF_VERSION);
	ck_assert_int_eq(parse(&c, &why, "--disable-tls", "--version", NULL),
	    CONF_VERSION);
}
END_TEST

/* Each numeric flag rejects junk, out-of-range values and trailing bytes,
 * and the reason names the flag. */
static const char *const int_flags[] = {
	"--threads", "--queue", "--stack-size", "--max-sessions",
	"--session-timeout", "--turnaround", "--port",
};
static const char *const bad_ints[] = { "x", "", "-1", "12abc", "99999999999" };

UNIT_TEST("errors", server_conf_rejects_bad_numbers,
    .loops = (int)UNIT_N(int_flags))
{
	const char *flag = int_flags[_i];
	struct conf c;
	const char *why;

	for (size_t j = 0; j < sizeof bad_ints / sizeof bad_ints[0]; j++) {
		ck_assert_int_eq(parse(&c, &why, flag, bad_ints[j], NULL),
		    MEEK_EINVAL);
		ck_assert_ptr_nonnull(strstr(why, flag + 2));
		ck_assert_ptr_null(strchr(why, '\n'));
	}
	ck_assert_int_eq(parse(&c, &why, "--threads", "0", NULL), MEEK_EINVAL);
	ck_assert_int_eq(parse(&c, &why, "--stack-size", "8", NULL),
	    MEEK_EINVAL);
}
END_TEST

UNIT_TEST("errors", server_conf_rejects_unknown_and_missing)
{
	static const struct rejected bad[] = {
		{ { "--no-such-flag" }, "--no-such-flag" },
		{ { "--cert" }, "--cert" },
		{ { "--disable-tls", "stray" }, "stray" },
		{ { "--log-level", "loud" }, "--log-level" },
	};

	check_rejected(bad, UNIT_N(bad));
}
END_TEST

UNIT_TEST("errors", server_conf_rejects_bad_addresses)
{
	static const struct rejected bad[] = {
		{ { "--listen", "127.0.0.1" }, "--listen" },
		{ { "--orport", "127.0.0.1:0" }, "--orport" },
		{ { "--extorport", "h:70000" }, "--extorport" },
	};
	struct conf c;
	const char *why;

	check_rejected(bad, UNIT_N(bad));
	/* port 0 is fine for --listen: the kernel picks one. */
	ck_assert_int_eq(parse(&c, &why, "--listen", "[::1]:0", NULL), 0);
}
END_TEST

UNIT_TEST("errors", server_conf_acme_points_to_certbot)
{
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "--acme-email", "a@example.com",
	    NULL), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "certbot"));
	ck_assert_ptr_nonnull(strstr(why, "--cert"));
	ck_assert_ptr_nonnull(strstr(why, "--key"));
	ck_assert_int_eq(parse(&c, &why, "--acme-hostnames", "a.example",
	    NULL), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "certbot"));
}
END_TEST

UNIT_TEST("errors", server_conf_needs_tls_or_disable_tls)
{
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "--listen", "127.0.0.1:0",
	    "--orport", "127.0.0.1:9001", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--cert"));
	ck_assert_int_eq(parse(&c, &why, "--listen", "127.0.0.1:0",
	    "--orport", "127.0.0.1:9001", "--cert", "c", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), MEEK_EINVAL);
	ck_assert_int_eq(parse(&c, &why, "--listen", "127.0.0.1:0",
	    "--orport", "127.0.0.1:9001", "--cert", "c", "--key", "k",
	    "--disable-tls", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), MEEK_EINVAL);
	ck_assert_int_eq(parse(&c, &why, "--listen", "127.0.0.1:0",
	    "--orport", "127.0.0.1:9001", "--cert", "c", "--key", "k", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), 0);
	ck_assert_str_eq(c.up_orport, "127.0.0.1:9001");
	ck_assert_ptr_null(c.up_extorport);
}
END_TEST

UNIT_TEST("errors", server_conf_standalone_needs_listen_and_upstream)
{
	struct conf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "--disable-tls", "--orport",
	    "127.0.0.1:9001", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--listen"));
	ck_assert_int_eq(parse(&c, &why, "--disable-tls", "--listen",
	    "127.0.0.1:0", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--orport"));
	ck_assert_int_eq(parse(&c, &why, "--disable-tls", "--listen",
	    "127.0.0.1:0", "--extorport", "127.0.0.1:9002", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--auth-cookie"));
	ck_assert_int_eq(parse(&c, &why, "--disable-tls", "--listen",
	    "127.0.0.1:0", "--extorport", "127.0.0.1:9002", "--auth-cookie",
	    "/tmp/c", NULL), 0);
	ck_assert_int_eq(conf_check(&c, &why), 0);
	ck_assert_str_eq(c.up_extorport, "127.0.0.1:9002");
	ck_assert_str_eq(c.up_cookie, "/tmp/c");
}
END_TEST

UNIT_TEST("flags", server_conf_help_lists_every_option)
{
	const struct opt *t = conf_options();
	char *text = NULL;
	size_t len = 0, n;
	FILE *f;

	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	conf_usage(f);
	fclose(f);
	n = opt_count(t);
	ck_assert_uint_ge(n, 21);
	for (size_t i = 0; i < n; i++) {
		char want[80];
		snprintf(want, sizeof want, "--%s", t[i].name);
		ck_assert_msg(strstr(text, want) != NULL, "%s not in --help",
		    want);
		ck_assert_ptr_nonnull(t[i].help);
	}
	free(text);
}
END_TEST

/* The environment part runs in a child: setenv must not leak into other
 * tests even when Check runs without fork (CK_FORK=no). */
struct env_case {
	const char *vars[12];  /* "NAME=value" */
	const char *flags[6];
	int want_load;         /* conf_load_env result */
	int want_check;        /* conf_check result (when load succeeded) */
	const char *want_orport;
	const char *want_ext;
	const char *want_cookie;
};

static const struct env_case env_cases[] = {
	{ { "TOR_PT_MANAGED_TRANSPORT_VER=1", "TOR_PT_SERVER_TRANSPORTS=meek",
	    "TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:7002",
	    "TOR_PT_ORPORT=127.0.0.1:9001",
	    "TOR_PT_EXTENDED_SERVER_PORT=", NULL },
	  { "--disable-tls", NULL }, 0, 0, "127.0.0.1:9001", NULL, NULL },
	{ { "TOR_PT_MANAGED_TRANSPORT_VER=1", "TOR_PT_SERVER_TRANSPORTS=meek",
	    "TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:7002",
	    "TOR_PT_ORPORT=127.0.0.1:9001",
	    "TOR_PT_EXTENDED_SERVER_PORT=127.0.0.1:9002",
	    "TOR_PT_AUTH_COOKIE_FILE=/tmp/cookie", NULL },
	  { "--disable-tls", NULL }, 0, 0, "127.0.0.1:9001", "127.0.0.1:9002",
	  "/tmp/cookie" },
	{ { "TOR_PT_MANAGED_TRANSPORT_VER=2", "TOR_PT_SERVER_TRANSPORTS=meek",
	    "TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:7002",
	    "TOR_PT_ORPORT=127.0.0.1:9001", NULL },
	  { "--disable-tls", NULL }, MEEK_EVERSION, 0, NULL, NULL, NULL },
	{ { "TOR_PT_MANAGED_TRANSPORT_VER=1",
	    "TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:7002",
	    "TOR_PT_ORPORT=127.0.0.1:9001", NULL },
	  { "--disable-tls", NULL }, MEEK_EINVAL, 0, NULL, NULL, NULL },
	/* --listen belongs to standalone mode. */
	{ { "TOR_PT_MANAGED_TRANSPORT_VER=1", "TOR_PT_SERVER_TRANSPORTS=meek",
	    "TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:7002",
	    "TOR_PT_ORPORT=127.0.0.1:9001", NULL },
	  { "--disable-tls", "--listen", "127.0.0.1:0", NULL }, 0, MEEK_EINVAL,
	  NULL, NULL, NULL },
	/* Managed mode still needs TLS or --disable-tls (Go's rule). */
	{ { "TOR_PT_MANAGED_TRANSPORT_VER=1", "TOR_PT_SERVER_TRANSPORTS=meek",
	    "TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:7002",
	    "TOR_PT_ORPORT=127.0.0.1:9001", NULL },
	  { NULL }, 0, MEEK_EINVAL, NULL, NULL, NULL },
};

static int
env_child(const struct env_case *ec, const char *state)
{
	char *argv[8];
	const char *why = "";
	struct conf c;
	int argc = 0, rc;

	clearenv();
	for (size_t i = 0; ec->vars[i] != NULL; i++) {
		char buf[256], *eq;
		snprintf(buf, sizeof buf, "%s", ec->vars[i]);
		eq = strchr(buf, '=');
		*eq = '\0';
		setenv(buf, eq + 1, 1);
	}
	setenv("TOR_PT_STATE_LOCATION", state, 1);
	if (!conf_env_is_managed())
		return 10;
	argv[argc++] = (char *)"meek-server";
	for (size_t i = 0; ec->flags[i] != NULL; i++)
		argv[argc++] = (char *)ec->flags[i];
	argv[argc] = NULL;
	conf_init(&c);
	if (conf_parse(&c, argc, argv, &why) != 0)
		return 11;
	rc = conf_load_env(&c, &why);
	if (rc != ec->want_load)
		return 12;
	if (rc < 0)
		return 0;
	if (!c.managed || c.env.nbind != 1 ||
	    strcmp(c.env.bind[0].transport, "meek") != 0 ||
	    strcmp(c.env.bind[0].addr, "127.0.0.1:7002") != 0)
		return 13;
	rc = conf_check(&c, &why);
	if (rc != ec->want_check)
		return 14;
	if (rc == 0) {
		if ((ec->want_orport == NULL) != (c.up_orport == NULL) ||
		    (ec->want_orport && strcmp(ec->want_orport, c.up_orport)))
			return 15;
		if ((ec->want_ext == NULL) != (c.up_extorport == NULL) ||
		    (ec->want_ext && strcmp(ec->want_ext, c.up_extorport)))
			return 16;
		if ((ec->want_cookie == NULL) != (c.up_cookie == NULL) ||
		    (ec->want_cookie && strcmp(ec->want_cookie, c.up_cookie)))
			return 17;
	}
	conf_clear(&c);
	return 0;
}

UNIT_TEST("environment", server_conf_reads_tor_environment,
    .loops = (int)UNIT_N(env_cases))
{
	char state[] = "/tmp/meek-test-state-XXXXXX";
	char dir[sizeof state + 8];
	struct stat st;
	int status;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(state));
	snprintf(dir, sizeof dir, "%s/pt", state);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(env_child(&env_cases[_i], dir));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* The state directory is created when the environment parses. */
	if (env_cases[_i].want_load == 0) {
		ck_assert_int_eq(stat(dir, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		rmdir(dir);
	}
	rmdir(state);
}
END_TEST
