#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/pt.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNIT_SUITE "pt"

static const char *const pt_vars[] = {
	"TOR_PT_MANAGED_TRANSPORT_VER", "TOR_PT_STATE_LOCATION",
	"TOR_PT_EXIT_ON_STDIN_CLOSE", "TOR_PT_CLIENT_TRANSPORTS", "TOR_PT_PROXY",
	"TOR_PT_SERVER_TRANSPORTS", "TOR_PT_SERVER_BINDADDR", "TOR_PT_ORPORT",
	"TOR_PT_EXTENDED_SERVER_PORT", "TOR_PT_AUTH_COOKIE_FILE",
	"TOR_PT_SERVER_TRANSPORT_OPTIONS",
};

/* Tests fork by default, but CK_FORK=no must not leak variables either. */
static void
env_reset(void)
{
	for (size_t i = 0; i < sizeof pt_vars / sizeof pt_vars[0]; i++)
		unsetenv(pt_vars[i]);
}

static void
set(const char *name, const char *value)
{
	ck_assert_int_eq(setenv(name, value, 1), 0);
}

/* A minimal valid server environment. */
static void
server_env(void)
{
	env_reset();
	set("TOR_PT_MANAGED_TRANSPORT_VER", "1");
	set("TOR_PT_SERVER_TRANSPORTS", "meek");
	set("TOR_PT_SERVER_BINDADDR", "meek-127.0.0.1:8080");
	set("TOR_PT_ORPORT", "127.0.0.1:9001");
}

/* What the last client_parse() and server_parse() made (each clears its
 * own before parsing again). */
static struct pt_client_env ce;
static struct pt_server_env se;

/* Parses the client environment into ce; returns the result, with *why. */
static int
client_parse(const char **why)
{
	pt_client_env_clear(&ce);
	*why = NULL;
	return pt_client_env_parse(&ce, why);
}

static int
server_parse(const char **why)
{
	pt_server_env_clear(&se);
	*why = NULL;
	return pt_server_env_parse(&se, why);
}

/* The fields that a parsed pt_client_env and pt_server_env share. */
#define ASSERT_ENV_HEAD(e, want_managed, want_exit, want_ntransports)	\
	do {								\
		ck_assert_int_eq((e).managed, (want_managed));		\
		ck_assert_int_eq((e).exit_on_stdin_close, (want_exit));	\
		ck_assert_uint_eq((e).ntransports, (want_ntransports));	\
	} while (0)

/* The environment as set is invalid for parse (client_parse or
 * server_parse): MEEK_EINVAL with a reason.  `what` names the case. */
static void
assert_einval(int (*parse)(const char **), const char *what)
{
	const char *why;

	ck_assert_msg(parse(&why) == MEEK_EINVAL, "%s", what);
	ck_assert_ptr_nonnull(why);
}

UNIT_TEST("client_env", pt_client_env_unmanaged_without_version)
{
	const char *why = NULL;

	env_reset();
	set("TOR_PT_CLIENT_TRANSPORTS", "meek");
	ck_assert_int_eq(client_parse(&why), 0);
	ck_assert_int_eq(ce.managed, 0);
}
END_TEST

