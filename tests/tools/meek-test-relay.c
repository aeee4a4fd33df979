/*
 * meek-test-relay: a TCP relay between meek-client and meek-server (or a
 * front) that breaks connections on purpose, so that a test can prove what
 * the protocol extension promises: a dropped connection is resumed without
 * a gap or a duplicate (doc/protocol.md section 5).
 *
 * Each accepted connection gets a connection to --connect and a thread that
 * copies bytes both ways.  All bytes copied, both ways, in all connections,
 * are counted together.  --resets K picks K points in that count, spread
 * over --first .. --span (one at a random place in each of K equal slices,
 * away from the slice's edges, so that the session moves between two
 * resets); when the count reaches a point, the connection carrying that
 * byte is reset right after it: both of its sockets are closed with
 * SO_LINGER 0, so each peer gets a TCP RST at an arbitrary place in a TLS
 * record or an HTTP message.
 *
 * Lines on stdout: "LISTEN ip:port", then "CONN <n>", "RESET <k> conn <n>
 * <c2s|s2c> at <count>", "END <n> c2s=<bytes> s2c=<bytes> <how>".
 */
#include "config.h"
#include "shared/opt.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tstlib.h"
#include "tststream.h"

#define RELAY_BUF 65536
#define RELAY_MAX_RESETS 1000
#define RELAY_FLUSH_MS 10000

struct relay_conf {
	struct sockaddr_in listen, connect;
	unsigned long long first, span;
	int resets;
	uint64_t seed;
};

/* relay_lock guards the count, the reset points and stdout. */
static pthread_mutex_t relay_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long relay_count;
static unsigned long long relay_points[RELAY_MAX_RESETS];
static int relay_npoints, relay_next;

struct relay_conn {
	const struct relay_conf *conf;
	int fd[2];              /* 0: the accepted side, 1: the dialled side */
	unsigned long id;
};

static void
relay_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
relay_say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&relay_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&relay_lock);
}

/* Closes fd so that the peer gets a RST. */
static void
relay_rst(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

/* Counts n bytes just read; returns how many of them may be forwarded
 * before a reset is due (n when none is), and sets *point to the reset's
 * number (or -1). */
static size_t
relay_account(size_t n, int *point, unsigned long long *at)
{
	size_t allowed = n;

	*point = -1;
	pthread_mutex_lock(&relay_lock);
	if (relay_next < relay_npoints
	    && relay_count + n >= relay_points[relay_next]) {
		allowed = (size_t)(relay_points[relay_next] - relay_count);
		*point = relay_next++;
	}
	relay_count += allowed;
	*at = relay_count;
	pthread_mutex_unlock(&relay_lock);
	return allowed;
}

/* Writes all of buf to a non-blocking fd, waiting at most RELAY_FLUSH_MS
 * for each step.  Returns 0 or -1. */
static int
relay_flush(int fd, const unsigned char *buf, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (poll(&pfd, 1, RELAY_FLUSH_MS) <= 0)
			return -1;
	}
	return 0;
}

