/* No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh). */
/*
 * meek-test-echo: the far end of the integration tests (stands in for tor's
 * ORPort or Extended ORPort).
 *
 * Modes, one thread per connection:
 *  - echo (default): every byte read is written back;
 *  - --sink: bytes are counted and hashed, nothing is written back;
 *  - --source: the ORPort end of the tststream.h protocol: reads the
 *    header meek-test-socks --down sends, checks every upstream byte
 *    against the stream it expects, sends the D bytes asked for and, when
 *    the header says so, closes after them (ORPort EOF);
 *  - --extor: server side of tor's Extended ORPort (pt-protocol.md §3):
 *    writes a fresh cookie file, runs SAFE_COOKIE, reads USERADDR /
 *    TRANSPORT / DONE, answers OKAY, then echoes (or sinks, or sources).
 *
 * With --record FILE each event is appended as one line:
 *   CONNECT <n>
 *   USERADDR <addr> TRANSPORT <name>      (extor mode, "-" when not sent)
 *   AUTHFAIL <n> <reason>                 (extor mode)
 *   CLOSE <n> <bytes read> <sha256 of bytes read>
 *   DONE <n> seed=<hex> up=<read> upsha=<sha256> upbad=<offset|-> \
 *       down=<sent> downsha=<sha256> t=<s>   (--source: all U read, D sent)
 *   BADUP <n> seed=<hex> at=<offset>   (--source: the first wrong byte,
 *       recorded at once)
 *   SOURCE <n> seed=<hex> up=<read> upsha=<sha256> upbad=<offset|-> \
 *       down=<sent>/<asked> downsha=<sha256 of sent> t_close=<s> \
 *       t_eof=<s> end=<closed|eof|reset|error|badhead>   (--source)
 * (t_close: wall-clock time this end closed after the last byte, t_eof:
 * when it read EOF from meek-server; 0 when it did not happen)
 * so that a test can count ORPort connections, see what meek-server told
 * the ExtORPort, and prove that no payload ever arrived.
 *
 * The Extended ORPort side is written here from the spec, independently of
 * src/shared/extor.c, so that the test checks that module instead of
 * agreeing with it.
 */
#include "config.h"
#include "shared/opt.h"
#include "shared/rand.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tstlib.h"
#include "tststream.h"

#define ECHO_BUF 65536
#define ECHO_EXTOR_TIMEOUT_MS 30000
#define ECHO_SOURCE_HEAD_TIMEOUT_MS 300000
#define ECHO_COOKIE_HEADER "! Extended ORPort Auth Cookie !\n"
#define ECHO_SERVER_CONST "ExtORPort authentication server-to-client hash"
#define ECHO_CLIENT_CONST "ExtORPort authentication client-to-server hash"

enum echo_mode { ECHO_MODE_ECHO, ECHO_MODE_SINK, ECHO_MODE_SOURCE };

struct echo_conf {
	const char *listen;
	const char *record;
	const char *cookie_path;
	int extor;
	enum echo_mode mode;
	unsigned char cookie[32];
};

struct echo_conn {
	const struct echo_conf *conf;
	int fd;
	unsigned long id;
};

/* echo_record_lock serializes appends to the record file so that lines
 * from different connections never interleave. */
static pthread_mutex_t echo_record_lock = PTHREAD_MUTEX_INITIALIZER;

static void
echo_record(const struct echo_conf *conf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
echo_record(const struct echo_conf *conf, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, fd;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
	if (conf->record == NULL)
		return;
	pthread_mutex_lock(&echo_record_lock);
	fd = open(conf->record, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			fprintf(stderr, "meek-test-echo: short write to record file\n");
		close(fd);
	}
	pthread_mutex_unlock(&echo_record_lock);
}

/* Reads exactly `len` bytes within `timeout_ms`.  Returns 0, or -1 on EOF,
 * error or timeout. */
static int
echo_read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	int eof;

	return tst_recv_full(fd, buf, len, tst_now() + timeout_ms / 1000.0,
	    &eof);
}

