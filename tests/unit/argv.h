/*
 * argv: the command line a conf suite hands its parser, written as a C
 * argument list.  Shared by the suites of meek-server and meek-reflect,
 * whose parsers take (conf, argc, argv, why) after an init of the conf:
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
#ifndef MEEK_TESTS_ARGV_H
#define MEEK_TESTS_ARGV_H

#include <stdarg.h>

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

#endif
