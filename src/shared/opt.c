#include "config.h"
#include "shared/opt.h"

#include <string.h>

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
