/* meek-reflect: its flags (src/reflector/conf.c) and the address it sends
 * as Meek-IP (forward_client_ip in src/reflector/forward.c). */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/confsuite.h"
#include "reflector/conf.h"
#include "reflector/forward.h"
#include "shared/err.h"
#include "shared/http.h"
#include "shared/log.h"
#include "shared/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define UNIT_SUITE "reflect"

/* parse(&c, &why, flags..., NULL): see confsuite.h. */
UNIT_ARGV_PARSER(parse, struct rconf, "meek-reflect", rconf_init, rconf_parse)

/* The smallest valid command line, with extra flags in front. */
#define BASE "--url", "http://127.0.0.1:8080/", "--listen", "127.0.0.1:0", \
	"--disable-tls"

/* The numbers a parse leaves in a struct rconf. */
#define F(f) UNIT_INT_FIELD(struct rconf, f)
static const struct unit_int_field numbers[] = { F(threads), F(queue),
    F(stack_kb), F(upstream_idle), F(log_level), F(disable_tls), F(xff),
    F(unsafe_logging) };
#undef F

/* What BASE alone leaves, and what the flags of
 * reflect_conf_parses_every_flag do. */
static const struct rconf defaults = { .threads = 16, .queue = 64,
    .stack_kb = 64, .upstream_idle = 32, .log_level = LOG_INFO,
    .disable_tls = 1, .xff = 0, .unsafe_logging = 0 };
static const struct rconf given = { .threads = 3, .queue = 7,
    .stack_kb = 128, .upstream_idle = 0, .log_level = LOG_DEBUG,
    .disable_tls = 0, .xff = 1, .unsafe_logging = 1 };

UNIT_TEST("conf", reflect_conf_has_defaults)
{
	struct rconf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, BASE, NULL), 0);
	unit_ints_eq(&c, &defaults, numbers, UNIT_N(numbers));
	ck_assert_ptr_null(c.cert);
	ck_assert_ptr_null(c.key);
	ck_assert_ptr_null(c.ca);
	ck_assert_ptr_null(c.log_file);
	ck_assert_str_eq(c.listen, "127.0.0.1:0");
	ck_assert_str_eq(c.url_arg, "http://127.0.0.1:8080/");
	ck_assert_int_eq(c.url.https, 0);
	ck_assert_str_eq(c.url.host, "127.0.0.1");
	ck_assert_uint_eq(c.url.port, 8080);
	ck_assert_str_eq(c.url.path, "/");
}
END_TEST

UNIT_TEST("conf", reflect_conf_parses_every_flag)
{
	struct rconf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why,
	    "--url", "https://meek.example:8443/meek/",
	    "--listen", "0.0.0.0:7443",
	    "--cert", "/c.pem", "--key", "/k.pem",
	    "--ca", "/ca.pem",
	    "--log", "/tmp/r.log", "--log-level", "debug",
	    "--threads", "3", "--queue", "7", "--stack-size", "128",
	    "--upstream-idle", "0", "--unsafe-logging", "--xff", NULL), 0);
	ck_assert_str_eq(c.url_arg, "https://meek.example:8443/meek/");
	ck_assert_int_eq(c.url.https, 1);
	ck_assert_str_eq(c.url.host, "meek.example");
	ck_assert_uint_eq(c.url.port, 8443);
	ck_assert_str_eq(c.url.path, "/meek/");
	ck_assert_str_eq(c.listen, "0.0.0.0:7443");
	ck_assert_str_eq(c.cert, "/c.pem");
	ck_assert_str_eq(c.key, "/k.pem");
	ck_assert_str_eq(c.ca, "/ca.pem");
	ck_assert_str_eq(c.log_file, "/tmp/r.log");
	unit_ints_eq(&c, &given, numbers, UNIT_N(numbers));
}
END_TEST

UNIT_TEST("conf", reflect_conf_help_and_version)
{
	struct rconf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, "--help", NULL), RCONF_HELP);
	ck_assert_int_eq(parse(&c, &why, "--version", NULL), RCONF_VERSION);
}
END_TEST

UNIT_TEST("conf", reflect_conf_option_table_is_complete)
{
	static const char *const names[] = { "ca", "cert", "disable-tls",
	    "help", "key", "listen", "log", "log-level", "queue",
	    "stack-size", "threads", "unsafe-logging", "upstream-idle", "url",
	    "version", "xff" };
	const struct opt *t = rconf_options();
	size_t i, j;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		for (j = 0; t[j].name != NULL; j++)
			if (strcmp(t[j].name, names[i]) == 0)
				break;
		ck_assert_msg(t[j].name != NULL, "--%s missing", names[i]);
	}
}
END_TEST

