/*
 * meek-test-socks: drives a SOCKS server (meek-client, obfs4proxy's
 * meek_lite) the way tor does and checks that an echo server at the far end
 * returns every byte intact.
 *
 * Each of --sessions K threads opens one SOCKS connection (SOCKS5 with the
 * PT args as RFC 1929 user/pass split at 255 bytes exactly as tor does, or
 * SOCKS4 / SOCKS4a with the args as USERID), then sends --bytes N bytes of a
 * per-session pseudo-random stream in pieces of random size while reading
 * the echo, and compares each byte read with the stream it sent (and the
 * SHA-256 of both sides).  One line per session; the exit status is 0 only
 * when every session got all its bytes back intact before --timeout.
 *
 * With --down D the far end is meek-test-echo --source instead: each
 * session sends the tststream.h header and --bytes U bytes in all, reads D
 * bytes of the known stream, and checks both; --orport-close asks the far
 * end to close after its bytes (the session must then see EOF), otherwise
 * the session closes (after --hold ms); --up-ack has the far end hold its
 * last byte until it has every upstream byte.  The line shows the seed, counts,
 * digests, wall-clock times (last byte, EOF, close) and the longest wait
 * between two downstream reads (maxgap, seconds), for the test to compare
 * with meek-test-echo's record.  --allow-cut accepts a session that
 * the far side ends early, as long as every byte it got was right ("CUT").
 *
 * The SOCKS client here is written from the spec, independently of
 * src/shared/socks.c, so that the test checks meek-client instead of
 * agreeing with it.
 */
#include "config.h"
#include "shared/opt.h"

#include <bearssl.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tststream.h"

#define SOCKS_MAX_SESSIONS 1024
#define SOCKS_PIECE_MAX 65536

enum socks_proto { SOCKS_PROTO_5, SOCKS_PROTO_4, SOCKS_PROTO_4A };

struct socks_conf {
	struct sockaddr_in addr;
	const char *args;       /* NULL: no args */
	struct sockaddr_in target; /* the CONNECT target (meek ignores it) */
	enum socks_proto proto;
	unsigned long long bytes;
	size_t piece_max;
	int sessions;
	double deadline;        /* CLOCK_MONOTONIC seconds */
	unsigned long long down; /* --down: tststream mode when set */
	int src;                /* --down given */
	int orport_close;       /* --orport-close */
	int up_ack;             /* --up-ack */
	int allow_cut;          /* --allow-cut */
	unsigned linger_ms;     /* --linger */
	int hold_ms;            /* --hold */
	int delay_ms;           /* --delay */
};

struct socks_session {
	const struct socks_conf *conf;
	int index;
	int ok;
	pthread_t tid;
	char result[768];
};

/* xorshift64*: a cheap reproducible stream, so the reader can check each
 * echoed byte against what the writer sent without storing it. */
struct socks_prng {
	uint64_t s;
	uint64_t word;
	int left;
};

static void
socks_prng_init(struct socks_prng *p, uint64_t seed)
{
	p->s = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
	p->left = 0;
}

static uint64_t
socks_prng_next64(struct socks_prng *p)
{
	p->s ^= p->s >> 12;
	p->s ^= p->s << 25;
	p->s ^= p->s >> 27;
	return p->s * 0x2545f4914f6cdd1dULL;
}

static void
socks_prng_fill(struct socks_prng *p, unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p->left == 0) {
			p->word = socks_prng_next64(p);
			p->left = 8;
		}
		buf[i] = (unsigned char)p->word;
		p->word >>= 8;
		p->left--;
	}
}

static double
socks_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left before the deadline (at least 0). */
static int
socks_left_ms(const struct socks_conf *conf)
{
	double left = conf->deadline - socks_now();

	if (left <= 0)
		return 0;
	if (left > 3600)
		left = 3600;
	return (int)(left * 1000) + 1;
}

static int
socks_wait(const struct socks_conf *conf, int fd, short events)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int r = poll(&pfd, 1, socks_left_ms(conf));

		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? 0 : -1;
	}
}

