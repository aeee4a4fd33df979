/*
 * clock: the monotonic clock in milliseconds, for deadlines and idle times.
 * Thread: any.
 */
#ifndef MEEK_SHARED_CLOCK_H
#define MEEK_SHARED_CLOCK_H
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC (never jumps with the wall clock). */
long long clock_ms(void);
/* An absolute deadline `timeout_ms` from now; -1 (none) when negative.
 * A whole handshake shares one, so a peer trickling one byte per read
 * cannot stretch it. */
long long clock_deadline(int timeout_ms);
/* Milliseconds left before `deadline` (rounded up, at most INT_MAX), 0 when
 * it passed, -1 when there is none: the form every timeout_ms takes. */
int clock_left(long long deadline);
/* The one rate limit (a warning at most every N seconds, a trim at most
 * every N ms...): returns 1, and records now in *last, when *last is 0
 * (never) or at least `every_ms` have passed since it; 0 else.  Any number
 * of threads may share one *last: exactly one of them gets the 1. */
int clock_due(_Atomic long long *last, long long every_ms);
/* The absolute time `ms` (>= 0) from now on clock `clk`, the form
 * pthread_cond_timedwait() takes: CLOCK_MONOTONIC for a condition
 * variable set to it, else CLOCK_REALTIME. */
struct timespec clock_after(clockid_t clk, long long ms);

#endif
