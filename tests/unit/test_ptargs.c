#include "config.h"
#include "tests/unit/suites.h"
#include "shared/err.h"
#include "shared/ptargs.h"

#include <string.h>

static int
parse(struct ptargs *a, const char *s, const char **why)
{
	*why = NULL;
	return ptargs_parse(a, s, strlen(s), why);
}

START_TEST(ptargs_parses_plain_pairs)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(parse(&a, "url=https://meek.example/;front=cdn.example",
	    &why), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(ptargs_get(&a, "url"), "https://meek.example/");
	ck_assert_str_eq(ptargs_get(&a, "front"), "cdn.example");
	ck_assert_ptr_null(ptargs_get(&a, "utls"));
	ptargs_clear(&a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_ptr_null(a.kv);
}
END_TEST

START_TEST(ptargs_parses_empty_string_as_no_args)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(parse(&a, "", &why), 0);
	ck_assert_uint_eq(a.n, 0);
	ptargs_clear(&a);
}
END_TEST

START_TEST(ptargs_accepts_empty_value)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(parse(&a, "a=;b=2", &why), 0);
	ck_assert_str_eq(ptargs_get(&a, "a"), "");
	ck_assert_str_eq(ptargs_get(&a, "b"), "2");
	ptargs_clear(&a);
}
END_TEST

START_TEST(ptargs_unescapes_backslashes)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(parse(&a, "k\\;\\=\\\\=v\\;w\\=x\\\\y;z=\\q", &why), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(a.kv[0].key, "k;=\\");
	ck_assert_str_eq(a.kv[0].value, "v;w=x\\y");
	/* Any escaped byte stands for itself. */
	ck_assert_str_eq(ptargs_get(&a, "z"), "q");
	ptargs_clear(&a);
}
END_TEST

START_TEST(ptargs_keeps_raw_equals_in_values)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(parse(&a, "url=https://x.example/?a=b&c=d;cert=AAAA==",
	    &why), 0);
	ck_assert_str_eq(ptargs_get(&a, "url"), "https://x.example/?a=b&c=d");
	ck_assert_str_eq(ptargs_get(&a, "cert"), "AAAA==");
	ptargs_clear(&a);
}
END_TEST

START_TEST(ptargs_get_returns_first_of_repeated_keys)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(parse(&a, "k=1;k=2;j=3", &why), 0);
	ck_assert_uint_eq(a.n, 3);
	ck_assert_str_eq(ptargs_get(&a, "k"), "1");
	ck_assert_str_eq(a.kv[1].value, "2");
	ptargs_clear(&a);
}
END_TEST

START_TEST(ptargs_parse_appends_and_add_copies)
{
	struct ptargs a;
	const char *why;
	char key[] = "x", value[] = "y";

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_add(&a, key, value), 0);
	key[0] = value[0] = '?';
	ck_assert_int_eq(parse(&a, "x=2", &why), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(ptargs_get(&a, "x"), "y");
	ptargs_clear(&a);
}
END_TEST

START_TEST(ptargs_parse_uses_only_len_bytes)
{
	struct ptargs a;
	const char *why;
	const char s[] = "a=1;b=2";

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_parse(&a, s, 3, &why), 0);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_str_eq(ptargs_get(&a, "a"), "1");
	ptargs_clear(&a);
}
END_TEST

/* tor cuts args at 255 bytes into UNAME and PASSWD, possibly inside an
 * escape; the SOCKS code joins both halves before parsing. */
START_TEST(ptargs_parses_escape_split_at_255_bytes)
{
	char uname[256], passwd[64], joined[320];
	struct ptargs a;
	const char *why;
	size_t n;

	memset(uname, 'a', sizeof uname);
	memcpy(uname, "url=", 4);
	uname[254] = '\\'; /* the escape's backslash is the 255th byte */
	strcpy(passwd, ";x;front=f");
	memcpy(joined, uname, 255);
	strcpy(joined + 255, passwd);
	n = strlen(joined);
	ck_assert_uint_eq(n, 255 + strlen(passwd));

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_parse(&a, joined, n, &why), 0);
	ck_assert_uint_eq(a.n, 2);
	/* 250 'a's, then the escaped ';' rejoined, then "x". */
	ck_assert_uint_eq(strlen(ptargs_get(&a, "url")), 252);
	ck_assert_str_eq(ptargs_get(&a, "url") + 249, "a;x");
	ck_assert_str_eq(ptargs_get(&a, "front"), "f");
	ptargs_clear(&a);
}
END_TEST

static void
assert_rejected(const char *s)
{
	struct ptargs a;
	const char *why = NULL;

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_add(&a, "keep", "me"), 0);
	ck_assert_msg(parse(&a, s, &why) == MEEK_EPROTO, "accepted \"%s\"", s);
	ck_assert_ptr_nonnull(why);
	/* A failed parse leaves the list as it was. */
	ck_assert_uint_eq(a.n, 1);
	ck_assert_str_eq(ptargs_get(&a, "keep"), "me");
	ptargs_clear(&a);
}

START_TEST(ptargs_rejects_missing_equals)
{
	assert_rejected("a");
	assert_rejected("a=1;b");
	assert_rejected("a;b=1");
	assert_rejected("a=1;");
	assert_rejected("a\\=1");
}
END_TEST

START_TEST(ptargs_rejects_empty_key)
{
	assert_rejected("=v");
	assert_rejected("a=1;=2");
}
END_TEST

START_TEST(ptargs_rejects_trailing_backslash)
{
	assert_rejected("a=1\\");
	assert_rejected("a\\");
	assert_rejected("a=1;b=\\");
}
END_TEST

START_TEST(ptargs_rejects_nul_byte)
{
	struct ptargs a;
	const char *why;

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_parse(&a, "a=1\0b", 5, &why), MEEK_EPROTO);
	ck_assert_uint_eq(a.n, 0);
	ptargs_clear(&a);
}
END_TEST

Suite *
ptargs_suite(void)
{
	Suite *s = suite_create("ptargs");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, ptargs_parses_plain_pairs);
	tcase_add_test(tc, ptargs_parses_empty_string_as_no_args);
	tcase_add_test(tc, ptargs_accepts_empty_value);
	tcase_add_test(tc, ptargs_parse_appends_and_add_copies);
	tcase_add_test(tc, ptargs_parse_uses_only_len_bytes);
	tcase_add_test(tc, ptargs_get_returns_first_of_repeated_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("escapes");
	tcase_add_test(tc, ptargs_unescapes_backslashes);
	tcase_add_test(tc, ptargs_keeps_raw_equals_in_values);
	tcase_add_test(tc, ptargs_parses_escape_split_at_255_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, ptargs_rejects_missing_equals);
	tcase_add_test(tc, ptargs_rejects_empty_key);
	tcase_add_test(tc, ptargs_rejects_trailing_backslash);
	tcase_add_test(tc, ptargs_rejects_nul_byte);
	suite_add_tcase(s, tc);
	return s;
}
