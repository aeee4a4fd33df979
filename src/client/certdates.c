#include "config.h"
#include "client/certdates.h"
#include "shared/err.h"
#include "shared/tlsclient.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

char *
certdates_day(char *buf, size_t len, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

enum certdates_verdict
certdates_probe(const struct proxy *proxy, const char *host,
    unsigned short port, const char *sni, enum tlshello_profile hello,
    int timeout_ms, long long *not_before, long long *not_after)
{
	const char *why = NULL;
	long long nb = 0, na = 0, now = (long long)time(NULL);
	int fd, r;

	fd = proxy_dial(proxy, host, port, timeout_ms, &why);
	if (fd < 0)
		return CERTDATES_UNKNOWN;
	/* The same hello as the real connection: a probe must not look
	 * different on the wire. */
	r = tlsclient_cert_dates(fd, sni, hello, timeout_ms, &nb, &na, &why);
	close(fd);
	if (r != 0)
		return CERTDATES_UNKNOWN;
	if (not_before)
		*not_before = nb;
	if (not_after)
		*not_after = na;
	return now < nb ? CERTDATES_NOT_YET_VALID :
	    now > na ? CERTDATES_EXPIRED : CERTDATES_VALID;
}
