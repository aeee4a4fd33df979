/*
 * trust: which CA bundle a program uses, and the one set of messages about
 * it (meek-client, meek-reflect and meek-server's --fallback).
 *
 * The bundle is the option's file (--ca) when given, else $SSL_CERT_FILE
 * when set and not empty, else the first readable of the system paths
 * (trust_system_path).  A named file that cannot be loaded is an error, never a
 * fall-back to the system bundle (as Go and OpenSSL).
 * Thread: any (reads the environment; call before threads change it).
 */
#ifndef MEEK_SHARED_TRUST_H
#define MEEK_SHARED_TRUST_H
#include <stddef.h>

struct tls_anchors;

/* Where trust_find() took the bundle from. */
enum trust_from {
	TRUST_NONE,             /* no bundle found */
	TRUST_OPTION,           /* the program's option (--ca) */
	TRUST_ENV,              /* $SSL_CERT_FILE */
	TRUST_SYSTEM            /* a system path */
};

/* Returns the bundle to use (`option`, the environment's string or a
 * static path; not owned) or NULL, and sets *from. */
const char *trust_find(const char *option, enum trust_from *from);
/* Writes the system paths searched, comma-separated, into buf (len
 * bytes); returns buf. */
const char *trust_paths(char *buf, size_t len);
/* The i-th system bundle path trust_find() tries, NULL past the last. */
const char *trust_system_path(size_t i);
/* Loads the anchors from trust_find(option).  `option_name` names the
 * program's option in messages ("--ca"), NULL when it has none.  Returns 0
 * with *out (caller frees with tls_anchors_free) and *path, or a MEEK_E*
 * code with msg (len bytes) saying which file, where its name came from,
 * why and the system error -- or, with none found, every path searched
 * and what to install. */
int trust_load(struct tls_anchors **out, const char *option,
    const char *option_name, const char **path, char *msg, size_t len);

#endif
