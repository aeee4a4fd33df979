/*
 * confsuite: what the suites of meek-server's and meek-reflect's option
 * parsers share.
 *
 * UNIT_ARGV_PARSER: the command line a conf suite hands its parser, written
 * as a C argument list, for parsers that take (conf, argc, argv, why) after
 * an init of the conf:
 *
 *	UNIT_ARGV_PARSER(parse, struct conf, "meek-server", conf_init,
 *	    conf_parse)
 *	...
 *	ck_assert_int_eq(parse(&c, &why, "--port", "80", NULL), 0);
 *
 * defines `static int parse(type *c, const char **why, ...)`: argv[0] is
 * argv0, then the flags up to the first NULL (at most UNIT_ARGV_MAX - 2 of
 * them; more are dropped), NULL-terminated as main() gets it; init(c)
 * and *why = "" before parse(c, argc, argv, why), whose result it returns.
 * argv is static, as the parser may keep pointers into it: one parse at
 * a time, test thread.
 */
#ifndef MEEK_TESTS_CONFSUITE_H
#define MEEK_TESTS_CONFSUITE_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <check.h>

#define UNIT_ARGV_MAX 32

#define UNIT_ARGV_PARSER(name, type, argv0, init, parse)		\
	static int							\
	name(type *c, const char **why, ...)				\
	{								\
		static char *argv[UNIT_ARGV_MAX];			\
		const char *a;						\
		va_list ap;						\
		int argc = 0;						\
									\
		argv[argc++] = (char *)(argv0);				\
		va_start(ap, why);					\
		while ((a = va_arg(ap, const char *)) != NULL &&	\
		    argc < UNIT_ARGV_MAX - 1)				\
			argv[argc++] = (char *)a;			\
		va_end(ap);						\
		argv[argc] = NULL;					\
		init(c);						\
		*why = "";						\
		return parse(c, argc, argv, why);			\
	}

/* An int field of a conf struct, by name and offset: a list of them says
 * which numbers a suite compares.  A field that is not int-sized does not
 * compile (the array of size -1). */
struct unit_int_field {
	const char *name;
	size_t off;
};
#define UNIT_INT_FIELD(type, f)						\
	{ #f, offsetof(type, f) +					\
	    0 * sizeof(char[sizeof(((type *)0)->f) == sizeof(int) ? 1 : -1]) }

/* Asserts that each of the n int fields f is the same in got and want (two
 * structs of one type; want is usually a static one with only those fields
 * set), naming the first that differs.  Test thread. */
static inline void
unit_ints_eq(const void *got, const void *want,
    const struct unit_int_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int a, b;

		memcpy(&a, (const char *)got + f[i].off, sizeof a);
		memcpy(&b, (const char *)want + f[i].off, sizeof b);
		ck_assert_msg(a == b, "%s is %d, want %d", f[i].name, a, b);
	}
}

#endif
