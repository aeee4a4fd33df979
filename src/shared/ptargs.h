/*
 * ptargs: pluggable-transport argument lists "k=v;k=v" with backslash
 * escapes, as tor sends them in SOCKS credentials (pt-protocol.md §2) and in
 * TOR_PT_SERVER_TRANSPORT_OPTIONS values.
 *
 * Parsing follows goptlib parseClientParameters: a key ends at the first
 * unescaped '=' (hitting ';' or the end first is an error), a value ends at
 * the next unescaped ';', "\x" decodes to "x", a trailing lone '\' or an
 * empty key is an error, the empty string is an empty list.  Values may hold
 * raw '='.  Keys may repeat; ptargs_get() returns the first.
 * Thread: a struct ptargs has one owner.
 */
#ifndef MEEK_SHARED_PTARGS_H
#define MEEK_SHARED_PTARGS_H
#include <stddef.h>

struct ptargs_kv {
	char *key;   /* owned by the list, NUL-terminated, unescaped */
	char *value; /* owned by the list, NUL-terminated, unescaped */
};

struct ptargs {
	struct ptargs_kv *kv; /* owned; n entries */
	size_t n;
};

/* Initializes an empty list in caller storage. */
void ptargs_init(struct ptargs *a);
/* Parses `len` bytes of `s` (need not be NUL-terminated) and appends the
 * pairs to `a`.  Returns 0, MEEK_EPROTO with *why on bad syntax (then `a`
 * keeps what it had before the call), or MEEK_ENOMEM. */
int ptargs_parse(struct ptargs *a, const char *s, size_t len, const char **why);
/* Appends a copy of `key`/`value`.  Returns 0 or MEEK_ENOMEM. */
int ptargs_add(struct ptargs *a, const char *key, const char *value);
/* Returns the first value for `key`, borrowed from `a`, or NULL. */
const char *ptargs_get(const struct ptargs *a, const char *key);
/* Frees everything `a` owns and leaves it empty. */
void ptargs_clear(struct ptargs *a);

#endif
