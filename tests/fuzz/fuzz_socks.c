/*
 * libFuzzer harness: socks_server_handshake() with the input as what the
 * SOCKS client (tor) sends, followed by EOF; on success also the reply.
 */
#include "config.h"
#include "shared/socks.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks_request req;
	const char *why = NULL;
	int fds[2], rc;

	if (fuzz_pair_feed(fds, data, size) < 0)
		return 0;
	memset(&req, 0xa5, sizeof req);
	rc = socks_server_handshake(fds[0], &req, 50, &why);
	if (rc == 0) {
		if (req.version != 4 && req.version != 5)
			abort();
		if (req.args_len >= sizeof req.args ||
		    strlen(req.args) > req.args_len ||
		    strnlen(req.host, sizeof req.host) == sizeof req.host)
			abort();
		(void)socks_server_reply(fds[0], &req, SOCKS_REP_OK, 50);
	} else if ((rc == MEEK_EPROTO || rc == MEEK_EUNSUPPORTED) &&
	    why == NULL) {
		abort();
	}
	fuzz_pair_close(fds);
	return 0;
}
