/*
 * libFuzzer harness: the record layer (tlsrec).  The first byte picks the
 * protection (NULL, AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305; TLS 1.3 or
 * 1.2).  The rest is opened as a received record as it is, and then used
 * as plaintext: sealed with an inner type and padding taken from the input,
 * optionally bent by one bit, and opened again by the peer direction.  An
 * unbent round trip must give back the same type and bytes; a bent one
 * must fail.
 */
#include "config.h"
#include "shared/tlsrec.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char fz_key[32] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98,
	0x76, 0x54, 0x32, 0x10, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};
static const unsigned char fz_iv[12] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
};

static void
fz_dir(struct tlsrec_dir *d, unsigned sel)
{
	static const enum tlsrec_aead aeads[4] = { TLSREC_NULL,
	    TLSREC_AES128_GCM, TLSREC_AES256_GCM, TLSREC_CHACHA20_POLY1305 };

	tlsrec_dir_clear(d);
	if (aeads[sel & 3] != TLSREC_NULL &&
	    tlsrec_dir_init(d, aeads[sel & 3], (sel >> 2) & 1, fz_key, fz_iv) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char rec[TLSREC_RECORD_MAX + 64];
	struct tlsrec_dir snd, rcv;
	unsigned char type, *out;
	size_t len, head, tail, pad, n, total;
	const char *why = NULL;
	unsigned sel;
	int rc;

	if (size < 4)
		return 0;
	sel = data[0];
	memset(&snd, 0, sizeof snd);
	memset(&rcv, 0, sizeof rcv);
	fz_dir(&rcv, sel);
	/* 1. The input as a received record. */
	n = size - 1 > sizeof rec ? sizeof rec : size - 1;
	memcpy(rec, data + 1, n);
	(void)tlsrec_open(&rcv, rec, n, &type, &out, &len, &why);

	/* 2. A round trip of the input as plaintext. */
	fz_dir(&snd, sel);
	fz_dir(&rcv, sel);
	type = data[1] != 0 ? data[1] : 23;
	pad = data[2];
	n = size - 4;
	head = tlsrec_head_room(&snd);
	tail = tlsrec_tail_room(&snd, pad);
	if (n + pad > TLSREC_PLAINTEXT_MAX || head + n + tail > sizeof rec)
		return 0;
	memcpy(rec + head, data + 4, n);
	total = tlsrec_seal(&snd, type, 0x0303, rec, n, pad);
	if (total == 0)
		return 0;
	if ((sel & 3) != 0 && (data[3] & 0x80) != 0) {
		rec[5 + (data[3] % (total - 5 > 127 ? 127 : total - 5))] ^= 0x01;
		if (tlsrec_open(&rcv, rec, total, &type, &out, &len, &why) == 0)
			abort();   /* a bent protected record was accepted */
		return 0;
	}
	rc = tlsrec_open(&rcv, rec, total, &type, &out, &len, &why);
	if (((sel & 3) == 0 || ((sel >> 2) & 1) == 0) && n == 0)
		return 0;
	if (rc != 0 || len != n || memcmp(out, data + 4, n) != 0)
		abort();   /* the round trip lost or changed bytes */
	if (type != (data[1] != 0 ? data[1] : 23))
		abort();
	tlsrec_dir_clear(&snd);
	tlsrec_dir_clear(&rcv);
	return 0;
}
