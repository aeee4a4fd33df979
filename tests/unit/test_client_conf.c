/* client_conf: meek-client flags, TOR_PT_* environment, proxy, and the
 * resolution of url=/front=/utls= SOCKS arguments against the flags.
 * Check forks each test by default, so setenv() stays inside one test; every
 * test starts from a clean TOR_PT_* environment all the same (the fixture
 * clean_env, on every test case). */
#include "config.h"
#include "tests/unit/unit.h"
#include "client/conf.h"
#include "shared/err.h"

#include <stdlib.h>
#include <string.h>
#include "shared/ptargs.h"

#define UNIT_SUITE "client_conf"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void
clean_env(void)
{
	static const char *const vars[] = {
		"TOR_PT_MANAGED_TRANSPORT_VER", "TOR_PT_CLIENT_TRANSPORTS",
		"TOR_PT_PROXY", "TOR_PT_EXIT_ON_STDIN_CLOSE", "TOR_PT_STATE_LOCATION",
		"TOR_PT_SERVER_TRANSPORTS",
	};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
}

static void
managed_env(const char *transports)
{
	setenv("TOR_PT_MANAGED_TRANSPORT_VER", "1", 1);
	setenv("TOR_PT_CLIENT_TRANSPORTS", transports, 1);
	setenv("TOR_PT_EXIT_ON_STDIN_CLOSE", "1", 1);
}

/* Parses argv and expects the code `want`; returns the reason. */
static const char *
parse_expect(struct client_conf *c, int argc, char **argv, int want)
{
	const char *why = NULL;
	int rc = client_conf_parse(c, argc, argv, &why);

	ck_assert_msg(rc == want, "rc %d, want %d (%s)", rc, want,
	    why ? why : "-");
	if (rc != 0 && rc != MEEK_EVERSION) {
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(strchr(why, '\n'));
		ck_assert_int_gt((int)strlen(why), 0);
	}
	return why;
}

/* Parses argv (NULL-terminated), expects MEEK_EINVAL with a reason that
 * says `says`. */
static void
parse_rejects(struct client_conf *c, char **argv, const char *says)
{
	int argc = 0;
	const char *why;

	while (argv[argc] != NULL)
		argc++;
	why = parse_expect(c, argc, argv, MEEK_EINVAL);
	ck_assert_msg(strstr(why, says) != NULL, "\"%s\" does not say \"%s\"",
	    why, says);
}

/* Managed for "meek", with TOR_PT_PROXY set to `proxy`. */
static void
proxy_env(const char *proxy)
{
	managed_env("meek");
	setenv("TOR_PT_PROXY", proxy, 1);
}

/* Expects a proxy of this type and port, from TOR_PT_PROXY or not. */
static void
check_proxy(const struct client_conf *c, int from_env, int type, int port)
{
	ck_assert_int_eq(c->has_proxy, 1);
	ck_assert_int_eq(c->proxy_from_env, from_env);
	ck_assert_int_eq(c->proxy.type, type);
	ck_assert_int_eq(c->proxy.port, port);
}

