/*
 * tls (and stream over TLS): a test CA and server certificates made with
 * the openssl command into a temporary directory, then real handshakes
 * over 127.0.0.1 with a server thread.
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/peer.h"
#include "tests/unit/testpki.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/stream.h"
#include "shared/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UNIT_SUITE "tls"

#define T_WAIT 20000   /* generous bound for anything that should succeed */
#define MAX_CONNS 64

static const char gen_script[] =
	TESTPKI_SH_HEAD("DNS:front.test,DNS:*.front.test")
	TESTPKI_SH_CAS
	TESTPKI_SH_KEYS
	"openssl pkcs8 -topk8 -nocrypt -in rsa.key -out rsa8.key\n"
	"openssl pkcs8 -topk8 -nocrypt -in ec.key -out ec8.key\n"
	"openssl pkcs8 -topk8 -v2 aes-128-cbc -passout pass:x -in ec.key"
	" -out enc.key\n"
	"openssl rsa -in rsa.key -aes128 -traditional -passout pass:x"
	" -out encold.key\n"
	TESTPKI_SH_LEAVES
	"openssl x509 -req -in rsa.csr -CA ca2.pem -CAkey ca2.key -set_serial 3"
	" -days 365 -extfile leaf.ext -out rsa-ca2.pem\n"
	TESTPKI_SH_EXPIRED
	"cat ca.pem ca2.pem rsa.pem > bundle.pem\n"
	"printf 'not a certificate\\n-----BEGIN CERTIFICATE-----\\n!!!\\n'"
	" > garbage.pem\n"
	"cp rsa.pem live.pem\n"
	"cp rsa.key live.key\n";

TESTPKI_SUITE("tls", gen_script)

static struct tls_creds *
creds(const char *cert, const char *key)
{
	struct tls_creds *c = NULL;
	const char *why = NULL;
	char p1[128], p2[128];

	ck_assert_msg(tls_creds_load(&c, path(p1, cert), path(p2, key), &why) == 0,
	    "creds %s %s: %s", cert, key, why);
	return c;
}

/* ---- echo server ---- */

struct conn_res {
	int open_r;       /* tls_server_open result */
	int resumed;
	long last_read;   /* what ended the echo loop */
};

struct srv {
	int lfd;
	uint16_t port;
	struct tls_creds *creds;
	int stop;         /* atomic */
	int nconn;        /* accept thread only, read after join */
	pthread_t th;
	pthread_t workers[MAX_CONNS];
	struct conn_res res[MAX_CONNS];
	int fds[MAX_CONNS];
};

struct worker_arg {
	struct srv *s;
	int idx;
};

static struct worker_arg worker_args[MAX_CONNS];

static void *
srv_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct srv *s = wa->s;
	struct conn_res *res = &s->res[wa->idx];
	int fd = s->fds[wa->idx];
	unsigned char rbuf[512], buf[20000];
	struct tls_conn *t = NULL;
	struct stream st;
	const char *why = NULL;
	long n;

	res->open_r = tls_server_open(&t, fd, s->creds, T_WAIT, &why);
	if (res->open_r != 0) {
		close(fd);
		return NULL;
	}
	res->resumed = tls_conn_resumed(t);
	stream_init(&st, fd, t, rbuf, sizeof rbuf, T_WAIT);
	for (;;) {
		/* Exercise the read-ahead path (stream_fill) too. */
		if (st.rlen == st.rpos) {
			n = stream_fill(&st);
			if (n < 0) {
				res->last_read = n;
				break;
			}
		}
		n = (long)(st.rlen - st.rpos);
		memcpy(buf, st.rbuf + st.rpos, (size_t)n);
		stream_consume(&st, (size_t)n);
		if (stream_write(&st, buf, (size_t)n) != 0 || stream_flush(&st) != 0)
			break;
	}
	stream_close(&st);
	return NULL;
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	int fd;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (net_wait(s->lfd, POLLIN, 50) <= 0)
			continue;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (s->nconn == MAX_CONNS) {
			close(fd);
			continue;
		}
		s->fds[s->nconn] = fd;
		worker_args[s->nconn].s = s;
		worker_args[s->nconn].idx = s->nconn;
		pthread_create(&s->workers[s->nconn], NULL, srv_worker,
		    &worker_args[s->nconn]);
		s->nconn++;
	}
	for (int i = 0; i < s->nconn; i++)
		pthread_join(s->workers[i], NULL);
	return NULL;
}