static void
echo_hmac(const unsigned char cookie[32], const char *constant,
    const unsigned char cnonce[32], const unsigned char snonce[32],
    unsigned char out[32])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, cookie, 32);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, constant, strlen(constant));
	br_hmac_update(&hc, cnonce, 32);
	br_hmac_update(&hc, snonce, 32);
	br_hmac_out(&hc, out);
}

/* Copies printable bytes of `src` (n bytes) into `dst`, others as '?'. */
static void
echo_printable(char *dst, size_t dstlen, const unsigned char *src, size_t n)
{
	size_t i;

	if (n > dstlen - 1)
		n = dstlen - 1;
	for (i = 0; i < n; i++)
		dst[i] = (src[i] > 32 && src[i] < 127) ? (char)src[i] : '?';
	dst[i] = '\0';
}

/* Server side of SAFE_COOKIE and the command phase.  Returns 0 after
 * sending OKAY, -1 after recording why it gave up. */
static int
echo_extor_handshake(struct echo_conn *c)
{
	const struct echo_conf *conf = c->conf;
	static const unsigned char auth_types[2] = { 0x01, 0x00 };
	unsigned char type, cnonce[32], snonce[32], shash[32], chash[32];
	unsigned char want[32], out[64], hdr[4], body[65536];
	char useraddr[300] = "-", transport[300] = "-";
	unsigned char status;
	unsigned diff = 0;
	int i;

	if (tst_send_all(c->fd, auth_types, sizeof auth_types, 0) < 0
	    || echo_read_full(c->fd, &type, 1, ECHO_EXTOR_TIMEOUT_MS) < 0) {
		echo_record(conf, "AUTHFAIL %lu no-auth-type", c->id);
		return -1;
	}
	if (type != 0x01) {
		echo_record(conf, "AUTHFAIL %lu auth-type-%u", c->id, type);
		return -1;
	}
	if (echo_read_full(c->fd, cnonce, 32, ECHO_EXTOR_TIMEOUT_MS) < 0) {
		echo_record(conf, "AUTHFAIL %lu no-client-nonce", c->id);
		return -1;
	}
	if (rand_bytes(snonce, 32) < 0)
		return -1;
	echo_hmac(conf->cookie, ECHO_SERVER_CONST, cnonce, snonce, shash);
	memcpy(out, shash, 32);
	memcpy(out + 32, snonce, 32);
	if (tst_send_all(c->fd, out, 64, 0) < 0
	    || echo_read_full(c->fd, chash, 32, ECHO_EXTOR_TIMEOUT_MS) < 0) {
		echo_record(conf, "AUTHFAIL %lu no-client-hash", c->id);
		return -1;
	}
	echo_hmac(conf->cookie, ECHO_CLIENT_CONST, cnonce, snonce, want);
	for (i = 0; i < 32; i++)
		diff |= (unsigned)(want[i] ^ chash[i]);
	status = diff == 0 ? 0x01 : 0x00;
	if (tst_send_all(c->fd, &status, 1, 0) < 0 || status != 0x01) {
		echo_record(conf, "AUTHFAIL %lu bad-client-hash", c->id);
		return -1;
	}
	for (;;) {
		unsigned cmd, len;

		if (echo_read_full(c->fd, hdr, 4, ECHO_EXTOR_TIMEOUT_MS) < 0) {
			echo_record(conf, "AUTHFAIL %lu no-command", c->id);
			return -1;
		}
		cmd = (unsigned)hdr[0] << 8 | hdr[1];
		len = (unsigned)hdr[2] << 8 | hdr[3];
		if (len > 0 && echo_read_full(c->fd, body, len,
		    ECHO_EXTOR_TIMEOUT_MS) < 0) {
			echo_record(conf, "AUTHFAIL %lu short-command", c->id);
			return -1;
		}
		if (cmd == 0x0000)
			break;
		if (cmd == 0x0001)
			echo_printable(useraddr, sizeof useraddr, body, len);
		else if (cmd == 0x0002)
			echo_printable(transport, sizeof transport, body, len);
		/* tor ignores unknown command codes; so do we. */
	}
	echo_record(conf, "USERADDR %s TRANSPORT %s", useraddr, transport);
	hdr[0] = 0x10;
	hdr[1] = 0x00;
	hdr[2] = 0x00;
	hdr[3] = 0x00;
	return tst_send_all(c->fd, hdr, 4, 0);
}

