#include "config.h"
#include "shared/dial.h"

#include <unistd.h>

int
dial_stream(struct stream *s, const struct proxy *proxy,
    const char *host, uint16_t port, int https,
    const struct tls_anchors *anchors, const char *sni,
    enum tlshello_profile hello, unsigned char *rbuf, size_t rcap, int connect_ms, int io_ms,
    const char **why)
{
	struct tls_conn *tls = NULL;
	int fd, rc;

	fd = proxy_dial(proxy, host, port, connect_ms, why);
	if (fd < 0)
		return fd;
	if (https) {
		/* Half duplex (request, then response): the small buffer. */
		rc = tls_client_open(&tls, fd, anchors, sni, hello, 1, connect_ms,
		    why);
		if (rc != 0) {
			close(fd);
			return rc;
		}
		tls_conn_set_timeout(tls, io_ms);
	}
	stream_init(s, fd, tls, rbuf, rcap, io_ms);
	return 0;
}
