#include "config.h"
#include "shared/net.h"
#include "shared/arena.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int
net_parse_port(const char *p, uint16_t *port, int allow_zero)
{
	unsigned long v = 0;
	size_t n = 0;

	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++, n++) {
		if (*p < '0' || *p > '9' || n >= 5)
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535 || (v == 0 && !allow_zero))
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
net_split_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port, int allow_zero, const char **why)
{
	const char *h, *colon;
	size_t hl;

	if (s == NULL || *s == '\0')
		return meek_fail(why, "empty address", MEEK_EINVAL);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL)
			return meek_fail(why, "missing ']' in IPv6 address",
			    MEEK_EINVAL);
		h = s + 1;
		hl = (size_t)(end - h);
		if (end[1] != ':')
			return meek_fail(why, "missing port", MEEK_EINVAL);
		colon = end + 1;
		if (memchr(h, '[', hl) != NULL)
			return meek_fail(why, "bad IPv6 address", MEEK_EINVAL);
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return meek_fail(why, "missing port", MEEK_EINVAL);
		h = s;
		hl = (size_t)(colon - s);
		if (memchr(h, ':', hl) != NULL)
			return meek_fail(why, "IPv6 address needs brackets",
			    MEEK_EINVAL);
		if (memchr(h, ']', hl) != NULL)
			return meek_fail(why, "bad host", MEEK_EINVAL);
	}
	if (hl == 0)
		return meek_fail(why, "missing host", MEEK_EINVAL);
	if (hl >= hostlen)
		return meek_fail(why, "host too long", MEEK_EINVAL);
	if (net_parse_port(colon + 1, port, allow_zero) < 0)
		return meek_fail(why, "bad port", MEEK_EINVAL);
	memcpy(host, h, hl);
	host[hl] = '\0';
	return 0;
}

int
net_connect_error(int e, const char **why)
{
	switch (e) {
	case ECONNREFUSED:
		return meek_fail(why, "connection refused", MEEK_ECONNREFUSED);
	case ETIMEDOUT:
		return meek_fail(why, "connect timed out", MEEK_ECONNTIMEDOUT);
	case ENETUNREACH:
		return meek_fail(why, "network unreachable", MEEK_ECONNECT);
	case EHOSTUNREACH:
		return meek_fail(why, "host unreachable", MEEK_ECONNECT);
	case EAFNOSUPPORT:
		return meek_fail(why, "address not available", MEEK_ECONNECT);
	case EADDRNOTAVAIL:
	case EADDRINUSE:
		return meek_fail(why,
		    "address not available or no free local port",
		    MEEK_ECONNECT);
	default:
		return meek_fail(why, "connect failed", MEEK_ECONNECT);
	}
}

/* Makes `fd` blocking again and sets TCP_NODELAY (best effort). */
static void
net_finish_socket(int fd)
{
	int fl, one = 1;

	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int
net_connect_socket(int fd, const struct sockaddr *sa, socklen_t salen,
    int timeout_ms, const char **why)
{
	int e, r;
	socklen_t elen;

	/* A non-blocking connect interrupted by a signal goes on in the
	 * background, as EINPROGRESS does. */
	r = connect(fd, sa, salen);
	if (r < 0 && errno != EINPROGRESS && errno != EINTR) {
		e = errno;
		close(fd);
		return net_connect_error(e, why);
	}
	if (r < 0) {
		r = net_wait(fd, POLLOUT, timeout_ms);
		if (r <= 0) {
			close(fd);
			if (why)
				*why = r == 0 ? "connect timed out" : "poll failed";
			return r == 0 ? MEEK_ECONNTIMEDOUT : MEEK_ECONNECT;
		}
		e = 0;
		elen = sizeof e;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
			e = errno;
		if (e != 0) {
			close(fd);
			return net_connect_error(e, why);
		}
	}
	net_finish_socket(fd);
	return fd;
}

/* One non-blocking connect bounded by `deadline`.  Returns the fd or an
 * error code. */
static int
net_try_connect(const struct addrinfo *ai, long long deadline,
    const char **why)
{
	int fd;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return net_connect_error(errno, why);
	return net_connect_socket(fd, ai->ai_addr, ai->ai_addrlen,
	    clock_left(deadline), why);
}

int
net_dial(const char *host, uint16_t port, int timeout_ms, const char **why)
{
	struct addrinfo hints, *res, *ai;
	char portstr[8];
	long long deadline;
	int r, err = MEEK_ECONNECT;
	const char *ewhy = "no address";

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r != 0) {
		if (why) {
			switch (r) {
			case EAI_NONAME:
				*why = "unknown host";
				break;
			case EAI_AGAIN:
				*why = "temporary name resolution failure";
				break;
			default:
				*why = "name resolution failed";
				break;
			}
		}
		return MEEK_ERESOLVE;
	}
	deadline = clock_deadline(timeout_ms);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		r = net_try_connect(ai, deadline, &ewhy);
		if (r >= 0) {
			freeaddrinfo(res);
			return r;
		}
		err = r;
		if (deadline >= 0 && clock_left(deadline) == 0) {
			err = MEEK_ECONNTIMEDOUT;
			ewhy = "connect timed out";
			break;
		}
	}
	freeaddrinfo(res);
	if (why)
		*why = ewhy;
	return err;
}