static int
socks_send_all(const struct socks_conf *conf, int fd, const void *buf,
    size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n;

		if (socks_wait(conf, fd, POLLOUT) < 0)
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

/* Returns 0, or -1 (error, EOF: *eof set, or deadline). */
static int
socks_recv_full(const struct socks_conf *conf, int fd, void *buf, size_t len,
    int *eof)
{
	unsigned char *p = buf;

	*eof = 0;
	while (len > 0) {
		ssize_t n;

		if (socks_wait(conf, fd, POLLIN) < 0)
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

static int
socks_connect(struct socks_session *s, const char **why)
{
	const struct socks_conf *conf = s->conf;
	int fd, one = 1, err = 0;
	socklen_t elen = sizeof err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*why = "socket failed";
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (const struct sockaddr *)&conf->addr,
	    sizeof conf->addr) < 0 && errno != EINPROGRESS) {
		*why = "connect to the SOCKS port failed";
		close(fd);
		return -1;
	}
	if (socks_wait(conf, fd, POLLOUT) < 0
	    || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0
	    || err != 0) {
		*why = "connect to the SOCKS port failed";
		close(fd);
		return -1;
	}
	return fd;
}

/* SOCKS5 as tor speaks it (pt-protocol.md §2).  Returns 0 or -1 with *why. */
static int
socks_handshake5(struct socks_session *s, int fd, const char **why)
{
	const struct socks_conf *conf = s->conf;
	unsigned char req[10] = { 0x05, 0x01, 0x00, 0x01 };
	unsigned char buf[600], rep[4], skip[262];
	size_t alen = conf->args ? strlen(conf->args) : 0, ulen, plen, n;
	int eof;

	/* tor's CONNECT carries the bridge line address; meek ignores it. */
	memcpy(req + 4, &conf->target.sin_addr, 4);
	memcpy(req + 8, &conf->target.sin_port, 2);
	if (alen > 0) {
		static const unsigned char hello[4] = { 0x05, 0x02, 0x00, 0x02 };
		if (socks_send_all(conf, fd, hello, sizeof hello) < 0)
			goto io;
	} else {
		static const unsigned char hello[3] = { 0x05, 0x01, 0x00 };
		if (socks_send_all(conf, fd, hello, sizeof hello) < 0)
			goto io;
	}
	if (socks_recv_full(conf, fd, buf, 2, &eof) < 0)
		goto io;
	if (buf[0] != 0x05) {
		*why = "method reply is not SOCKS5";
		return -1;
	}
	if (alen > 0 && buf[1] != 0x02) {
		*why = "server did not pick username/password although offered "
		    "(tor would then drop the args)";
		return -1;
	}
	if (alen == 0 && buf[1] != 0x00) {
		*why = "server refused method 00";
		return -1;
	}
	if (buf[1] == 0x02) {
		/* tor: |S| <= 255 -> UNAME = S, PASSWD = one NUL; else
		 * UNAME = first 255 bytes, PASSWD = the rest. */
		if (alen <= 255) {
			ulen = alen;
			plen = 1;
		} else {
			ulen = 255;
			plen = alen - 255;
		}
		n = 0;
		buf[n++] = 0x01;
		buf[n++] = (unsigned char)ulen;
		memcpy(buf + n, conf->args, ulen);
		n += ulen;
		buf[n++] = (unsigned char)plen;
		if (alen <= 255)
			buf[n++] = 0x00;
		else {
			memcpy(buf + n, conf->args + 255, plen);
			n += plen;
		}
		if (socks_send_all(conf, fd, buf, n) < 0
		    || socks_recv_full(conf, fd, buf, 2, &eof) < 0)
			goto io;
		if (buf[0] != 0x01 || buf[1] != 0x00) {
			*why = "username/password (args) rejected";
			return -1;
		}
	}
	if (socks_send_all(conf, fd, req, sizeof req) < 0
	    || socks_recv_full(conf, fd, rep, 4, &eof) < 0)
		goto io;
	if (rep[0] != 0x05) {
		*why = "CONNECT reply is not SOCKS5";
		return -1;
	}
	/* Read the whole reply, as tor does, before looking at REP. */
	switch (rep[3]) {
	case 0x01: n = 4 + 2; break;
	case 0x04: n = 16 + 2; break;
	case 0x03:
		if (socks_recv_full(conf, fd, skip, 1, &eof) < 0)
			goto io;
		n = (size_t)skip[0] + 2;
		break;
	default:
		*why = "CONNECT reply has a bad ATYP";
		return -1;
	}
	if (socks_recv_full(conf, fd, skip, n, &eof) < 0)
		goto io;
	if (rep[1] != 0x00) {
		*why = "CONNECT refused (REP != 0)";
		return -1;
	}
	return 0;
io:
	*why = "SOCKS5 handshake: connection closed or timed out";
	return -1;
}

static int
socks_handshake4(struct socks_session *s, int fd, const char **why)
{
	const struct socks_conf *conf = s->conf;
	unsigned char buf[1024];
	size_t n = 0, alen = conf->args ? strlen(conf->args) : 0;
	int eof;

	if (alen > 512) {
		*why = "args too long for SOCKS4";
		return -1;
	}
	buf[n++] = 0x04;
	buf[n++] = 0x01;
	memcpy(buf + n, &conf->target.sin_port, 2);
	n += 2;
	if (conf->proto == SOCKS_PROTO_4A) {
		static const unsigned char ip[4] = { 0, 0, 0, 1 };
		memcpy(buf + n, ip, 4);
	} else
		memcpy(buf + n, &conf->target.sin_addr, 4);
	n += 4;
	memcpy(buf + n, conf->args ? conf->args : "", alen);
	n += alen;
	buf[n++] = 0x00;
	if (conf->proto == SOCKS_PROTO_4A) {
		char host[INET_ADDRSTRLEN];
		size_t hlen;

		inet_ntop(AF_INET, &conf->target.sin_addr, host, sizeof host);
		hlen = strlen(host) + 1;
		memcpy(buf + n, host, hlen);
		n += hlen;
	}
	if (socks_send_all(conf, fd, buf, n) < 0
	    || socks_recv_full(conf, fd, buf, 8, &eof) < 0) {
		*why = "SOCKS4 handshake: connection closed or timed out";
		return -1;
	}
	if (buf[1] != 0x5a) {
		*why = "SOCKS4 request rejected";
		return -1;
	}
	return 0;
}

static void
socks_hex(char out[65], const unsigned char digest[32])
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Sends and reads back conf->bytes, interleaved.  Returns 0 or -1 with
 * *why; fills *sent_out / *recv_out and the two digests. */
static int
socks_exchange(struct socks_session *s, int fd, uint64_t seed,
    unsigned long long *sent_out, unsigned long long *recv_out,
    unsigned char dsent[32], unsigned char drecv[32],
    unsigned long long *bad_at, const char **why)
{
	const struct socks_conf *conf = s->conf;
	struct socks_prng wgen, rgen, sizes;
	br_sha256_context hs, hr;
	unsigned char *wbuf = NULL, *rbuf = NULL, *expect = NULL;
	size_t wlen = 0, woff = 0;
	unsigned long long sent = 0, recvd = 0;
	int rc = -1;

	wbuf = malloc(SOCKS_PIECE_MAX);
	rbuf = malloc(SOCKS_PIECE_MAX);
	expect = malloc(SOCKS_PIECE_MAX);
	if (wbuf == NULL || rbuf == NULL || expect == NULL) {
		*why = "out of memory";
		goto out;
	}
	socks_prng_init(&wgen, seed);
	socks_prng_init(&rgen, seed);
	socks_prng_init(&sizes, seed ^ 0x5555aaaa5555aaaaULL);
	br_sha256_init(&hs);
	br_sha256_init(&hr);
	*bad_at = ~0ULL;
	while (recvd < conf->bytes) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r;

		if (wlen == woff && sent < conf->bytes) {
			unsigned long long left = conf->bytes - sent;
			size_t piece = 1 + (size_t)(socks_prng_next64(&sizes)
			    % conf->piece_max);

			if (piece > left)
				piece = (size_t)left;
			socks_prng_fill(&wgen, wbuf, piece);
			br_sha256_update(&hs, wbuf, piece);
			wlen = piece;
			woff = 0;
		}
		if (woff < wlen)
			pfd.events |= POLLOUT;
		r = poll(&pfd, 1, socks_left_ms(conf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = "timed out";
			goto out;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, rbuf, SOCKS_PIECE_MAX, 0);

			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				*why = "read error";
				goto out;
			}
			if (n == 0) {
				*why = "connection closed before all bytes came back";
				goto out;
			}
			if (n > 0) {
				if ((unsigned long long)n > conf->bytes - recvd) {
					*why = "more bytes came back than were sent";
					recvd += (unsigned long long)n;
					goto out;
				}
				socks_prng_fill(&rgen, expect, (size_t)n);
				if (*bad_at == ~0ULL
				    && memcmp(expect, rbuf, (size_t)n) != 0) {
					ssize_t i = 0;
					while (expect[i] == rbuf[i])
						i++;
					*bad_at = recvd + (unsigned long long)i;
				}
				br_sha256_update(&hr, rbuf, (size_t)n);
				recvd += (unsigned long long)n;
			}
		}
		if ((pfd.revents & POLLOUT) && woff < wlen) {
			ssize_t n = send(fd, wbuf + woff, wlen - woff,
			    MSG_NOSIGNAL);

			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				*why = "write error";
				goto out;
			}
			if (n > 0) {
				woff += (size_t)n;
				sent += (unsigned long long)n;
			}
		}
	}
	if (*bad_at != ~0ULL) {
		*why = "echoed bytes differ from the bytes sent";
		goto out;
	}
	rc = 0;
