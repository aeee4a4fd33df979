/*
 * ext: the X-Meek-Ext header of meek-c's protocol extension 1
 * (doc/protocol.md, "Negotiation"): parsing and formatting its value,
 * "1; op=open; modes=stream,poll; body=1048576".
 * Thread: any (pure functions).
 */
#ifndef MEEK_SHARED_EXT_H
#define MEEK_SHARED_EXT_H
#include <stddef.h>

#define EXT_HEADER "X-Meek-Ext"
#define EXT_VERSION 1
#define EXT_VALUE_MAX 200        /* longest value we format */

/* The extension's defaults (doc/protocol.md): what meek-server offers
 * unless its options say otherwise, and what meek-client assumes for a
 * parameter an open answer leaves out.  The keepalive is fixed. */
#define EXT_WINDOW_DEFAULT (1024UL * 1024)
#define EXT_BODY_DEFAULT (1024UL * 1024)
#define EXT_HOLD_MS_DEFAULT 20000UL
#define EXT_STREAM_MS_DEFAULT 50000UL
#define EXT_KEEPALIVE_MS 5000UL
#define EXT_MAX_SESSIONS_DEFAULT 64   /* meek-server --max-ext */

/* Modes, as bits of ext.modes. */
#define EXT_MODE_STREAM 0x1u
#define EXT_MODE_POLL   0x2u

enum ext_op {
	EXT_OP_NONE = 0,     /* no op= (an answer) */
	EXT_OP_OPEN,
	EXT_OP_UP,
	EXT_OP_STREAM,
	EXT_OP_POLL,
	EXT_OP_UNKNOWN       /* an op= we do not know */
};

struct ext {
	int op;                    /* enum ext_op */
	unsigned modes;            /* EXT_MODE_* bits; 0: absent */
	int first_mode;            /* the first mode listed (preference), 0 */
	unsigned long body;        /* body=, 0: absent */
	unsigned long window;      /* window=, 0: absent */
	unsigned long hold_ms;     /* hold=, 0: absent */
	unsigned long stream_ms;   /* stream=, 0: absent */
	unsigned long keepalive_ms;/* keepalive=, 0: absent */
};

/* Parses header value `v` into `x` (zeroed first).  Unknown keys and
 * unknown mode names are ignored; a number that is not a plain decimal
 * (or over 2^31) is MEEK_EPROTO.  Returns 0, MEEK_EPROTO with *why for a
 * malformed value, MEEK_EVERSION for a version other than 1 (treat as no
 * header). */
int ext_parse(struct ext *x, const char *v, const char **why);
/* Formats `x` as a header value into `buf` ("1" then each field that is
 * set, in the order op, modes, body, window, hold, stream, keepalive;
 * modes in the order stream, poll unless first_mode says poll).  Returns
 * the length, or MEEK_ETOOBIG when `len` is too small. */
int ext_format(char *buf, size_t len, const struct ext *x);
/* "stream", "poll" for one mode bit; "?" otherwise. */
const char *ext_mode_name(unsigned mode);

#endif