int
net_listen(const char *addr, int backlog, const char **why)
{
	struct addrinfo hints, *res;
	char host[NET_HOST_MAX], portstr[8];
	uint16_t port;
	int r, fd, one = 1, e;

	r = net_split_hostport(addr, host, sizeof host, &port, 1, why);
	if (r < 0)
		return r;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (strcmp(host, "localhost") == 0) {
		/* Loopback only, IPv4 first as Go does for "localhost". */
		strcpy(host, "127.0.0.1");
	} else if (!net_is_ip_literal(host)) {
		return meek_fail(why,
		    "listen address must be an IP address or localhost",
		    MEEK_EINVAL);
	}
	hints.ai_flags |= AI_NUMERICHOST;
	snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
	if (getaddrinfo(host, portstr, &hints, &res) != 0 || res == NULL)
		return meek_fail(why, "bad listen address", MEEK_EINVAL);
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return meek_fail(why, "cannot create socket", MEEK_EIO);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		e = errno;
		freeaddrinfo(res);
		close(fd);
		if (why) {
			switch (e) {
			case EADDRINUSE:
				*why = "address already in use";
				break;
			case EADDRNOTAVAIL:
				*why = "address not available";
				break;
			case EACCES:
				*why = "permission denied";
				break;
			default:
				*why = "bind failed";
				break;
			}
		}
		return MEEK_EIO;
	}
	freeaddrinfo(res);
	if (listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0) {
		e = errno;
		close(fd);
		return meek_fail(why,
		    e == EADDRINUSE ? "address already in use" : "listen failed",
		    MEEK_EIO);
	}
	return fd;
}

/* Points at the IPv4 address inside an IPv4-mapped IPv6 address, else
 * NULL: such peers are shown as plain IPv4, as Go does. */
static const void *
net_unmapped_v4(const struct sockaddr_in6 *s6)
{
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return &s6->sin6_addr.s6_addr[12];
	return NULL;
}

char *
net_ip_format(const struct sockaddr *sa, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (sa == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len) == NULL)
			snprintf(buf, len, "?");
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		const void *v4 = net_unmapped_v4(s6);
		const char *r;

		if (v4 != NULL)
			r = inet_ntop(AF_INET, v4, buf, (socklen_t)len);
		else
			r = inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
		if (r == NULL)
			snprintf(buf, len, "?");
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(buf, len, "unix");
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

char *
net_hostport(char *buf, size_t len, const char *host, int port)
{
	int v6 = strchr(host, ':') != NULL;

	if (len == 0)
		return buf;
	if (port < 0)
		snprintf(buf, len, v6 ? "[%s]" : "%s", host);
	else
		snprintf(buf, len, v6 ? "[%s]:%d" : "%s:%d", host, port);
	return buf;
}