/* Writes the SHA-256 of what a --source connection read and sent so far,
 * and the offset of its first wrong upstream byte ("-" when none). */
static void
echo_sums(const br_sha256_context *upsha, const br_sha256_context *downsha,
    unsigned long long bad_at, char uphex[65], char downhex[65],
    char bad[32])
{
	unsigned char digest[32];

	br_sha256_out(upsha, digest);
	tst_hex(uphex, digest);
	br_sha256_out(downsha, digest);
	tst_hex(downhex, digest);
	if (bad_at != ~0ULL)
		snprintf(bad, 32, "%llu", bad_at);
	else
		strcpy(bad, "-");
}

/* The --source side of one connection (tststream.h); records one SOURCE
 * line.  `buf` holds ECHO_BUF bytes. */
static void
echo_source(struct echo_conn *c, unsigned char *buf)
{
	const struct echo_conf *conf = c->conf;
	unsigned char head[TSTSTREAM_HEAD];
	unsigned char *wbuf = malloc(ECHO_BUF), *expect = malloc(ECHO_BUF);
	char uphex[65], downhex[65], bad[32];
	struct tststream_head h;
	struct tststream upgen, downgen;
	br_sha256_context upsha, downsha;
	unsigned long long got = 0, sent = 0, cap, bad_at = ~0ULL;
	size_t wlen = 0, woff = 0;
	double t_close = 0, t_eof = 0;
	const char *end = "error";
	int fl, done = 0;

	memset(&h, 0, sizeof h);
	br_sha256_init(&upsha);
	br_sha256_init(&downsha);
	if (wbuf == NULL || expect == NULL)
		goto out;
	if (echo_read_full(c->fd, head, sizeof head,
	    ECHO_SOURCE_HEAD_TIMEOUT_MS) < 0
	    || tststream_head_get(head, &h) < 0) {
		end = "badhead";
		goto out;
	}
	br_sha256_update(&upsha, head, sizeof head);
	got = TSTSTREAM_HEAD;
	tststream_init(&upgen, h.seed ^ TSTSTREAM_UP_SALT);
	tststream_init(&downgen, h.seed ^ TSTSTREAM_DOWN_SALT);
	fl = fcntl(c->fd, F_GETFL);
	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto out;
	for (;;) {
		short ev = POLLIN;
		int re;

		if (got >= h.up && sent >= h.down && !done) {
			/* Everything moved: say so now, since the end of the
			 * connection may come much later (a classic session
			 * lingers until meek-server reaps it). */
			done = 1;
			echo_sums(&upsha, &downsha, bad_at, uphex, downhex,
			    bad);
			echo_record(conf, "DONE %lu seed=%016llx up=%llu "
			    "upsha=%s upbad=%s down=%llu downsha=%s t=%.6f",
			    c->id, (unsigned long long)h.seed, got, uphex, bad,
			    sent, downhex, tststream_wall());
		}
		if (got >= h.up && sent >= h.down
		    && (h.flags & TSTSTREAM_CLOSE)) {
			/* Everything moved: wait as asked (watching for an
			 * early EOF or stray bytes), then close as tor would
			 * on a closed circuit. */
			int ms = (int)(h.flags >> 32);

			if (ms > 0 && tst_wait(c->fd, POLLIN, ms) != 0) {
				ssize_t n = read(c->fd, buf, ECHO_BUF);
				if (n > 0) {
					got += (unsigned long long)n;
					if (bad_at == ~0ULL)
						bad_at = got - (unsigned long long)n;
					end = "extra-bytes";
				} else if (n == 0) {
					t_eof = tststream_wall();
					end = "eof-before-close";
				}
				goto out;
			}
			t_close = tststream_wall();
			end = "closed";
			goto out;
		}
		/* TSTSTREAM_ACK: the last byte waits for every upstream
		 * byte. */
		cap = (h.flags & TSTSTREAM_ACK) && got < h.up && h.down > 0
		    ? h.down - 1 : h.down;
		if (sent < cap || woff < wlen)
			ev |= POLLOUT;
		re = tst_wait(c->fd, ev, -1);
		if (re < 0)
			goto out;
		if (re & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(c->fd, buf, ECHO_BUF);

			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				end = errno == ECONNRESET ? "reset" : "error";
				goto out;
			}
			if (n == 0) {
				t_eof = tststream_wall();
				/* meek-server closes the ORPort when the
				 * session ends: nothing more can be sent. */
				end = "eof";
				goto out;
			}
			if (n > 0) {
				size_t k = (size_t)n, i;

				i = tststream_check(&upgen, expect, buf, k,
				    h.up > got ? h.up - got : 0);
				if (bad_at == ~0ULL && i < k) {
					bad_at = got + i;
					echo_record(conf, "BADUP %lu "
					    "seed=%016llx at=%llu", c->id,
					    (unsigned long long)h.seed, bad_at);
				}
				br_sha256_update(&upsha, buf, k);
				got += k;
			}
		}
		if ((re & POLLOUT) && (sent < cap || woff < wlen)) {
			ssize_t n;

			if (woff == wlen) {
				unsigned long long left = cap - sent;

				wlen = left < ECHO_BUF ? (size_t)left : ECHO_BUF;
				tststream_fill(&downgen, wbuf, wlen);
				woff = 0;
			}
			n = send(c->fd, wbuf + woff, wlen - woff, MSG_NOSIGNAL);
			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				end = errno == ECONNRESET || errno == EPIPE
				    ? "reset" : "error";
				goto out;
			}
			if (n > 0) {
				br_sha256_update(&downsha, wbuf + woff,
				    (size_t)n);
				woff += (size_t)n;
				sent += (unsigned long long)n;
			}
		}
	}