/* --url and --listen are required: a command line without one is rejected
 * with a reason that names it. */
static const struct {
	const char *flags[3];
	const char *says;
} required[] = {
	{ { "--listen", "127.0.0.1:0", "--disable-tls" }, "--url" },
	{ { "--url", "http://127.0.0.1:1/", "--disable-tls" }, "--listen" },
};

UNIT_TEST("conf_errors", reflect_conf_requires_url_and_listen,
    .loops = (int)UNIT_N(required))
{
	struct rconf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, required[_i].flags[0],
	    required[_i].flags[1], required[_i].flags[2], NULL), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, required[_i].says));
}
END_TEST

UNIT_TEST("conf_errors", reflect_conf_rejects_bad_url)
{
	static const char *const bad[] = { "ftp://x/", "not a url",
	    "http://", "" };
	struct rconf c;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(parse(&c, &why, "--url", bad[i], "--listen",
		    "127.0.0.1:0", "--disable-tls", NULL) == MEEK_EINVAL,
		    "--url '%s' accepted", bad[i]);
		ck_assert_msg(strstr(why, "--url") != NULL, "%s: %s", bad[i],
		    why);
	}
}
END_TEST

UNIT_TEST("conf_errors", reflect_conf_rejects_bad_listen)
{
	static const char *const bad[] = { "nowhere", "127.0.0.1:70000" };
	struct rconf c;
	const char *why;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(&c, &why, "--url", "http://127.0.0.1:1/",
		    "--listen", bad[i], "--disable-tls", NULL) == MEEK_EINVAL,
		    "--listen '%s' accepted", bad[i]);
}
END_TEST

UNIT_TEST("conf_errors", reflect_conf_disable_tls_excludes_cert)
{
	struct rconf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, BASE, "--cert", "/c.pem", "--key",
	    "/k.pem", NULL), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--disable-tls"));
	ck_assert_int_eq(parse(&c, &why, BASE, "--cert", "/c.pem", NULL),
	    MEEK_EINVAL);
	ck_assert_int_eq(parse(&c, &why, BASE, "--key", "/k.pem", NULL),
	    MEEK_EINVAL);
}
END_TEST

UNIT_TEST("conf_errors", reflect_conf_tls_needs_cert_and_key)
{
	/* Without --disable-tls: the TLS flags given, and the result. */
	static const struct {
		const char *tls[4];
		int rc;
	} cases[] = {
		{ { NULL }, MEEK_EINVAL },
		{ { "--cert", "/c.pem" }, MEEK_EINVAL },
		{ { "--key", "/k.pem" }, MEEK_EINVAL },
		{ { "--cert", "/c.pem", "--key", "/k.pem" }, 0 },
	};
	struct rconf c;
	const char *why;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *const *t = cases[i].tls;

		ck_assert_int_eq(parse(&c, &why, "--url", "http://127.0.0.1:1/",
		    "--listen", "127.0.0.1:0", t[0], t[1], t[2], t[3], NULL),
		    cases[i].rc);
	}
}
END_TEST

UNIT_TEST("conf_errors", reflect_conf_rejects_unknown_option)
{
	struct rconf c;
	const char *why;

	ck_assert_int_eq(parse(&c, &why, BASE, "--frobnicate", NULL),
	    MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--frobnicate"));
	ck_assert_int_eq(parse(&c, &why, BASE, "stray", NULL), MEEK_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "stray"));
	/* A flag that needs an argument, without one. */
	ck_assert_int_eq(parse(&c, &why, BASE, "--threads", NULL), MEEK_EINVAL);
}
END_TEST

UNIT_TEST("conf_errors", reflect_conf_rejects_bad_numbers)
{
	static const char *const bad[][2] = {
		{ "--threads", "0" }, { "--threads", "x" }, { "--queue", "0" },
		{ "--stack-size", "8" }, { "--upstream-idle", "-1" },
		{ "--log-level", "loud" },
	};
	struct rconf c;
	const char *why;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse(&c, &why, BASE, bad[i][0], bad[i][1],
		    NULL) == MEEK_EINVAL, "%s %s accepted", bad[i][0], bad[i][1]);
}
END_TEST

/* forward_client_ip(): a request head with `xff` as X-Forwarded-For
 * (NULL: none), from the peer `peer_ip`. */
