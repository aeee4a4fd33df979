/*
 * orport: meek-server's side of a session's connection to tor's
 * (Extended) ORPort, for every mode: the one writer, the one reader, one
 * rule for their errors, and the byte counters.
 *  - A write that fails for any reason but its timeout means tor closed
 *    or reset the connection: those upstream bytes have nowhere to go and
 *    are dropped (logged at debug), and the session goes on until the
 *    reader reports tor's end, so the client still gets every byte tor
 *    sent before it.  A timeout (tor not reading for that long) is the
 *    caller's error to report: it ends the session.
 *  - A read takes what the socket holds now, never waiting; EOF and a
 *    read error both end tor's side.
 *  - Bytes written count as STATS_BYTES_UP, bytes read as
 *    STATS_BYTES_DOWN (a retransmitted extension frame is not counted
 *    again).
 * Thread: a session's writers are serialised by the caller (the session's
 * lock or wlock), as are its readers; `st` may be shared (atomic).
 */
#ifndef MEEK_SERVER_ORPORT_H
#define MEEK_SERVER_ORPORT_H
#include <stddef.h>
#include "server/stats.h"

/* Writes the `n` bytes of `buf` to ORPort connection `fd`, each wait
 * bounded by `timeout_ms`.  Returns 0 (written, or dropped because tor's
 * side is gone) or MEEK_ETIMEDOUT.  `id` is the session's (logged in
 * log_sid's short form). */
int orport_write(int fd, const void *buf, size_t n, int timeout_ms,
    struct stats *st, const char *id);
/* Reads what `fd` holds now into `buf` (up to `cap` bytes) without
 * waiting.  Returns the byte count; sets *ended to 1 when tor's side is
 * over (EOF, or a reset or other read error), else leaves it alone. */
size_t orport_read(int fd, void *buf, size_t cap, int *ended,
    struct stats *st);

#endif
