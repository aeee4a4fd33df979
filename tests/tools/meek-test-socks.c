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

#include "tstlib.h"
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

/* Waits until the deadline for `events` on fd.  Returns 0, or -1 on
 * timeout or error. */
static int
socks_wait(const struct socks_conf *conf, int fd, short events)
{
	return tst_wait(fd, events, tst_left_ms(conf->deadline)) > 0 ? 0 : -1;
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
		if (tst_send_all(fd, hello, sizeof hello, conf->deadline) < 0)
			goto io;
	} else {
		static const unsigned char hello[3] = { 0x05, 0x01, 0x00 };
		if (tst_send_all(fd, hello, sizeof hello, conf->deadline) < 0)
			goto io;
	}
	if (tst_recv_full(fd, buf, 2, conf->deadline, &eof) < 0)
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
		if (tst_send_all(fd, buf, n, conf->deadline) < 0
		    || tst_recv_full(fd, buf, 2, conf->deadline, &eof) < 0)
			goto io;
		if (buf[0] != 0x01 || buf[1] != 0x00) {
			*why = "username/password (args) rejected";
			return -1;
		}
	}
	if (tst_send_all(fd, req, sizeof req, conf->deadline) < 0
	    || tst_recv_full(fd, rep, 4, conf->deadline, &eof) < 0)
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
		if (tst_recv_full(fd, skip, 1, conf->deadline, &eof) < 0)
			goto io;
		n = (size_t)skip[0] + 2;
		break;
	default:
		*why = "CONNECT reply has a bad ATYP";
		return -1;
	}
	if (tst_recv_full(fd, skip, n, conf->deadline, &eof) < 0)
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
	if (tst_send_all(fd, buf, n, conf->deadline) < 0
	    || tst_recv_full(fd, buf, 8, conf->deadline, &eof) < 0) {
		*why = "SOCKS4 handshake: connection closed or timed out";
		return -1;
	}
	if (buf[1] != 0x5a) {
		*why = "SOCKS4 request rejected";
		return -1;
	}
	return 0;
}

/* One session's two streams (tststream.h's generator): the upstream it
 * writes in pieces of random size, hashed as each piece is made, and the
 * downstream it checks byte by byte as it reads. */
struct socks_flow {
	struct tststream up, down, sizes;
	br_sha256_context hs, hr;
	unsigned char *wbuf, *rbuf, *expect;    /* SOCKS_PIECE_MAX bytes each */
	size_t wlen, woff;      /* the piece in wbuf, and how much of it went */
	unsigned long long sent, recvd, bad_at; /* bad_at: ~0 while all right */
};

/* Returns 0, or -1 when out of memory (socks_flow_free is due either way). */
static int
socks_flow_init(struct socks_flow *f, uint64_t upseed, uint64_t downseed,
    uint64_t seed)
{
	tststream_init(&f->up, upseed);
	tststream_init(&f->down, downseed);
	tststream_init(&f->sizes, seed ^ 0x5555aaaa5555aaaaULL);
	br_sha256_init(&f->hs);
	br_sha256_init(&f->hr);
	f->wbuf = malloc(SOCKS_PIECE_MAX);
	f->rbuf = malloc(SOCKS_PIECE_MAX);
	f->expect = malloc(SOCKS_PIECE_MAX);
	f->wlen = f->woff = 0;
	f->sent = f->recvd = 0;
	f->bad_at = ~0ULL;
	return f->wbuf != NULL && f->rbuf != NULL && f->expect != NULL ? 0 : -1;
}

static void
socks_flow_free(struct socks_flow *f)
{
	free(f->wbuf);
	free(f->rbuf);
	free(f->expect);
}

/* Makes the next upstream piece once the last one went and fewer than `up`
 * bytes did, then waits (until the deadline) to read, or to write while a
 * piece is left.  Returns poll's revents, or 0 on timeout or error. */
