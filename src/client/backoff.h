/*
 * backoff: the poll and retry schedules of a meek-client session, as pure
 * functions (no clock, no state) so the unit tests can walk them.
 *
 * Poll interval (meek's constants, pt-protocol.md §5): 0 after any round in
 * which data moved either way; else 100 ms after a 0 interval, then x1.5 per
 * empty round, capped at 5 s.
 * Retry delay after a non-200 answer: 1 s, 2 s, 4 s, 8 s, then 10 s, for at
 * most BACKOFF_MAX_TRIES tries of the same body in total.
 * Thread: any.
 */
#ifndef MEEK_CLIENT_BACKOFF_H
#define MEEK_CLIENT_BACKOFF_H

#define BACKOFF_INIT_MS 100
#define BACKOFF_MAX_MS 5000
#define BACKOFF_MAX_TRIES 10
#define BACKOFF_RETRY_MAX_MS 10000

/* Returns the interval (ms) to wait for SOCKS data before the next request,
 * given the interval `cur_ms` used for the round just finished and whether
 * data moved in it (`moved` non-zero). */
int backoff_next(int cur_ms, int moved);

/* Returns the delay (ms) before the next try of a request that has been
 * answered with a non-200 status `tries` times (tries >= 1). */
int backoff_retry_delay(int tries);

#endif