out:
	br_sha256_out(&hs, dsent);
	br_sha256_out(&hr, drecv);
	*sent_out = sent;
	*recv_out = recvd;
	free(wbuf);
	free(rbuf);
	free(expect);
	return rc;
}

/* --down: the tststream.h exchange.  Sends the header and U - 40 upstream
 * bytes while reading and checking D downstream bytes, then either waits
 * for the ORPort's EOF (--orport-close) or closes after --hold ms.  Fills
 * s->result and s->ok. */
static void
socks_exchange_src(struct socks_session *s, int fd, uint64_t seed, double t0)
{
	const struct socks_conf *conf = s->conf;
	struct tststream upgen, downgen, sizes;
	struct tststream_head h;
	br_sha256_context hs, hr;
	unsigned char *wbuf = malloc(SOCKS_PIECE_MAX);
	unsigned char *rbuf = malloc(SOCKS_PIECE_MAX);
	unsigned char *expect = malloc(SOCKS_PIECE_MAX);
	unsigned char dsent[32], drecv[32];
	char hsent[65], hrecv[65], bad[48] = "-";
	unsigned long long sent = 0, recvd = 0, bad_at = ~0ULL;
	size_t wlen = 0, woff = 0;
	double t_last = 0, t_eof = 0, t_close = 0, secs, maxgap = 0;
	const char *why = NULL, *status = "FAIL";
	int cut = 0;

	h.seed = seed;
	h.up = conf->bytes;
	h.down = conf->down;
	h.flags = (conf->orport_close ? TSTSTREAM_CLOSE : 0)
	    | (conf->up_ack ? TSTSTREAM_ACK : 0)
	    | (uint64_t)conf->linger_ms << 32;
	tststream_init(&upgen, seed ^ TSTSTREAM_UP_SALT);
	tststream_init(&downgen, seed ^ TSTSTREAM_DOWN_SALT);
	tststream_init(&sizes, seed ^ 0x5555aaaa5555aaaaULL);
	br_sha256_init(&hs);
	br_sha256_init(&hr);
	if (wbuf == NULL || rbuf == NULL || expect == NULL) {
		why = "out of memory";
		goto out;
	}
	tststream_head_put(wbuf, &h);
	wlen = TSTSTREAM_HEAD;
	br_sha256_update(&hs, wbuf, wlen);
	while (sent < h.up || recvd < h.down) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r;

		if (wlen == woff && sent < h.up) {
			unsigned long long left = h.up - sent;
			size_t piece = 1 + (size_t)(tststream_next64(&sizes)
			    % conf->piece_max);

			if (piece > left)
				piece = (size_t)left;
			tststream_fill(&upgen, wbuf, piece);
			br_sha256_update(&hs, wbuf, piece);
			wlen = piece;
			woff = 0;
		}
		if (woff < wlen)
			pfd.events |= POLLOUT;
		r = poll(&pfd, 1, socks_left_ms(conf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			why = "timed out";
			goto out;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, rbuf, SOCKS_PIECE_MAX, 0);

			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				why = errno == ECONNRESET
				    ? "connection reset before all bytes came"
				    : "read error";
				cut = errno == ECONNRESET;
				goto out;
			}
			if (n == 0) {
				why = "connection closed before all bytes came";
				cut = 1;
				goto out;
			}
			if (n > 0) {
				size_t k = (size_t)n, ok = k, i = 0;

				if (recvd + k > h.down)
					ok = (size_t)(h.down - recvd);
				tststream_fill(&downgen, expect, ok);
				if (bad_at == ~0ULL) {
					while (i < ok && expect[i] == rbuf[i])
						i++;
					if (i < k)
						bad_at = recvd + i;
				}
				br_sha256_update(&hr, rbuf, k);
				recvd += k;
				/* The longest wait between two reads that
				 * brought bytes: a stalled session shows. */
				if (t_last > 0 && tststream_wall() - t_last > maxgap)
					maxgap = tststream_wall() - t_last;
				t_last = tststream_wall();
				if (bad_at != ~0ULL) {
					why = recvd > h.down
					    ? "more bytes came than were asked for"
					    : "received bytes differ from the stream";
					goto out;
				}
			}
		}
		if ((pfd.revents & POLLOUT) && woff < wlen) {
			ssize_t n = send(fd, wbuf + woff, wlen - woff,
			    MSG_NOSIGNAL);

			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				why = "write error";
				cut = errno == ECONNRESET || errno == EPIPE;
				goto out;
			}
			if (n > 0) {
				woff += (size_t)n;
				sent += (unsigned long long)n;
			}
		}
	}
	if (conf->orport_close) {
		/* The ORPort closes after its last byte: the SOCKS side
		 * must then close too, and nothing more may come. */
		for (;;) {
			ssize_t n;

			if (socks_wait(conf, fd, POLLIN) < 0) {
				why = "no EOF after the last byte";
				goto out;
			}
			n = recv(fd, rbuf, SOCKS_PIECE_MAX, 0);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n > 0) {
				recvd += (unsigned long long)n;
				bad_at = h.down;
				why = "more bytes came than were asked for";
				goto out;
			}
			t_eof = tststream_wall();
			if (n < 0)
				why = "connection reset instead of closed";
			break;
		}
	} else {
		if (conf->hold_ms > 0)
			poll(NULL, 0, conf->hold_ms);
		t_close = tststream_wall();
	}
	if (why == NULL)
		status = "OK";
