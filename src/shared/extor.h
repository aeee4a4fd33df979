/*
 * extor: Extended ORPort client (pt-protocol.md §3): SAFE_COOKIE
 * authentication, USERADDR, TRANSPORT, DONE, then OKAY.
 * The cookie file is re-read on every connection (tor bug 15240).
 * Thread: any.
 */
#ifndef MEEK_SHARED_EXTOR_H
#define MEEK_SHARED_EXTOR_H
#include <stdint.h>

#define EXTOR_COOKIE_LEN 32

/* Reads and checks a 64-byte cookie file (32-byte header + cookie).
 * Returns 0 or MEEK_EIO / MEEK_EPROTO with *why. */
int extor_cookie_read(const char *path, unsigned char cookie[EXTOR_COOKIE_LEN],
    const char **why);
/* Runs the whole exchange on connected `fd` within `timeout_ms`.
 * `useraddr` ("1.2.3.4:1" / "[::1]:1") and `transport` may be NULL to skip
 * those commands.  Returns 0 once tor said OKAY; MEEK_EAUTH (bad server
 * hash, auth status 0, DENY), MEEK_EPROTO, MEEK_ETIMEDOUT, MEEK_ECLOSED,
 * MEEK_EIO with *why. */
int extor_handshake(int fd, const unsigned char cookie[EXTOR_COOKIE_LEN],
    const char *useraddr, const char *transport, int timeout_ms,
    const char **why);
/* Dials `hostport`, reads the cookie and runs extor_handshake().
 * Returns the ready fd or a MEEK_E* code with *why. */
int extor_dial(const char *hostport, const char *cookie_path,
    const char *useraddr, const char *transport, int timeout_ms,
    const char **why);

#endif