char *
net_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return net_ip_format(sa, buf, len);
	/* An IPv4-mapped peer prints as its IPv4 address, without brackets. */
	net_ip_format(sa, ip, sizeof ip);
	return net_hostport(buf, len, ip, ntohs(sa->sa_family == AF_INET ?
	    ((const struct sockaddr_in *)sa)->sin_port :
	    ((const struct sockaddr_in6 *)sa)->sin6_port));
}

char *
net_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	if (log_is_unsafe())
		return net_addr_format(sa, buf, len);
	if (len > 0)
		snprintf(buf, len, "[scrubbed]");
	return buf;
}

/* The local (peer == 0) or remote address of `fd`, formatted; "?" when
 * the socket has none. */
static char *
net_name(int fd, int peer, int ip_only, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl) :
	    getsockname(fd, (struct sockaddr *)&ss, &sl);

	if (r < 0) {
		if (len > 0)
			snprintf(buf, len, "?");
		return buf;
	}
	if (ip_only)
		return net_ip_format((struct sockaddr *)&ss, buf, len);
	return net_addr_format((struct sockaddr *)&ss, buf, len);
}

char *
net_sockname(int fd, char *buf, size_t len)
{
	return net_name(fd, 0, 0, buf, len);
}

char *
net_peername(int fd, char *buf, size_t len, int ip_only)
{
	return net_name(fd, 1, ip_only, buf, len);
}

int
net_parse_ip(const char *s, unsigned char out[16], size_t *len)
{
	char v6[INET6_ADDRSTRLEN + 1];
	size_t n;

	*len = 0;
	if (s == NULL)
		return MEEK_EINVAL;
	n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		/* brackets only around IPv6 ("[::1]", not "[1.2.3.4]") */
		if (n - 2 >= sizeof v6)
			return MEEK_EINVAL;
		memcpy(v6, s + 1, n - 2);
		v6[n - 2] = '\0';
		if (inet_pton(AF_INET6, v6, out) != 1)
			return MEEK_EINVAL;
		*len = 16;
		return 0;
	}
	if (inet_pton(AF_INET, s, out) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*len = 16;
		return 0;
	}
	return MEEK_EINVAL;
}

int
net_is_ip_literal(const char *ip)
{
	unsigned char tmp[16];
	size_t len;

	return ip != NULL && ip[0] != '[' && net_parse_ip(ip, tmp, &len) == 0;
}

int
net_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd;
	long long deadline;
	int r;

	deadline = clock_deadline(timeout_ms);
	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, clock_left(deadline));
		if (r > 0) {
			if (pfd.revents & POLLNVAL)
				return MEEK_EIO;
			return 1;
		}
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return MEEK_EIO;
	}
}

/* A net_wait() result as an error code: 0 ready, MEEK_ETIMEDOUT, MEEK_EIO. */
static int
net_wait_code(int r)
{
	return r > 0 ? 0 : r == 0 ? MEEK_ETIMEDOUT : MEEK_EIO;
}

static int
net_wait_rc(int fd, short events, int timeout_ms)
{
	return net_wait_code(net_wait(fd, events, timeout_ms));
}

int
net_wait_idle(int fd, short events, int timeout_ms, void (*idle)(void *),
    void *arg)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r = arena_poll(&pfd, 1, timeout_ms, idle, arg);

	if (r > 0 && (pfd.revents & POLLNVAL))
		r = -1;
	return net_wait_code(r);
}

/* Moves the front of `iov[0..n)` past `done` bytes: returns the index of
 * the first iovec with bytes left (n when none). */
static int
net_iov_advance(struct iovec *iov, int n, size_t done)
{
	int i = 0;

	while (i < n && done >= iov[i].iov_len)
		done -= iov[i++].iov_len;
	if (i < n) {
		iov[i].iov_base = (unsigned char *)iov[i].iov_base + done;
		iov[i].iov_len -= done;
	}
	return i;
}

/* One transfer, the part net_read_some (events POLLIN) and net_writev_all
 * (POLLOUT) share: a socket is tried first without waiting (MSG_DONTWAIT;
 * a write never raises SIGPIPE) and waited on only when it would block;
 * another fd (ENOTSOCK: a pipe) is waited on, then read or written.
 * *is_sock (1 at first) carries that over calls.  Returns what
 * recvmsg/sendmsg/readv/writev returned (>= 0), or MEEK_ETIMEDOUT /
 * MEEK_EIO. */
