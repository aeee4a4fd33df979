/*
 * hexdata: hex strings of test data to bytes, for the unit tests and the
 * test tools (tests/tls/mlkem-tool.c includes it by path).  Header only
 * (static inline), no allocation, any thread.
 */
#ifndef MEEK_TESTS_UNIT_HEXDATA_H
#define MEEK_TESTS_UNIT_HEXDATA_H
#include <stddef.h>
#include <string.h>

/* The value of hex digit `c` (either case), or -1. */
static inline int
hexdata_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the hex string `s` (an even number of digits, at most 2 * cap)
 * into out[0..).  Returns the number of bytes, or -1 for NULL, an odd
 * length, too many digits or a non-digit (out then partly written). */
static inline long
hexdata_decode(unsigned char *out, size_t cap, const char *s)
{
	size_t len, n;

	if (s == NULL)
		return -1;
	len = strlen(s);
	n = len / 2;
	if (len % 2 != 0 || n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexdata_nibble(s[2 * i]), lo = hexdata_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)n;
}

/* Decodes exactly `n` bytes of hex `s` into out[0..n).  Returns 0 or -1. */
static inline int
hexdata_exact(unsigned char *out, size_t n, const char *s)
{
	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	return hexdata_decode(out, n, s) == (long)n ? 0 : -1;
}

#endif