static void
srv_start(struct srv *s, struct tls_creds *c)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	const char *why = NULL;

	memset(s, 0, sizeof *s);
	s->creds = c;
	s->lfd = net_listen("127.0.0.1:0", 64, &why);
	ck_assert_msg(s->lfd >= 0, "listen: %s", why);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&sin, &sl), 0);
	s->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&s->th, NULL, srv_main, s), 0);
}

/* Stops accepting and waits for every connection to end. */
static void
srv_stop(struct srv *s)
{
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

/* ---- client side ---- */

struct cli {
	struct stream st;
	unsigned char rbuf[1024];
};

/* Handshakes as a client on fd (closed on failure); returns its result. */
static int
cli_start(struct cli *c, int fd, const struct tls_anchors *ta,
    const char *name, int mono, const char **why)
{
	struct tls_conn *t = NULL;
	int r;

	r = tls_client_open(&t, fd, ta, name, TLSHELLO_CHROME_WS, mono, T_WAIT,
	    why);
	if (r != 0) {
		close(fd);
		return r;
	}
	stream_init(&c->st, fd, t, c->rbuf, sizeof c->rbuf, T_WAIT);
	return 0;
}

static int
cli_open(struct cli *c, const struct srv *s, const struct tls_anchors *ta,
    const char *name, int mono, const char **why)
{
	int fd;

	fd = net_dial("127.0.0.1", s->port, T_WAIT, why);
	ck_assert_msg(fd >= 0, "dial: %s", *why);
	return cli_start(c, fd, ta, name, mono, why);
}

/* cli_open that must succeed. */
static void
cli_ok(struct cli *c, const struct srv *s, const struct tls_anchors *ta,
    const char *name, int mono)
{
	const char *why = NULL;

	ck_assert_msg(cli_open(c, s, ta, name, mono, &why) == 0, "%s: %s", name,
	    why);
}

/* A server thread serving cert/key, and a client's anchors from `ca`. */
struct rig {
	struct tls_anchors *ta;
	struct tls_creds *cr;
	struct srv s;
};

static void
rig_start(struct rig *r, const char *ca, const char *cert, const char *key)
{
	r->ta = anchors(ca);
	r->cr = creds(cert, key);
	srv_start(&r->s, r->cr);
}

/* Frees what rig_start loaded; after srv_stop(&r->s). */
static void
rig_free(struct rig *r)
{
	tls_creds_free(r->cr);
	tls_anchors_free(r->ta);
}

/* Sends `len` bytes in 16 KiB rounds and checks they come back. */
static void
cli_echo(struct cli *c, size_t len)
{
	static const size_t chunk = 16384;
	unsigned char *out, *in;
	size_t off, n;

	out = malloc(len);
	in = malloc(len);
	ck_assert(out != NULL && in != NULL);
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 7 + len);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		ck_assert_int_eq(stream_write(&c->st, out + off, n), 0);
		ck_assert_int_eq(stream_flush(&c->st), 0);
		ck_assert_int_eq(stream_read_full(&c->st, in + off, n), 0);
	}
	ck_assert(memcmp(in, out, len) == 0);
	free(out);
	free(in);
}

static void
handshake_echo(const char *cert, const char *key, const char *name)
{
	struct rig r;
	const char *why = NULL;
	struct cli c;

	rig_start(&r, "ca.pem", cert, key);
	/* Full-duplex buffer, then half-duplex (request/response). */
	for (int mono = 0; mono <= 1; mono++) {
		ck_assert_msg(cli_open(&c, &r.s, r.ta, name, mono, &why) == 0,
		    "%s/%s mono=%d: %s", cert, key, mono, why);
		cli_echo(&c, 5);
		cli_echo(&c, 100000);
		stream_close(&c.st);
	}
	srv_stop(&r.s);
	ck_assert_int_eq(r.s.nconn, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(r.s.res[i].open_r, 0);
		/* Our close_notify reads as a clean close. */
		ck_assert_int_eq(r.s.res[i].last_read, MEEK_ECLOSED);
	}
	rig_free(&r);
}

UNIT_TEST("handshake", tls_rsa_handshake_echo,
    .timeout = 120, .once = certs_setup)
{
	handshake_echo("rsa.pem", "rsa.key", "rsa.front.test");
	handshake_echo("rsa.pem", "rsa8.key", "rsa8.front.test");
}
END_TEST

