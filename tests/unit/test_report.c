/* report: failure classes decided from the code and the phase. */
#include "config.h"
#include "client/report.h"
#include "shared/err.h"
#include "tests/unit/unit.h"

#include <string.h>

#define UNIT_SUITE "report"

UNIT_TEST("classes", report_timeouts_by_code)
{
	char b[16];

	/* The TCP connect's own timeout, whatever its text. */
	ck_assert_str_eq(report_class_at(MEEK_ECONNTIMEDOUT, 0,
	    REPORT_DIAL, b, sizeof b), "tcp-timeout");
	/* Connected, then silence: a black hole, even if the text says
	 * "connect". */
	ck_assert_str_eq(report_class_at(MEEK_ETIMEDOUT, 0,
	    REPORT_DIAL, b, sizeof b), "blackhole");
	ck_assert_str_eq(report_class_at(MEEK_ETIMEDOUT, 0,
	    REPORT_REQUEST, b, sizeof b), "blackhole");
	ck_assert_str_eq(report_class_at(MEEK_ETIMEDOUT, 0, REPORT_ANY,
	    b, sizeof b), "timeout");
	ck_assert_str_eq(report_class(MEEK_ECONNECT, 0, b,
	    sizeof b), "tcp");
}
END_TEST

/* Every class comes from the code alone (no text is looked at). */
UNIT_TEST("classes", report_classes_by_code)
{
	static const struct { int rc; const char *cls; } t[] = {
		{ MEEK_ERESOLVE, "dns" },
		{ MEEK_ECONNREFUSED, "tcp-refused" },
		{ MEEK_ECONNTIMEDOUT, "tcp-timeout" },
		{ MEEK_ECONNECT, "tcp" },
		{ MEEK_ETIMEDOUT, "timeout" },
		{ MEEK_EALERT, "tls-alert" },
		{ MEEK_ETLS, "tls" },
		{ MEEK_ECERTCA, "cert-unknown-ca" },
		{ MEEK_ECERTNAME, "cert-name-mismatch" },
		{ MEEK_ECERTEXPIRED, "cert-expired" },
		{ MEEK_ECERTNOTYET, "cert-not-yet-valid" },
		{ MEEK_ECERTDATES, "cert-not-yet-valid-or-expired" },
		{ MEEK_ECERT, "cert" },
		{ MEEK_EPROXY, "proxy" },
		{ MEEK_EAUTH, "proxy" },
		{ MEEK_ECLOSED, "connection-closed" },
		{ MEEK_EPROTO, "http-malformed" },
		{ MEEK_EHEADTOOBIG, "http-malformed" },
		{ MEEK_EIO, "io" },
		{ MEEK_ERESET, "stream-reset" },
	};
	char b[16];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_str_eq(report_class(t[i].rc, 0, b, sizeof b), t[i].cls);
	ck_assert_str_eq(report_class(MEEK_EHTTP, 502, b, sizeof b), "http-502");
	for (int rc = MEEK_ECODE_MIN; rc < 0; rc++) {
		int cert = rc == MEEK_ECERT || rc == MEEK_ECERTCA ||
		    rc == MEEK_ECERTNAME || rc == MEEK_ECERTEXPIRED ||
		    rc == MEEK_ECERTNOTYET || rc == MEEK_ECERTDATES;
		ck_assert_int_eq(meek_is_cert(rc), cert);
		ck_assert_int_eq(meek_is_cert_dates(rc), rc == MEEK_ECERTEXPIRED ||
		    rc == MEEK_ECERTNOTYET || rc == MEEK_ECERTDATES);
		ck_assert_str_ne(meek_strerror(rc), "unknown error");
	}
}
END_TEST

UNIT_TEST("classes", report_censor_by_phase)
{
	static const struct {
		int rc, status;
		enum report_phase phase;
		enum report_censor want;
	} t[] = {
		{ MEEK_EIO, 0, REPORT_DIAL, REPORT_RESET_AFTER_HELLO },
		{ MEEK_ECLOSED, 0, REPORT_REQUEST, REPORT_RESET_AFTER_REQUEST },
		{ MEEK_EPROTO, 200, REPORT_PAGE, REPORT_BLOCK_PAGE },
		{ MEEK_ECERTCA, 0, REPORT_DIAL, REPORT_MIDDLEBOX },
		/* Other certificate failures are not a middlebox's. */
		{ MEEK_ECERTNAME, 0, REPORT_DIAL, REPORT_CENSOR_NONE },
		{ MEEK_ECERT, 0, REPORT_DIAL, REPORT_CENSOR_NONE },
		{ MEEK_ECONNREFUSED, 0, REPORT_DIAL, REPORT_CENSOR_NONE },
		{ MEEK_EHTTP, 403, REPORT_ANY, REPORT_CENSOR_NONE },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ck_assert_int_eq(report_censor(t[i].rc, t[i].status,
		    t[i].phase), t[i].want);
}
END_TEST

UNIT_TEST("classes", report_block_page_and_middlebox_hints)
{
	char b[16], m[300];
	const char *h;

	ck_assert_str_eq(report_class_at(MEEK_EPROTO, 200, REPORT_PAGE,
	    b, sizeof b), "block-page");
	h = report_censor_hint(MEEK_EPROTO, 200, REPORT_PAGE);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "this looks like blocking"));
	/* The middlebox keeps its class, with the hint in parentheses. */
	ck_assert_str_eq(report_class_at(MEEK_ECERTCA, 0, REPORT_DIAL, b, sizeof b),
	    "cert-unknown-ca");
	h = report_censor_hint(MEEK_ECERTCA, 0, REPORT_DIAL);
	ck_assert_str_eq(report_join(m, sizeof m, "untrusted", h),
	    "untrusted (a TLS-intercepting middlebox looks like this)");
	ck_assert_str_eq(report_join(m, sizeof m, "a", "b"), "a: b");
	ck_assert_str_eq(report_join(m, sizeof m, "a", NULL), "a");
}
END_TEST
