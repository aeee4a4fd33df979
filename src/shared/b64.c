#include "config.h"
#include "shared/b64.h"
#include "shared/err.h"

int
b64_encode(char *dst, size_t dstlen, const void *src, size_t n, int pad)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = src;
	size_t out, o = 0;

	/* Keeps the length within the int we return. */
	if (n >= (size_t)1 << 30)
		return MEEK_ETOOBIG;
	out = n / 3 * 4;
	if (n % 3 != 0)
		out += pad ? 4 : n % 3 + 1;
	if (out >= dstlen)
		return MEEK_ETOOBIG;
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (unsigned long)s[i + 1] << 8;
		if (left > 2)
			v |= s[i + 2];
		dst[o++] = abc[v >> 18 & 63];
		dst[o++] = abc[v >> 12 & 63];
		if (left > 1)
			dst[o++] = abc[v >> 6 & 63];
		else if (pad)
			dst[o++] = '=';
		if (left > 2)
			dst[o++] = abc[v & 63];
		else if (pad)
			dst[o++] = '=';
	}
	dst[o] = '\0';
	return (int)o;
}
