#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/ptargs.h"

#include <string.h>

#define UNIT_SUITE "ptargs"

static int
parse(struct ptargs *a, const char *s, const char **why)
{
	*why = NULL;
	return ptargs_parse(a, s, strlen(s), why);
}

/* One parse per case: the argument string tor passes, and the pairs in
 * order (NULL ends them), or NULL pairs for a string that must be refused
 * (MEEK_EPROTO with a why, the list left as it was). */
static const struct ptargs_case {
	const char *in;
	int ok;
	const char *kv[8];      /* key, value, key, value, ... NULL */
} ptargs_cases[] = {
	{ "url=https://meek.example/;front=cdn.example", 1,
	  { "url", "https://meek.example/", "front", "cdn.example", NULL } },
	{ "", 1, { NULL } },
	{ "a=;b=2", 1, { "a", "", "b", "2", NULL } },
	/* Backslash escapes; any escaped byte stands for itself. */
	{ "k\\;\\=\\\\=v\\;w\\=x\\\\y;z=\\q", 1,
	  { "k;=\\", "v;w=x\\y", "z", "q", NULL } },
	/* A raw '=' in a value is part of it. */
	{ "url=https://x.example/?a=b&c=d;cert=AAAA==", 1,
	  { "url", "https://x.example/?a=b&c=d", "cert", "AAAA==", NULL } },
	/* Repeated keys are kept in order (ptargs_get returns the first). */
	{ "k=1;k=2;j=3", 1, { "k", "1", "k", "2", "j", "3", NULL } },
	/* Refused: a pair without '=', an empty key, a trailing backslash. */
	{ "a", 0, { NULL } },
	{ "a=1;b", 0, { NULL } },
	{ "a;b=1", 0, { NULL } },
	{ "a=1;", 0, { NULL } },
	{ "a\\=1", 0, { NULL } },
	{ "=v", 0, { NULL } },
	{ "a=1;=2", 0, { NULL } },
	{ "a=1\\", 0, { NULL } },
	{ "a\\", 0, { NULL } },
	{ "a=1;b=\\", 0, { NULL } },
};

UNIT_TEST("parse", ptargs_parse_cases, .loops = (int)UNIT_N(ptargs_cases))
{
	const struct ptargs_case *t = &ptargs_cases[_i];
	struct ptargs a;
	const char *why = NULL;
	size_t n = 0;
	int rc;

	ptargs_init(&a);
	ck_assert_int_eq(ptargs_add(&a, "keep", "me"), 0);
	rc = parse(&a, t->in, &why);
	if (!t->ok) {
		ck_assert_msg(rc == MEEK_EPROTO, "accepted \"%s\"", t->in);
		ck_assert_ptr_nonnull(why);
		ck_assert_uint_eq(a.n, 1);
		ck_assert_str_eq(ptargs_get(&a, "keep"), "me");
		ptargs_clear(&a);
		return;
	}
	ck_assert_msg(rc == 0, "refused \"%s\": %s", t->in, why);
	while (t->kv[2 * n] != NULL)
		n++;
	ck_assert_msg(a.n == n + 1, "\"%s\": %zu pairs", t->in, a.n - 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(a.kv[i + 1].key, t->kv[2 * i]);
		ck_assert_str_eq(a.kv[i + 1].value, t->kv[2 * i + 1]);
	}
	/* ptargs_get finds the first of a repeated key. */
	if (n > 0)
		ck_assert_str_eq(ptargs_get(&a, t->kv[0]), t->kv[1]);
	ck_assert_ptr_null(ptargs_get(&a, "utls"));
	ptargs_clear(&a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_ptr_null(a.kv);
}
END_TEST

UNIT_TEST("parse", ptargs_parse_appends_and_add_copies)
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

/* Initialises *a and parses the first `len` bytes of s into it: the result
 * must be `want`, leaving `npairs` pairs. */
static void
parse_len(struct ptargs *a, const char *s, size_t len, int want,
    size_t npairs)
{
	const char *why = NULL;

	ptargs_init(a);
	ck_assert_int_eq(ptargs_parse(a, s, len, &why), want);
	ck_assert_uint_eq(a->n, npairs);
}

UNIT_TEST("parse", ptargs_parse_uses_only_len_bytes)
{
	struct ptargs a;

	parse_len(&a, "a=1;b=2", 3, 0, 1);
	ck_assert_str_eq(ptargs_get(&a, "a"), "1");
	ptargs_clear(&a);
}
END_TEST

/* tor cuts args at 255 bytes into UNAME and PASSWD, possibly inside an
 * escape; the SOCKS code joins both halves before parsing. */
UNIT_TEST("escapes", ptargs_parses_escape_split_at_255_bytes)
{
	char uname[256], passwd[64], joined[320];
	struct ptargs a;
	size_t n;

	memset(uname, 'a', sizeof uname);
	memcpy(uname, "url=", 4);
	uname[254] = '\\'; /* the escape's backslash is the 255th byte */
	strcpy(passwd, ";x;front=f");
	memcpy(joined, uname, 255);
	strcpy(joined + 255, passwd);
	n = strlen(joined);
	ck_assert_uint_eq(n, 255 + strlen(passwd));

	parse_len(&a, joined, n, 0, 2);
	/* 250 'a's, then the escaped ';' rejoined, then "x". */
	ck_assert_uint_eq(strlen(ptargs_get(&a, "url")), 252);
	ck_assert_str_eq(ptargs_get(&a, "url") + 249, "a;x");
	ck_assert_str_eq(ptargs_get(&a, "front"), "f");
	ptargs_clear(&a);
}
END_TEST

UNIT_TEST("errors", ptargs_rejects_nul_byte)
{
	struct ptargs a;

	parse_len(&a, "a=1\0b", 5, MEEK_EPROTO, 0);
	ptargs_clear(&a);
}
END_TEST
