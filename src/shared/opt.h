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
/* Runs getopt_long_only (so Go's "-flag" form works too) over `argv` with
 * table `t`, calling one(ctx, key, optarg, why) for every option.  Returns
 * the first non-zero value one() returns, or MEEK_EINVAL with *why (written
 * into `err`) for an unknown or incomplete option or a stray argument. */
int opt_parse(const struct opt *t, int argc, char **argv,
    int (*one)(void *ctx, int key, const char *arg, const char **why),
    void *ctx, char *err, size_t errlen, const char **why);
/* The long name of option `key` in `t` ("?" when absent). */
const char *opt_name(const struct opt *t, int key);

/* Value checkers for option `key` of `t`.  Each returns 0, or MEEK_EINVAL
 * with *why pointing at a one-line reason written into `err` (`errlen`
 * bytes, owned by the caller) or at a literal. */
/* A decimal integer in [lo, hi], stored in *out. */
int opt_int(const struct opt *t, int key, const char *arg, long lo, long hi,
    int *out, char *err, size_t errlen, const char **why);
/* "host:port" or "[v6]:port" (port 0 allowed when `allow_zero`). */
int opt_hostport(const struct opt *t, int key, const char *arg,
    int allow_zero, char *err, size_t errlen, const char **why);
/* error|warn|info|debug, stored in *out as an enum log_level. */
int opt_log_level(const char *arg, int *out, const char **why);

#endif
