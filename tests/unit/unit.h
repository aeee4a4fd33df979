/* Table-driven Check suites: a suite is one table with a row per test.
 *
 * Rows that name the same test case form one TCase, created (and added to
 * the suite) where the name first appears, so the table's order is the
 * run order.  A test case's options (timeout, fixtures) are written on one
 * of its rows; a second row that gives that test case different options is
 * a mistake in the table and unit_suite() aborts the runner saying which.
 *
 * A row holds the address of the START_TEST name: since Check 0.13 that
 * name is a `const TTest *` object, so its address is a constant and the
 * table is a static array, written once beside the tests it lists.
 *
 * Thread rule: the suites are built by the runner's main thread
 * (check_all.c), never from a test. */
#ifndef MEEK_TESTS_UNIT_H
#define MEEK_TESTS_UNIT_H
#include <stddef.h>
#include <check.h>

struct unit_test {
	const char *tcase;	/* the test case this test belongs to */
	const TTest *const *test;	/* &name of a START_TEST */
	int loops;		/* > 0: a loop test, run for _i = 0 .. loops-1 */
	int timeout;		/* > 0: the test case's timeout, seconds */
	SFun setup;		/* checked fixture: in each test's fork */
	SFun teardown;
	SFun once;		/* unchecked fixture: once, in the runner */
};

/* A row names what it sets; the rest is zero, as C gives it. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define UNIT_N(a) (sizeof(a) / sizeof((a)[0]))

/* The suite `name` with the n rows of c.  Never NULL: aborts on a table
 * that contradicts itself or has more than UNIT_MAX_TCASES test cases. */
#define UNIT_MAX_TCASES 16
Suite *unit_suite(const char *name, const struct unit_test *c, size_t n);

/* Defines `Suite *name_suite(void)` (declared in suites.h) over a table. */
#define UNIT_SUITE(name, cases)						\
	Suite *name##_suite(void)					\
	{								\
		return unit_suite(#name, cases, UNIT_N(cases));		\
	}

#endif