UNIT_TEST("client_env", pt_client_env_parses_valid)
{
	char dir[] = "/tmp/meek-pt-XXXXXX", state[64];
	const char *why = NULL;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(state, sizeof state, "%s/a/b", dir);
	env_reset();
	set("TOR_PT_MANAGED_TRANSPORT_VER", "1");
	set("TOR_PT_CLIENT_TRANSPORTS", "meek,meek_lite");
	set("TOR_PT_STATE_LOCATION", state);
	set("TOR_PT_EXIT_ON_STDIN_CLOSE", "1");
	set("TOR_PT_PROXY", "socks5://127.0.0.1:1080");
	ck_assert_int_eq(client_parse(&why), 0);
	ASSERT_ENV_HEAD(ce, 1, 1, 2);
	ck_assert_str_eq(ce.transports[0], "meek");
	ck_assert_str_eq(ce.transports[1], "meek_lite");
	ck_assert_int_eq(pt_client_env_wants(&ce, "meek_lite"), 1);
	ck_assert_int_eq(pt_client_env_wants(&ce, "obfs4"), 0);
	ck_assert_str_eq(ce.proxy, "socks5://127.0.0.1:1080");
	ck_assert_str_eq(ce.state_dir, state);
	ck_assert_int_eq(stat(state, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	snprintf(state, sizeof state, "%s/a", dir);
	ck_assert_int_eq(stat(state, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);

	/* An existing state directory is fine. */
	ck_assert_int_eq(client_parse(&why), 0);

	snprintf(state, sizeof state, "%s/a/b", dir);
	rmdir(state);
	snprintf(state, sizeof state, "%s/a", dir);
	rmdir(state);
	rmdir(dir);
}
END_TEST

UNIT_TEST("client_env", pt_client_env_accepts_version_list_with_1)
{
	const char *why = NULL;

	env_reset();
	set("TOR_PT_MANAGED_TRANSPORT_VER", "2,1,3");
	set("TOR_PT_CLIENT_TRANSPORTS", "meek");
	ck_assert_int_eq(client_parse(&why), 0);
	ck_assert_int_eq(ce.exit_on_stdin_close, 0);
	ck_assert_ptr_null(ce.proxy);
	ck_assert_ptr_null(ce.state_dir);
}
END_TEST

UNIT_TEST("client_env", pt_client_env_rejects_missing_version_1)
{
	const char *why;
	const char *const bad[] = { "2", "", "11", "2,10", "1.0" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		env_reset();
		set("TOR_PT_MANAGED_TRANSPORT_VER", bad[i]);
		set("TOR_PT_CLIENT_TRANSPORTS", "meek");
		ck_assert_msg(client_parse(&why) == MEEK_EVERSION, "%s", bad[i]);
	}
}
END_TEST

UNIT_TEST("client_env", pt_client_env_rejects_missing_transports)
{
	env_reset();
	set("TOR_PT_MANAGED_TRANSPORT_VER", "1");
	assert_einval(client_parse, "no TOR_PT_CLIENT_TRANSPORTS");
}
END_TEST

UNIT_TEST("client_env", pt_env_rejects_client_and_server_together)
{
	server_env();
	set("TOR_PT_CLIENT_TRANSPORTS", "meek");
	assert_einval(client_parse, "client and server");
	assert_einval(server_parse, "client and server");
}
END_TEST

UNIT_TEST("client_env", pt_env_exit_on_stdin_close_only_for_1)
{
	const char *why;
	const char *const vals[] = { "0", "yes", "11", "", " 1", "true" };

	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		env_reset();
		set("TOR_PT_MANAGED_TRANSPORT_VER", "1");
		set("TOR_PT_CLIENT_TRANSPORTS", "meek");
		set("TOR_PT_EXIT_ON_STDIN_CLOSE", vals[i]);
		ck_assert_int_eq(client_parse(&why), 0);
		ck_assert_msg(ce.exit_on_stdin_close == 0, "\"%s\"", vals[i]);
	}
}
END_TEST

UNIT_TEST("client_env", pt_env_rejects_uncreatable_state_dir)
{
	char file[] = "/tmp/meek-pt-XXXXXX", state[64];
	const char *why = NULL;
	int fd;

	fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(state, sizeof state, "%s/state", file);
	server_env();
	set("TOR_PT_STATE_LOCATION", state);
	/* MEEK_EIO with errno: the caller names the path and the reason. */
	errno = 0;
	ck_assert_int_eq(server_parse(&why), MEEK_EIO);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_str_eq(why, "cannot create TOR_PT_STATE_LOCATION");
	unlink(file);
}
END_TEST

UNIT_TEST("server_env", pt_server_env_parses_valid)
{
	const char *why = NULL;

	server_env();
	set("TOR_PT_SERVER_TRANSPORTS", "meek,other");
	set("TOR_PT_SERVER_BINDADDR",
	    "meek-127.0.0.1:8080,other-[::1]:443,notasked-0.0.0.0:1");
	set("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:9002");
	set("TOR_PT_AUTH_COOKIE_FILE", "/var/lib/tor/cookie");
	set("TOR_PT_EXIT_ON_STDIN_CLOSE", "1");
	ck_assert_int_eq(server_parse(&why), 0);
	ASSERT_ENV_HEAD(se, 1, 1, 2);
	ck_assert_int_eq(pt_server_env_wants(&se, "other"), 1);
	ck_assert_int_eq(pt_server_env_wants(&se, "notasked"), 0);
	ck_assert_uint_eq(se.nbind, 2);
	ck_assert_str_eq(se.bind[0].transport, "meek");
	ck_assert_str_eq(pt_server_env_bindaddr(&se, "meek"), "127.0.0.1:8080");
	ck_assert_str_eq(pt_server_env_bindaddr(&se, "other"), "[::1]:443");
	ck_assert_ptr_null(pt_server_env_bindaddr(&se, "notasked"));
	ck_assert_str_eq(se.orport, "127.0.0.1:9001");
	ck_assert_str_eq(se.ext_port, "127.0.0.1:9002");
	ck_assert_str_eq(se.cookie_file, "/var/lib/tor/cookie");
	ck_assert_uint_eq(se.options.n, 0);
}
END_TEST

UNIT_TEST("server_env", pt_server_env_unmanaged_without_version)
{
	const char *why = NULL;

	server_env();
	unsetenv("TOR_PT_MANAGED_TRANSPORT_VER");
	ck_assert_int_eq(server_parse(&why), 0);
	ck_assert_int_eq(se.managed, 0);
}
END_TEST

UNIT_TEST("server_env", pt_server_env_rejects_missing_version_1)
{
	const char *why;

	server_env();
	set("TOR_PT_MANAGED_TRANSPORT_VER", "2");
	ck_assert_int_eq(server_parse(&why), MEEK_EVERSION);
}
END_TEST

UNIT_TEST("server_env", pt_server_env_rejects_missing_transports)
{
	server_env();
	unsetenv("TOR_PT_SERVER_TRANSPORTS");
	assert_einval(server_parse, "no TOR_PT_SERVER_TRANSPORTS");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_rejects_bad_bindaddr)
{
	const char *const bad[] = {
		"meek127.0.0.1:8080",                 /* no '-' */
		"meek-127.0.0.1:8080,meek-127.0.0.1:8081", /* duplicate */
		"-127.0.0.1:8080",                    /* empty name */
		"meek-localhost:8080",                /* not an IP literal */
		"meek-127.0.0.1",                     /* no port */
		"meek-127.0.0.1:",
		"meek-127.0.0.1:65536",
		"meek-127.0.0.1:80x",
		"meek-::1:443",                       /* v6 without brackets */
		"meek-[::1]",
		"meek-[::g]:443",
		"",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		server_env();
		set("TOR_PT_SERVER_BINDADDR", bad[i]);
		assert_einval(server_parse, bad[i]);
	}
	server_env();
	unsetenv("TOR_PT_SERVER_BINDADDR");
	assert_einval(server_parse, "no TOR_PT_SERVER_BINDADDR");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_empty_ext_port_means_unset)
{
	const char *why = NULL;

	server_env();
	set("TOR_PT_EXTENDED_SERVER_PORT", "");
	ck_assert_int_eq(server_parse(&why), 0);
	ck_assert_ptr_null(se.ext_port);
	ck_assert_ptr_null(se.cookie_file);
	ck_assert_str_eq(se.orport, "127.0.0.1:9001");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_accepts_ext_port_without_orport)
{
	const char *why = NULL;

	server_env();
	unsetenv("TOR_PT_ORPORT");
	set("TOR_PT_EXTENDED_SERVER_PORT", "[::1]:9002");
	set("TOR_PT_AUTH_COOKIE_FILE", "/tmp/cookie");
	ck_assert_int_eq(server_parse(&why), 0);
	ck_assert_ptr_null(se.orport);
	ck_assert_str_eq(se.ext_port, "[::1]:9002");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_rejects_ext_port_without_cookie)
{
	server_env();
	set("TOR_PT_EXTENDED_SERVER_PORT", "127.0.0.1:9002");
	assert_einval(server_parse, "no TOR_PT_AUTH_COOKIE_FILE");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_rejects_no_orport_nor_ext_port)
{
	server_env();
	unsetenv("TOR_PT_ORPORT");
	assert_einval(server_parse, "no TOR_PT_ORPORT");
	set("TOR_PT_EXTENDED_SERVER_PORT", "");
	assert_einval(server_parse, "no TOR_PT_ORPORT, empty ext port");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_parses_transport_options)
{
	const char *why = NULL;

	server_env();
	set("TOR_PT_SERVER_TRANSPORT_OPTIONS",
	    "meek:url=https\\://x.example/\\;y;meek:k=a\\\\b;"
	    "other:p=q=r;me\\:ek:c\\;d=e;meek:k=second");
	ck_assert_int_eq(server_parse(&why), 0);
	ck_assert_uint_eq(se.options.n, 5);
	ck_assert_str_eq(ptargs_get(&se.options, "meek:url"),
	    "https://x.example/;y");
	ck_assert_str_eq(ptargs_get(&se.options, "meek:k"), "a\\b");
	ck_assert_str_eq(ptargs_get(&se.options, "other:p"), "q=r");
	ck_assert_str_eq(ptargs_get(&se.options, "me:ek:c;d"), "e");
}
END_TEST

UNIT_TEST("server_env", pt_server_env_rejects_bad_transport_options)
{
	const char *const bad[] = {
		"meek", "meek:k", ":k=v", "meek:=v", "meek:k=v\\", "meek:k=v;",
		"meek=k:v", "meek;k=v", "meek:k;x=v", "meek:",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		server_env();
		set("TOR_PT_SERVER_TRANSPORT_OPTIONS", bad[i]);
		assert_einval(server_parse, bad[i]);
	}
}
END_TEST

UNIT_TEST("lines", pt_cstring_encodes_vectors)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "a b", "\"a b\"" },
		{ "", "\"\"" },
		{ "\"", "\"\\042\"" },
		{ "\\", "\"\\134\"" },
		{ "\n", "\"\\012\"" },
		{ "\t\r\x7f\xff", "\"\\011\\015\\177\\377\"" },
		{ "!#[]~'", "\"!#[]~'\"" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_str_eq(pt_cstring(buf, sizeof buf, t[i].in),
		    t[i].want);
}
END_TEST

UNIT_TEST("lines", pt_cstring_truncates_whole_escapes)
{
	/* Into buf, with room for `cap` bytes. */
	static const struct {
		size_t cap;
		const char *in, *want;
	} t[] = {
		{ 8, "abcdefgh", "\"abcde\"" },
		{ 8, "ab\ncd", "\"ab\"" },
		{ 8, "a\nbc", "\"a\\012\"" },
		{ 3, "abc", "\"\"" },
		{ 2, "abc", "" },
	};
	char buf[8];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_str_eq(pt_cstring(buf, t[i].cap, t[i].in), t[i].want);
	buf[0] = 'x';
	pt_cstring(buf, 0, "abc");
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

/* Runs fn() with stdout sent to a temporary file; returns what it wrote. */
static char *
capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	static char out[1 << 17];
	int saved;
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
	fn();
	fflush(stdout);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof out - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static void
write_protocol_lines(void)
{
	pt_version();
	pt_version_error();
	pt_env_error("no TOR_PT_ORPORT");
	pt_proxy_done();
	pt_proxy_error("bad scheme");
	pt_cmethod("meek", "socks5", "127.0.0.1:1080");
	pt_cmethod_error("meek", "no url");
	pt_cmethods_done();
	pt_smethod("meek", "[::1]:443", NULL);
	pt_smethod("meek", "0.0.0.0:80", "cert=AB\\=\\,C,iat-mode=0");
	pt_smethod_error("meek", "cannot listen");
	pt_smethods_done();
	pt_status("meek", "CONNECT=Success");
	pt_line("X %d", 42);
}

UNIT_TEST("lines", pt_writes_protocol_lines)
{
	ck_assert_str_eq(capture(write_protocol_lines),
	    "VERSION 1\n"
	    "VERSION-ERROR no-version\n"
	    "ENV-ERROR no TOR_PT_ORPORT\n"
	    "PROXY DONE\n"
	    "PROXY-ERROR bad scheme\n"
	    "CMETHOD meek socks5 127.0.0.1:1080\n"
	    "CMETHOD-ERROR meek no url\n"
	    "CMETHODS DONE\n"
	    "SMETHOD meek [::1]:443\n"
	    "SMETHOD meek 0.0.0.0:80 ARGS:cert=AB\\=\\,C,iat-mode=0\n"
	    "SMETHOD-ERROR meek cannot listen\n"
	    "SMETHODS DONE\n"
	    "STATUS TRANSPORT=meek CONNECT=Success\n"
	    "X 42\n");
}
END_TEST

static void
write_log_lines(void)
{
	pt_log("warning", "say \"hi\"\nC:\\");
	pt_log("error", "");
	pt_log("bogus", "x");
}

UNIT_TEST("lines", pt_log_quotes_message)
{
	ck_assert_str_eq(capture(write_log_lines),
	    "LOG SEVERITY=warning MESSAGE=\"say \\042hi\\042\\012C:\\134\"\n"
	    "LOG SEVERITY=error MESSAGE=\"\"\n"
	    "LOG SEVERITY=notice MESSAGE=\"x\"\n");
}
END_TEST

static void
write_long_log(void)
{
	char msg[3000];

	memset(msg, '\n', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	pt_log("info", msg);
}

UNIT_TEST("lines", pt_log_keeps_long_message)
{
	const char *out = capture(write_long_log);

	/* "LOG SEVERITY=info MESSAGE=" + quotes + 2999 * "\012" + LF */
	ck_assert_uint_eq(strlen(out), 26 + 2 + 2999 * 4 + 1);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

static void
write_dirty_lines(void)
{
	pt_env_error("bad\nSMETHOD evil 1.2.3.4:1\r");
	pt_cmethod_error("meek", "a\nb");
	pt_line("%s%c%s", "x", 0, "y");
}

UNIT_TEST("lines", pt_lines_never_split)
{
	ck_assert_str_eq(capture(write_dirty_lines),
	    "ENV-ERROR bad SMETHOD evil 1.2.3.4:1 \n"
	    "CMETHOD-ERROR meek a b\n"
	    "x y\n");
}
END_TEST

enum { WRITERS = 4, LINES = 500 };

static void *
writer(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < LINES; i++)
		pt_cmethod_error("meek", id % 2 ? "odd writer odd writer" :
		    "even writer even writer even writer");
	return NULL;
}

static void
write_from_threads(void)
{
	pthread_t t[WRITERS];

	for (long i = 0; i < WRITERS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(t[i], NULL);
}

UNIT_TEST("lines", pt_lines_stay_whole_across_threads)
{
	char *out = capture(write_from_threads), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++)
		ck_assert_msg(
		    strcmp(line, "CMETHOD-ERROR meek odd writer odd writer") == 0 ||
		    strcmp(line, "CMETHOD-ERROR meek even writer even writer "
		    "even writer") == 0, "torn line: %s", line);
	ck_assert_int_eq(n, WRITERS * LINES);
}
END_TEST
