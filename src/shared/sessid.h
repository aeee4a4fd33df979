/*
 * sessid: the one rule for meek's X-Session-Id, shared by meek-server and
 * meek-reflect: 8 to 128 bytes.  Go meek-server answers 400 to shorter ids;
 * no real client sends longer ones, and a reflector that passed a longer
 * one on would only get meek-server's 400.
 * Thread: reentrant.  Errors: none.
 */
#ifndef MEEK_SHARED_SESSID_H
#define MEEK_SHARED_SESSID_H
#include <stddef.h>

#define SESSID_MIN 8
#define SESSID_MAX 128

/* The length of header value `id` (NULL: absent) when it is a session id
 * meek accepts, else 0. */
size_t sessid_check(const char *id);

#endif
