/*
 * libFuzzer harness: tlsmsg_new_session_ticket(), and on the same body the
 * other post-handshake / small parsers: tlsmsg_certificate_request(),
 * tlsmsg_certificate_status(), tlsmsg_key_update(), tlsmsg_finished(),
 * tlsmsg_server_hello_done().  The first input byte picks the form (even:
 * TLS 1.3, odd: TLS 1.2); the rest is the body.
 */
#include "config.h"
#include "shared/tlsmsg.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IN(p, n) ((n) == 0 || ((p) >= buf && (p) + (n) <= buf + len))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsmsg_new_session_ticket t;
	unsigned char *buf;
	const char *why = NULL;
	size_t len;
	int alert = 0, rc, tls13;

	if (size == 0)
		return 0;
	tls13 = (data[0] & 1) == 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, len);
	rc = tlsmsg_new_session_ticket(buf, len, tls13, &t, &alert, &why);
	if (rc == 0) {
		if (!IN(t.nonce, t.nonce_len) || !IN(t.ticket, t.ticket_len) ||
		    (tls13 && (t.lifetime > 604800 || t.ticket_len == 0 || t.nonce_len > 255)) ||
		    (!t.early_data && t.max_early_data != 0))
			abort();
	} else if (rc != MEEK_EPROTO || why == NULL || alert == 0) {
		abort();
	}
	{
		struct tlsmsg_certificate_request cr;
		const unsigned char *p;
		size_t n;
		int req;

		why = NULL;
		alert = 0;
		rc = tlsmsg_certificate_request(buf, len, tls13, &cr, &alert, &why);
		if (rc == 0 ? !IN(cr.context, cr.context_len) : (why == NULL || alert == 0))
			abort();
		why = NULL;
		alert = 0;
		rc = tlsmsg_certificate_status(buf, len, &p, &n, &alert, &why);
		if (rc == 0 ? (n == 0 || !IN(p, n)) : (why == NULL || alert == 0))
			abort();
		rc = tlsmsg_key_update(buf, len, &req, &alert, &why);
		if (rc == 0 && (len != 1 || req > 1))
			abort();
		rc = tlsmsg_finished(buf, len, 32, &p, &alert, &why);
		if ((rc == 0) != (len == 32))
			abort();
		if ((tlsmsg_server_hello_done(buf, len, &alert, &why) == 0) != (len == 0))
			abort();
	}
	free(buf);
	return 0;
}
