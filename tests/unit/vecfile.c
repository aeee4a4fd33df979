/* Reads test vectors from data files (vecfile.h). */
#include "config.h"
#include "tests/unit/vecfile.h"
#include "tests/unit/hexdata.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
vecfile_load(const char *file, const struct vecfile_entry *e, size_t n)
{
	char path[512], *line = NULL, *hex;
	unsigned char *seen = calloc(n > 0 ? n : 1, 1);
	size_t cap = 0, k, lineno = 0;
	ssize_t got;
	FILE *f;

	ck_assert_ptr_nonnull(seen);
	snprintf(path, sizeof path, "%s/tests/unit/data/%s", TOP_SRCDIR, file);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	while ((got = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (got == 0 || line[0] == '#')
			continue;
		hex = strchr(line, ' ');
		ck_assert_msg(hex != NULL, "%s:%zu: not \"name hex\"", file, lineno);
		*hex++ = '\0';
		for (k = 0; k < n && strcmp(e[k].name, line) != 0; k++)
			;
		ck_assert_msg(k < n, "%s:%zu: unknown vector %s", file, lineno,
		    line);
		ck_assert_msg(!seen[k], "%s:%zu: %s given twice", file, lineno,
		    line);
		ck_assert_msg(hexdata_exact(e[k].p, e[k].len, hex) == 0,
		    "%s:%zu: %s is not %zu bytes of hex", file, lineno, line,
		    e[k].len);
		seen[k] = 1;
	}
	free(line);
	fclose(f);
	for (k = 0; k < n; k++)
		ck_assert_msg(seen[k], "%s: no vector %s", file, e[k].name);
	free(seen);
}
