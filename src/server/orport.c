#include "config.h"
#include "server/orport.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"

#include <errno.h>
#include <sys/socket.h>

int
orport_write(int fd, const void *buf, size_t n, int timeout_ms,
    struct stats *st, const char *id)
{
	char sid[LOG_SID_LEN];
	int rc;

	if (n == 0)
		return 0;
	rc = net_write_all(fd, buf, n, timeout_ms);
	if (rc == MEEK_ETIMEDOUT)
		return rc;
	if (rc < 0) {
		log_debug("session %s: ORPort write failed (%s): %zu upstream "
		    "bytes dropped, the session ends with the ORPort's end",
		    log_sid(sid, id), meek_strerror(rc), n);
		return 0;
	}
	stats_add(st, STATS_BYTES_UP, n);
	return 0;
}

size_t
orport_read(int fd, void *buf, size_t cap, int *ended, struct stats *st)
{
	int end = 0;
	size_t n = net_read_ready(fd, buf, cap, &end);

	if (end != 0)
		*ended = 1;   /* EOF, or reset: tor's side is over */
	if (n > 0)   /* the stream loop asks often, mostly for nothing */
		stats_add(st, STATS_BYTES_DOWN, n);
	return n;
}
