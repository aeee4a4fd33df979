/* net: real sockets on 127.0.0.1 with kernel ports (the stream over them:
 * test_stream.c). */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define UNIT_SUITE "net"

#define T_WAIT 10000   /* generous bound for anything that should succeed */

/* Port of listening socket `fd`. */
static uint16_t
test_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

UNIT_TEST("parse_format", net_split_hostport_vectors)
{
	static const struct {
		const char *in;
		int allow_zero;
		int ok;
		const char *host;
		unsigned port;
	} v[] = {
		{ "127.0.0.1:80", 0, 1, "127.0.0.1", 80 },
		{ "[::1]:443", 0, 1, "::1", 443 },
		{ "[2001:db8::1]:65535", 0, 1, "2001:db8::1", 65535 },
		{ "example.com:8080", 0, 1, "example.com", 8080 },
		{ "localhost:0", 1, 1, "localhost", 0 },
		{ "localhost:0", 0, 0, NULL, 0 },
		{ "host:65536", 0, 0, NULL, 0 },
		{ "host:-1", 0, 0, NULL, 0 },
		{ "host:+1", 0, 0, NULL, 0 },
		{ "host:", 0, 0, NULL, 0 },
		{ "host:8o", 0, 0, NULL, 0 },
		{ "host:000080", 0, 0, NULL, 0 },
		{ "host", 0, 0, NULL, 0 },
		{ ":80", 0, 0, NULL, 0 },
		{ "::1:80", 0, 0, NULL, 0 },
		{ "[::1]", 0, 0, NULL, 0 },
		{ "[::1:80", 0, 0, NULL, 0 },
		{ "[::1]80", 0, 0, NULL, 0 },
		{ "[]:80", 0, 0, NULL, 0 },
		{ "", 0, 0, NULL, 0 },
	};
	char host[NET_HOST_MAX];
	uint16_t port;
	const char *why;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		int r;

		why = NULL;
		port = 12345;
		r = net_split_hostport(v[i].in, host, sizeof host, &port,
		    v[i].allow_zero, &why);
		if (v[i].ok) {
			ck_assert_msg(r == 0, "%s rejected: %s", v[i].in, why);
			ck_assert_str_eq(host, v[i].host);
			ck_assert_uint_eq(port, v[i].port);
		} else {
			ck_assert_msg(r == MEEK_EINVAL, "%s accepted", v[i].in);
			ck_assert_ptr_nonnull(why);
		}
	}
	/* Host longer than the caller's buffer. */
	char small[4];
	ck_assert_int_eq(net_split_hostport("abcd:1", small, sizeof small, &port,
	    0, &why), MEEK_EINVAL);
	ck_assert_int_eq(net_split_hostport("abc:1", small, sizeof small, &port,
	    0, &why), 0);
}
END_TEST

UNIT_TEST("connect", net_listen_then_dial, .timeout = 30)
{
	const char *why = NULL;
	char buf[NET_ADDRSTR_MAX], peer[NET_ADDRSTR_MAX];
	int lfd, cfd, afd;

	lfd = net_listen("127.0.0.1:0", 8, &why);
	ck_assert_msg(lfd >= 0, "listen: %s", why);
	net_sockname(lfd, buf, sizeof buf);
	ck_assert_msg(strncmp(buf, "127.0.0.1:", 10) == 0, "%s", buf);
	cfd = net_dial("127.0.0.1", test_port(lfd), T_WAIT, &why);
	ck_assert_msg(cfd >= 0, "dial: %s", why);
	afd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(afd, 0);
	ck_assert_int_eq(net_write_all(cfd, "ping", 4, T_WAIT), 0);
	ck_assert_int_eq(net_read_full(afd, buf, 4, T_WAIT), 0);
	ck_assert(memcmp(buf, "ping", 4) == 0);
	net_peername(afd, peer, sizeof peer, 1);
	ck_assert_str_eq(peer, "127.0.0.1");
	net_peername(afd, peer, sizeof peer, 0);
	net_sockname(cfd, buf, sizeof buf);
	ck_assert_str_eq(peer, buf);
	close(afd);
	close(cfd);
	close(lfd);
}
END_TEST

