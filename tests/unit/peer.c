/* peer: see peer.h. */
#include "config.h"
#include "tests/unit/peer.h"
#include "tests/unit/unit.h"
#include "shared/http.h"
#include "shared/net.h"
#include "shared/pool.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void
peer_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
}

int
peer_get(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
peer_put(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		shutdown(fd, SHUT_RDWR);
}

void
peer_expect(int fd, const void *want, size_t len)
{
	unsigned char got[600];

	ck_assert_uint_le(len, sizeof got);
	ck_assert_int_eq(peer_get(fd, got, len), 0);
	ck_assert_mem_eq(got, want, len);
}

void
peer_drain(int fd)
{
	char c;

	while (read(fd, &c, 1) > 0)
		;
}

int
peer_listen(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

struct pool *
peer_pool(const struct pool_service *svc, int threads, int queue, char *addr,
    size_t addrlen)
{
	struct pool_conf pc = { .threads = threads, .queue = queue,
	    .stack_kb = 256, .svc = svc };
	const char *why = "";
	struct pool *p;
	int lfd;

	lfd = net_listen("127.0.0.1:0", 16, &why);
	ck_assert_msg(lfd >= 0, "listen: %s", why);
	ck_assert_ptr_nonnull(net_sockname(lfd, addr, addrlen));
	ck_assert_ptr_nonnull(p = pool_new(&pc));
	ck_assert_int_eq(pool_add_listener(p, lfd), 0);
	ck_assert_msg(pool_start(p, &why) == 0, "start: %s", why);
	return p;
}

int
peer_answer(struct conn *c, const struct http_msg *m, const char *type,
    const void *body, size_t len)
{
	if (http_write_response(&c->st, 200, "OK", type, NULL, body, len,
	    m->keep_alive) < 0)
		return POOL_CLOSE;
	return m->keep_alive ? POOL_KEEP : POOL_CLOSE;
}
