#include "config.h"
#include "server/srcdial.h"
#include "shared/err.h"
#include "shared/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

int
srcdial_init(struct srcdial *d, const struct cidr *c, const char **why)
{
	uint32_t a;

	if (c->family != AF_INET || c->addr[0] != 127 || c->bits < 16) {
		*why = "--orport-source must be a range of at most /16 "
		    "inside 127.0.0.0/8";
		return MEEK_EINVAL;
	}
	memcpy(&a, c->addr, 4);
	d->first = ntohl(a);
	d->count = 1U << (32 - c->bits);
	atomic_init(&d->next, 0);
	return 0;
}

int
srcdial_dial(struct srcdial *d, const char *host, uint16_t port,
    int timeout_ms, const char **why)
{
	struct sockaddr_in src, dst;
	unsigned int turn;
	int fd, e, one = 1;

	memset(&dst, 0, sizeof dst);
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &dst.sin_addr) != 1) {
		*why = "--orport-source needs an IPv4 --orport";
		return MEEK_EINVAL;
	}
	turn = atomic_fetch_add(&d->next, 1) % d->count;
	memset(&src, 0, sizeof src);
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(d->first + turn);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return net_connect_error(errno, why);
	/* The port is chosen at connect(), per destination: without this a
	 * bind() to port 0 would reserve the port for every destination. */
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof one);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
		e = errno;
		close(fd);
		return net_connect_error(e, why);
	}
	return net_connect_socket(fd, (struct sockaddr *)&dst, sizeof dst,
	    timeout_ms, why);
}