static long
net_xfer(int fd, short events, struct iovec *v, int n, int *is_sock,
    int timeout_ms)
{
	struct msghdr msg;
	ssize_t r;
	int rc;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = v;
	msg.msg_iovlen = (size_t)n;
	for (;;) {
		if (*is_sock) {
			r = events == POLLIN ? recvmsg(fd, &msg, MSG_DONTWAIT) :
			    sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r < 0 && errno == ENOTSOCK) {
				*is_sock = 0;
				continue;
			}
		} else {
			if ((rc = net_wait_rc(fd, events, timeout_ms)) != 0)
				return rc;
			r = events == POLLIN ? readv(fd, v, n) : writev(fd, v, n);
		}
		if (r >= 0)
			return (long)r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((rc = net_wait_rc(fd, events, timeout_ms)) != 0)
				return rc;
			continue;
		}
		return MEEK_EIO;
	}
}

int
net_writev_all(int fd, const struct iovec *iov, int n, int timeout_ms)
{
	struct iovec v[NET_IOV_MAX];
	int is_sock = 1, i;
	long w;

	if (n < 0 || n > NET_IOV_MAX)
		return MEEK_EINVAL;
	memcpy(v, iov, (size_t)n * sizeof *v);
	i = net_iov_advance(v, n, 0);
	while (i < n) {
		if ((w = net_xfer(fd, POLLOUT, v + i, n - i, &is_sock,
		    timeout_ms)) < 0)
			return (int)w;
		if (w == 0)
			return MEEK_EIO;
		i += net_iov_advance(v + i, n - i, (size_t)w);
	}
	return 0;
}

int
net_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	struct iovec v = { (void *)(uintptr_t)buf, len };

	return net_writev_all(fd, &v, 1, timeout_ms);
}

size_t
net_read_ready(int fd, void *buf, size_t cap, int *ended)
{
	unsigned char *p = buf;
	size_t n = 0;

	while (n < cap) {
		ssize_t r = recv(fd, p + n, cap - n, MSG_DONTWAIT);

		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		*ended = r == 0 ? MEEK_ECLOSED : MEEK_EIO;
		break;
	}
	return n;
}

long
net_read_some(int fd, void *buf, size_t len, int timeout_ms)
{
	struct iovec v = { buf, len };
	int is_sock = 1;
	long n;

	if (len == 0)
		return 0;
	n = net_xfer(fd, POLLIN, &v, 1, &is_sock, timeout_ms);
	return n == 0 ? MEEK_ECLOSED : n;
}

int
net_read_exact(long (*rd)(void *, void *, size_t), void *ctx, void *buf,
    size_t len)
{
	unsigned char *p = buf;
	long n;

	while (len > 0) {
		if ((n = rd(ctx, p, len)) < 0)
			return (int)n;
		if (n == 0)
			return MEEK_ECLOSED;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The fd and the bound on each wait of net_read_full / net_read_full_by. */
struct net_rd {
	int fd;
	int timeout_ms;
	long long deadline;
};

static long
net_rd_some(void *ctx, void *buf, size_t len)
{
	const struct net_rd *r = ctx;

	return net_read_some(r->fd, buf, len, r->timeout_ms);
}

static long
net_rd_by(void *ctx, void *buf, size_t len)
{
	const struct net_rd *r = ctx;
	int left = clock_left(r->deadline);

	if (left == 0)
		return MEEK_ETIMEDOUT;
	return net_read_some(r->fd, buf, len, left);
}

int
net_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	struct net_rd r = { fd, timeout_ms, 0 };

	return net_read_exact(net_rd_some, &r, buf, len);
}

int
net_read_full_by(int fd, void *buf, size_t len, long long deadline)
{
	struct net_rd r = { fd, 0, deadline };

	return net_read_exact(net_rd_by, &r, buf, len);
}

int
net_write_all_by(int fd, const void *buf, size_t len, long long deadline)
{
	int left = clock_left(deadline);

	if (left == 0)
		return MEEK_ETIMEDOUT;
	return net_write_all(fd, buf, len, left);
}
