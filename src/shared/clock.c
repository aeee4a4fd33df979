#include "config.h"
#include "shared/clock.h"

#include <limits.h>
#include <stdatomic.h>
#include <time.h>

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
clock_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
}

int
clock_left(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - clock_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

int
clock_due(_Atomic long long *last, long long every_ms)
{
	long long now = clock_ms(), prev = atomic_load(last);

	if (prev != 0 && now - prev < every_ms)
		return 0;
	if (now == 0)
		now = 1;        /* 0 means never */
	return atomic_compare_exchange_strong(last, &prev, now);
}

struct timespec
clock_after(clockid_t clk, long long ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}