out:
	if (why != NULL && cut && conf->allow_cut && bad_at == ~0ULL)
		status = "CUT";
	br_sha256_out(&hs, dsent);
	br_sha256_out(&hr, drecv);
	socks_hex(hsent, dsent);
	socks_hex(hrecv, drecv);
	if (bad_at != ~0ULL)
		snprintf(bad, sizeof bad, "%llu", bad_at);
	secs = socks_now() - t0;
	snprintf(s->result, sizeof s->result,
	    "session %d: %s%s%s seed=%016llx up=%llu/%llu upsha=%s "
	    "down=%llu/%llu downsha=%s downbad=%s t_last=%.6f t_eof=%.6f "
	    "t_close=%.6f maxgap=%.3f (%.1f s, %.1f MB/s down)", s->index,
	    status,
	    why ? " " : "", why ? why : "", (unsigned long long)seed, sent,
	    (unsigned long long)h.up, hsent, recvd, (unsigned long long)h.down,
	    hrecv, bad, t_last, t_eof, t_close, maxgap, secs,
	    secs > 0 ? (double)recvd / secs / 1e6 : 0.0);
	s->ok = status[0] != 'F';
	free(wbuf);
	free(rbuf);
	free(expect);
	/* t_close is the moment of the close itself: the caller closes
	 * right after this returns. */
}

