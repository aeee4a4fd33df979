/*
 * classic: classic meek's polling loop, byte for byte as Go meek-client
 * speaks it: wait on the SOCKS fd for the backoff interval (client/backoff),
 * take what tor has ready (up to 64 KiB), POST it, write the answer's body
 * back to tor, repeat until either side ends.  Each request goes through
 * httpc_exchange (client/httpc: the one request try; client/retry: the
 * failure policy; the report).
 * Thread: the session thread.
 */
#ifndef MEEK_CLIENT_CLASSIC_H
#define MEEK_CLIENT_CLASSIC_H
#include <stddef.h>
#include "client/ctx.h"

/* Runs the session as classic meek until it ends.  `first` bytes of
 * downstream data are already in c->buf (the answer of an open the server
 * took as a classic poll; then `opened` is 1), else `first` is 0.  Logs
 * why the session ended. */
void classic_run(const struct mode_ctx *c, int opened, size_t first);

#endif