UNIT_TEST("connect", net_listen_localhost_and_ipv6)
{
	const char *why = NULL;
	char buf[NET_ADDRSTR_MAX];
	int fd;

	fd = net_listen("localhost:0", 4, &why);
	ck_assert_msg(fd >= 0, "listen: %s", why);
	net_sockname(fd, buf, sizeof buf);
	ck_assert_msg(strncmp(buf, "127.0.0.1:", 10) == 0, "%s", buf);
	close(fd);
	/* IPv6 may be disabled on the test machine: check only the form. */
	fd = net_listen("[::1]:0", 4, &why);
	if (fd >= 0) {
		net_sockname(fd, buf, sizeof buf);
		ck_assert_msg(strncmp(buf, "[::1]:", 6) == 0, "%s", buf);
		close(fd);
	}
	ck_assert_int_eq(net_listen("example.com:80", 4, &why), MEEK_EINVAL);
	ck_assert_int_eq(net_listen("127.0.0.1", 4, &why), MEEK_EINVAL);
}
END_TEST

UNIT_TEST("connect", net_listen_reports_address_in_use)
{
	const char *why = NULL;
	char addr[NET_ADDRSTR_MAX];
	int fd, fd2;

	fd = net_listen("127.0.0.1:0", 4, &why);
	ck_assert_int_ge(fd, 0);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)test_port(fd));
	fd2 = net_listen(addr, 4, &why);
	ck_assert_int_eq(fd2, MEEK_EIO);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, "in use") != NULL, "%s", why);
	close(fd);
}
END_TEST

UNIT_TEST("connect", net_dial_refused)
{
	const char *why = NULL;
	uint16_t port;
	int fd;

	/* A port the kernel just gave us and that nobody listens on now. */
	fd = net_listen("127.0.0.1:0", 1, &why);
	ck_assert_int_ge(fd, 0);
	port = test_port(fd);
	close(fd);
	ck_assert_int_eq(net_dial("127.0.0.1", port, T_WAIT, &why),
	    MEEK_ECONNREFUSED);
	ck_assert_str_eq(why, "connection refused");
}
END_TEST

UNIT_TEST("connect", net_dial_bad_host)
{
	const char *why = NULL;

	ck_assert_int_eq(net_dial("", 80, T_WAIT, &why), MEEK_ERESOLVE);
	ck_assert_ptr_nonnull(why);
}
END_TEST

UNIT_TEST("io", net_wait_times_out, .timeout = 30)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(net_wait(sv[0], POLLIN, 50), 0);
	ck_assert_int_eq(net_wait(sv[0], POLLOUT, T_WAIT), 1);
	ck_assert_int_eq(write(sv[1], "x", 1), 1);
	ck_assert_int_eq(net_wait(sv[0], POLLIN, T_WAIT), 1);
	close(sv[0]);
	close(sv[1]);
	/* A closed descriptor is an error, not a timeout. */
	ck_assert_int_eq(net_wait(sv[0], POLLIN, 10), MEEK_EIO);
}
END_TEST

UNIT_TEST("io", net_read_full_eof_is_closed)
{
	char buf[16];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(net_write_all(sv[1], "abc", 3, T_WAIT), 0);
	close(sv[1]);
	ck_assert_int_eq(net_read_full(sv[0], buf, sizeof buf, T_WAIT),
	    MEEK_ECLOSED);
	ck_assert_int_eq(net_read_some(sv[0], buf, sizeof buf, T_WAIT),
	    MEEK_ECLOSED);
	close(sv[0]);
}
END_TEST

