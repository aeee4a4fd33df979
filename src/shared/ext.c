#include "config.h"
#include "shared/ext.h"
#include "shared/err.h"

#include <stdio.h>
#include <string.h>

static int
ext_fail(const char **why, int code, const char *msg)
{
	if (why)
		*why = msg;
	return code;
}

/* 1 when [p, p+n) equals `lit`. */
static int
ext_is(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

static int
ext_number(const char *p, size_t n, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10)
		return MEEK_EPROTO;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return MEEK_EPROTO;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v > 0x7fffffffUL)
		return MEEK_EPROTO;
	*out = v;
	return 0;
}

/* Trims spaces and tabs around [*p, *p + *n). */
static void
ext_trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static unsigned
ext_mode_bit(const char *p, size_t n)
{
	if (ext_is(p, n, "stream"))
		return EXT_MODE_STREAM;
	if (ext_is(p, n, "poll"))
		return EXT_MODE_POLL;
	return 0;
}

static void
ext_modes(struct ext *x, const char *p, size_t n)
{
	while (n > 0) {
		size_t e = 0;
		const char *m;
		size_t mn;
		unsigned bit;

		while (e < n && p[e] != ',')
			e++;
		m = p;
		mn = e;
		ext_trim(&m, &mn);
		bit = ext_mode_bit(m, mn);
		if (bit != 0 && x->first_mode == 0)
			x->first_mode = (int)bit;
		x->modes |= bit;
		if (e == n)
			break;
		p += e + 1;
		n -= e + 1;
	}
}

static int
ext_param(struct ext *x, const char *k, size_t kn, const char *v, size_t vn,
    const char **why)
{
	unsigned long *num = NULL;

	if (ext_is(k, kn, "op")) {
		if (ext_is(v, vn, "open"))
			x->op = EXT_OP_OPEN;
		else if (ext_is(v, vn, "up"))
			x->op = EXT_OP_UP;
		else if (ext_is(v, vn, "stream"))
			x->op = EXT_OP_STREAM;
		else if (ext_is(v, vn, "poll"))
			x->op = EXT_OP_POLL;
		else
			x->op = EXT_OP_UNKNOWN;
		return 0;
	}
	if (ext_is(k, kn, "modes")) {
		ext_modes(x, v, vn);
		return 0;
	}
	if (ext_is(k, kn, "body"))
		num = &x->body;
	else if (ext_is(k, kn, "window"))
		num = &x->window;
	else if (ext_is(k, kn, "hold"))
		num = &x->hold_ms;
	else if (ext_is(k, kn, "stream"))
		num = &x->stream_ms;
	else if (ext_is(k, kn, "keepalive"))
		num = &x->keepalive_ms;
	if (num == NULL)
		return 0;   /* unknown key: ignored */
	if (ext_number(v, vn, num) < 0)
		return ext_fail(why, MEEK_EPROTO, "bad number in X-Meek-Ext");
	return 0;
}

int
ext_parse(struct ext *x, const char *v, const char **why)
{
	const char *p = v, *item;
	size_t n = strlen(v), e, in;
	int first = 1;

	memset(x, 0, sizeof *x);
	for (;;) {
		e = 0;
		while (e < n && p[e] != ';')
			e++;
		item = p;
		in = e;
		ext_trim(&item, &in);
		if (first) {
			unsigned long ver;

			if (ext_number(item, in, &ver) < 0)
				return ext_fail(why, MEEK_EPROTO,
				    "X-Meek-Ext does not start with a version");
			if (ver != EXT_VERSION)
				return ext_fail(why, MEEK_EVERSION,
				    "unknown X-Meek-Ext version");
			first = 0;
		} else if (in > 0) {
			const char *eq = memchr(item, '=', in);
			const char *k = item, *val;
			size_t kn, vn;
			int rc;

			if (eq == NULL)
				return ext_fail(why, MEEK_EPROTO,
				    "X-Meek-Ext parameter without '='");
			kn = (size_t)(eq - item);
			val = eq + 1;
			vn = in - kn - 1;
			ext_trim(&k, &kn);
			ext_trim(&val, &vn);
			if (kn == 0)
				return ext_fail(why, MEEK_EPROTO,
				    "X-Meek-Ext parameter without a name");
			if ((rc = ext_param(x, k, kn, val, vn, why)) < 0)
				return rc;
		}
		if (e == n)
			break;
		p += e + 1;
		n -= e + 1;
	}
	return 0;
}

const char *
ext_mode_name(unsigned mode)
{
	switch (mode) {
	case EXT_MODE_STREAM: return "stream";
	case EXT_MODE_POLL: return "poll";
	default: return "?";
	}
}

static const char *
ext_op_name(int op)
{
	switch (op) {
	case EXT_OP_OPEN: return "open";
	case EXT_OP_UP: return "up";
	case EXT_OP_STREAM: return "stream";
	case EXT_OP_POLL: return "poll";
	default: return NULL;
	}
}

/* Appends string `s` and, when `num` is set, the decimal `v` to buf at
 * *pos.  Returns 0 or MEEK_ETOOBIG. */
static int
ext_add(char *buf, size_t len, size_t *pos, const char *s, int num,
    unsigned long v)
{
	int n = 0;
	size_t sl = strlen(s);

	if (sl >= len - *pos)
		return MEEK_ETOOBIG;
	memcpy(buf + *pos, s, sl + 1);
	*pos += sl;
	if (num) {
		n = snprintf(buf + *pos, len - *pos, "%lu", v);
		if (n < 0 || (size_t)n >= len - *pos)
			return MEEK_ETOOBIG;
		*pos += (size_t)n;
	}
	return 0;
}

int
ext_format(char *buf, size_t len, const struct ext *x)
{
	const struct { const char *key; unsigned long v; } nums[] = {
		{ "; body=", x->body }, { "; window=", x->window },
		{ "; hold=", x->hold_ms }, { "; stream=", x->stream_ms },
		{ "; keepalive=", x->keepalive_ms },
	};
	const char *op = ext_op_name(x->op);
	size_t pos = 0;
	int rc;

	if (len == 0)
		return MEEK_ETOOBIG;
	buf[0] = '\0';
	if ((rc = ext_add(buf, len, &pos, "", 1, EXT_VERSION)) < 0)
		return rc;
	if (op != NULL && ((rc = ext_add(buf, len, &pos, "; op=", 0, 0)) < 0 ||
	    (rc = ext_add(buf, len, &pos, op, 0, 0)) < 0))
		return rc;
	if (x->modes != 0) {
		unsigned order[2] = { EXT_MODE_STREAM, EXT_MODE_POLL };
		const char *sep = "; modes=";

		if (x->first_mode == (int)EXT_MODE_POLL) {
			order[0] = EXT_MODE_POLL;
			order[1] = EXT_MODE_STREAM;
		}
		for (int i = 0; i < 2; i++) {
			if (!(x->modes & order[i]))
				continue;
			if ((rc = ext_add(buf, len, &pos, sep, 0, 0)) < 0 ||
			    (rc = ext_add(buf, len, &pos,
			    ext_mode_name(order[i]), 0, 0)) < 0)
				return rc;
			sep = ",";
		}
	}
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (nums[i].v == 0)
			continue;
		if ((rc = ext_add(buf, len, &pos, nums[i].key, 1,
		    nums[i].v)) < 0)
			return rc;
	}
	return (int)pos;
}