static void *
socks_session_main(void *arg)
{
	struct socks_session *s = arg;
	const struct socks_conf *conf = s->conf;
	unsigned char dsent[32], drecv[32];
	char hsent[65], hrecv[65];
	unsigned long long sent = 0, recvd = 0, bad_at = ~0ULL;
	const char *why = "unknown";
	double t0 = socks_now();
	uint64_t seed;
	int fd, rc;

	if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL) * 2654435761u + (uint64_t)s->index;
	fd = socks_connect(s, &why);
	if (fd < 0) {
		snprintf(s->result, sizeof s->result,
		    "session %d: FAIL %s", s->index, why);
		return NULL;
	}
	rc = conf->proto == SOCKS_PROTO_5 ? socks_handshake5(s, fd, &why)
	    : socks_handshake4(s, fd, &why);
	if (rc < 0) {
		snprintf(s->result, sizeof s->result,
		    "session %d: FAIL %s", s->index, why);
		close(fd);
		return NULL;
	}
	if (conf->delay_ms > 0)
		poll(NULL, 0, conf->delay_ms);
	if (conf->src) {
		socks_exchange_src(s, fd, seed, t0);
		close(fd);
		return NULL;
	}
	rc = socks_exchange(s, fd, seed, &sent, &recvd, dsent, drecv, &bad_at,
	    &why);
	close(fd);
	socks_hex(hsent, dsent);
	socks_hex(hrecv, drecv);
	if (rc == 0 && memcmp(dsent, drecv, 32) == 0) {
		s->ok = 1;
		snprintf(s->result, sizeof s->result,
		    "session %d: OK sent %llu received %llu sha256 %s "
		    "(%.1f s)", s->index, sent, recvd, hsent,
		    socks_now() - t0);
	} else {
		char at[64] = "";
		if (bad_at != ~0ULL)
			snprintf(at, sizeof at, " first bad byte at %llu",
			    bad_at);
		snprintf(s->result, sizeof s->result,
		    "session %d: FAIL %s: sent %llu/%llu received %llu "
		    "sha256 sent %.16s... received %.16s...%s (%.1f s)",
		    s->index, rc == 0 ? "digest mismatch" : why, sent,
		    conf->bytes, recvd, hsent, hrecv, at, socks_now() - t0);
	}
	return NULL;
}

