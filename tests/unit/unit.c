/* Builds a Check suite from a table (unit.h). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"

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

Suite *
unit_suite(const char *name, const struct unit_test *c, size_t n)
{
	struct {
		const char *name;
		TCase *tc;
		const struct unit_test *opts;	/* the row that set them */
	} tcs[UNIT_MAX_TCASES];
	size_t ntc = 0;
	Suite *s = suite_create(name);

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < ntc && strcmp(tcs[k].name, c[i].tcase) != 0)
			k++;
		if (k == ntc) {
			if (ntc == UNIT_MAX_TCASES) {
				fprintf(stderr, "%s: more than %d test cases\n",
				    name, UNIT_MAX_TCASES);
				abort();
			}
			tcs[k].name = c[i].tcase;
			tcs[k].tc = tcase_create(c[i].tcase);
			tcs[k].opts = NULL;
			suite_add_tcase(s, tcs[k].tc);
			ntc++;
		}
		if (has_options(&c[i])) {
			if (tcs[k].opts == NULL) {
				tcs[k].opts = &c[i];
				apply_options(tcs[k].tc, &c[i]);
			} else if (!same_options(tcs[k].opts, &c[i])) {
				fprintf(stderr, "%s/%s: options given twice, "
				    "differently\n", name, c[i].tcase);
				abort();
			}
		}
		if (c[i].loops > 0)
			tcase_add_loop_test(tcs[k].tc, *c[i].test, 0,
			    c[i].loops);
		else
			tcase_add_test(tcs[k].tc, *c[i].test);
	}
	return s;
}