static void *
relay_conn_main(void *arg)
{
	struct relay_conn *c = arg;
	static const char *const dir[2] = { "c2s", "s2c" };
	unsigned char *buf[2] = { malloc(RELAY_BUF), malloc(RELAY_BUF) };
	size_t len[2] = { 0, 0 }, off[2] = { 0, 0 };
	unsigned long long moved[2] = { 0, 0 };
	int rd_open[2] = { 1, 1 };   /* reading side i still open */
	const char *how = "closed";
	int i;

	if (buf[0] == NULL || buf[1] == NULL) {
		how = "out-of-memory";
		goto abort;
	}
	for (i = 0; i < 2; i++)
		fcntl(c->fd[i], F_SETFL, fcntl(c->fd[i], F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pfd[2];

		/* Data read from fd[i] waits in buf[i] for fd[1-i]. */
		for (i = 0; i < 2; i++) {
			pfd[i].fd = c->fd[i];
			pfd[i].events = 0;
			if (rd_open[i] && len[i] == off[i])
				pfd[i].events |= POLLIN;
			if (len[1 - i] > off[1 - i])
				pfd[i].events |= POLLOUT;
		}
		if (!rd_open[0] && !rd_open[1] && len[0] == off[0]
		    && len[1] == off[1])
			break;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			how = "poll-failed";
			goto abort;
		}
		for (i = 0; i < 2; i++) {
			int o = 1 - i;

			if ((pfd[o].revents & (POLLOUT | POLLERR | POLLHUP))
			    && len[i] > off[i]) {
				ssize_t n = send(c->fd[o], buf[i] + off[i],
				    len[i] - off[i], MSG_NOSIGNAL);

				if (n < 0 && errno != EAGAIN && errno != EINTR) {
					how = "write-failed";
					goto abort;
				}
				if (n > 0)
					off[i] += (size_t)n;
				if (off[i] == len[i]) {
					off[i] = len[i] = 0;
					if (!rd_open[i])
						shutdown(c->fd[o], SHUT_WR);
				}
			}
			if ((pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
			    && rd_open[i] && len[i] == off[i]) {
				ssize_t n = recv(c->fd[i], buf[i], RELAY_BUF, 0);
				unsigned long long at;
				size_t allowed;
				int point;

				if (n < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				if (n < 0) {
					/* A reset from one peer goes on to
					 * the other as a reset. */
					how = "peer-reset";
					goto abort;
				}
				if (n == 0) {
					rd_open[i] = 0;
					shutdown(c->fd[o], SHUT_WR);
					continue;
				}
				allowed = relay_account((size_t)n, &point, &at);
				moved[i] += allowed;
				if (point >= 0) {
					relay_flush(c->fd[o], buf[i], allowed);
					relay_say("RESET %d conn %lu %s at %llu",
					    point + 1, c->id, dir[i], at);
					how = "reset";
					goto abort;
				}
				len[i] = (size_t)n;
				off[i] = 0;
			}
		}
	}
	close(c->fd[0]);
	close(c->fd[1]);
	goto out;
abort:
	relay_rst(c->fd[0]);
	relay_rst(c->fd[1]);
out:
	relay_say("END %lu c2s=%llu s2c=%llu %s", c->id, moved[0], moved[1],
	    how);
	free(buf[0]);
	free(buf[1]);
	free(c);
	return NULL;
}

/* The reset points come from tststream's xorshift64*: they only need to be
 * spread, and repeatable from the printed seed. */
static void
relay_plan(const struct relay_conf *conf)
{
	struct tststream g;
	unsigned long long slice;
	int i;

	relay_npoints = conf->resets;
	if (relay_npoints == 0 || conf->span <= conf->first)
		return;
	tststream_init(&g, conf->seed != 0 ? conf->seed : 1);
	slice = (conf->span - conf->first) / (unsigned long long)relay_npoints;
	for (i = 0; i < relay_npoints; i++) {
		/* 10% .. 90% of the slice. */
		unsigned long long in = slice / 10
		    + (slice > 0
		    ? tststream_next64(&g) % (slice * 8 / 10 + 1) : 0);

		relay_points[i] = conf->first + slice * (unsigned long long)i
		    + in;
	}
}

/* Keys besides tstlib's TST_KEY_HELP and TST_KEY_LISTEN. */
enum { OPT_CONNECT = 'c', OPT_RESETS = 'r', OPT_SPAN = 's',
	OPT_FIRST = 'f', OPT_SEED = 'S' };

static const struct opt relay_opts[] = {
	{ "connect", required_argument, OPT_CONNECT, "IP:PORT",
	    "where each accepted connection is relayed to" },
	{ "first", required_argument, OPT_FIRST, "N",
	    "no reset before N bytes were relayed (K/M suffix, default 256K)" },
	TST_OPT_HELP,
	TST_OPT_LISTEN,
	{ "resets", required_argument, OPT_RESETS, "K",
	    "reset K connections, at points spread over the span (default 0)" },
	{ "seed", required_argument, OPT_SEED, "N",
	    "seed for the reset points (default: random, printed)" },
	{ "span", required_argument, OPT_SPAN, "N",
	    "bytes relayed (both ways, all connections) the resets spread over" },
	{ NULL, 0, 0, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const char usage[] =
	    "meek-test-relay --listen 127.0.0.1:0 --connect IP:PORT "
	    "[--resets K --span N [--first N] [--seed N]]";
	struct relay_conf conf;
	unsigned long long v;
	unsigned long next_id = 1;
	char bound[80];
	int c, lfd, one = 1, have_listen = 0, have_connect = 0, i;

	memset(&conf, 0, sizeof conf);
	conf.first = 256 * 1024;
	while ((c = tst_getopt(argc, argv, relay_opts, usage)) != -1) {
		switch (c) {
		case TST_KEY_LISTEN:
			if (tst_parse_addr(optarg, &conf.listen, 0) < 0)
				goto bad;
			have_listen = 1;
			break;
		case OPT_CONNECT:
			if (tst_parse_addr(optarg, &conf.connect, 0) < 0)
				goto bad;
			have_connect = 1;
			break;
		case OPT_RESETS:
			if (tst_parse_size(optarg, &v) < 0
			    || v > RELAY_MAX_RESETS)
				goto bad;
			conf.resets = (int)v;
			break;
		case OPT_SPAN:
			if (tst_parse_size(optarg, &conf.span) < 0)
				goto bad;
			break;
		case OPT_FIRST:
			if (tst_parse_size(optarg, &conf.first) < 0)
				goto bad;
			break;
		case OPT_SEED:
			if (tst_parse_size(optarg, &v) < 0)
				goto bad;
			conf.seed = v;
			break;
		default:
			tst_usage_exit(usage, relay_opts);
		}
	}
	if (!have_listen || !have_connect
	    || (conf.resets > 0 && conf.span <= conf.first))
		tst_usage_exit(usage, relay_opts);
	if (conf.seed == 0 && getrandom(&conf.seed, sizeof conf.seed, 0)
	    != (ssize_t)sizeof conf.seed)
		conf.seed = (uint64_t)getpid();
	signal(SIGPIPE, SIG_IGN);
	relay_plan(&conf);

	lfd = tst_listen(&conf.listen, bound, sizeof bound);
	if (lfd < 0) {
		fprintf(stderr, "meek-test-relay: cannot listen: %s\n",
		    strerror(errno));
		return 1;
	}
	printf("LISTEN %s\n", bound);
	printf("PLAN seed=%llu resets=%d", (unsigned long long)conf.seed,
	    relay_npoints);
	for (i = 0; i < relay_npoints; i++)
		printf(" %llu", relay_points[i]);
	printf("\n");
	fflush(stdout);

	for (;;) {
		struct relay_conn *conn;
		int fd = tst_accept(lfd), ofd;

		if (fd < 0) {
			fprintf(stderr, "meek-test-relay: accept: %s\n",
			    strerror(errno));
			return 1;
		}
		ofd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (ofd < 0 || connect(ofd, (struct sockaddr *)&conf.connect,
		    sizeof conf.connect) < 0) {
			/* The far side is down: the client sees a reset. */
			if (ofd >= 0)
				close(ofd);
			relay_rst(fd);
			continue;
		}
		setsockopt(ofd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conn = malloc(sizeof *conn);
		if (conn == NULL) {
			relay_rst(fd);
			close(ofd);
			continue;
		}
		conn->conf = &conf;
		conn->fd[0] = fd;
		conn->fd[1] = ofd;
		conn->id = next_id++;
		relay_say("CONN %lu", conn->id);
		if (tst_thread(NULL, relay_conn_main, conn) < 0) {
			relay_rst(fd);
			relay_rst(ofd);
			free(conn);
		}
	}
bad:
	fprintf(stderr, "meek-test-relay: bad value for --%s: %s\n",
	    opt_name(relay_opts, c), optarg);
	return 2;
}