static const char *
client_ip(int use_xff, const char *xff, const char *peer_ip, char *buf,
    size_t len)
{
	static struct http_msg m;
	struct sockaddr_storage ss;
	char head[1024];
	const char *why = "";
	int n;

	memset(&ss, 0, sizeof ss);
	if (strchr(peer_ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(4321);
		ck_assert_int_eq(inet_pton(AF_INET6, peer_ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(4321);
		ck_assert_int_eq(inet_pton(AF_INET, peer_ip, &s4->sin_addr), 1);
	}
	n = snprintf(head, sizeof head, "POST / HTTP/1.1\r\nHost: x\r\n"
	    "X-Session-Id: abcdefgh12345678\r\n%s%s%s\r\n",
	    xff != NULL ? "X-Forwarded-For: " : "", xff != NULL ? xff : "",
	    xff != NULL ? "\r\n" : "");
	ck_assert(n > 0 && (size_t)n < sizeof head);
	ck_assert_msg(http_parse_request_head(&m, head, (size_t)n, &why) == 0,
	    "%s", why);
	return forward_client_ip(use_xff, &m, (const struct sockaddr *)&ss,
	    buf, len);
}

UNIT_TEST("client_ip", reflect_ip_is_peer_without_xff_header)
{
	char buf[NET_ADDRSTR_MAX];

	ck_assert_str_eq(client_ip(1, NULL, "127.0.0.1", buf, sizeof buf),
	    "127.0.0.1");
	ck_assert_str_eq(client_ip(0, NULL, "192.0.2.9", buf, sizeof buf),
	    "192.0.2.9");
}
END_TEST

UNIT_TEST("client_ip", reflect_ip_ignores_xff_unless_enabled)
{
	char buf[NET_ADDRSTR_MAX];

	ck_assert_str_eq(client_ip(0, "203.0.113.7", "127.0.0.1", buf,
	    sizeof buf), "127.0.0.1");
}
END_TEST

UNIT_TEST("client_ip", reflect_ip_takes_last_xff_entry)
{
	char buf[NET_ADDRSTR_MAX];

	ck_assert_str_eq(client_ip(1, "203.0.113.7", "127.0.0.1", buf,
	    sizeof buf), "203.0.113.7");
	/* The last entry is the hop in front of us; earlier ones are
	 * whatever the client claimed. */
	ck_assert_str_eq(client_ip(1, "198.51.100.1, 203.0.113.7", "127.0.0.1",
	    buf, sizeof buf), "203.0.113.7");
	ck_assert_str_eq(client_ip(1, "198.51.100.1,203.0.113.8", "127.0.0.1",
	    buf, sizeof buf), "203.0.113.8");
	ck_assert_str_eq(client_ip(1, "198.51.100.77,   203.0.113.9  ", "127.0.0.1",
	    buf, sizeof buf), "203.0.113.9");
}
END_TEST

UNIT_TEST("client_ip", reflect_ip_handles_ipv6)
{
	char buf[NET_ADDRSTR_MAX];

	ck_assert_str_eq(client_ip(1, "198.51.100.1, 2001:db8::7", "127.0.0.1",
	    buf, sizeof buf), "2001:db8::7");
	ck_assert_str_eq(client_ip(1, NULL, "::1", buf, sizeof buf), "::1");
	ck_assert_str_eq(client_ip(1, "203.0.113.7", "2001:db8::1", buf,
	    sizeof buf), "203.0.113.7");
	/* A bracketed or ported entry is not an IP literal. */
	ck_assert_str_eq(client_ip(1, "[2001:db8::7]", "::1", buf, sizeof buf),
	    "::1");
}
END_TEST

UNIT_TEST("client_ip", reflect_ip_garbage_last_entry_falls_back_to_peer)
{
	static const char *const bad[] = { "203.0.113.7, unknown",
	    "203.0.113.7, 198.51.100.300", "203.0.113.7:5555",
	    "203.0.113.7, ", "203.0.113.7,", "_hidden", "1.2.3.4 5.6.7.8",
	    "example.com", "203.0.113.7, <script>" };
	char buf[NET_ADDRSTR_MAX];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(strcmp(client_ip(1, bad[i], "127.0.0.1", buf,
		    sizeof buf), "127.0.0.1") == 0, "XFF '%s' gave %s", bad[i],
		    buf);
}
END_TEST

UNIT_TEST("client_ip", reflect_ip_overlong_entry_falls_back_to_peer)
{
	char xff[600], buf[NET_ADDRSTR_MAX];

	memset(xff, '1', sizeof xff - 1);
	xff[sizeof xff - 1] = '\0';
	ck_assert_str_eq(client_ip(1, xff, "127.0.0.1", buf, sizeof buf),
	    "127.0.0.1");
	/* A valid address that does not fit the caller's buffer. */
	ck_assert_str_eq(client_ip(1, "2001:db8:1:2:3:4:5:6", "127.0.0.1", buf,
	    12), "127.0.0.1");
}
END_TEST