UNIT_TEST("handshake", tls_ec_handshake_echo)
{
	handshake_echo("ec.pem", "ec.key", "ec.front.test");
	handshake_echo("ec.pem", "ec8.key", "front.test");
}
END_TEST

/* Certificates the client must refuse: trusting `ca`, a server showing
 * `cert` (rsa.key) reached as `name` fails with `code`, the reason saying
 * `why`.  One row a run. */
static const struct cert_error {
	const char *ca, *cert, *name;
	int code;
	const char *why;
} cert_errors[] = {
	{ "ca2.pem", "rsa.pem", "x.front.test", MEEK_ECERTCA, "not trusted" },
	{ "ca.pem", "rsa.pem", "front.example", MEEK_ECERTNAME,
	  "name mismatch" },
	{ "ca.pem", "expired.pem", "x.front.test", MEEK_ECERTEXPIRED,
	  "expired" },
};

UNIT_TEST("handshake", tls_rejects_bad_certificates,
    .loops = (int)UNIT_N(cert_errors))
{
	const struct cert_error *t = &cert_errors[_i];
	struct rig r;
	const char *why = NULL;
	struct cli c;
	int rc;

	rig_start(&r, t->ca, t->cert, "rsa.key");
	rc = cli_open(&c, &r.s, r.ta, t->name, 1, &why);
	ck_assert_int_eq(rc, t->code);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, t->why) != NULL, "%s", why);
	srv_stop(&r.s);
	ck_assert_int_eq(r.s.nconn, 1);
	ck_assert_int_lt(r.s.res[0].open_r, 0);
	rig_free(&r);
}
END_TEST

UNIT_TEST("handshake", tls_resumes_session)
{
	struct rig r;
	struct cli c;

	rig_start(&r, "ca.pem", "ec.pem", "ec.key");
	cli_ok(&c, &r.s, r.ta, "resume.front.test", 1);
	ck_assert_int_eq(tls_conn_resumed(c.st.tls), 0);
	cli_echo(&c, 10);
	stream_close(&c.st);
	cli_ok(&c, &r.s, r.ta, "resume.front.test", 1);
	ck_assert_int_eq(tls_conn_resumed(c.st.tls), 1);
	cli_echo(&c, 10);
	stream_close(&c.st);
	/* Another name does not reuse that session. */
	cli_ok(&c, &r.s, r.ta, "other.front.test", 1);
	ck_assert_int_eq(tls_conn_resumed(c.st.tls), 0);
	stream_close(&c.st);
	srv_stop(&r.s);
	ck_assert_int_eq(r.s.nconn, 3);
	ck_assert_int_eq(r.s.res[0].resumed, 0);
	ck_assert_int_eq(r.s.res[1].resumed, 1);
	ck_assert_int_eq(r.s.res[2].resumed, 0);
	rig_free(&r);
}
END_TEST

/* Atomically replaces `dst` in the cert dir with a copy of `src`. */
static void
replace_file(const char *src, const char *dst)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "cd '%s' && cp %s %s.tmp && mv -f %s.tmp %s",
	    pki.dir, src, dst, dst, dst);
	ck_assert_int_eq(system(cmd), 0);
}

