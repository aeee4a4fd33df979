/*
 * libFuzzer harness: the pieces of protocol extension 1 (doc/protocol.md)
 * a peer controls.  Input: one mode byte, then
 *  - mode bit 0 clear: an X-Meek-Ext value for ext_parse(); whatever it
 *    parses must format and parse back to the same fields;
 *  - mode bit 0 set: an HTTP response (head and body, chunked or not) read
 *    as a receiver of frames does: http_body_read() in pieces of 1 to 8
 *    bytes (mode bits 1-3), frame heads checked with frame_get(), payloads
 *    skipped; offsets and lengths must stay within what was read.
 */
#include "config.h"
#include "shared/err.h"
#include "shared/ext.h"
#include "shared/frame.h"
#include "shared/http.h"
#include "shared/stream.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
fuzz_ext(const uint8_t *data, size_t size)
{
	char v[512], out[EXT_VALUE_MAX];
	struct ext x, y;
	const char *why = NULL;

	if (size >= sizeof v)
		size = sizeof v - 1;
	memcpy(v, data, size);
	v[size] = '\0';
	if (ext_parse(&x, v, &why) != 0)
		return;
	if (x.op == EXT_OP_UNKNOWN)
		x.op = EXT_OP_NONE;   /* not formattable: the name is lost */
	if (ext_format(out, sizeof out, &x) < 0)
		abort();
	if (ext_parse(&y, out, &why) != 0 || y.op != x.op ||
	    y.modes != x.modes || y.body != x.body || y.window != x.window ||
	    y.hold_ms != x.hold_ms || y.stream_ms != x.stream_ms ||
	    y.keepalive_ms != x.keepalive_ms)
		abort();
}

static void
fuzz_body(int step, const uint8_t *data, size_t size)
{
	static struct http_msg m;
	static unsigned char rbuf[HTTP_HEAD_MAX + 4096];
	unsigned char head[FRAME_HEAD], skip[64];
	struct http_body b;
	struct stream s;
	struct frame f;
	const char *why = NULL;
	int fds[2];

	if (fuzz_pair_feed(fds, data, size) < 0)
		return;
	stream_init(&s, fds[0], NULL, rbuf, sizeof rbuf, 50);
	if (http_read_response(&s, &m, &why) == 0) {
		http_body_begin(&b, &m, 1);
		for (;;) {
			size_t got = 0;
			long n = 0;

			while (got < FRAME_HEAD) {
				size_t want = FRAME_HEAD - got;

				n = http_body_read(&s, &b, head + got,
				    want < (size_t)step ? want : (size_t)step,
				    &why);
				if (n <= 0)
					break;
				if ((size_t)n > want)
					abort();
				got += (size_t)n;
			}
			if (got < FRAME_HEAD || frame_get(&f, head, &why) != 0)
				break;
			while (f.len > 0) {
				size_t want = f.len < sizeof skip ? f.len :
				    sizeof skip;

				n = http_body_read(&s, &b, skip, want, &why);
				if (n <= 0)
					break;
				if ((size_t)n > want)
					abort();
				f.len -= (size_t)n;
			}
			if (f.len > 0)
				break;
		}
	}
	stream_close(&s);
	close(fds[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_body(1 + ((data[0] >> 1) & 7), data + 1, size - 1);
	else
		fuzz_ext(data + 1, size - 1);
	return 0;
}
