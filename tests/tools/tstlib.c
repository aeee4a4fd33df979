#include "config.h"
#include "tstlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

double
tst_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
tst_left_ms(double deadline)
{
	double left;

	if (deadline == 0)
		return -1;
	left = deadline - tst_now();
	if (left <= 0)
		return 0;
	if (left > 3600)
		left = 3600;
	return (int)(left * 1000) + 1;
}

int
tst_parse_addr(const char *s, struct sockaddr_in *sin, long min_port)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < min_port || port > 65535)
		return -1;
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

int
tst_parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
tst_listen(const struct sockaddr_in *sin, char *bound, size_t boundlen)
{
	struct sockaddr_in got;
	socklen_t slen = sizeof got;
	char host[INET_ADDRSTRLEN];
	int fd, one = 1, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)sin, sizeof *sin) < 0
	    || listen(fd, 128) < 0
	    || getsockname(fd, (struct sockaddr *)&got, &slen) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	inet_ntop(AF_INET, &got.sin_addr, host, sizeof host);
	snprintf(bound, boundlen, "%s:%u", host, (unsigned)ntohs(got.sin_port));
	return fd;
}

int
tst_accept(int lfd)
{
	int one = 1;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			return fd;
		}
		if (errno == EMFILE || errno == ENFILE)
			usleep(100000);
		else if (errno != EINTR && errno != ECONNABORTED)
			return -1;
	}
}

int
tst_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	pthread_attr_init(&attr);
	if (tid == NULL)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(tid != NULL ? tid : &t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

int
tst_wait(int fd, short events, int ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int r = poll(&pfd, 1, ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		return r == 0 ? 0 : pfd.revents;
	}
}

int
tst_send_all(int fd, const void *buf, size_t len, double deadline)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n;

		if (tst_wait(fd, POLLOUT, tst_left_ms(deadline)) <= 0)
			return -1;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tst_recv_full(int fd, void *buf, size_t len, double deadline, int *eof)
{
	unsigned char *p = buf;

	*eof = 0;
	while (len > 0) {
		ssize_t n;

		if (tst_wait(fd, POLLIN, tst_left_ms(deadline)) <= 0)
			return -1;
		n = recv(fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (n == 0) {
			*eof = 1;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
tst_hex(char out[65], const unsigned char digest[32])
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

void
tst_usage_exit(const char *usage, const struct opt *t)
{
	opt_usage(stderr, usage, t);
	exit(2);
}

int
tst_getopt(int argc, char **argv, const struct opt *t, const char *usage)
{
	static struct option *longopts;     /* of `built`, made once */
	static const struct opt *built;
	int c;

	if (built != t) {
		free(longopts);
		longopts = calloc(opt_count(t) + 1, sizeof *longopts);
		if (longopts == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		opt_longopts(t, longopts);
		built = t;
	}
	c = getopt_long(argc, argv, "", longopts, NULL);
	if (c == TST_KEY_HELP) {
		opt_usage(stdout, usage, t);
		exit(0);
	}
	if (c == '?' || c == ':' || (c == -1 && optind != argc))
		tst_usage_exit(usage, t);
	return c;
}