static int
socks_flow_wait(struct socks_flow *f, const struct socks_conf *conf, int fd,
    unsigned long long up)
{
	short events = POLLIN;

	if (f->wlen == f->woff && f->sent < up) {
		unsigned long long left = up - f->sent;
		size_t piece = 1 + (size_t)(tststream_next64(&f->sizes)
		    % conf->piece_max);

		if (piece > left)
			piece = (size_t)left;
		tststream_fill(&f->up, f->wbuf, piece);
		br_sha256_update(&f->hs, f->wbuf, piece);
		f->wlen = piece;
		f->woff = 0;
	}
	if (f->woff < f->wlen)
		events |= POLLOUT;
	return tst_wait(fd, events, tst_left_ms(conf->deadline));
}

/* Sends what it can of the piece left.  Returns 0, or -1 with errno on a
 * write error. */
static int
socks_flow_send(struct socks_flow *f, int fd)
{
	ssize_t n;

	if (f->woff == f->wlen)
		return 0;
	n = send(fd, f->wbuf + f->woff, f->wlen - f->woff, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	f->woff += (size_t)n;
	f->sent += (unsigned long long)n;
	return 0;
}

/* Checks and hashes the k bytes just read into rbuf, of which only `left`
 * were due; the first wrong one sets bad_at. */
static void
socks_flow_take(struct socks_flow *f, size_t k, unsigned long long left)
{
	size_t i = tststream_check(&f->down, f->expect, f->rbuf, k, left);

	if (f->bad_at == ~0ULL && i < k)
		f->bad_at = f->recvd + i;
	br_sha256_update(&f->hr, f->rbuf, k);
	f->recvd += k;
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
	struct socks_flow f;
	int rc = -1;

	if (socks_flow_init(&f, seed, seed, seed) < 0) {
		*why = "out of memory";
		goto out;
	}
	while (f.recvd < conf->bytes) {
		int re = socks_flow_wait(&f, conf, fd, conf->bytes);

		if (re <= 0) {
			*why = "timed out";
			goto out;
		}
		if (re & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, f.rbuf, SOCKS_PIECE_MAX, 0);

			if (n < 0 && errno != EINTR && errno != EAGAIN) {
				*why = "read error";
				goto out;
			}
			if (n == 0) {
				*why = "connection closed before all bytes "
				    "came back";
				goto out;
			}
			if (n > 0) {
				if ((unsigned long long)n
				    > conf->bytes - f.recvd) {
					*why = "more bytes came back than "
					    "were sent";
					f.recvd += (unsigned long long)n;
					goto out;
				}
				socks_flow_take(&f, (size_t)n,
				    conf->bytes - f.recvd);
			}
		}
		if ((re & POLLOUT) && socks_flow_send(&f, fd) < 0) {
			*why = "write error";
			goto out;
		}
	}
	if (f.bad_at != ~0ULL) {
		*why = "echoed bytes differ from the bytes sent";
		goto out;
	}
	rc = 0;
out:
	br_sha256_out(&f.hs, dsent);
	br_sha256_out(&f.hr, drecv);
	*sent_out = f.sent;
	*recv_out = f.recvd;
	*bad_at = f.bad_at;
	socks_flow_free(&f);
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
	struct socks_flow f;
	struct tststream_head h;
	unsigned char dsent[32], drecv[32];
	char hsent[65], hrecv[65], bad[48] = "-";
	double t_last = 0, t_eof = 0, t_close = 0, secs, maxgap = 0;
	const char *why = NULL, *status = "FAIL";
	int cut = 0;

	h.seed = seed;
	h.up = conf->bytes;
	h.down = conf->down;
	h.flags = (conf->orport_close ? TSTSTREAM_CLOSE : 0)
	    | (conf->up_ack ? TSTSTREAM_ACK : 0)
	    | (uint64_t)conf->linger_ms << 32;
	if (socks_flow_init(&f, seed ^ TSTSTREAM_UP_SALT,
	    seed ^ TSTSTREAM_DOWN_SALT, seed) < 0) {
		why = "out of memory";
		goto out;
	}
	tststream_head_put(f.wbuf, &h);
	f.wlen = TSTSTREAM_HEAD;
	br_sha256_update(&f.hs, f.wbuf, f.wlen);
	while (f.sent < h.up || f.recvd < h.down) {
		int re = socks_flow_wait(&f, conf, fd, h.up);

		if (re <= 0) {
			why = "timed out";
			goto out;
		}
		if (re & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, f.rbuf, SOCKS_PIECE_MAX, 0);

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
				socks_flow_take(&f, (size_t)n,
				    h.down - f.recvd);
				/* The longest wait between two reads that
				 * brought bytes: a stalled session shows. */
				if (t_last > 0
				    && tststream_wall() - t_last > maxgap)
					maxgap = tststream_wall() - t_last;
				t_last = tststream_wall();
				if (f.bad_at != ~0ULL) {
					why = f.recvd > h.down
					    ? "more bytes came than were asked for"
					    : "received bytes differ from the stream";
					goto out;
				}
			}
		}
		if ((re & POLLOUT) && socks_flow_send(&f, fd) < 0) {
			why = "write error";
			cut = errno == ECONNRESET || errno == EPIPE;
			goto out;
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
			n = recv(fd, f.rbuf, SOCKS_PIECE_MAX, 0);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n > 0) {
				f.recvd += (unsigned long long)n;
				f.bad_at = h.down;
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
	if (why != NULL && cut && conf->allow_cut && f.bad_at == ~0ULL)
		status = "CUT";
	br_sha256_out(&f.hs, dsent);
	br_sha256_out(&f.hr, drecv);
	tst_hex(hsent, dsent);
	tst_hex(hrecv, drecv);
	if (f.bad_at != ~0ULL)
		snprintf(bad, sizeof bad, "%llu", f.bad_at);
	secs = tst_now() - t0;
	snprintf(s->result, sizeof s->result,
	    "session %d: %s%s%s seed=%016llx up=%llu/%llu upsha=%s "
	    "down=%llu/%llu downsha=%s downbad=%s t_last=%.6f t_eof=%.6f "
	    "t_close=%.6f maxgap=%.3f (%.1f s, %.1f MB/s down)", s->index,
	    status,
	    why ? " " : "", why ? why : "", (unsigned long long)seed, f.sent,
	    (unsigned long long)h.up, hsent, f.recvd,
	    (unsigned long long)h.down, hrecv, bad, t_last, t_eof, t_close,
	    maxgap, secs, secs > 0 ? (double)f.recvd / secs / 1e6 : 0.0);
	s->ok = status[0] != 'F';
	socks_flow_free(&f);
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
	double t0 = tst_now();
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
	tst_hex(hsent, dsent);
	tst_hex(hrecv, drecv);
	if (rc == 0 && memcmp(dsent, drecv, 32) == 0) {
		s->ok = 1;
		snprintf(s->result, sizeof s->result,
		    "session %d: OK sent %llu received %llu sha256 %s "
		    "(%.1f s)", s->index, sent, recvd, hsent,
		    tst_now() - t0);
	} else {
		char at[64] = "";
		if (bad_at != ~0ULL)
			snprintf(at, sizeof at, " first bad byte at %llu",
			    bad_at);
		snprintf(s->result, sizeof s->result,
		    "session %d: FAIL %s: sent %llu/%llu received %llu "
		    "sha256 sent %.16s... received %.16s...%s (%.1f s)",
		    s->index, rc == 0 ? "digest mismatch" : why, sent,
		    conf->bytes, recvd, hsent, hrecv, at, tst_now() - t0);
	}
	return NULL;
}

