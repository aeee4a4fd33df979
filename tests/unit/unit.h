/* Check suites whose tests register themselves: a test is listed where it
 * is written, so a test that exists is a test that runs.
 *
 *	#define UNIT_SUITE "tlsrec"		(once per file, before its tests)
 *	UNIT_TEST("vectors", tlsrec_open_ok, .timeout = 30)
 *	{
 *		...
 *	}
 *	END_TEST
 *
 * UNIT_TEST(tcase, name, options...) is Check's START_TEST(name) plus a row
 * that puts the test in the test case `tcase` of the suite UNIT_SUITE.
 * The options are struct unit_test fields: .loops (a loop test, run for
 * _i = 0 .. loops-1), .timeout (seconds) and the fixtures .setup,
 * .teardown (checked: in each test's fork) and .once (unchecked: once, in
 * the runner).  A test case's options are written on one of its tests; a
 * second test that gives the same test case different options is a mistake
 * and unit_srunner() aborts the runner saying which.
 *
 * Run order: suites by name, tests in source order (file, then line), test
 * cases where their first test stands.
 *
 * Thread rule: rows register from constructors, before main(); the runner's
 * main thread builds the suites (unit_srunner), never a test. */
#ifndef MEEK_TESTS_UNIT_H
#define MEEK_TESTS_UNIT_H
#include <stddef.h>
#include <check.h>

struct unit_test {
	const char *suite;	/* UNIT_SUITE of the file */
	const char *tcase;	/* the test case this test belongs to */
	const TTest *const *test;	/* &name of the START_TEST */
	int loops;		/* > 0: a loop test, run for _i = 0 .. loops-1 */
	int timeout;		/* > 0: the test case's timeout, seconds */
	SFun setup;		/* checked fixture: in each test's fork */
	SFun teardown;
	SFun once;		/* unchecked fixture: once, in the runner */
	struct unit_test *next;	/* the registry's list; unit.c's */
};

/* Adds a row to the registry.  Called by UNIT_TEST's constructors only. */
void unit_register(struct unit_test *t);

/* Every registered suite in one runner (caller frees it with
 * srunner_free).  Aborts on options given twice, differently, or on more
 * than UNIT_MAX_TCASES test cases in a suite. */
#define UNIT_MAX_TCASES 16
SRunner *unit_srunner(void);

#define UNIT_N(a) (sizeof(a) / sizeof((a)[0]))

/* A row names what it sets; the rest is zero, as C gives it. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* The tentative definition of `name` lets the row take its address before
 * START_TEST defines it. */
#define UNIT_TEST(...) UNIT_TEST_(__VA_ARGS__, )
#define UNIT_TEST_(tc, name, ...)					\
	static const TTest *name;					\
	static struct unit_test name##_unit_ = {			\
		.suite = UNIT_SUITE, .tcase = tc, .test = &name,	\
		__VA_ARGS__						\
	};								\
	__attribute__((constructor)) static void			\
	name##_unit_register_(void)					\
	{								\
		unit_register(&name##_unit_);				\
	}								\
	START_TEST(name)

#endif
