/* trust: which CA bundle is used and what its errors say. */
#include "config.h"
#include "shared/err.h"
#include "shared/tls.h"
#include "shared/trust.h"
#include "tests/unit/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNIT_SUITE "trust"

UNIT_TEST("choice", trust_option_wins)
{
	enum trust_from from = TRUST_NONE;

	setenv("SSL_CERT_FILE", "/nonexistent/env.pem", 1);
	ck_assert_str_eq(trust_find("/nonexistent/opt.pem", &from),
	    "/nonexistent/opt.pem");
	ck_assert_int_eq(from, TRUST_OPTION);
	ck_assert_str_eq(trust_find(NULL, &from), "/nonexistent/env.pem");
	ck_assert_int_eq(from, TRUST_ENV);
	/* Empty is unset: a system path or none. */
	setenv("SSL_CERT_FILE", "", 1);
	trust_find(NULL, &from);
	ck_assert(from == TRUST_SYSTEM || from == TRUST_NONE);
	unsetenv("SSL_CERT_FILE");
}
END_TEST

UNIT_TEST("choice", trust_load_names_source_and_errno)
{
	struct tls_anchors *ta = NULL;
	const char *path = NULL;
	char msg[1024];

	setenv("SSL_CERT_FILE", "/nonexistent/env.pem", 1);
	ck_assert_int_eq(trust_load(&ta, NULL, "--ca", &path, msg, sizeof msg),
	    MEEK_EIO);
	ck_assert_ptr_null(ta);
	ck_assert_str_eq(path, "/nonexistent/env.pem");
	ck_assert_msg(strstr(msg, "/nonexistent/env.pem (SSL_CERT_FILE): ") != NULL,
	    "%s", msg);
	ck_assert_msg(strstr(msg, strerror(ENOENT)) != NULL, "%s", msg);
	ck_assert_int_eq(trust_load(&ta, "/nonexistent/opt.pem", "--ca", &path,
	    msg, sizeof msg), MEEK_EIO);
	ck_assert_msg(strstr(msg, "/nonexistent/opt.pem (--ca): ") != NULL,
	    "%s", msg);
	ck_assert_msg(strstr(msg, strerror(ENOENT)) != NULL, "%s", msg);
	unsetenv("SSL_CERT_FILE");
}
END_TEST

UNIT_TEST("choice", trust_load_no_certificate)
{
	struct tls_anchors *ta = NULL;
	const char *path = NULL;
	char f[] = "/tmp/meek-trust-XXXXXX", msg[1024];
	int fd = mkstemp(f);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a bundle\n", 13), 13);
	close(fd);
	ck_assert_int_eq(trust_load(&ta, f, "--ca", &path, msg, sizeof msg),
	    MEEK_EPROTO);
	unlink(f);
	ck_assert_msg(strstr(msg, "(--ca): no certificate found") != NULL,
	    "%s", msg);
}
END_TEST

UNIT_TEST("choice", trust_paths_lists_every_path)
{
	char buf[512];

	trust_paths(buf, sizeof buf);
	ck_assert_ptr_nonnull(trust_system_path(0));
	for (size_t i = 0; trust_system_path(i) != NULL; i++)
		ck_assert_msg(strstr(buf, trust_system_path(i)) != NULL, "%s", buf);
}
END_TEST
