#include "config.h"
#include "tests/unit/unit.h"
#include "shared/b64.h"
#include "shared/err.h"
#include "shared/rand.h"

#include <string.h>

#define UNIT_SUITE "b64"

/* RFC 4648 §10. */
static const char *const vectors[][3] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

UNIT_TEST("encode", b64_encodes_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const char *in = vectors[i][0];
		char out[16];

		memset(out, 'x', sizeof out);
		ck_assert_int_eq(b64_encode(out, sizeof out, in, strlen(in), 1),
		    (int)strlen(vectors[i][1]));
		ck_assert_str_eq(out, vectors[i][1]);
		ck_assert_int_eq(b64_encode(out, sizeof out, in, strlen(in), 0),
		    (int)strlen(vectors[i][2]));
		ck_assert_str_eq(out, vectors[i][2]);
	}
}
END_TEST

UNIT_TEST("encode", b64_uses_plus_and_slash)
{
	const unsigned char in[] = { 0xfb, 0xff, 0xbf, 0x00 };
	char out[B64_ENCODED_SIZE(sizeof in)];

	ck_assert_int_eq(b64_encode(out, sizeof out, in, sizeof in, 1), 8);
	ck_assert_str_eq(out, "+/+/AA==");
}
END_TEST

/* meek-client session ids: 8 bytes, unpadded, always 11 characters. */
UNIT_TEST("encode", b64_unpadded_8_bytes_is_11_chars)
{
	const unsigned char in[8] = { 0 };
	char out[12];

	ck_assert_int_eq(b64_encode(out, sizeof out, in, sizeof in, 0), 11);
	ck_assert_str_eq(out, "AAAAAAAAAAA");
}
END_TEST

UNIT_TEST("encode", b64_rejects_too_small_buffer)
{
	char out[B64_ENCODED_SIZE(6)];

	memset(out, 'x', sizeof out);
	/* "Zm9vYmFy" needs 9 bytes with the NUL. */
	ck_assert_int_eq(b64_encode(out, 8, "foobar", 6, 1), MEEK_ETOOBIG);
	ck_assert_int_eq(out[0], 'x');
	ck_assert_int_eq(b64_encode(out, 9, "foobar", 6, 1), 8);
	/* "Zg==" needs 5, "Zg" only 3. */
	ck_assert_int_eq(b64_encode(out, 4, "f", 1, 1), MEEK_ETOOBIG);
	ck_assert_int_eq(b64_encode(out, 3, "f", 1, 0), 2);
	ck_assert_int_eq(b64_encode(out, 0, "", 0, 1), MEEK_ETOOBIG);
	ck_assert_int_eq(b64_encode(out, 1, "", 0, 1), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

UNIT_TEST("rand", rand_fills_buffers)
{
	unsigned char a[4096], b[4096];
	size_t zeros = 0;

	memset(a, 0, sizeof a);
	ck_assert_int_eq(rand_bytes(a, sizeof a), 0);
	ck_assert_int_eq(rand_bytes(b, sizeof b), 0);
	ck_assert(memcmp(a, b, sizeof a) != 0);
	for (size_t i = 0; i < sizeof a; i++)
		zeros += a[i] == 0;
	/* Expect ~16; 200 would mean most of the buffer was never written. */
	ck_assert_uint_lt(zeros, 200);
	ck_assert_int_eq(rand_bytes(a, 0), 0);
}
END_TEST
