#include "config.h"
#include "shared/frame.h"
#include "shared/err.h"

void
frame_put(unsigned char out[FRAME_HEAD], int type, size_t len, uint64_t off)
{
	out[0] = (unsigned char)type;
	out[1] = (unsigned char)(len >> 16);
	out[2] = (unsigned char)(len >> 8);
	out[3] = (unsigned char)len;
	for (int i = 0; i < 8; i++)
		out[4 + i] = (unsigned char)(off >> (56 - 8 * i));
}

size_t
frame_put_empty(unsigned char out[FRAME_HEAD], int type, uint64_t off)
{
	frame_put(out, type, 0, off);
	return FRAME_HEAD;
}

int
frame_get(struct frame *f, const unsigned char in[FRAME_HEAD],
    const char **why)
{
	f->type = in[0];
	f->len = (size_t)in[1] << 16 | (size_t)in[2] << 8 | in[3];
	f->off = 0;
	for (int i = 0; i < 8; i++)
		f->off = f->off << 8 | in[4 + i];
	switch (f->type) {
	case FRAME_DATA:
		if (f->len == 0)
			goto bad_empty;
		break;
	case FRAME_ACK:
	case FRAME_KEEPALIVE:
	case FRAME_END:
		if (f->len != 0)
			return meek_fail(why,
			    "ACK, KEEPALIVE or END frame with a payload",
			    MEEK_EPROTO);
		break;
	case FRAME_RESET:
		if (f->len > FRAME_RESET_MAX)
			return meek_fail(why, "RESET reason too long",
			    MEEK_EPROTO);
		break;
	default:
		break;   /* unknown: the caller skips f->len bytes */
	}
	return 0;
bad_empty:
	return meek_fail(why, "DATA frame without payload", MEEK_EPROTO);
}
