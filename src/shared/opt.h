/*
 * opt: one option table per program, feeding getopt_long and --help (and,
 * through tests/integration/test_docs.sh, checked against doc/<prog>.1).
 * Thread: main only.
 */
#ifndef MEEK_SHARED_OPT_H
#define MEEK_SHARED_OPT_H
#include <getopt.h>
#include <stdio.h>

struct opt {
	const char *name;     /* long name without "--"; NULL ends the table */
	int has_arg;          /* no_argument / required_argument */
	int key;              /* value getopt_long returns */
	const char *argname;  /* "FILE", ... (NULL when no argument) */
	const char *help;     /* one line */
};

/* Fills `out` (at least as many entries as `t`, plus one) for getopt_long. */
void opt_longopts(const struct opt *t, struct option *out);
/* Prints "Usage: <usage>\n\n" then one line per option, aligned. */
void opt_usage(FILE *f, const char *usage, const struct opt *t);
/* Number of entries in `t`. */
size_t opt_count(const struct opt *t);

#endif