static int
socks_parse_addr(const char *s, struct sockaddr_in *sin)
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
	if (*end != '\0' || port < 1 || port > 65535)
		return -1;
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int
socks_parse_size(const char *s, unsigned long long *out)
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

enum { OPT_SOCKS = 's', OPT_ARGS = 'a', OPT_SOCKS4 = '4', OPT_SOCKS4A = 'A',
	OPT_BYTES = 'b', OPT_SESSIONS = 'n', OPT_TIMEOUT = 't', OPT_PIECE = 'p',
	OPT_TARGET = 'T', OPT_DOWN = 'd', OPT_ORCLOSE = 'E', OPT_CUT = 'C',
	OPT_LINGER = 'L', OPT_HOLD = 'H', OPT_DELAY = 'D', OPT_HELP = 'h',
	OPT_UPACK = 'K' };

static const struct opt socks_opts[] = {
	{ "allow-cut", no_argument, OPT_CUT, NULL,
	    "with --down: a session ended early with intact bytes passes" },
	{ "args", required_argument, OPT_ARGS, "K=V;K=V",
	    "PT args sent as RFC 1929 user/pass (SOCKS4: USERID)" },
	{ "bytes", required_argument, OPT_BYTES, "N",
	    "bytes each session sends and expects back (K/M suffix)" },
	{ "delay", required_argument, OPT_DELAY, "MS",
	    "wait MS after the SOCKS handshake before sending" },
	{ "down", required_argument, OPT_DOWN, "N",
	    "meek-test-echo --source: N bytes down, --bytes up (K/M suffix)" },
	{ "help", no_argument, OPT_HELP, NULL, "show this help" },
	{ "hold", required_argument, OPT_HOLD, "MS",
	    "with --down: wait MS after the last byte before closing" },
	{ "linger", required_argument, OPT_LINGER, "MS",
	    "with --orport-close: the far end waits MS before closing" },
	{ "orport-close", no_argument, OPT_ORCLOSE, NULL,
	    "with --down: the far end closes after its bytes; expect EOF" },
	{ "piece", required_argument, OPT_PIECE, "N",
	    "largest write, sizes are random in 1..N (default 32768)" },
	{ "sessions", required_argument, OPT_SESSIONS, "K",
	    "concurrent SOCKS connections (default 1)" },
	{ "socks", required_argument, OPT_SOCKS, "IP:PORT",
	    "SOCKS server to use" },
	{ "socks4", no_argument, OPT_SOCKS4, NULL,
	    "speak SOCKS4 (IPv4 target, as tor does) instead of SOCKS5" },
	{ "socks4a", no_argument, OPT_SOCKS4A, NULL,
	    "speak SOCKS4a (hostname target) instead of SOCKS5" },
	{ "target", required_argument, OPT_TARGET, "IP:PORT",
	    "CONNECT target (default 192.0.2.1:1, as a bridge line)" },
	{ "timeout", required_argument, OPT_TIMEOUT, "SECS",
	    "give up after SECS in all (default 120)" },
	{ "up-ack", no_argument, OPT_UPACK, NULL,
	    "with --down: the far end sends its last byte only after every "
	    "upstream byte (clients that drop queued bytes on close)" },
	{ NULL, 0, 0, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static const char usage[] =
	    "meek-test-socks --socks IP:PORT [--args 'url=...;front=...'] "
	    "[--socks4 | --socks4a] --bytes N [--sessions K] [--timeout SECS] "
	    "[--piece N] [--target IP:PORT] [--delay MS] "
	    "[--down N [--orport-close [--linger MS] | --hold MS] [--up-ack] [--allow-cut]]";
	struct option longopts[sizeof socks_opts / sizeof socks_opts[0]];
	struct socks_conf conf;
	struct socks_session *sess;
	unsigned long long v;
	double timeout = 120, t0;
	int c, i, have_addr = 0, have_bytes = 0, failed = 0;

	memset(&conf, 0, sizeof conf);
	conf.proto = SOCKS_PROTO_5;
	conf.sessions = 1;
	conf.piece_max = 32768;
	socks_parse_addr("192.0.2.1:1", &conf.target);
	opt_longopts(socks_opts, longopts);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKS:
			if (socks_parse_addr(optarg, &conf.addr) < 0) {
				fprintf(stderr, "bad --socks %s\n", optarg);
				return 2;
			}
			have_addr = 1;
			break;
		case OPT_TARGET:
			if (socks_parse_addr(optarg, &conf.target) < 0) {
				fprintf(stderr, "bad --target %s\n", optarg);
				return 2;
			}
			break;
		case OPT_ARGS: conf.args = optarg; break;
		case OPT_SOCKS4: conf.proto = SOCKS_PROTO_4; break;
		case OPT_SOCKS4A: conf.proto = SOCKS_PROTO_4A; break;
		case OPT_BYTES:
			if (socks_parse_size(optarg, &conf.bytes) < 0) {
				fprintf(stderr, "bad --bytes %s\n", optarg);
				return 2;
			}
			have_bytes = 1;
			break;
		case OPT_SESSIONS:
			if (socks_parse_size(optarg, &v) < 0 || v < 1
			    || v > SOCKS_MAX_SESSIONS) {
				fprintf(stderr, "bad --sessions %s\n", optarg);
				return 2;
			}
			conf.sessions = (int)v;
			break;
		case OPT_PIECE:
			if (socks_parse_size(optarg, &v) < 0 || v < 1
			    || v > SOCKS_PIECE_MAX) {
				fprintf(stderr, "bad --piece %s\n", optarg);
				return 2;
			}
			conf.piece_max = (size_t)v;
			break;
		case OPT_TIMEOUT:
			timeout = atof(optarg);
			if (timeout <= 0) {
				fprintf(stderr, "bad --timeout %s\n", optarg);
				return 2;
			}
			break;
		case OPT_DOWN:
			if (socks_parse_size(optarg, &conf.down) < 0) {
				fprintf(stderr, "bad --down %s\n", optarg);
				return 2;
			}
			conf.src = 1;
			break;
		case OPT_ORCLOSE: conf.orport_close = 1; break;
		case OPT_UPACK: conf.up_ack = 1; break;
		case OPT_CUT: conf.allow_cut = 1; break;
		case OPT_LINGER:
		case OPT_HOLD:
		case OPT_DELAY:
			if (socks_parse_size(optarg, &v) < 0 || v > 3600000) {
				fprintf(stderr, "bad --%s %s\n", opt_name(socks_opts,
				    c), optarg);
				return 2;
			}
			if (c == OPT_LINGER)
				conf.linger_ms = (unsigned)v;
			else if (c == OPT_HOLD)
				conf.hold_ms = (int)v;
			else
				conf.delay_ms = (int)v;
			break;
		case OPT_HELP:
			opt_usage(stdout, usage, socks_opts);
			return 0;
		default:
			opt_usage(stderr, usage, socks_opts);
			return 2;
		}
	}
	if (!have_addr || !have_bytes || optind != argc) {
		opt_usage(stderr, usage, socks_opts);
		return 2;
	}
	if (conf.src && conf.bytes < TSTSTREAM_HEAD) {
		fprintf(stderr, "--down needs --bytes %d or more (the header)\n",
		    TSTSTREAM_HEAD);
		return 2;
	}
	if (conf.args != NULL && strlen(conf.args) > 510) {
		fprintf(stderr, "--args longer than 510 bytes (tor refuses)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	t0 = socks_now();
	conf.deadline = t0 + timeout;
	sess = calloc((size_t)conf.sessions, sizeof *sess);
	if (sess == NULL)
		return 1;
	for (i = 0; i < conf.sessions; i++) {
		pthread_attr_t attr;

		sess[i].conf = &conf;
		sess[i].index = i;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&sess[i].tid, &attr, socks_session_main,
		    &sess[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
		pthread_attr_destroy(&attr);
	}
	for (i = 0; i < conf.sessions; i++) {
		pthread_join(sess[i].tid, NULL);
		printf("%s\n", sess[i].result);
		if (!sess[i].ok)
			failed++;
	}
	if (conf.src)
		printf("%s: %d/%d sessions intact, %llu bytes up and %llu down "
		    "per session, %.1f s\n", failed == 0 ? "PASS" : "FAIL",
		    conf.sessions - failed, conf.sessions, conf.bytes, conf.down,
		    socks_now() - t0);
	else
		printf("%s: %d/%d sessions intact, %llu bytes each way per "
		    "session, %.1f s\n", failed == 0 ? "PASS" : "FAIL",
		    conf.sessions - failed, conf.sessions, conf.bytes,
		    socks_now() - t0);
	fflush(stdout);
	free(sess);
	return failed == 0 ? 0 : 1;
}
