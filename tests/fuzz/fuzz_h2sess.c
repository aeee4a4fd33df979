/*
 * libFuzzer harness: what the front sends on an HTTP/2 connection, as
 * client/h2sess.c takes it.  A session with two requests submitted (one
 * with a body, as an upstream POST, one without, as a poll); the input is
 * one step byte then the front's bytes, fed to h2sess_recv() in pieces of
 * 1 to 64 bytes (step % 64 + 1); after each piece the session's output is
 * drained and both requests' heads and bodies are read as the client's
 * threads do, small reads first (so a full queue stops input and reading
 * lets it go on); the second request is released halfway.  Nothing may
 * crash, leak or read out of bounds; a consumed count never exceeds the
 * piece.
 */
#include "config.h"
#include "client/h2sess.h"
#include "shared/err.h"
#include "shared/http.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
drain_out(struct h2sess *s)
{
	const unsigned char *d;
	size_t n;
	int guard = 0;

	do {
		if (h2sess_send(s, &d, &n, NULL) != 0)
			return;
	} while (n > 0 && ++guard < 1000);
}

static void
read_req(struct h2req *r, struct http_msg *m, size_t chunk)
{
	unsigned char buf[4096];
	long n;
	int guard = 0;

	(void)h2req_head(r, m, NULL);
	while ((n = h2req_read(r, buf, chunk < sizeof buf ? chunk : sizeof buf)) >
	    0 && ++guard < 100000)
		if ((size_t)n > chunk)
			abort();
	(void)h2req_readable(r);
	(void)h2req_refused(r);
	(void)h2req_body_sent(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char body[3000];
	static struct http_msg m;
	struct h2sess *s;
	struct h2req *a, *b;
	size_t step, off = 1, half;

	if (size < 1)
		return 0;
	step = data[0] % 64 + 1;
	half = size / 2;
	if (h2sess_new(&s, NULL) != 0)
		return 0;
	if (h2sess_request(s, "meek.test", "/", "X-Session-Id: abc\r\n"
	    "Content-Type: application/octet-stream\r\n", body, sizeof body,
	    &a, NULL) != 0 ||
	    h2sess_request(s, "meek.test", "/", "X-Session-Id: abc\r\n"
	    "X-Meek-Ext: 1; op=poll\r\n", NULL, 0, &b, NULL) != 0) {
		h2sess_free(s);
		return 0;
	}
	drain_out(s);
	while (off < size) {
		size_t len = size - off < step ? size - off : step;
		long k = h2sess_recv(s, data + off, len, NULL);

		if (k < 0)
			break;
		if ((size_t)k > len)
			abort();
		if (k == 0 && !h2sess_blocked(s))
			break;      /* nothing taken, nothing holding it back */
		off += (size_t)k;
		drain_out(s);
		read_req(a, &m, step * 37);
		if (b != NULL)
			read_req(b, &m, step);
		if (b != NULL && off >= half) {
			h2req_release(b);
			b = NULL;
		}
		(void)h2sess_done(s);
		(void)h2sess_goaway(s);
		h2sess_idle(s);
	}
	h2sess_fail(s, MEEK_EIO);
	read_req(a, &m, 100);
	if (b != NULL)
		read_req(b, &m, 100);
	h2req_release(a);
	if (b != NULL)
		h2req_release(b);
	h2sess_free(s);
	return 0;
}
