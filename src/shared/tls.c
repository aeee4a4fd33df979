/*
 * tls: BearSSL 0.6 glue.
 *
 * Connections use br_sslio over low_read/low_write callbacks that wait with
 * poll() (net_read_some/net_write_all) for at most the conn's timeout; when
 * a callback fails it records the MEEK_E* reason in `io_err` so that an
 * engine failure with BR_ERR_IO can be reported as a timeout, a peer close
 * or an I/O error.
 *
 * A server conn holds a reference to the credentials' snapshot it opened
 * with (shared/tlscreds.h), so a reload never frees memory in use.  PEM
 * files (tlspem), trust anchors (tlsanchors) and credentials (tlscreds)
 * are their own files.
 */
#include "config.h"
#include "shared/tls.h"
#include "shared/arena.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/tlsclient.h"
#include "shared/tlscreds.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A client connection uses only the head of struct tls_conn: its engine is
 * `cl`; BearSSL's server context (struct tls_sctx, ~4 KB, allocated for
 * server conns only) and the record buffer belong to server connections. */

struct tls_conn {
	struct tlsclient *cl;     /* client: our engine; NULL for a server conn */
	int fd;
	int timeout_ms;
	long long deadline_ms;    /* 0, or no read waits past this clock_ms() */
	int resumed;              /* client: handshake resumed a session */
	/* Server connections only from here on. */
	br_ssl_engine_context *eng;
	int io_err;               /* MEEK_E* of the last failed low I/O */
	struct tls_snap *snap;    /* server: credentials in use */
	br_sslio_context ioc;
	struct tls_sctx *u;       /* server: BearSSL's context; NULL for a client */
	size_t bufsize;
	unsigned char *buf;       /* server: the record buffer, arena_map'd */
};

/* How long a read may wait: timeout_ms, cut to what is left before the
 * deadline (0 past it: what has arrived is still read). */
static int
tls_read_wait_ms(const struct tls_conn *t)
{
	long long left;

	if (t->deadline_ms == 0)
		return t->timeout_ms;
	left = t->deadline_ms - clock_ms();
	if (left < 0)
		left = 0;
	if (t->timeout_ms >= 0 && left > t->timeout_ms)
		left = t->timeout_ms;
	return (int)left;
}

static int
tls_low_read(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *t = ctx;
	long n;

	n = net_read_some(t->fd, buf, len, tls_read_wait_ms(t));
	if (n > 0)
		return (int)n;
	t->io_err = n < 0 ? (int)n : MEEK_EIO;
	return -1;
}

static int
tls_low_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *t = ctx;
	int r;

	r = net_write_all(t->fd, buf, len, t->timeout_ms);
	if (r == 0)
		return (int)len;
	t->io_err = r;
	return -1;
}

/* Maps the engine's state after a failed call to a MEEK_E* code. */
static int
tls_error(const struct tls_conn *t, const char **why)
{
	int err = br_ssl_engine_last_error(t->eng);
	const char *w;
	int code;

	switch (err) {
	case BR_ERR_OK:
		w = "connection closed";
		code = MEEK_ECLOSED;
		break;
	case BR_ERR_IO:
		code = t->io_err != 0 ? t->io_err : MEEK_EIO;
		w = code == MEEK_ETIMEDOUT ? "timed out" :
		    code == MEEK_ECLOSED ? "connection closed by peer" :
		    "I/O error";
		break;
	case BR_ERR_X509_NOT_TRUSTED:
		w = "certificate not trusted (unknown CA)";
		code = MEEK_ECERTCA;
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		w = "certificate name mismatch";
		code = MEEK_ECERTNAME;
		break;
	case BR_ERR_X509_EXPIRED:
		w = "certificate expired or not yet valid";
		code = MEEK_ECERTDATES;
		break;
	case BR_ERR_BAD_VERSION:
	case BR_ERR_UNSUPPORTED_VERSION:
		w = "unsupported TLS version";
		code = MEEK_ETLS;
		break;
	case BR_ERR_BAD_CIPHER_SUITE:
		w = "no common cipher suite";
		code = MEEK_ETLS;
		break;
	case BR_ERR_NO_RANDOM:
		w = "no entropy source";
		code = MEEK_ETLS;
		break;
	default:
		if (err >= BR_ERR_SEND_FATAL_ALERT) {
			w = "TLS handshake failed (alert sent)";
			code = MEEK_ETLS;
		} else if (err >= BR_ERR_RECV_FATAL_ALERT) {
			w = "TLS alert from peer";
			code = MEEK_EALERT;
		} else if (err >= BR_ERR_X509_OK) {
			w = "certificate rejected";
			code = MEEK_ECERT;
		} else {
			w = "TLS protocol error";
			code = MEEK_ETLS;
		}
		break;
	}
	if (why)
		*why = w;
	return code;
}

