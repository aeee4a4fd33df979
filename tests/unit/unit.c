/* The registry of self-registered tests and the suites built from it
 * (unit.h). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"

static struct unit_test *registry;	/* written before main() only */
static size_t nregistered;

void
unit_register(struct unit_test *t)
{
	t->next = registry;
	registry = t;
	nregistered++;
}

static int
has_options(const struct unit_test *c)
{
	return c->timeout > 0 || c->setup != NULL || c->teardown != NULL ||
	    c->once != NULL;
}

static int
same_options(const struct unit_test *a, const struct unit_test *b)
{
	return a->timeout == b->timeout && a->setup == b->setup &&
	    a->teardown == b->teardown && a->once == b->once;
}

static void
apply_options(TCase *tc, const struct unit_test *c)
{
	if (c->setup != NULL || c->teardown != NULL)
		tcase_add_checked_fixture(tc, c->setup, c->teardown);
	if (c->once != NULL)
		tcase_add_unchecked_fixture(tc, c->once, NULL);
	if (c->timeout > 0)
		tcase_set_timeout(tc, c->timeout);
}

/* Suite by name, then source order. */
static int
row_order(const void *pa, const void *pb)
{
	const struct unit_test *a = *(const struct unit_test *const *)pa;
	const struct unit_test *b = *(const struct unit_test *const *)pb;
	const TTest *ta = *a->test, *tb = *b->test;
	int c = strcmp(a->suite, b->suite);

	if (c == 0)
		c = strcmp(ta->file, tb->file);
	if (c == 0)
		c = (ta->line > tb->line) - (ta->line < tb->line);
	return c;
}

struct tcases {
	const char *suite;
	size_t n;
	struct {
		const char *name;
		TCase *tc;
		const struct unit_test *opts;	/* the row that set them */
	} tc[UNIT_MAX_TCASES];
};

/* The test case of row c in the suite s, created on its first test. */
static TCase *
tcase_of(struct tcases *t, Suite *s, const struct unit_test *c)
{
	size_t k = 0;

	while (k < t->n && strcmp(t->tc[k].name, c->tcase) != 0)
		k++;
	if (k == t->n) {
		if (t->n == UNIT_MAX_TCASES) {
			fprintf(stderr, "%s: more than %d test cases\n",
			    t->suite, UNIT_MAX_TCASES);
			abort();
		}
		t->tc[k].name = c->tcase;
		t->tc[k].tc = tcase_create(c->tcase);
		t->tc[k].opts = NULL;
		suite_add_tcase(s, t->tc[k].tc);
		t->n++;
	}
	if (has_options(c)) {
		if (t->tc[k].opts == NULL) {
			t->tc[k].opts = c;
			apply_options(t->tc[k].tc, c);
		} else if (!same_options(t->tc[k].opts, c)) {
			fprintf(stderr, "%s/%s: options given twice, "
			    "differently\n", t->suite, c->tcase);
			abort();
		}
	}
	return t->tc[k].tc;
}

SRunner *
unit_srunner(void)
{
	struct unit_test **rows = calloc(nregistered ? nregistered : 1,
	    sizeof(*rows));
	struct tcases t = { NULL, 0, { { NULL, NULL, NULL } } };
	SRunner *sr = NULL;
	Suite *s = NULL;
	size_t i = 0;

	if (rows == NULL)
		abort();
	for (struct unit_test *c = registry; c != NULL; c = c->next)
		rows[i++] = c;
	qsort(rows, nregistered, sizeof(*rows), row_order);
	for (i = 0; i < nregistered; i++) {
		const struct unit_test *c = rows[i];
		TCase *tc;

		if (s == NULL || strcmp(t.suite, c->suite) != 0) {
			s = suite_create(c->suite);
			t.suite = c->suite;
			t.n = 0;
			if (sr == NULL)
				sr = srunner_create(s);
			else
				srunner_add_suite(sr, s);
		}
		tc = tcase_of(&t, s, c);
		if (c->loops > 0)
			tcase_add_loop_test(tc, *c->test, 0, c->loops);
		else
			tcase_add_test(tc, *c->test);
	}
	free(rows);
	if (sr == NULL)
		sr = srunner_create(NULL);
	return sr;
}
