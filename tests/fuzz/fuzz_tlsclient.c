/*
 * libFuzzer harness: tlsclient_open() with the input as everything the
 * server sends, followed by EOF (the ClientHello goes to the other end of
 * the socketpair).  The record layer (framing, alerts, ChangeCipherSpec),
 * the handshake message reassembly, ServerHello / HelloRetryRequest and the
 * whole plaintext part of a TLS 1.2 handshake (Certificate through
 * tlsx509, CertificateStatus, ServerKeyExchange, CertificateRequest,
 * ServerHelloDone) run on it; a TLS 1.3 ServerHello must echo the random
 * session id, so that path ends at the echo check.  No anchors: every
 * chain is untrusted.  The handshake can never succeed; a failure must
 * carry a why.
 */
#include "config.h"
#include "shared/tlsclient.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsclient *c = NULL;
	const char *why = NULL;
	int fds[2], rc;

	if (fuzz_pair_feed(fds, data, size) < 0)
		return 0;
	rc = tlsclient_open(&c, fds[0], NULL, "front.test", TLSHELLO_CHROME_WS,
	    200, &why);
	if (rc == 0)
		abort();
	if (why == NULL)
		abort();
	fuzz_pair_close(fds);
	return 0;
}