UNIT_TEST("io", net_read_some_times_out)
{
	char buf[4];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(net_read_some(sv[0], buf, sizeof buf, 30), MEEK_ETIMEDOUT);
	ck_assert_int_eq(net_write_all(sv[1], "ab", 2, T_WAIT), 0);
	ck_assert_int_eq(net_read_some(sv[0], buf, sizeof buf, T_WAIT), 2);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

UNIT_TEST("io", net_read_ready_takes_what_is_there)
{
	char buf[8];
	int sv[2], ended = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Nothing there: 0 at once, no end. */
	ck_assert_uint_eq(net_read_ready(sv[0], buf, sizeof buf, &ended), 0);
	ck_assert_int_eq(ended, 0);
	/* Two writes, one call; at most `cap`, the rest stays. */
	ck_assert_int_eq(net_write_all(sv[1], "abc", 3, T_WAIT), 0);
	ck_assert_int_eq(net_write_all(sv[1], "defghij", 7, T_WAIT), 0);
	ck_assert_uint_eq(net_read_ready(sv[0], buf, sizeof buf, &ended), 8);
	ck_assert_int_eq(memcmp(buf, "abcdefgh", 8), 0);
	ck_assert_int_eq(ended, 0);
	/* Bytes before the EOF come back with the end. */
	close(sv[1]);
	ck_assert_uint_eq(net_read_ready(sv[0], buf, sizeof buf, &ended), 2);
	ck_assert_int_eq(memcmp(buf, "ij", 2), 0);
	ck_assert_int_eq(ended, MEEK_ECLOSED);
	close(sv[0]);
}
END_TEST

UNIT_TEST("io", net_write_to_closed_peer_no_sigpipe)
{
	static char big[1 << 16];
	int sv[2], r = 0;

	/* The runner ignores SIGPIPE; restore the default to prove that
	 * net_write_all never raises it. */
	signal(SIGPIPE, SIG_DFL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	for (int i = 0; i < 4 && r == 0; i++)
		r = net_write_all(sv[0], big, sizeof big, T_WAIT);
	ck_assert_int_eq(r, MEEK_EIO);
	close(sv[0]);
	signal(SIGPIPE, SIG_IGN);
}
END_TEST

/* The pieces of net_writev_all() arrive whole and in order, across the
 * partial sends a full socket buffer causes, with an empty piece skipped. */
#define T_VBIG 700000
static unsigned char t_vsrc[T_VBIG], t_vdst[T_VBIG];
struct t_vwriter { int fd, rc; };

static void *
t_vwrite_main(void *arg)
{
	struct t_vwriter *w = arg;
	struct iovec v[4] = {
		{ t_vsrc, 300000 }, { t_vsrc + 300000, 0 },
		{ t_vsrc + 300000, 399999 }, { t_vsrc + 699999, 1 },
	};

	w->rc = net_writev_all(w->fd, v, 4, T_WAIT);
	return NULL;
}

UNIT_TEST("io", net_writev_sends_every_piece_in_order)
{
	struct t_vwriter w;
	struct iovec v[NET_IOV_MAX + 1];
	pthread_t th;
	int sv[2], pfd[2];
	char got[8] = { 0 };

	for (size_t i = 0; i < T_VBIG; i++)
		t_vsrc[i] = (unsigned char)(i * 31 + (i >> 9));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	w.fd = sv[0];
	w.rc = 1;
	ck_assert_int_eq(pthread_create(&th, NULL, t_vwrite_main, &w), 0);
	ck_assert_int_eq(net_read_full(sv[1], t_vdst, T_VBIG, T_WAIT), 0);
	pthread_join(th, NULL);
	ck_assert_int_eq(w.rc, 0);
	ck_assert(memcmp(t_vsrc, t_vdst, T_VBIG) == 0);

	/* Not a socket: writev(). */
	ck_assert_int_eq(pipe(pfd), 0);
	v[0].iov_base = "ab";
	v[0].iov_len = 2;
	v[1].iov_base = "cde";
	v[1].iov_len = 3;
	ck_assert_int_eq(net_writev_all(pfd[1], v, 2, T_WAIT), 0);
	ck_assert_int_eq(net_read_full(pfd[0], got, 5, T_WAIT), 0);
	ck_assert_str_eq(got, "abcde");
	ck_assert_int_eq(net_writev_all(pfd[1], v, NET_IOV_MAX + 1, T_WAIT),
	    MEEK_EINVAL);
	ck_assert_int_eq(net_writev_all(pfd[1], v, -1, T_WAIT), MEEK_EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

UNIT_TEST("io", net_write_all_times_out_when_peer_stalls)
{
	static char big[1 << 16];
	int sv[2], r = 0;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (int i = 0; i < 1000 && r == 0; i++)
		r = net_write_all(sv[0], big, sizeof big, 20);
	ck_assert_int_eq(r, MEEK_ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

UNIT_TEST("parse_format", net_hostport_brackets_ipv6)
{
	char buf[NET_ADDRSTR_MAX], small[8];

	ck_assert_str_eq(net_hostport(buf, sizeof buf, "example.com", 443),
	    "example.com:443");
	ck_assert_str_eq(net_hostport(buf, sizeof buf, "192.0.2.1", 1),
	    "192.0.2.1:1");
	ck_assert_str_eq(net_hostport(buf, sizeof buf, "2001:db8::1", 8443),
	    "[2001:db8::1]:8443");
	ck_assert_str_eq(net_hostport(buf, sizeof buf, "::1", 0), "[::1]:0");
	/* No port: as a Host header. */
	ck_assert_str_eq(net_hostport(buf, sizeof buf, "::1", -1), "[::1]");
	ck_assert_str_eq(net_hostport(buf, sizeof buf, "front.example", -1),
	    "front.example");
	/* Truncated, still terminated. */
	ck_assert_str_eq(net_hostport(small, sizeof small, "2001:db8::1", 5),
	    "[2001:d");
}
END_TEST

/* Fills *ss with the IP literal `ip` (v4 or v6) and `port`. */
static struct sockaddr *
sockaddr_of(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof *ss);
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
	return (struct sockaddr *)ss;
}

UNIT_TEST("parse_format", net_formats_addresses)
{
	static const struct {
		const char *ip;
		uint16_t port;
		const char *addr;	/* net_addr_format */
		const char *ip_only;	/* net_ip_format */
	} cases[] = {
		{ "1.2.3.4", 5, "1.2.3.4:5", "1.2.3.4" },
		{ "2001:db8::1", 443, "[2001:db8::1]:443", "2001:db8::1" },
		/* IPv4-mapped peers of a dual-stack listener show as IPv4. */
		{ "::ffff:192.0.2.1", 443, "192.0.2.1:443", "192.0.2.1" },
	};
	struct sockaddr_storage ss;
	struct sockaddr *sa;
	char buf[NET_ADDRSTR_MAX];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sa = sockaddr_of(&ss, cases[i].ip, cases[i].port);
		ck_assert_str_eq(net_addr_format(sa, buf, sizeof buf),
		    cases[i].addr);
		ck_assert_str_eq(net_ip_format(sa, buf, sizeof buf),
		    cases[i].ip_only);
	}
	/* Longest form fits NET_ADDRSTR_MAX. */
	sa = sockaddr_of(&ss, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	    65535);
	net_addr_format(sa, buf, sizeof buf);
	ck_assert_uint_eq(buf[0], '[');
	ck_assert_msg(strstr(buf, "]:65535") != NULL, "%s", buf);

	sa = sockaddr_of(&ss, "1.2.3.4", 5);
	log_set_unsafe(0);
	ck_assert_str_eq(net_addr_str(sa, buf, sizeof buf), "[scrubbed]");
	log_set_unsafe(1);
	ck_assert_str_eq(net_addr_str(sa, buf, sizeof buf), "1.2.3.4:5");
	log_set_unsafe(0);
	ck_assert_str_eq(net_sockname(-1, buf, sizeof buf), "?");
	ck_assert_str_eq(net_peername(-1, buf, sizeof buf, 1), "?");
}
END_TEST

UNIT_TEST("parse_format", net_detects_ip_literals)
{
	ck_assert_int_eq(net_is_ip_literal("127.0.0.1"), 1);
	ck_assert_int_eq(net_is_ip_literal("::1"), 1);
	ck_assert_int_eq(net_is_ip_literal("2001:db8::"), 1);
	ck_assert_int_eq(net_is_ip_literal("[::1]"), 0);
	ck_assert_int_eq(net_is_ip_literal("example.com"), 0);
	ck_assert_int_eq(net_is_ip_literal("1.2.3"), 0);
	ck_assert_int_eq(net_is_ip_literal(""), 0);
	ck_assert_int_eq(net_is_ip_literal(NULL), 0);
}
END_TEST

UNIT_TEST("parse_format", net_parses_ip_literals)
{
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const unsigned char lo6[16] = { [15] = 1 };
	unsigned char ip[16];
	size_t len = 99;

	ck_assert_int_eq(net_parse_ip("127.0.0.1", ip, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(ip, "\x7f\x00\x00\x01", 4);
	ck_assert_int_eq(net_parse_ip("2001:db8::1", ip, &len), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(ip, v6, 16);
	ck_assert_int_eq(net_parse_ip("[2001:db8::1]", ip, &len), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(ip, v6, 16);
	ck_assert_int_eq(net_parse_ip("[0:0::1]", ip, &len), 0);
	ck_assert_mem_eq(ip, lo6, 16);
	/* brackets only around IPv6, and both of them */
	ck_assert_int_eq(net_parse_ip("[127.0.0.1]", ip, &len), MEEK_EINVAL);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(net_parse_ip("[::1", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("::1]", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("[]", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("[[::1]]", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("[1111:2222:3333:4444:5555:6666:255.255.255.255:7]", ip,
	    &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("front.test", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("1.2.3", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("1.2.3.4:443", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip("", ip, &len), MEEK_EINVAL);
	ck_assert_int_eq(net_parse_ip(NULL, ip, &len), MEEK_EINVAL);
	ck_assert_uint_eq(len, 0);
}
END_TEST
