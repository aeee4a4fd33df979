/* testpki: see testpki.h. */
#include "config.h"
#include "tests/unit/testpki.h"
#include "tests/unit/unit.h"
#include "shared/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TESTPKI_MAX 8

static struct testpki *made[TESTPKI_MAX];
static int n_made;

static void
testpki_cleanup(void)
{
	char cmd[128];
	int i;

	for (i = 0; i < n_made; i++) {
		/* Forked test processes inherit this atexit handler. */
		if (made[i]->dir[0] == '\0' || getpid() != made[i]->pid)
			continue;
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", made[i]->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", made[i]->dir);
	}
}

void
testpki_setup(struct testpki *pki, const char *tag, const char *script)
{
	char cmd[256];
	FILE *f;

	if (pki->dir[0] != '\0')
		return;
	ck_assert_int_lt(n_made, TESTPKI_MAX);
	snprintf(pki->dir, sizeof pki->dir, "/tmp/meek-%s-XXXXXX", tag);
	ck_assert_ptr_nonnull(mkdtemp(pki->dir));
	pki->pid = getpid();
	if (n_made == 0)
		atexit(testpki_cleanup);
	made[n_made++] = pki;
	snprintf(cmd, sizeof cmd, "%s/gen.sh", pki->dir);
	f = fopen(cmd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(script, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cd '%s' && sh gen.sh", pki->dir);
	ck_assert_msg(system(cmd) == 0, "openssl failed, see %s/gen.log", pki->dir);
}

const char *
testpki_path(const struct testpki *pki, char *buf, const char *name)
{
	snprintf(buf, 128, "%s/%s", pki->dir, name);
	return buf;
}

struct tls_anchors *
testpki_anchors(const struct testpki *pki, const char *file)
{
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	char p[128];

	ck_assert_msg(tls_anchors_load(&ta, testpki_path(pki, p, file), &why) == 0,
	    "anchors %s: %s", file, why);
	return ta;
}
