/*
 * libFuzzer harness: pt_client_env_parse() / pt_server_env_parse().
 * The first byte picks the side (bit 0: server); the rest is split on NUL
 * bytes and the fields are the values of the TOR_PT_* variables below, in
 * order (missing fields leave the variable unset, a field of one 0xff byte
 * also unsets it).  Everything is unset again after each run.
 * TOR_PT_STATE_LOCATION is confined to a scratch directory (its '/' become
 * '_') because the parser creates that directory.
 */
#include "config.h"
#include "shared/pt.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const fuzz_vars[] = {
	"TOR_PT_MANAGED_TRANSPORT_VER",
	"TOR_PT_CLIENT_TRANSPORTS",
	"TOR_PT_SERVER_TRANSPORTS",
	"TOR_PT_SERVER_BINDADDR",
	"TOR_PT_ORPORT",
	"TOR_PT_EXTENDED_SERVER_PORT",
	"TOR_PT_AUTH_COOKIE_FILE",
	"TOR_PT_SERVER_TRANSPORT_OPTIONS",
	"TOR_PT_PROXY",
	"TOR_PT_EXIT_ON_STDIN_CLOSE",
	"TOR_PT_STATE_LOCATION",
};
#define FUZZ_NVARS (sizeof fuzz_vars / sizeof fuzz_vars[0])
#define FUZZ_STATE_VAR (FUZZ_NVARS - 1)

static char fuzz_scratch[PATH_MAX];

static void
fuzz_scratch_remove(void)
{
	(void)rmdir(fuzz_scratch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char state[PATH_MAX] = "";
	const char *why = NULL;
	size_t field = 0, i = 1;
	int server, rc;

	if (size < 1)
		return 0;
	(void)fuzz_scratch_dir(fuzz_scratch, sizeof fuzz_scratch,
	    "meek-fuzz-pt.XXXXXX", fuzz_scratch_remove);
	server = data[0] & 1;
	while (i <= size && field < FUZZ_NVARS) {
		const uint8_t *end = memchr(data + i, 0, size - i);
		size_t n = end != NULL ? (size_t)(end - (data + i)) : size - i;
		char *v = fuzz_strdup(data + i, n);

		if (!(n == 1 && data[i] == 0xff)) {
			if (field == FUZZ_STATE_VAR) {
				for (char *p = v; *p != '\0'; p++)
					if (*p == '/')
						*p = '_';
				if (strlen(v) > 200)
					v[200] = '\0';
				snprintf(state, sizeof state, "%s/%s",
				    fuzz_scratch, v);
				setenv(fuzz_vars[field], state, 1);
			} else {
				setenv(fuzz_vars[field], v, 1);
			}
		}
		free(v);
		field++;
		i += n + 1;
		if (end == NULL)
			break;
	}

	if (server) {
		struct pt_server_env e;

		rc = pt_server_env_parse(&e, &why);
		if (rc == 0 && e.managed) {
			if (e.ntransports > PT_MAX_TRANSPORTS ||
			    e.nbind > PT_MAX_TRANSPORTS)
				abort();
			for (size_t k = 0; k < e.ntransports; k++)
				(void)pt_server_env_bindaddr(&e,
				    e.transports[k]);
			(void)pt_server_env_wants(&e, "meek");
		}
		pt_server_env_clear(&e);
	} else {
		struct pt_client_env e;

		rc = pt_client_env_parse(&e, &why);
		if (rc == 0 && e.managed) {
			if (e.ntransports > PT_MAX_TRANSPORTS)
				abort();
			(void)pt_client_env_wants(&e, "meek");
		}
		pt_client_env_clear(&e);
	}
	if (rc == MEEK_EINVAL && why == NULL)
		abort();
	for (size_t k = 0; k < FUZZ_NVARS; k++)
		unsetenv(fuzz_vars[k]);
	if (state[0] != '\0' && strcmp(state, fuzz_scratch) != 0)
		(void)rmdir(state);
	return 0;
}
