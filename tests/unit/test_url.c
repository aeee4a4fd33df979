#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/url.h"

#include <string.h>

#define UNIT_SUITE "url"

static struct url u;

static void
parse_ok(const char *s)
{
	const char *why = NULL;

	ck_assert_msg(url_parse(&u, s, &why) == 0, "%s: %s", s,
	    why != NULL ? why : "?");
}

/* url_parse must refuse s: MEEK_EINVAL, with a reason. */
static void
parse_bad(const char *s)
{
	const char *why = NULL;

	ck_assert_msg(url_parse(&u, s, &why) == MEEK_EINVAL, "accepted %s", s);
	ck_assert_ptr_nonnull(why);
}

/* Parses s, which has no port: the scheme's default port, kept out of
 * Host. */
static void
check_default_port(const char *s, int https, const char *host,
    unsigned port, const char *path)
{
	parse_ok(s);
	ck_assert_int_eq(u.https, https);
	ck_assert_str_eq(u.host, host);
	ck_assert_uint_eq(u.port, port);
	ck_assert_int_eq(u.port_given, 0);
	ck_assert_str_eq(u.path, path);
	ck_assert_str_eq(u.host_header, host);
}

UNIT_TEST("parse", url_https_defaults_to_443)
{
	check_default_port("https://meek.example/", 1, "meek.example", 443, "/");
}
END_TEST

UNIT_TEST("parse", url_http_defaults_to_80)
{
	check_default_port("http://127.0.0.1/meek", 0, "127.0.0.1", 80, "/meek");
}
END_TEST

UNIT_TEST("parse", url_scheme_is_case_insensitive)
{
	parse_ok("HTTPS://Meek.Example");
	ck_assert_int_eq(u.https, 1);
	ck_assert_str_eq(u.host, "Meek.Example");
}
END_TEST

UNIT_TEST("parse", url_keeps_explicit_ports)
{
	parse_ok("https://meek.example:8443/x");
	ck_assert_uint_eq(u.port, 8443);
	ck_assert_int_eq(u.port_given, 1);
	ck_assert_str_eq(u.host_header, "meek.example:8443");

	parse_ok("http://meek.example:65535");
	ck_assert_uint_eq(u.port, 65535);
	ck_assert_str_eq(u.path, "/");

	/* A default port given explicitly stays out of Host. */
	parse_ok("https://meek.example:443/");
	ck_assert_uint_eq(u.port, 443);
	ck_assert_int_eq(u.port_given, 1);
	ck_assert_str_eq(u.host_header, "meek.example");

	parse_ok("http://meek.example:443/");
	ck_assert_str_eq(u.host_header, "meek.example:443");
}
END_TEST

UNIT_TEST("parse", url_parses_ipv6_literal)
{
	parse_ok("https://[::1]:8443/meek/");
	ck_assert_str_eq(u.host, "::1");
	ck_assert_uint_eq(u.port, 8443);
	ck_assert_str_eq(u.host_header, "[::1]:8443");
	ck_assert_str_eq(u.path, "/meek/");

	parse_ok("http://[2001:db8::4]");
	ck_assert_str_eq(u.host, "2001:db8::4");
	ck_assert_uint_eq(u.port, 80);
	ck_assert_str_eq(u.host_header, "[2001:db8::4]");
}
END_TEST

UNIT_TEST("parse", url_keeps_query_and_drops_fragment)
{
	parse_ok("https://meek.example/a/b?x=1&y=%20#frag");
	ck_assert_str_eq(u.path, "/a/b?x=1&y=%20");
	parse_ok("https://meek.example?x=1");
	ck_assert_str_eq(u.path, "/?x=1");
	parse_ok("https://meek.example#frag");
	ck_assert_str_eq(u.path, "/");
	ck_assert_str_eq(u.host, "meek.example");
	parse_ok("https://meek.example:444#frag");
	ck_assert_uint_eq(u.port, 444);
}
END_TEST

UNIT_TEST("errors", url_rejects_bad_urls)
{
	char longhost[400], longpath[URL_PATH_MAX + 40];
	const char *const bad[] = {
		"ftp://meek.example/",
		"meek.example/",
		"https:/meek.example/",
		"https://user@meek.example/",
		"https://user:pass@meek.example/",
		"https:///path",
		"https://",
		"https://:443/",
		"https://meek.example:0/",
		"https://meek.example:65536/",
		"https://meek.example:99999999/",
		"https://meek.example:8o/",
		"https://meek.example:/",
		"https://meek.example:-1/",
		"https://meek.example:1:2/",
		"https://[::1/",
		"https://[]/",
		"https://[::1]x/",
		"https://[meek.example]/",
		"https://meek example/",
		"https://meek.example/a b",
		"https://meek.example/\n",
		"https://meek.example/\x7f",
		"https://m\xc3\xa9k.example/",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_bad(bad[i]);

	memcpy(longhost, "https://", 8);
	memset(longhost + 8, 'a', 300);
	strcpy(longhost + 308, "/");
	parse_bad(longhost);

	strcpy(longpath, "https://h/");
	memset(longpath + 10, 'p', URL_PATH_MAX);
	longpath[10 + URL_PATH_MAX] = '\0';
	parse_bad(longpath);
	/* The longest path that fits. */
	longpath[9 + URL_PATH_MAX - 1] = '\0';
	parse_ok(longpath);
	ck_assert_uint_eq(strlen(u.path), URL_PATH_MAX - 1);
}
END_TEST