UNIT_TEST("reload", tls_creds_reload_serves_new_cert,
    .timeout = 120, .once = certs_setup)
{
	struct tls_anchors *ta1 = anchors("ca.pem"), *ta2 = anchors("ca2.pem");
	struct tls_creds *cr;
	const char *why = NULL;
	char name[64];
	struct srv s;
	struct cli a, b;
	int r = -1;

	replace_file("rsa.pem", "live.pem");
	cr = creds("live.pem", "live.key");
	srv_start(&s, cr);
	cli_ok(&a, &s, ta1, "a.front.test", 0);
	cli_echo(&a, 100);

	/* Forced reload: new connections get the certificate from CA 2. */
	replace_file("rsa-ca2.pem", "live.pem");
	ck_assert_msg(tls_creds_reload(cr, &why) == 0, "%s", why);
	cli_ok(&b, &s, ta2, "b.front.test", 0);
	cli_echo(&b, 100);
	stream_close(&b.st);
	ck_assert_int_eq(cli_open(&b, &s, ta1, "c.front.test", 0, &why), MEEK_ECERTCA);
	/* The connection opened before the reload still works. */
	cli_echo(&a, 50000);

	/* A broken file is refused and the current certificate stays. */
	replace_file("garbage.pem", "live.pem");
	ck_assert_int_lt(tls_creds_reload(cr, &why), 0);
	cli_ok(&b, &s, ta2, "d.front.test", 0);
	stream_close(&b.st);

	/* Changed files are picked up without a call (checked once a
	 * second): poll until the CA 1 certificate is served again. */
	replace_file("rsa.pem", "live.pem");
	for (int i = 0; i < 100 && r != 0; i++) {
		snprintf(name, sizeof name, "e%d.front.test", i);
		r = cli_open(&b, &s, ta1, name, 0, &why);
		if (r == 0)
			break;
		ck_assert_int_eq(r, MEEK_ECERTCA);
		usleep(100000);
	}
	ck_assert_int_eq(r, 0);
	cli_echo(&b, 100);
	stream_close(&b.st);
	cli_echo(&a, 100);
	stream_close(&a.st);
	srv_stop(&s);
	ck_assert_int_eq(s.res[0].open_r, 0);
	ck_assert_int_eq(s.res[0].last_read, MEEK_ECLOSED);
	tls_creds_free(cr);
	tls_anchors_free(ta1);
	tls_anchors_free(ta2);
}
END_TEST

UNIT_TEST("handshake", tls_read_timeout_keeps_connection)
{
	struct rig r;
	unsigned char buf[16];
	struct cli c;

	rig_start(&r, "ca.pem", "ec.pem", "ec.key");
	cli_ok(&c, &r.s, r.ta, "t.front.test", 1);
	stream_set_timeout(&c.st, 50);
	ck_assert_int_eq(stream_read(&c.st, buf, sizeof buf), MEEK_ETIMEDOUT);
	ck_assert_int_eq(stream_has_pending(&c.st), 0);
	stream_set_timeout(&c.st, T_WAIT);
	cli_echo(&c, 1000);
	/* A short read leaves decrypted bytes pending in the engine. */
	ck_assert_int_eq(stream_write(&c.st, "0123456789", 10), 0);
	ck_assert_int_eq(stream_flush(&c.st), 0);
	ck_assert_int_eq(stream_read_full(&c.st, buf, 4), 0);
	ck_assert(memcmp(buf, "0123", 4) == 0);
	ck_assert_int_eq(stream_has_pending(&c.st), 1);
	ck_assert_int_eq(stream_read_full(&c.st, buf, 6), 0);
	ck_assert(memcmp(buf, "456789", 6) == 0);
	ck_assert_int_eq(stream_has_pending(&c.st), 0);
	/* Close the TCP connection without close_notify: the server sees
	 * a peer close, not an error. */
	shutdown(c.st.fd, SHUT_RDWR);
	close(c.st.fd);
	tls_conn_free(c.st.tls);
	srv_stop(&r.s);
	ck_assert_int_eq(r.s.res[0].last_read, MEEK_ECLOSED);
	rig_free(&r);
}
END_TEST

/* ---- the server engine driven without blocking ---- */

/* Copies client -> server one byte at a time (so every record arrives cut
 * into pieces), server -> client as it comes, until either side ends. */
struct drip_relay {
	int c, s;
};

static void *
drip_relay_main(void *arg)
{
	struct drip_relay *r = arg;
	unsigned char buf[16384];
	ssize_t n;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = r->c, .events = POLLIN },
			{ .fd = r->s, .events = POLLIN },
		};
		if (poll(p, 2, T_WAIT) <= 0)
			break;
		if (p[0].revents != 0) {
			if ((n = read(r->c, buf, 1)) <= 0 ||
			    net_write_all(r->s, buf, 1, T_WAIT) != 0)
				break;
			usleep(100);
		}
		if (p[1].revents != 0) {
			if ((n = read(r->s, buf, sizeof buf)) <= 0 ||
			    net_write_all(r->c, buf, (size_t)n, T_WAIT) != 0)
				break;
		}
	}
	shutdown(r->c, SHUT_RDWR);
	shutdown(r->s, SHUT_RDWR);
	return NULL;
}

struct step_cli {
	int fd;
	struct tls_anchors *ta;
	int r;
};

