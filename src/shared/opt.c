#include "config.h"
#include "shared/opt.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/err.h"
#include "shared/net.h"

size_t
opt_count(const struct opt *t)
{
	size_t n = 0;
	while (t[n].name != NULL)
		n++;
	return n;
}

void
opt_longopts(const struct opt *t, struct option *out)
{
	size_t i;
	for (i = 0; t[i].name != NULL; i++) {
		out[i].name = t[i].name;
		out[i].has_arg = t[i].has_arg;
		out[i].flag = NULL;
		out[i].val = t[i].key;
	}
	memset(&out[i], 0, sizeof out[i]);
}

void
opt_usage(FILE *f, const char *usage, const struct opt *t)
{
	fprintf(f, "Usage: %s\n\nOptions:\n", usage);
	for (size_t i = 0; t[i].name != NULL; i++) {
		char left[64];
		if (t[i].argname != NULL)
			snprintf(left, sizeof left, "--%s %s", t[i].name, t[i].argname);
		else
			snprintf(left, sizeof left, "--%s", t[i].name);
		fprintf(f, "  %-26s %s\n", left, t[i].help);
	}
}

void
opt_info(const char *prog, void (*usage)(FILE *), int version)
{
	if (version)
		printf("%s meek-c %s\n", prog, PACKAGE_VERSION);
	else
		usage(stdout);
}

const char *
opt_name(const struct opt *t, int key)
{
	for (size_t i = 0; t[i].name != NULL; i++)
		if (t[i].key == key)
			return t[i].name;
	return "?";
}

int
opt_int(const struct opt *t, int key, const char *arg, long lo, long hi,
    int *out, char *err, size_t errlen, const char **why)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < lo || v > hi) {
		snprintf(err, errlen, "--%s needs an integer from %ld to %ld",
		    opt_name(t, key), lo, hi);
		*why = err;
		return MEEK_EINVAL;
	}
	*out = (int)v;
	return 0;
}

int
opt_set_str(const struct opt_str *t, size_t n, void *conf, int key,
    const char *arg)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].key == key) {
			*OPT_FIELD(conf, t[i].off, const char *) = arg;
			return 1;
		}
	return 0;
}

int
opt_hostport(const struct opt *t, int key, const char *arg, int allow_zero,
    char *err, size_t errlen, const char **why)
{
	char host[NET_HOST_MAX];
	uint16_t port;
	const char *w = "bad address";

	if (net_split_hostport(arg, host, sizeof host, &port, allow_zero,
	    &w) < 0) {
		snprintf(err, errlen, "--%s: %s (want HOST:PORT)",
		    opt_name(t, key), w);
		*why = err;
		return MEEK_EINVAL;
	}
	return 0;
}

int
opt_log_level(const char *arg, int *out, const char **why)
{
	static const struct { const char *name; int level; } names[] = {
		{ "error", 0 }, { "warn", 1 }, { "warning", 1 }, { "info", 2 },
		{ "debug", 3 },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcasecmp(arg, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	*why = "--log-level must be error, warn, info or debug";
	return MEEK_EINVAL;
}

int
opt_parse(const struct opt *t, int argc, char **argv,
    int (*one)(void *ctx, int key, const char *arg, const char **why),
    void *ctx, char *err, size_t errlen, const char **why)
{
	size_t n = opt_count(t);
	struct option *longopts = calloc(n + 1, sizeof *longopts);
	int key, rc = 0;

	if (longopts == NULL) {
		*why = "out of memory";
		return MEEK_ENOMEM;
	}
	opt_longopts(t, longopts);
	optind = 0;     /* glibc: a full reset, tests parse more than once */
	opterr = 0;
	while ((key = getopt_long_only(argc, argv, ":", longopts, NULL)) != -1) {
		if (key == '?' || key == ':') {
			const char *bad = argv[optind - 1];
			snprintf(err, errlen, "%s: %.200s (see --help)",
			    key == ':' ? "option needs a value" :
			    "unknown option", bad != NULL ? bad : "?");
			*why = err;
			rc = MEEK_EINVAL;
			break;
		}
		if ((rc = one(ctx, key, optarg, why)) != 0)
			break;
	}
	if (rc == 0 && optind < argc) {
		snprintf(err, errlen, "unexpected argument: %.200s",
		    argv[optind]);
		*why = err;
		rc = MEEK_EINVAL;
	}
	free(longopts);
	return rc;
}
