/*
 * clock: the monotonic clock in milliseconds, for deadlines and idle times.
 * Thread: any.
 */
#ifndef MEEK_SHARED_CLOCK_H
#define MEEK_SHARED_CLOCK_H

/* Milliseconds of CLOCK_MONOTONIC (never jumps with the wall clock). */
long long clock_ms(void);

#endif