/* Keys besides tstlib's TST_KEY_HELP. */
enum { OPT_SOCKS = 's', OPT_ARGS = 'a', OPT_SOCKS4 = '4', OPT_SOCKS4A = 'A',
	OPT_BYTES = 'b', OPT_SESSIONS = 'n', OPT_TIMEOUT = 't', OPT_PIECE = 'p',
	OPT_TARGET = 'T', OPT_DOWN = 'd', OPT_ORCLOSE = 'E', OPT_CUT = 'C',
	OPT_LINGER = 'L', OPT_HOLD = 'H', OPT_DELAY = 'D', OPT_UPACK = 'K' };

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
	TST_OPT_HELP,
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
	struct socks_conf conf;
	struct socks_session *sess;
	unsigned long long v;
	double timeout = 120, t0;
	int c, i, have_addr = 0, have_bytes = 0, failed = 0;

	memset(&conf, 0, sizeof conf);
	conf.proto = SOCKS_PROTO_5;
	conf.sessions = 1;
	conf.piece_max = 32768;
	tst_parse_addr("192.0.2.1:1", &conf.target, 1);
	while ((c = tst_getopt(argc, argv, socks_opts, usage)) != -1) {
		switch (c) {
		case OPT_SOCKS:
			if (tst_parse_addr(optarg, &conf.addr, 1) < 0)
				goto bad;
			have_addr = 1;
			break;
		case OPT_TARGET:
			if (tst_parse_addr(optarg, &conf.target, 1) < 0)
				goto bad;
			break;
		case OPT_ARGS: conf.args = optarg; break;
		case OPT_SOCKS4: conf.proto = SOCKS_PROTO_4; break;
		case OPT_SOCKS4A: conf.proto = SOCKS_PROTO_4A; break;
		case OPT_BYTES:
			if (tst_parse_size(optarg, &conf.bytes) < 0)
				goto bad;
			have_bytes = 1;
			break;
		case OPT_SESSIONS:
			if (tst_parse_size(optarg, &v) < 0 || v < 1
			    || v > SOCKS_MAX_SESSIONS)
				goto bad;
			conf.sessions = (int)v;
			break;
		case OPT_PIECE:
			if (tst_parse_size(optarg, &v) < 0 || v < 1
			    || v > SOCKS_PIECE_MAX)
				goto bad;
			conf.piece_max = (size_t)v;
			break;
		case OPT_TIMEOUT:
			timeout = atof(optarg);
			if (timeout <= 0)
				goto bad;
			break;
		case OPT_DOWN:
			if (tst_parse_size(optarg, &conf.down) < 0)
				goto bad;
			conf.src = 1;
			break;
		case OPT_ORCLOSE: conf.orport_close = 1; break;
		case OPT_UPACK: conf.up_ack = 1; break;
		case OPT_CUT: conf.allow_cut = 1; break;
		case OPT_LINGER:
		case OPT_HOLD:
		case OPT_DELAY:
			if (tst_parse_size(optarg, &v) < 0 || v > 3600000)
				goto bad;
			if (c == OPT_LINGER)
				conf.linger_ms = (unsigned)v;
			else if (c == OPT_HOLD)
				conf.hold_ms = (int)v;
			else
				conf.delay_ms = (int)v;
			break;
		default:
			tst_usage_exit(usage, socks_opts);
		}
	}
	if (!have_addr || !have_bytes)
		tst_usage_exit(usage, socks_opts);
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
	t0 = tst_now();
	conf.deadline = t0 + timeout;
	sess = calloc((size_t)conf.sessions, sizeof *sess);
	if (sess == NULL)
		return 1;
	for (i = 0; i < conf.sessions; i++) {
		sess[i].conf = &conf;
		sess[i].index = i;
		if (tst_thread(&sess[i].tid, socks_session_main, &sess[i]) < 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
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
		    tst_now() - t0);
	else
		printf("%s: %d/%d sessions intact, %llu bytes each way per "
		    "session, %.1f s\n", failed == 0 ? "PASS" : "FAIL",
		    conf.sessions - failed, conf.sessions, conf.bytes,
		    tst_now() - t0);
	fflush(stdout);
	free(sess);
	return failed == 0 ? 0 : 1;
bad:
	fprintf(stderr, "bad --%s %s\n", opt_name(socks_opts, c), optarg);
	return 2;
}