static struct tls_conn *
tls_conn_alloc(int fd, int mono, int timeout_ms)
{
	size_t bufsize = mono ? BR_SSL_BUFSIZE_MONO : BR_SSL_BUFSIZE_BIDI;
	struct tls_conn *t;

	/* The record buffer is its own mapping: parked between requests,
	 * all of it goes back (tls_conn_idle). */
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->u = calloc(1, sizeof *t->u);
	t->buf = arena_map(bufsize);
	if (t->u == NULL || t->buf == NULL) {
		free(t->u);
		arena_unmap(t->buf, bufsize);
		free(t);
		return NULL;
	}
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	t->bufsize = bufsize;
	return t;
}

/* Frees a conn that failed to open (wiping its secrets). */
static void
tls_conn_discard(struct tls_conn *t)
{
	tlscreds_snap_unref(t->snap);
	if (t->u != NULL) {
		explicit_bzero(t->u, sizeof *t->u);
		free(t->u);
	}
	arena_unmap(t->buf, t->bufsize);
	explicit_bzero(t, sizeof *t);
	free(t);
}

static void
tls_inject_entropy(br_ssl_engine_context *eng)
{
	unsigned char seed[32];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof seed) {
		n = getrandom(seed + got, sizeof seed - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* BearSSL also seeds itself from the system (rdrand or urandom). */
	if (got > 0)
		br_ssl_engine_inject_entropy(eng, seed, got);
	explicit_bzero(seed, sizeof seed);
}

/* Not const: BearSSL takes "const char **"; never written. */
static const char *tls_alpn[] = { "http/1.1" };

/* Runs the handshake.  Returns 0 or an error with *why. */
static int
tls_handshake(struct tls_conn *t, const char **why)
{
	br_sslio_init(&t->ioc, t->eng, tls_low_read, t, tls_low_write, t);
	if (br_sslio_flush(&t->ioc) == 0 &&
	    (br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) == 0)
		return 0;
	return tls_error(t, why);
}

int
tls_client_open(struct tls_conn **out, int fd, const struct tls_anchors *ta,
    const char *server_name, enum tlshello_profile hello, int mono,
    int timeout_ms, const char **why)
{
	struct tls_conn *t;
	int r;

	(void)mono;     /* tlsclient's buffers are the same either way */
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	r = tlsclient_open(&t->cl, fd, ta, server_name, hello, timeout_ms, why);
	if (r < 0) {
		free(t);
		return r;
	}
	t->resumed = tlsclient_resumed(t->cl);
	*out = t;
	return 0;
}

int
tls_server_new(struct tls_conn **out, int fd, struct tls_creds *c,
    const char **why)
{
	struct tls_conn *t;
	struct tls_snap *s;
	int r;

	t = tls_conn_alloc(fd, 0, 0);
	if (t == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	s = tlscreds_get(c);
	t->snap = s;
	t->eng = &t->u->s.eng;
	if (s->key_type == BR_KEYTYPE_RSA)
		br_ssl_server_init_full_rsa(&t->u->s, s->chain, s->chain_len, &s->rsa);
	else
		br_ssl_server_init_full_ec(&t->u->s, s->chain, s->chain_len,
		    s->issuer_key_type, &s->ec);
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_buffer(t->eng, t->buf, t->bufsize, 1);
	br_ssl_engine_set_protocol_names(t->eng, tls_alpn, 1);
	br_ssl_engine_add_flags(t->eng, BR_OPT_NO_RENEGOTIATION);
	br_ssl_server_set_cache(&t->u->s, tlscreds_cache(c));
	tls_inject_entropy(t->eng);
	if (!br_ssl_server_reset(&t->u->s)) {
		r = tls_error(t, why);
		if (r == MEEK_ECLOSED) {
			r = MEEK_ETLS;
			if (why)
				*why = "TLS setup failed";
		}
		tls_conn_discard(t);
		return r;
	}
	br_sslio_init(&t->ioc, t->eng, tls_low_read, t, tls_low_write, t);
	*out = t;
	return 0;
}

/*
 * Drives the engine without blocking until its state has one of the
 * `target` bits with no record left to send: sends what the engine has,
 * receives what the socket has (as br_sslio's loop does, with
 * MSG_DONTWAIT).  Returns 0, POLLIN or POLLOUT (what to wait for), or an
 * error with *why.
 */
static int
tls_pump(struct tls_conn *t, unsigned target, const char **why)
{
	for (int flushed = 0;;) {
		unsigned st = br_ssl_engine_current_state(t->eng);
		unsigned char *p;
		size_t len;
		ssize_t n;

		if (st & BR_SSL_CLOSED)
			return tls_error(t, why);
		if (st & BR_SSL_SENDREC) {
			p = br_ssl_engine_sendrec_buf(t->eng, &len);
			n = send(t->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(t->eng, (size_t)n);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return POLLOUT;
			return meek_fail(why, "I/O error", MEEK_EIO);
		}
		if (st & target)
			return 0;
		if (st & BR_SSL_RECVAPP)
			return meek_fail(why, "unexpected application data",
			    MEEK_ETLS);
		if (st & BR_SSL_RECVREC) {
			p = br_ssl_engine_recvrec_buf(t->eng, &len);
			n = recv(t->fd, p, len, MSG_DONTWAIT);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(t->eng, (size_t)n);
				continue;
			}
			if (n == 0)
				return meek_fail(why,
				    "connection closed by peer",
				    MEEK_ECLOSED);
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return POLLIN;
			return meek_fail(why, "I/O error", MEEK_EIO);
		}
		if (flushed)
			return POLLIN;
		br_ssl_engine_flush(t->eng, 0);
		flushed = 1;
	}
}

int
tls_conn_handshake_step(struct tls_conn *t, const char **why)
{
	return tls_pump(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP, why);
}

long
tls_conn_read_now(struct tls_conn *t, void *buf, size_t len, short *events)
{
	unsigned char *p;
	size_t avail = 0;
	int r;

	*events = 0;
	if (len == 0)
		return 0;
	if (t->cl != NULL) {
		/* Our client engine reads whole records: one that has begun
		 * to arrive is waited for (its timeout), none is not. */
		if (!tlsclient_has_pending(t->cl) && net_wait(t->fd, POLLIN, 0) == 0) {
			*events = POLLIN;
			return 0;
		}
		return tlsclient_read(t->cl, buf, len);
	}
	r = tls_pump(t, BR_SSL_RECVAPP, NULL);
	if (r < 0)
		return r;
	if (r > 0) {
		*events = (short)r;
		return 0;
	}
	p = br_ssl_engine_recvapp_buf(t->eng, &avail);
	if (p == NULL || avail == 0) {
		*events = POLLIN;
		return 0;
	}
	if (avail > len)
		avail = len;
	memcpy(buf, p, avail);
	br_ssl_engine_recvapp_ack(t->eng, avail);
	return (long)avail;
}

int
tls_server_open(struct tls_conn **out, int fd, struct tls_creds *c,
    int timeout_ms, const char **why)
{
	struct tls_conn *t;
	int r;

	r = tls_server_new(&t, fd, c, why);
	if (r < 0)
		return r;
	t->timeout_ms = timeout_ms;
	r = tls_handshake(t, why);
	if (r < 0) {
		tls_conn_discard(t);
		return r;
	}
	*out = t;
	return 0;
}

void
tls_conn_set_deadline(struct tls_conn *t, long long deadline_ms)
{
	t->deadline_ms = deadline_ms;
}

void
tls_conn_set_timeout(struct tls_conn *t, int timeout_ms)
{
	t->timeout_ms = timeout_ms;
	if (t->cl != NULL)
		tlsclient_set_timeout(t->cl, timeout_ms);
}

long
tls_conn_read(struct tls_conn *t, void *buf, size_t len)
{
	unsigned st;
	int n, r;

	if (len == 0)
		return 0;
	if (t->cl != NULL) {
		long r2;

		if (t->deadline_ms == 0)
			return tlsclient_read(t->cl, buf, len);
		/* The deadline cuts this read's wait; the timeout is back after. */
		tlsclient_set_timeout(t->cl, tls_read_wait_ms(t));
		r2 = tlsclient_read(t->cl, buf, len);
		tlsclient_set_timeout(t->cl, t->timeout_ms);
		return r2;
	}
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	st = br_ssl_engine_current_state(t->eng);
	if (st & BR_SSL_CLOSED)
		return tls_error(t, NULL);
	/* Wait here, between records, so that a timeout with nothing
	 * received leaves the connection usable. */
	if ((st & BR_SSL_RECVREC) != 0 &&
	    (st & (BR_SSL_RECVAPP | BR_SSL_SENDREC)) == 0) {
		r = net_wait(t->fd, POLLIN, tls_read_wait_ms(t));
		if (r == 0)
			return MEEK_ETIMEDOUT;
		if (r < 0)
			return MEEK_EIO;
	}
	n = br_sslio_read(&t->ioc, buf, len);
	if (n > 0)
		return n;
	return tls_error(t, NULL);
}

int
tls_conn_write(struct tls_conn *t, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (t->cl != NULL)
		return tlsclient_write(t->cl, buf, len);
	if (br_sslio_write_all(&t->ioc, buf, len) == 0)
		return 0;
	return tls_error(t, NULL);
}

int
tls_conn_flush(struct tls_conn *t)
{
	if (t->cl != NULL)
		return tlsclient_flush(t->cl);
	if (br_sslio_flush(&t->ioc) == 0)
		return 0;
	return tls_error(t, NULL);
}

/* BearSSL's engine between records with nothing buffered either way: the
 * registers as its make_ready_in / make_ready_out leave them (no header
 * byte received, no plaintext gathered, no record waiting to go out).  The
 * buffer's bytes then mean nothing: the next record header and payload are
 * written before they are read. */
#define TLS_BR_IO_INOUT 3   /* BearSSL 0.6 inner.h's BR_IO_INOUT (not public) */

static int
tls_engine_between_records(const br_ssl_engine_context *e)
{
	return e->iomode == TLS_BR_IO_INOUT && e->ixa == 0 && e->ixb == 0 &&
	    e->ixc == 5 && e->oxa == e->oxc && e->oxb > e->oxa;
}

void
tls_conn_idle(struct tls_conn *t)
{
	if (t->cl != NULL) {
		tlsclient_idle(t->cl);
		return;
	}
	if (t->eng != NULL &&
	    (br_ssl_engine_current_state(t->eng) & BR_SSL_SENDAPP) != 0 &&
	    tls_engine_between_records(t->eng))
		arena_drop(t->buf, t->bufsize);
}

int
tls_conn_has_pending(const struct tls_conn *t)
{
	size_t len = 0;

	if (t->cl != NULL)
		return tlsclient_has_pending(t->cl);
	return br_ssl_engine_recvapp_buf(t->eng, &len) != NULL && len > 0;
}

/* 1 with *info filled for a client connection, 0 for a server one. */
static int
tls_conn_info(const struct tls_conn *t, struct tlsclient_info *info)
{
	if (t->cl == NULL)
		return 0;
	tlsclient_get_info(t->cl, info);
	return 1;
}

unsigned
tls_conn_version(const struct tls_conn *t)
{
	struct tlsclient_info info;

	return tls_conn_info(t, &info) ? info.version : 0x0303;
}

int
tls_conn_h2(const struct tls_conn *t)
{
	struct tlsclient_info info;

	return tls_conn_info(t, &info) ? info.h2 : 0;
}

unsigned
tls_conn_group(const struct tls_conn *t)
{
	struct tlsclient_info info;

	return tls_conn_info(t, &info) ? info.group : 0;
}

int
tls_conn_resumed(const struct tls_conn *t)
{
	/* A server's session cache marks its context (tlscreds). */
	return t->u != NULL ? t->u->resumed : t->resumed;
}

void
tls_conn_free(struct tls_conn *t)
{
	unsigned char *p;
	size_t len;
	ssize_t n;

	if (t == NULL)
		return;
	if (t->cl != NULL) {
		tlsclient_free(t->cl);
		free(t);
		return;
	}
	if ((br_ssl_engine_current_state(t->eng) & BR_SSL_CLOSED) == 0) {
		br_ssl_engine_close(t->eng);
		/* Best effort: send what fits in the socket buffer now. */
		while ((br_ssl_engine_current_state(t->eng) & BR_SSL_SENDREC) != 0) {
			p = br_ssl_engine_sendrec_buf(t->eng, &len);
			if (p == NULL || len == 0)
				break;
			n = send(t->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			br_ssl_engine_sendrec_ack(t->eng, (size_t)n);
		}
	}
	tls_conn_discard(t);
}