/* Handshakes, sends "ping", expects "pong", closes. */
static void *
step_cli_main(void *arg)
{
	struct step_cli *sc = arg;
	const char *why = NULL;
	unsigned char buf[4];
	struct cli c;

	sc->r = cli_start(&c, sc->fd, sc->ta, "t.front.test", 0, &why);
	if (sc->r != 0)
		return NULL;
	if (stream_write(&c.st, "ping", 4) != 0 || stream_flush(&c.st) != 0)
		sc->r = -100;
	else if (stream_read_full(&c.st, buf, 4) != 0 ||
	    memcmp(buf, "pong", 4) != 0)
		sc->r = -101;
	stream_close(&c.st);
	return NULL;
}

UNIT_TEST("handshake", tls_server_steps_through_a_dripped_handshake)
{
	struct tls_creds *cr = creds("ec.pem", "ec.key");
	struct step_cli sc = { .ta = anchors("ca.pem") };
	struct drip_relay rl;
	struct tls_conn *t = NULL;
	const char *why = NULL;
	unsigned char rbuf[64];
	pthread_t cth, rth;
	struct stream st;
	int a[2], b[2], r, waits = 0, empty = 0;
	short ev = 0;
	long n;

	peer_pair(a);
	peer_pair(b);
	sc.fd = a[0];
	rl.c = a[1];
	rl.s = b[1];
	ck_assert_int_eq(tls_server_new(&t, b[0], cr, &why), 0);
	ck_assert_int_eq(pthread_create(&rth, NULL, drip_relay_main, &rl), 0);
	ck_assert_int_eq(pthread_create(&cth, NULL, step_cli_main, &sc), 0);
	/* Every step returns at once; between steps only the fd is waited
	 * on, as the pool's poller does.  The client's second flight needs
	 * the server's first: at least one wait. */
	while ((r = tls_conn_handshake_step(t, &why)) > 0) {
		waits++;
		ck_assert_int_eq(net_wait(b[0], (short)r, T_WAIT), 1);
	}
	ck_assert_msg(r == 0, "handshake step: %d %s", r, why);
	ck_assert_int_gt(waits, 0);
	/* The request, one byte at a time, read without blocking: a record
	 * cut short stays in the engine. */
	stream_init(&st, b[0], t, rbuf, sizeof rbuf, T_WAIT);
	while (st.rlen < 4) {
		n = stream_fill_now(&st, &ev);
		ck_assert_int_ge(n, 0);
		if (n == 0) {
			empty++;
			ck_assert_int_eq(net_wait(b[0], ev, T_WAIT), 1);
		}
	}
	ck_assert_int_gt(empty, 0);
	ck_assert(memcmp(st.rbuf, "ping", 4) == 0);
	/* The blocking calls work on the same connection afterwards. */
	ck_assert_int_eq(stream_write(&st, "pong", 4), 0);
	ck_assert_int_eq(stream_flush(&st), 0);
	pthread_join(cth, NULL);
	ck_assert_int_eq(sc.r, 0);
	stream_close(&st);
	pthread_join(rth, NULL);
	close(a[1]);
	close(b[1]);
	tls_creds_free(cr);
	tls_anchors_free(sc.ta);
}
END_TEST

UNIT_TEST("handshake", tls_read_deadline_bounds_a_dripped_record)
{
	struct rig r;
	struct tls_conn *t = NULL;
	unsigned char buf[16];
	struct cli c;

	/* The client side reads with a long timeout but a deadline that has
	 * passed: with nothing arrived it fails at once, not after T_WAIT. */
	rig_start(&r, "ca.pem", "ec.pem", "ec.key");
	cli_ok(&c, &r.s, r.ta, "t.front.test", 1);
	t = c.st.tls;
	cli_echo(&c, 100);
	tls_conn_set_deadline(t, 1);
	ck_assert_int_eq(stream_read(&c.st, buf, sizeof buf), MEEK_ETIMEDOUT);
	tls_conn_set_deadline(t, 0);
	stream_close(&c.st);
	srv_stop(&r.s);
	rig_free(&r);
}
END_TEST