UNIT_TEST("flags", client_conf_parses_every_flag, .setup = clean_env)
{
	char *argv[] = { "meek-client", "--listen", "127.0.0.1:0",
	    "--url", "https://meek.example:8443/path?q=1", "--front", "cdn.example",
	    "--log", "/tmp/x.log", "--log-level", "debug", "--stack-size", "128",
	    "--unsafe-logging", "--utls", "HelloChrome_Auto", "--ca", "/etc/ca.pem",
	    NULL };
	struct client_conf c;

	parse_expect(&c, ARGC(argv), argv, 0);
	ck_assert_int_eq(c.managed, 0);
	ck_assert_int_eq(c.has_url, 1);
	ck_assert_int_eq(c.url.https, 1);
	ck_assert_str_eq(c.url.host, "meek.example");
	ck_assert_int_eq(c.url.port, 8443);
	ck_assert_str_eq(c.front, "cdn.example");
	ck_assert_str_eq(c.log_file, "/tmp/x.log");
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_uint_eq(c.stack_kb, 128);
	ck_assert_int_eq(c.unsafe_logging, 1);
	ck_assert_str_eq(c.utls, "HelloChrome_Auto");
	ck_assert_str_eq(c.ca_file, "/etc/ca.pem");
	ck_assert_str_eq(c.listen, "127.0.0.1:0");
	ck_assert_int_eq(c.has_proxy, 0);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", client_conf_has_defaults)
{
	char *argv[] = { "meek-client", "--listen", "127.0.0.1:0", NULL };
	struct client_conf c;

	parse_expect(&c, ARGC(argv), argv, 0);
	ck_assert_int_eq(c.has_url, 0);
	ck_assert_ptr_null(c.front);
	ck_assert_ptr_null(c.log_file);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_uint_eq(c.stack_kb, CLIENT_STACK_KB_DEFAULT);
	ck_assert_int_eq(c.unsafe_logging, 0);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", client_conf_help_and_version)
{
	char *a1[] = { "meek-client", "--help", NULL };
	char *a2[] = { "meek-client", "--version", NULL };
	struct client_conf c;

	parse_expect(&c, ARGC(a1), a1, 0);
	ck_assert_int_eq(c.help, 1);
	client_conf_clear(&c);
	parse_expect(&c, ARGC(a2), a2, 0);
	ck_assert_int_eq(c.version, 1);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", client_conf_rejects_bad_flags)
{
	static char *const cases[][4] = {
		{ "--bogus", NULL },
		{ "--url", NULL },                          /* missing argument */
		{ "--url", "ftp://x/", NULL },
		{ "--url", "https://", NULL },
		{ "--front", "", NULL },
		{ "--log-level", "loud", NULL },
		{ "--stack-size", "0", NULL },
		{ "--stack-size", "12abc", NULL },
		{ "--stack-size", "99999999999", NULL },
		{ "--listen", "nope", NULL },
		{ "--listen", "127.0.0.1:99999", NULL },
		{ "stray", NULL },
		{ "-x", NULL },
	};
	struct client_conf c;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *argv[8] = { "meek-client", "--listen", "127.0.0.1:0" };
		int argc = 3;
		for (int j = 0; cases[i][j] != NULL; j++)
			argv[argc++] = cases[i][j];
		/* --listen given twice is fine: the last one wins. */
		parse_expect(&c, argc, argv, MEEK_EINVAL);
		client_conf_clear(&c);
	}
}
END_TEST

UNIT_TEST("flags", client_conf_names_the_bad_option)
{
	char *argv[][5] = {
		{ "meek-client", "--listen", "127.0.0.1:0", "--bogus", NULL },
		{ "meek-client", "--listen", "127.0.0.1:0", "--url", NULL },
	};
	struct client_conf c;

	for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++) {
		/* The reason names the option: argv[i][3]. */
		parse_rejects(&c, argv[i], argv[i][3]);
		client_conf_clear(&c);
	}
}
END_TEST

UNIT_TEST("flags", client_conf_rejects_helper)
{
	char *argv[][4] = {
		{ "meek-client", "--helper", "127.0.0.1:7000", NULL },
		{ "meek-client", "--helper", NULL },
		{ "meek-client", "--helper=127.0.0.1:7000", NULL },
	};
	struct client_conf c;

	managed_env("meek");
	for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++) {
		parse_rejects(&c, argv[i], "not supported");
		/* Managed: main must also tell tor (ENV-ERROR). */
		ck_assert_int_eq(c.managed, 1);
		client_conf_clear(&c);
	}
}
END_TEST

