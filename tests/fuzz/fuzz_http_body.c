/*
 * libFuzzer harness: http_read_request()/http_read_response() then
 * http_read_body() over a socketpair carrying the input.  The first byte
 * picks the mode (bit 0: response, bit 1: small body cap); the rest is the
 * message, followed by EOF.
 */
#include "config.h"
#include "shared/http.h"
#include "shared/err.h"
#include "shared/stream.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_msg m;
	static unsigned char rbuf[HTTP_HEAD_MAX + 4096];
	static unsigned char body[HTTP_BODY_MAX];
	struct stream s;
	const char *why = NULL;
	size_t len = 0, cap;
	int fds[2], rc, response;

	if (size < 1)
		return 0;
	response = data[0] & 1;
	cap = (data[0] & 2) ? 16 : sizeof body;
	if (fuzz_pair_feed(fds, data + 1, size - 1) < 0)
		return 0;
	/* Everything is already in the socket: a tiny timeout only bounds a
	 * parser that would wait for more than EOF. */
	stream_init(&s, fds[0], NULL, rbuf, sizeof rbuf, 50);
	rc = response ? http_read_response(&s, &m, &why) :
	    http_read_request(&s, &m, &why);
	if (rc == 0) {
		/* Keep-alive: read up to two bodies/messages as a server would. */
		for (int round = 0; round < 2 && rc == 0; round++) {
			rc = http_read_body(&s, &m, response, body, cap, &len,
			    &why);
			if (rc == 0 && len > cap)
				abort();
			if (rc != 0 || !m.keep_alive)
				break;
			rc = response ? http_read_response(&s, &m, &why) :
			    http_read_request(&s, &m, &why);
		}
	}
	/* stream_close() closes fds[0]; close the other end ourselves. */
	stream_close(&s);
	close(fds[1]);
	return 0;
}