UNIT_TEST("files", tls_anchors_load_bundle,
    .timeout = 120, .once = certs_setup)
{
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	char p[128];

	ck_assert_int_eq(tls_anchors_load(&ta, path(p, "bundle.pem"), &why), 0);
	ck_assert_uint_eq(tls_anchors_count(ta), 3);
	tls_anchors_free(ta);
	ck_assert_int_eq(tls_anchors_load(&ta, path(p, "garbage.pem"), &why),
	    MEEK_EPROTO);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(tls_anchors_load(&ta, path(p, "rsa.key"), &why),
	    MEEK_EPROTO);
	ck_assert_str_eq(why, "no certificate found");
	ck_assert_int_eq(tls_anchors_load(&ta, path(p, "missing.pem"), &why),
	    MEEK_EIO);
	ck_assert_uint_eq(tls_anchors_count(NULL), 0);
	tls_anchors_free(NULL);
}
END_TEST

UNIT_TEST("files", tls_creds_load_errors)
{
	struct tls_creds *c = NULL;
	const char *why = NULL;
	char p1[128], p2[128];

	ck_assert_int_eq(tls_creds_load(&c, path(p1, "rsa.pem"),
	    path(p2, "ec.key"), &why), MEEK_EPROTO);
	ck_assert_msg(strstr(why, "does not match") != NULL, "%s", why);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "ec.pem"),
	    path(p2, "ec8.key"), &why), 0);
	tls_creds_free(c);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "ec.pem"),
	    path(p2, "enc.key"), &why), MEEK_EPROTO);
	ck_assert_msg(strstr(why, "encrypted") != NULL, "%s", why);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "rsa.pem"),
	    path(p2, "encold.key"), &why), MEEK_EPROTO);
	ck_assert_msg(strstr(why, "encrypted") != NULL, "%s", why);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "missing.pem"),
	    path(p2, "rsa.key"), &why), MEEK_EIO);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "rsa.pem"),
	    path(p2, "missing.key"), &why), MEEK_EIO);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "garbage.pem"),
	    path(p2, "rsa.key"), &why), MEEK_EPROTO);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "rsa.pem"),
	    path(p2, "rsa.pem"), &why), MEEK_EPROTO);
	ck_assert_str_eq(why, "no private key found");
	tls_creds_free(NULL);
}
END_TEST

/* Empty files (found by tests/fuzz/fuzz_tls_pem: an empty key file reached
 * memmem(NULL, 0, ...), undefined behaviour that UBSan aborts on). */
UNIT_TEST("files", tls_creds_load_rejects_empty_files)
{
	struct tls_creds *c = NULL;
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	char p1[128], p2[128];
	FILE *f = fopen(path(p1, "empty.pem"), "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "rsa.pem"),
	    path(p2, "empty.pem"), &why), MEEK_EPROTO);
	ck_assert_str_eq(why, "no private key found");
	ck_assert_int_eq(tls_creds_load(&c, path(p1, "empty.pem"),
	    path(p2, "rsa.key"), &why), MEEK_EPROTO);
	ck_assert_str_eq(why, "no certificate found");
	ck_assert_int_eq(tls_anchors_load(&ta, path(p1, "empty.pem"), &why),
	    MEEK_EPROTO);
	ck_assert_str_eq(why, "no certificate found");
}
END_TEST

/* Many threads open connections while the credentials reload: run under
 * TSan for the locks (creds, server cache, client cache). */
struct stress {
	struct srv *s;
	struct tls_anchors *ta;
	int ok;
};

static void *
stress_client(void *arg)
{
	struct stress *st = arg;
	const char *why = NULL;
	struct cli c;

	for (int i = 0; i < 6; i++) {
		if (cli_open(&c, st->s, st->ta, "stress.front.test", i & 1, &why) != 0)
			continue;
		cli_echo(&c, 3000);
		stream_close(&c.st);
		st->ok++;
	}
	return NULL;
}

UNIT_TEST("reload", tls_concurrent_connections_and_reloads)
{
	struct tls_anchors *ta = anchors("ca.pem");
	struct tls_creds *cr;
	struct stress st[4];
	pthread_t th[4];
	const char *why = NULL;
	struct srv s;

	replace_file("rsa.pem", "live.pem");
	cr = creds("live.pem", "live.key");
	srv_start(&s, cr);
	for (int i = 0; i < 4; i++) {
		st[i].s = &s;
		st[i].ta = ta;
		st[i].ok = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, stress_client, &st[i]), 0);
	}
	for (int i = 0; i < 10; i++) {
		ck_assert_msg(tls_creds_reload(cr, &why) == 0, "%s", why);
		usleep(20000);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(st[i].ok, 6);
	}
	srv_stop(&s);
	tls_creds_free(cr);
	tls_anchors_free(ta);
}
END_TEST