UNIT_TEST("flags", client_conf_needs_tor_or_listen)
{
	char *argv[] = { "meek-client", "--url", "https://meek.example/", NULL };
	struct client_conf c;

	parse_expect(&c, ARGC(argv), argv, MEEK_EINVAL);
	ck_assert_int_eq(c.managed, 0);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("env", client_conf_reads_managed_env, .setup = clean_env)
{
	char *argv[] = { "meek-client", "--log", "meek-client.log", NULL };
	struct client_conf c;

	managed_env("meek,foo,meek_lite");
	parse_expect(&c, ARGC(argv), argv, 0);
	ck_assert_int_eq(c.managed, 1);
	ck_assert_int_eq(c.env.exit_on_stdin_close, 1);
	ck_assert_uint_eq(c.env.ntransports, 3);
	ck_assert_int_eq(pt_client_env_wants(&c.env, "meek"), 1);
	ck_assert_int_eq(pt_client_env_wants(&c.env, "meek_lite"), 1);
	ck_assert_int_eq(c.has_proxy, 0);
	ck_assert_int_eq(c.proxy_from_env, 0);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("env", client_conf_rejects_bad_env)
{
	char *argv[] = { "meek-client", NULL };
	struct client_conf c;

	setenv("TOR_PT_MANAGED_TRANSPORT_VER", "1", 1);
	/* No TOR_PT_CLIENT_TRANSPORTS. */
	parse_expect(&c, ARGC(argv), argv, MEEK_EINVAL);
	ck_assert_int_eq(c.managed, 1);
	client_conf_clear(&c);

	managed_env("meek");
	setenv("TOR_PT_MANAGED_TRANSPORT_VER", "2,3", 1);
	parse_expect(&c, ARGC(argv), argv, MEEK_EVERSION);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("env", client_conf_takes_tor_pt_proxy)
{
	char *argv[] = { "meek-client", NULL };
	struct client_conf c;

	proxy_env("socks5://user:pass@127.0.0.1:1080");
	parse_expect(&c, ARGC(argv), argv, 0);
	check_proxy(&c, 1, PROXY_SOCKS5, 1080);
	ck_assert_str_eq(c.proxy.host, "127.0.0.1");
	ck_assert_int_eq(c.proxy.has_auth, 1);
	client_conf_clear(&c);

	setenv("TOR_PT_PROXY", "http://127.0.0.1:3128", 1);
	parse_expect(&c, ARGC(argv), argv, 0);
	ck_assert_int_eq(c.proxy.type, PROXY_HTTP);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("env", client_conf_rejects_bad_tor_pt_proxy)
{
	static const char *const bad[] = {
		"ftp://127.0.0.1:21", "socks5://127.0.0.1", "http://127.0.0.1:3128/path",
		"socks4a://user:pass@127.0.0.1:1080", "nonsense",
	};
	char *argv[] = { "meek-client", NULL };
	struct client_conf c;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		proxy_env(bad[i]);
		/* MEEK_EPROXY: main prints VERSION 1 then PROXY-ERROR. */
		parse_expect(&c, ARGC(argv), argv, MEEK_EPROXY);
		ck_assert_int_eq(c.managed, 1);
		client_conf_clear(&c);
	}
}
END_TEST

UNIT_TEST("env", client_conf_proxy_flag_overrides_env)
{
	char *argv[] = { "meek-client", "--proxy", "http://127.0.0.1:8080", NULL };
	char *bad[] = { "meek-client", "--proxy", "gopher://127.0.0.1:70", NULL };
	struct client_conf c;

	proxy_env("socks5://127.0.0.1:1080");
	parse_expect(&c, ARGC(argv), argv, 0);
	check_proxy(&c, 0, PROXY_HTTP, 8080);
	client_conf_clear(&c);
	parse_expect(&c, ARGC(bad), bad, MEEK_EPROXY);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("env", client_conf_listen_ignores_tor_env)
{
	char *argv[] = { "meek-client", "--listen", "127.0.0.1:0", NULL };
	struct client_conf c;

	proxy_env("nonsense");
	parse_expect(&c, ARGC(argv), argv, 0);
	ck_assert_int_eq(c.managed, 0);
	ck_assert_int_eq(c.has_proxy, 0);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("flags", client_conf_knows_its_transports)
{
	static const struct {
		const char *name;
		int is;
	} names[] = {
		{ "meek", 1 }, { "meek_lite", 1 }, { "obfs4", 0 },
		{ "MEEK", 0 }, { "", 0 },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		ck_assert_msg(client_conf_is_transport(names[i].name) ==
		    names[i].is, "\"%s\": want %d", names[i].name, names[i].is);
}
END_TEST

/* Parses a standalone conf with the given --url/--front/--utls flags. */
static void
flags_conf(struct client_conf *c, const char *url, const char *front,
    const char *utls)
{
	char *argv[10] = { "meek-client", "--listen", "127.0.0.1:0" };
	int argc = 3;

	if (url) {
		argv[argc++] = "--url";
		argv[argc++] = (char *)url;
	}
	if (front) {
		argv[argc++] = "--front";
		argv[argc++] = (char *)front;
	}
	if (utls) {
		argv[argc++] = "--utls";
		argv[argc++] = (char *)utls;
	}
	parse_expect(c, argc, argv, 0);
}

/* Resolves the SOCKS args `args` against c: with client_conf_resolve into
 * *one, or (one NULL) with client_conf_resolve_all into *all. */
static int
resolve_args(const struct client_conf *c, const char *args,
    struct client_target *one, struct client_targets *all, const char **why)
{
	struct ptargs a;
	int rc;

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_parse(&a, args, strlen(args), NULL), 0);
	if (one != NULL)
		rc = client_conf_resolve(c, &a, one, why);
	else
		rc = client_conf_resolve_all(c, &a, all, why);
	ptargs_clear(&a);
	return rc;
}

static int
resolve(const struct client_conf *c, const char *args, struct client_target *t,
    const char **why)
{
	return resolve_args(c, args, t, NULL, why);
}

UNIT_TEST("socks_args", client_conf_args_override_flags, .setup = clean_env)
{
	struct client_conf c;
	struct client_target t;

	flags_conf(&c, "https://flag.example/flag", "flagfront.example", "HelloFirefox_Auto");
	ck_assert_int_eq(resolve(&c, "url=https://meek.example/x?a=b;front=cdn.example;"
	    "utls=none", &t, NULL), 0);
	ck_assert_str_eq(t.url.host, "meek.example");
	ck_assert_str_eq(t.url.path, "/x?a=b");
	ck_assert_str_eq(t.url.host_header, "meek.example");
	ck_assert_str_eq(t.front, "cdn.example");
	ck_assert_int_eq(t.port, 443);
	ck_assert_str_eq(t.utls, "none");
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("socks_args", client_conf_flags_fill_missing_args)
{
	struct client_conf c;
	struct client_target t;

	flags_conf(&c, "https://flag.example:8443/flag", "flagfront.example", "HelloChrome_Auto");
	ck_assert_int_eq(resolve(&c, "", &t, NULL), 0);
	ck_assert_str_eq(t.url.host, "flag.example");
	ck_assert_str_eq(t.front, "flagfront.example");
	/* As Go: the front replaces the url's host:port, so a front without
	 * a port is dialed on the scheme's default port. */
	ck_assert_int_eq(t.port, 443);
	ck_assert_str_eq(t.utls, "HelloChrome_Auto");

	/* url= from the args, front from the flag (Go semantics). */
	ck_assert_int_eq(resolve(&c, "url=http://meek.example/", &t, NULL), 0);
	ck_assert_str_eq(t.url.host, "meek.example");
	ck_assert_int_eq(t.url.https, 0);
	ck_assert_str_eq(t.front, "flagfront.example");
	ck_assert_int_eq(t.port, 80);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("socks_args", client_conf_without_front_dials_url_host)
{
	struct client_conf c;
	struct client_target t;

	flags_conf(&c, NULL, NULL, NULL);
	ck_assert_int_eq(resolve(&c, "url=http://127.0.0.1:8080/meek/", &t, NULL), 0);
	ck_assert_str_eq(t.front, "127.0.0.1");
	ck_assert_int_eq(t.port, 8080);
	ck_assert_str_eq(t.url.path, "/meek/");
	ck_assert_str_eq(t.utls, "");
	/* front=host:port names the port too. */
	ck_assert_int_eq(resolve(&c, "url=https://meek.example/;front=cdn.example:8443",
	    &t, NULL), 0);
	ck_assert_str_eq(t.front, "cdn.example");
	ck_assert_int_eq(t.port, 8443);
	client_conf_clear(&c);
}
END_TEST

UNIT_TEST("socks_args", client_conf_rejects_missing_or_bad_url)
{
	struct client_conf c;
	struct client_target t;
	const char *why = NULL;

	flags_conf(&c, NULL, "cdn.example", NULL);
	ck_assert_int_eq(resolve(&c, "", &t, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(why);
	why = NULL;
	ck_assert_int_eq(resolve(&c, "front=cdn.example", &t, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(resolve(&c, "url=ftp://meek.example/", &t, NULL), MEEK_EINVAL);
	ck_assert_int_eq(resolve(&c, "url=", &t, NULL), MEEK_EINVAL);
	ck_assert_int_eq(resolve(&c, "url=https://meek.example/;front=a:b:c", &t, NULL),
	    MEEK_EINVAL);
	client_conf_clear(&c);
}
END_TEST

static int
resolve_all(const struct client_conf *c, const char *args,
    struct client_targets *t, const char **why)
{
	return resolve_args(c, args, NULL, t, why);
}

UNIT_TEST("socks_args", client_conf_targets_list_every_pair)
{
	struct client_targets *t = malloc(sizeof *t);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(client_conf_parse_targets(
	    "https://a.example/m|cdn1.example+cdn2.example:8443,"
	    "http://b.example:8080/|cdn3.example,https://c.example/",
	    "hello", t, NULL), 0);
	ck_assert_uint_eq(t->n, 4);
	ck_assert_str_eq(t->t[0].url.host, "a.example");
	ck_assert_str_eq(t->t[0].url.path, "/m");
	ck_assert_str_eq(t->t[0].front, "cdn1.example");
	ck_assert_int_eq(t->t[0].port, 443);
	ck_assert_str_eq(t->t[0].utls, "hello");
	ck_assert_str_eq(t->t[1].url.host, "a.example");
	ck_assert_str_eq(t->t[1].front, "cdn2.example");
	ck_assert_int_eq(t->t[1].port, 8443);
	ck_assert_str_eq(t->t[2].url.host_header, "b.example:8080");
	ck_assert_str_eq(t->t[2].front, "cdn3.example");
	ck_assert_int_eq(t->t[2].port, 80);
	/* A url without '|' is not fronted. */
	ck_assert_str_eq(t->t[3].front, "c.example");
	ck_assert_int_eq(t->t[3].port, 443);
	ck_assert_str_eq(t->t[3].utls, "hello");
	free(t);
}
END_TEST

UNIT_TEST("socks_args", client_conf_targets_rejects_bad_lists)
{
	static const char *const bad[] = {
		"", ",", "https://a.example/,", ",https://a.example/",
		"https://a.example/|", "https://a.example/|cdn.example+",
		"https://a.example/|+cdn.example", "ftp://a.example/|cdn.example",
		"https://a.example/|a:b:c", "https://a.example/,,https://b.example/",
	};
	struct client_targets *t = malloc(sizeof *t);
	char many[2048] = "https://a.example/|f";

	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;
		ck_assert_msg(client_conf_parse_targets(bad[i], NULL, t, &why) ==
		    MEEK_EINVAL, "accepted \"%s\"", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	/* 16 pairs fit, 17 do not. */
	for (int i = 1; i < CLIENT_TARGETS_MAX; i++)
		strcat(many, "+f");
	ck_assert_int_eq(client_conf_parse_targets(many, NULL, t, NULL), 0);
	ck_assert_uint_eq(t->n, CLIENT_TARGETS_MAX);
	strcat(many, "+f");
	ck_assert_int_eq(client_conf_parse_targets(many, NULL, t, NULL), MEEK_EINVAL);
	free(t);
}
END_TEST

UNIT_TEST("socks_args", client_conf_targets_precedence)
{
	char *argv[] = { "meek-client", "--listen", "127.0.0.1:0", "--targets",
	    "https://flag.example/|f1.example+f2.example", "--url",
	    "https://url.example/", "--utls", "HelloFirefox_Auto", NULL };
	char *bad[] = { "meek-client", "--listen", "127.0.0.1:0", "--targets",
	    "https://flag.example/|", NULL };
	struct client_targets *t = malloc(sizeof *t);
	struct client_conf c;
	const char *why;

	ck_assert_ptr_nonnull(t);
	why = parse_expect(&c, ARGC(bad), bad, MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--targets"));
	client_conf_clear(&c);

	parse_expect(&c, ARGC(argv), argv, 0);
	ck_assert_str_eq(c.targets, "https://flag.example/|f1.example+f2.example");
	/* targets= in the args wins over everything. */
	ck_assert_int_eq(resolve_all(&c, "targets=https://arg.example/|a.example;"
	    "url=https://x.example/", t, NULL), 0);
	ck_assert_uint_eq(t->n, 1);
	ck_assert_str_eq(t->t[0].url.host, "arg.example");
	ck_assert_str_eq(t->t[0].utls, "HelloFirefox_Auto");
	/* url= in the args wins over --targets. */
	ck_assert_int_eq(resolve_all(&c, "url=https://x.example/;front=y.example;"
	    "utls=none", t, NULL), 0);
	ck_assert_uint_eq(t->n, 1);
	ck_assert_str_eq(t->t[0].url.host, "x.example");
	ck_assert_str_eq(t->t[0].front, "y.example");
	ck_assert_str_eq(t->t[0].utls, "none");
	/* Nothing in the args: --targets, before --url. */
	ck_assert_int_eq(resolve_all(&c, "", t, NULL), 0);
	ck_assert_uint_eq(t->n, 2);
	ck_assert_str_eq(t->t[1].front, "f2.example");
	why = NULL;
	ck_assert_int_eq(resolve_all(&c, "targets=nope", t, &why), MEEK_EINVAL);
	ck_assert_ptr_nonnull(why);
	client_conf_clear(&c);
	free(t);
}
END_TEST
