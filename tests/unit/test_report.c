/* report: failure classes decided from the code and the phase. */
#include "config.h"
#include "client/report.h"
#include "shared/err.h"
#include "tests/unit/suites.h"

#include <string.h>

START_TEST(report_timeouts_by_code)
{
	char b[16];

	/* The TCP connect's own timeout, whatever its text. */
	ck_assert_str_eq(report_class_at(MEEK_ECONNTIMEDOUT, "x", 0,
	    REPORT_DIAL, b, sizeof b), "tcp-timeout");
	/* Connected, then silence: a black hole, even if the text says
	 * "connect". */
	ck_assert_str_eq(report_class_at(MEEK_ETIMEDOUT, "connect", 0,
	    REPORT_DIAL, b, sizeof b), "blackhole");
	ck_assert_str_eq(report_class_at(MEEK_ETIMEDOUT, NULL, 0,
	    REPORT_REQUEST, b, sizeof b), "blackhole");
	ck_assert_str_eq(report_class_at(MEEK_ETIMEDOUT, NULL, 0, REPORT_ANY,
	    b, sizeof b), "timeout");
	ck_assert_str_eq(report_class(MEEK_ECONNECT, "timed out", 0, b,
	    sizeof b), "tcp");
}
END_TEST

START_TEST(report_censor_by_phase)
{
	ck_assert_int_eq(report_censor(MEEK_EIO, NULL, 0, REPORT_DIAL),
	    REPORT_RESET_AFTER_HELLO);
	ck_assert_int_eq(report_censor(MEEK_ECLOSED, NULL, 0, REPORT_REQUEST),
	    REPORT_RESET_AFTER_REQUEST);
	ck_assert_int_eq(report_censor(MEEK_EPROTO, NULL, 200, REPORT_PAGE),
	    REPORT_BLOCK_PAGE);
	ck_assert_int_eq(report_censor(MEEK_ECERT,
	    "certificate not trusted (unknown CA)", 0, REPORT_DIAL),
	    REPORT_MIDDLEBOX);
	ck_assert_int_eq(report_censor(MEEK_ECONNREFUSED, NULL, 0, REPORT_DIAL),
	    REPORT_CENSOR_NONE);
	ck_assert_int_eq(report_censor(MEEK_EHTTP, NULL, 403, REPORT_ANY),
	    REPORT_CENSOR_NONE);
}
END_TEST

START_TEST(report_block_page_and_middlebox_hints)
{
	char b[16], m[300];
	const char *h;

	ck_assert_str_eq(report_class_at(MEEK_EPROTO, "x", 200, REPORT_PAGE,
	    b, sizeof b), "block-page");
	h = report_censor_hint(MEEK_EPROTO, "x", 200, REPORT_PAGE);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(h, "this looks like blocking"));
	/* The middlebox keeps its class, with the hint in parentheses. */
	ck_assert_str_eq(report_class_at(MEEK_ECERT,
	    "certificate not trusted (unknown CA)", 0, REPORT_DIAL, b, sizeof b),
	    "cert-unknown-ca");
	h = report_censor_hint(MEEK_ECERT,
	    "certificate not trusted (unknown CA)", 0, REPORT_DIAL);
	ck_assert_str_eq(report_join(m, sizeof m, "untrusted", h),
	    "untrusted (a TLS-intercepting middlebox looks like this)");
	ck_assert_str_eq(report_join(m, sizeof m, "a", "b"), "a: b");
	ck_assert_str_eq(report_join(m, sizeof m, "a", NULL), "a");
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("classes");

	tcase_add_test(tc, report_timeouts_by_code);
	tcase_add_test(tc, report_censor_by_phase);
	tcase_add_test(tc, report_block_page_and_middlebox_hints);
	suite_add_tcase(s, tc);
	return s;
}
