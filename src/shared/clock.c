#include "config.h"
#include "shared/clock.h"

#include <limits.h>
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
