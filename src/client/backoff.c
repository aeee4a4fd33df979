#include "config.h"
#include "client/backoff.h"

int
backoff_next(int cur_ms, int moved)
{
	long next;

	if (moved)
		return 0;
	if (cur_ms <= 0)
		return BACKOFF_INIT_MS;
	/* Integer x1.5 keeps the schedule exact: 100, 150, 225, 337, ... */
	next = (long)cur_ms + cur_ms / 2;
	if (next > BACKOFF_MAX_MS)
		next = BACKOFF_MAX_MS;
	return (int)next;
}

int
backoff_retry_delay(int tries)
{
	long d = 1000;

	if (tries <= 1)
		return 1000;
	for (int i = 1; i < tries && d < BACKOFF_RETRY_MAX_MS; i++)
		d *= 2;
	return d > BACKOFF_RETRY_MAX_MS ? BACKOFF_RETRY_MAX_MS : (int)d;
}