out:
	echo_sums(&upsha, &downsha, bad_at, uphex, downhex, bad);
	echo_record(conf, "SOURCE %lu seed=%016llx up=%llu upsha=%s upbad=%s "
	    "down=%llu/%llu downsha=%s t_close=%.6f t_eof=%.6f end=%s", c->id,
	    (unsigned long long)h.seed, got, uphex, bad, sent,
	    (unsigned long long)h.down, downhex, t_close, t_eof, end);
	free(wbuf);
	free(expect);
}

static void *
echo_conn_main(void *arg)
{
	struct echo_conn *c = arg;
	const struct echo_conf *conf = c->conf;
	unsigned char *buf = malloc(ECHO_BUF);
	unsigned char digest[32];
	char hex[65];
	br_sha256_context sha;
	unsigned long long total = 0;

	echo_record(conf, "CONNECT %lu", c->id);
	br_sha256_init(&sha);
	if (buf == NULL)
		goto out;
	if (conf->extor && echo_extor_handshake(c) < 0)
		goto out;
	if (conf->mode == ECHO_MODE_SOURCE) {
		echo_source(c, buf);
		goto done;
	}
	for (;;) {
		ssize_t n = read(c->fd, buf, ECHO_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		br_sha256_update(&sha, buf, (size_t)n);
		total += (unsigned long long)n;
		if (conf->mode == ECHO_MODE_ECHO
		    && tst_send_all(c->fd, buf, (size_t)n, 0) < 0)
			break;
	}
out:
	br_sha256_out(&sha, digest);
	tst_hex(hex, digest);
	echo_record(conf, "CLOSE %lu %llu %s", c->id, total, hex);
done:
	close(c->fd);
	free(buf);
	free(c);
	return NULL;
}

static int
echo_write_cookie(struct echo_conf *conf)
{
	unsigned char file[64];
	int fd;

	if (rand_bytes(conf->cookie, 32) < 0)
		return -1;
	memcpy(file, ECHO_COOKIE_HEADER, 32);
	memcpy(file + 32, conf->cookie, 32);
	fd = open(conf->cookie_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, file, sizeof file) != (ssize_t)sizeof file) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Keys besides tstlib's TST_KEY_HELP and TST_KEY_LISTEN. */
enum { OPT_EXTOR = 'x', OPT_COOKIE = 'c', OPT_RECORD = 'r',
	OPT_SINK = 's', OPT_SOURCE = 'S' };

static const struct opt echo_opts[] = {
	{ "cookie", required_argument, OPT_COOKIE, "FILE",
	    "ExtORPort cookie file to create (with --extor)" },
	{ "extor", no_argument, OPT_EXTOR, NULL,
	    "act as tor's Extended ORPort (SAFE_COOKIE), then echo" },
	TST_OPT_HELP,
	TST_OPT_LISTEN,
	{ "record", required_argument, OPT_RECORD, "FILE",
	    "append CONNECT/USERADDR/CLOSE lines to FILE" },
	{ "sink", no_argument, OPT_SINK, NULL,
	    "count and hash bytes instead of echoing them" },
	{ "source", no_argument, OPT_SOURCE, NULL,
	    "speak tststream.h (meek-test-socks --down): send known bytes" },
	{ NULL, 0, 0, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const char usage[] =
	    "meek-test-echo --listen 127.0.0.1:0 [--sink | --source] "
	    "[--record FILE] "
	    "[--extor --cookie FILE]";
	struct echo_conf conf;
	struct sockaddr_in sin;
	char bound[80];
	unsigned long next_id = 1;
	int c, lfd;

	memset(&conf, 0, sizeof conf);
	conf.mode = ECHO_MODE_ECHO;
	while ((c = tst_getopt(argc, argv, echo_opts, usage)) != -1) {
		switch (c) {
		case TST_KEY_LISTEN: conf.listen = optarg; break;
		case OPT_EXTOR: conf.extor = 1; break;
		case OPT_COOKIE: conf.cookie_path = optarg; break;
		case OPT_RECORD: conf.record = optarg; break;
		case OPT_SINK: conf.mode = ECHO_MODE_SINK; break;
		case OPT_SOURCE: conf.mode = ECHO_MODE_SOURCE; break;
		default: tst_usage_exit(usage, echo_opts);
		}
	}
	if (conf.listen == NULL || (conf.extor && conf.cookie_path == NULL))
		tst_usage_exit(usage, echo_opts);
	signal(SIGPIPE, SIG_IGN);
	if (conf.extor && echo_write_cookie(&conf) < 0) {
		fprintf(stderr, "meek-test-echo: cannot write cookie %s: %s\n",
		    conf.cookie_path, strerror(errno));
		return 1;
	}
	lfd = tst_parse_addr(conf.listen, &sin, 0) < 0 ? -1
	    : tst_listen(&sin, bound, sizeof bound);
	if (lfd < 0) {
		fprintf(stderr, "meek-test-echo: cannot listen on %s: %s\n",
		    conf.listen, strerror(errno));
		return 1;
	}
	printf("LISTEN %s\n", bound);
	fflush(stdout);

	for (;;) {
		struct echo_conn *conn;
		int fd = tst_accept(lfd);

		if (fd < 0) {
			fprintf(stderr, "meek-test-echo: accept: %s\n",
			    strerror(errno));
			return 1;
		}
		conn = malloc(sizeof *conn);
		if (conn == NULL) {
			close(fd);
			continue;
		}
		conn->conf = &conf;
		conn->fd = fd;
		conn->id = next_id++;
		if (tst_thread(NULL, echo_conn_main, conn) < 0) {
			close(fd);
			free(conn);
		}
	}
}
