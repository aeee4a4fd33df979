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

/* Rows for the options that mean the same in every program that has them,
 * so each is described once; `key` is the program's own code for it. */
#define OPT_ROW_HELP(key) { "help", no_argument, (key), NULL, "print this help and exit" }
#define OPT_ROW_VERSION(key) { "version", no_argument, (key), NULL, "print the version and exit" }
#define OPT_ROW_LOG(key) { "log", required_argument, (key), "FILE", "log to FILE instead of stderr" }
#define OPT_ROW_LOG_LEVEL(key) { "log-level", required_argument, (key), "LEVEL", "error, warn, info (default) or debug" }
/* ... and in both servers (meek-server, meek-reflect), whose pools
 * (shared/pool) have the same defaults. */
#define OPT_ROW_CERT(key) { "cert", required_argument, (key), "FILE", "TLS certificate chain, PEM, leaf first (with --key)" }
#define OPT_ROW_KEY(key) { "key", required_argument, (key), "FILE", "TLS private key, PEM (with --cert)" }
#define OPT_ROW_DISABLE_TLS(key) { "disable-tls", no_argument, (key), NULL, "serve plain HTTP (behind a TLS-terminating front)" }
#define OPT_ROW_QUEUE(key) { "queue", required_argument, (key), "N", "accepted connections waiting for a worker (default 64)" }
#define OPT_ROW_STACK_SIZE(key) { "stack-size", required_argument, (key), "KB", "thread stack size in KiB (default 64)" }
#define OPT_ROW_THREADS(key) { "threads", required_argument, (key), "N", "worker threads (default 16)" }
#define OPT_ROW_UNSAFE_LOGGING(key) { "unsafe-logging", no_argument, (key), NULL, "log client addresses and full session ids" }

/* The field at byte offset `off` (offsetof) of the struct at `base`, as a
 * `type *`: option tables that name the conf field an option sets. */
#define OPT_FIELD(base, off, type) ((type *)(void *)((char *)(base) + (off)))

/* An option that keeps its argument, as it is, in a `const char *` field
 * of the program's conf struct. */
struct opt_str {
	int key;
	size_t off;      /* offsetof the field */
};
/* When `key` is one of the `n` options of `t`, stores `arg` (borrowed)
 * in that field of `conf` and returns 1; else 0. */
int opt_set_str(const struct opt_str *t, size_t n, void *conf, int key,
    const char *arg);

/* Fills `out` (at least as many entries as `t`, plus one) for getopt_long. */
void opt_longopts(const struct opt *t, struct option *out);
/* Prints "Usage: <usage>\n\n" then one line per option, aligned. */
void opt_usage(FILE *f, const char *usage, const struct opt *t);
/* What --help and --version print, alike in every program: usage(stdout)
 * when `version` is 0, else the line "<prog> meek-c <PACKAGE_VERSION>". */
void opt_info(const char *prog, void (*usage)(FILE *), int version);
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
