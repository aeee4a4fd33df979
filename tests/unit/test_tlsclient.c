/*
 * tlsclient: real handshakes over 127.0.0.1 against openssl s_server
 * (TLS 1.3 with RSA and ECDSA certificates, HelloRetryRequest, tickets
 * and resumption, KeyUpdate, TLS 1.2) and against our BearSSL
 * TLS 1.2 server (tls_server_open, meek-server's engine) in a thread.
 * Certificates are made with the openssl command in a temporary directory.
 * Every s_server is started by the test (port 0, its ACCEPT line read
 * back) and killed by its PID; every wait is bounded.
 * No cookie test here: openssl 3.0's s_server -stateless (the only mode in
 * which it sends a cookie) drops the connection at the compatibility
 * ChangeCipherSpec that Chrome (and openssl's own s_client) sends before
 * the second ClientHello; the cookie path is left to a scripted server.
 */
#include "config.h"
#include "tests/unit/unit.h"
#include "tests/unit/testpki.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/tls.h"
#include "shared/tlsclient.h"
#include "shared/tlsticket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UNIT_SUITE "tlsclient"

#define T_WAIT 20000   /* generous bound for anything that should succeed */

static const char gen_script[] =
	TESTPKI_SH_HEAD("DNS:front.test,DNS:*.front.test,IP:127.0.0.1")
	TESTPKI_SH_CAS
	TESTPKI_SH_KEYS
	TESTPKI_SH_LEAVES
	TESTPKI_SH_EXPIRED;

TESTPKI_SUITE("tlsclient", gen_script)

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- openssl s_server ---- */

struct ossl {
	pid_t pid;
	int in;            /* its stdin */
	uint16_t port;
	char out[160];     /* file with its stdout and stderr */
};

/* Reads the whole output file of `o` into buf (NUL-terminated). */
static size_t
ossl_output(const struct ossl *o, char *buf, size_t cap)
{
	FILE *f = fopen(o->out, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return n;
}

/* Waits (bounded) until the output of `o` contains `s` `n` times. */
static int
ossl_wait_count(const struct ossl *o, const char *s, int n)
{
	static char buf[65536];
	const char *p;
	int k;

	for (int i = 0; i < T_WAIT / 20; i++) {
		ossl_output(o, buf, sizeof buf);
		for (k = 0, p = buf; (p = strstr(p, s)) != NULL; p++)
			k++;
		if (k >= n)
			return 1;
		sleep_ms(20);
	}
	return 0;
}

static int
ossl_wait_for(const struct ossl *o, const char *s)
{
	return ossl_wait_count(o, s, 1);
}

/* Starts `openssl s_server -accept 127.0.0.1:0 -cert C -key K <extra...>`. */
static void
ossl_start(struct ossl *o, const char *cert, const char *key,
    const char *const *extra)
{
	char c[128], k[128], buf[4096], *p;
	const char *argv[36];
	int pin[2], fd, n = 0;

	memset(o, 0, sizeof *o);
	snprintf(o->out, sizeof o->out, "%s/s_server.%d.%ld.log", pki.dir,
	    (int)getpid(), (long)random());
	/* Line-buffered stdout (coreutils' stdbuf): s_server printf()s the
	 * result of a "K" command, which the KeyUpdate test waits for. */
	argv[n++] = "stdbuf";
	argv[n++] = "-oL";
	argv[n++] = "openssl";
	argv[n++] = "s_server";
	argv[n++] = "-accept";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "-cert";
	argv[n++] = path(c, cert);
	argv[n++] = "-key";
	argv[n++] = path(k, key);
	for (int i = 0; extra[i] != NULL && n < 34; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	ck_assert_int_eq(pipe(pin), 0);
	o->pid = fork();
	ck_assert_int_ge(o->pid, 0);
	if (o->pid == 0) {
		fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(127);
		dup2(pin[0], 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(pin[1]);
		execvp("stdbuf", (char *const *)argv);
		_exit(127);
	}
	close(pin[0]);
	o->in = pin[1];
	ck_assert_msg(ossl_wait_for(o, "ACCEPT 127.0.0.1:"), "s_server did not start");
	ossl_output(o, buf, sizeof buf);
	p = strstr(buf, "ACCEPT 127.0.0.1:");
	o->port = (uint16_t)atoi(p + strlen("ACCEPT 127.0.0.1:"));
	ck_assert_int_gt(o->port, 0);
}

static void
ossl_stop(struct ossl *o)
{
	close(o->in);
	kill(o->pid, SIGTERM);
	waitpid(o->pid, NULL, 0);
	unlink(o->out);
}

/* ---- client ---- */

static void read_until(struct tlsclient *c, char *buf, size_t cap, const char *want);

static int
cli_open(struct tlsclient **c, int *fd, uint16_t port,
    const struct tls_anchors *ta, const char *name, const char **why)
{
	int r;

	*fd = net_dial("127.0.0.1", port, T_WAIT, why);
	ck_assert_msg(*fd >= 0, "dial: %s", *why);
	r = tlsclient_open(c, *fd, ta, name, TLSHELLO_CHROME_WS, T_WAIT, why);
	if (r < 0) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

/* cli_open that must succeed. */
static struct tlsclient *
cli_ok(int *fd, uint16_t port, const struct tls_anchors *ta, const char *name)
{
	struct tlsclient *c = NULL;
	const char *why = NULL;

	ck_assert_msg(cli_open(&c, fd, port, ta, name, &why) == 0,
	    "handshake with %s: %s", name, why);
	return c;
}

/* Frees what cli_ok opened. */
static void
cli_close(struct tlsclient *c, int fd)
{
	tlsclient_free(c);
	close(fd);
}

/* An s_server -www and the anchors (ca.pem) to reach it with. */
struct www {
	struct ossl o;
	struct tls_anchors *ta;
	struct tlsclient_info info;	/* of the last www_get */
};

static void
www_start(struct www *w, const char *cert, const char *key,
    const char *const *extra)
{
	w->ta = anchors("ca.pem");
	ossl_start(&w->o, cert, key, extra);
}

/* One GET as `name`; checks the page and leaves its info in w->info.
 * Returns whether the handshake resumed (info.resumed). */
static int
www_get(struct www *w, const char *name)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	static char page[65536];
	struct tlsclient *c;
	size_t got = 0;
	long n;
	int fd;

	c = cli_ok(&fd, w->o.port, w->ta, name);
	ck_assert_int_eq(tlsclient_write(c, req, sizeof req - 1), 0);
	ck_assert_int_eq(tlsclient_flush(c), 0);
	while ((n = tlsclient_read(c, page + got, sizeof page - 1 - got)) > 0)
		got += (size_t)n;
	page[got] = '\0';
	/* s_server -www closes with close_notify. */
	ck_assert_int_eq(n, MEEK_ECLOSED);
	ck_assert_msg(strncmp(page, "HTTP/1.0 200 ok", 15) == 0, "page: %.80s", page);
	tlsclient_get_info(c, &w->info);
	cli_close(c, fd);
	return w->info.resumed;
}

static void
www_stop(struct www *w)
{
	ossl_stop(&w->o);
	tls_anchors_free(w->ta);
}

/* A full handshake with s_server -www, TLS 1.3 or 1.2 (no_tls13): one
 * row of the table below a run. */
struct full {
	int no_tls13;
	const char *cert, *key, *name;
};

static const struct full full13[] = {
	{ 0, "rsa.pem", "rsa.key", "rsa13.front.test" },
	{ 0, "ec.pem", "ec.key", "ec13.front.test" },
	/* No SNI for an address (as Chrome); the iPAddress SAN matches. */
	{ 0, "ec.pem", "ec.key", "127.0.0.1" },
};

static const struct full full12[] = {
	{ 1, "rsa.pem", "rsa.key", "rsa12.front.test" },
	{ 1, "ec.pem", "ec.key", "ec12.front.test" },
};

static void
full_www(const struct full *r)
{
	static const char *const extra13[] = { "-tls1_3", "-www", NULL };
	static const char *const extra12[] = { "-no_tls1_3", "-www", NULL };
	struct www w;

	www_start(&w, r->cert, r->key, r->no_tls13 ? extra12 : extra13);
	www_get(&w, r->name);
	if (r->no_tls13) {
		ck_assert_uint_eq(w.info.version, 0x0303);
		/* openssl does RFC 7627. */
		ck_assert_int_eq(w.info.ems, 1);
	} else {
		ck_assert_uint_eq(w.info.version, 0x0304);
		ck_assert_int_eq(w.info.hrr, 0);
		ck_assert_int_eq(w.info.resumed, 0);
	}
	/* openssl 3.0 has no ML-KEM: X25519 (in 1.3 from our two shares). */
	ck_assert_uint_eq(w.info.group, 0x001d);
	www_stop(&w);
}

UNIT_TEST("openssl13", tlsclient_tls13_full_handshake,
    .loops = (int)UNIT_N(full13), .timeout = 60, .once = certs_setup)
{
	full_www(&full13[_i]);
}
END_TEST

UNIT_TEST("tls12", tlsclient_tls12_full_handshake,
    .loops = (int)UNIT_N(full12), .timeout = 60, .once = certs_setup)
{
	full_www(&full12[_i]);
}
END_TEST

UNIT_TEST("openssl13", tlsclient_hello_retry_request)
{
	static const char *const extra[] = { "-tls1_3", "-www", "-groups", "P-256",
		NULL };
	struct www w;

	www_start(&w, "rsa.pem", "rsa.key", extra);
	www_get(&w, "hrr.front.test");
	ck_assert_uint_eq(w.info.version, 0x0304);
	ck_assert_int_eq(w.info.hrr, 1);
	ck_assert_int_eq(w.info.hrr_cookie, 0);
	ck_assert_uint_eq(w.info.group, 0x0017);
	www_stop(&w);
}
END_TEST

UNIT_TEST("openssl13", tlsclient_resumes_with_ticket)
{
	static const char *const extra[] = { "-tls1_3", "-www", "-num_tickets", "2",
		NULL };
	struct www w;

	tlsticket_clear_all();
	www_start(&w, "rsa.pem", "rsa.key", extra);
	ck_assert_int_eq(www_get(&w, "ticket.front.test"), 0);
	ck_assert_uint_eq(tlsticket_count13("ticket.front.test"), 2);
	ck_assert_int_eq(www_get(&w, "ticket.front.test"), 1);
	ck_assert_uint_eq(w.info.version, 0x0304);
	/* One ticket used up; openssl sends one new ticket after a
	 * resumption (num_tickets is for full handshakes). */
	ck_assert_uint_eq(tlsticket_count13("ticket.front.test"), 2);
	/* Another name has no ticket. */
	ck_assert_int_eq(www_get(&w, "other.front.test"), 0);
	www_stop(&w);
}
END_TEST

UNIT_TEST("openssl13", tlsclient_full_handshake_when_ticket_rejected)
{
	static const char *const extra[] = { "-tls1_3", "-www", NULL };
	struct www a, b;

	tlsticket_clear_all();
	/* Two servers with their own ticket keys, one name: B cannot
	 * decrypt A's ticket, ignores the PSK, and the handshake is full. */
	www_start(&a, "rsa.pem", "rsa.key", extra);
	www_start(&b, "rsa.pem", "rsa.key", extra);
	ck_assert_int_eq(www_get(&a, "rekey.front.test"), 0);
	ck_assert_uint_ge(tlsticket_count13("rekey.front.test"), 1);
	ck_assert_int_eq(www_get(&b, "rekey.front.test"), 0);
	ck_assert_uint_eq(b.info.version, 0x0304);
	/* B's own ticket then resumes with B. */
	ck_assert_int_eq(www_get(&b, "rekey.front.test"), 1);
	www_stop(&a);
	www_stop(&b);
}
END_TEST

static void
cert_request(const char *version)
{
	/* -verify 1: s_server asks for a client certificate but goes on
	 * without one; we answer with an empty Certificate. */
	const char *const extra[] = { version, "-www", "-verify", "1", NULL };
	struct www w;

	www_start(&w, "ec.pem", "ec.key", extra);
	www_get(&w, "certreq.front.test");
	ck_assert_uint_eq(w.info.version, strcmp(version, "-tls1_3") == 0 ?
	    0x0304 : 0x0303);
	www_stop(&w);
}

UNIT_TEST("openssl13", tlsclient_empty_certificate_on_request)
{
	cert_request("-tls1_3");
	cert_request("-no_tls1_3");
}
END_TEST

/* Reads until `want` was received (bounded by the conn's timeout). */
static void
read_until(struct tlsclient *c, char *buf, size_t cap, const char *want)
{
	size_t got = 0;
	long n;

	buf[0] = '\0';
	while (strstr(buf, want) == NULL) {
		ck_assert_msg(got < cap - 1, "no %s in %s", want, buf);
		n = tlsclient_read(c, buf + got, cap - 1 - got);
		ck_assert_msg(n > 0, "read: %ld (got %s)", n, buf);
		got += (size_t)n;
		buf[got] = '\0';
	}
}

UNIT_TEST("openssl13", tlsclient_answers_key_update)
{
	static const char *const extra[] = { "-tls1_3", NULL };
	struct tls_anchors *ta = anchors("ca.pem");
	struct tlsclient *c;
	struct tlsclient_info info;
	char buf[4096];
	struct ossl o;
	int fd;

	ossl_start(&o, "ec.pem", "ec.key", extra);
	c = cli_ok(&fd, o.port, ta, "ku.front.test");
	tlsclient_set_timeout(c, T_WAIT);
	ck_assert_int_eq(tlsclient_write(c, "hello-1\n", 8), 0);
	ck_assert_int_eq(tlsclient_flush(c), 0);
	ck_assert(ossl_wait_for(&o, "hello-1"));
	/* "K": KeyUpdate with update_requested, then a line under the new key. */
	/* s_server takes a command only from a read of <= 2 bytes: wait for
	 * it to be done ("SSL_do_handshake -> 1") before the next line. */
	ck_assert_int_eq(write(o.in, "K\n", 2), 2);
	if (!ossl_wait_count(&o, "SSL_do_handshake -> 1", 1)) {
		ossl_output(&o, buf, sizeof buf);
		ck_abort_msg("s_server: %s", buf);
	}
	ck_assert_int_eq(write(o.in, "after-ku\n", 9), 9);
	read_until(c, buf, sizeof buf, "after-ku");
	tlsclient_get_info(c, &info);
	ck_assert_uint_eq(info.key_updates, 1);
	/* Our answer updated our sending key: the server still reads us. */
	ck_assert_int_eq(tlsclient_write(c, "hello-2\n", 8), 0);
	ck_assert_int_eq(tlsclient_flush(c), 0);
	ck_assert(ossl_wait_for(&o, "hello-2"));
	/* And a second round. */
	ck_assert_int_eq(write(o.in, "K\n", 2), 2);
	ck_assert(ossl_wait_count(&o, "SSL_do_handshake -> 1", 2));
	ck_assert_int_eq(write(o.in, "after-ku2\n", 10), 10);
	read_until(c, buf, sizeof buf, "after-ku2");
	ck_assert_int_eq(tlsclient_write(c, "hello-3\n", 8), 0);
	ck_assert_int_eq(tlsclient_flush(c), 0);
	ck_assert(ossl_wait_for(&o, "hello-3"));
	tlsclient_get_info(c, &info);
	ck_assert_uint_eq(info.key_updates, 2);
	cli_close(c, fd);
	ossl_stop(&o);
	tls_anchors_free(ta);
}
END_TEST

UNIT_TEST("tls12", tlsclient_tls12_resumes_session_id)
{
	/* -no_ticket: openssl then resumes by session id (what meek-server's
	 * BearSSL does too). */
	static const char *const extra[] = { "-no_tls1_3", "-www", "-no_ticket",
		NULL };
	struct www w;

	tlsticket_clear_all();
	www_start(&w, "ec.pem", "ec.key", extra);
	ck_assert_int_eq(www_get(&w, "sid12.front.test"), 0);
	ck_assert_uint_eq(w.info.version, 0x0303);
	ck_assert_int_eq(www_get(&w, "sid12.front.test"), 1);
	ck_assert_int_eq(w.info.ems, 1);
	ck_assert_int_eq(www_get(&w, "sid12.front.test"), 1);
	www_stop(&w);
}
END_TEST

static void
expect_cert_error(const char *ca, const char *cert, const char *name,
    int code, const char *why_part)
{
	static const char *const extra[] = { "-www", NULL };
	struct tls_anchors *ta = anchors(ca);
	struct tlsclient *c = NULL;
	const char *why = NULL;
	struct ossl o;
	int fd, r;

	ossl_start(&o, cert, "rsa.key", extra);
	r = cli_open(&c, &fd, o.port, ta, name, &why);
	ck_assert_int_eq(r, code);
	ck_assert_msg(why != NULL && strstr(why, why_part) != NULL, "why: %s", why);
	ossl_stop(&o);
	tls_anchors_free(ta);
}

/* Certificates the client must refuse: trusting `ca`, a server showing
 * `cert` reached as each of `names` fails with `code`, the reason saying
 * `why`.  One row a run. */
static const struct cert_error {
	const char *ca, *cert, *names[2];
	int code;
	const char *why;
} cert_errors[] = {
	{ "ca2.pem", "rsa.pem", { "x.front.test" }, MEEK_ECERTCA,
	  "certificate not trusted (unknown CA)" },
	{ "ca.pem", "rsa.pem", { "front.example", "127.0.0.2" }, MEEK_ECERTNAME,
	  "certificate name mismatch" },
	{ "ca.pem", "expired.pem", { "x.front.test" }, MEEK_ECERTEXPIRED,
	  "certificate expired" },
};

UNIT_TEST("certificates", tlsclient_rejects_bad_certificates,
    .loops = (int)UNIT_N(cert_errors), .timeout = 60, .once = certs_setup)
{
	const struct cert_error *t = &cert_errors[_i];

	for (size_t i = 0; i < 2 && t->names[i] != NULL; i++)
		expect_cert_error(t->ca, t->cert, t->names[i], t->code, t->why);
}
END_TEST

static void
cert_dates(const char *cert, const char *const *extra, long long *nb,
    long long *na)
{
	const char *why = NULL;
	struct ossl o;
	int fd;

	ossl_start(&o, cert, "rsa.key", extra);
	fd = net_dial("127.0.0.1", o.port, T_WAIT, &why);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(tlsclient_cert_dates(fd, "dates.front.test",
	    TLSHELLO_CHROME_WS, T_WAIT, nb, na, &why) == 0, "%s", why);
	close(fd);
	ossl_stop(&o);
}

UNIT_TEST("certificates", tlsclient_reads_certificate_dates)
{
	static const char *const t13[] = { "-tls1_3", "-www", NULL };
	static const char *const t12[] = { "-no_tls1_3", "-www", NULL };
	long long nb = 0, na = 0, now = (long long)time(NULL);

	/* expired.pem was made with -days -1: notAfter is a day ago. */
	cert_dates("expired.pem", t13, &nb, &na);
	ck_assert_int_lt(na, now);
	/* rsa.pem: -days 365 from when the fixture ran. */
	cert_dates("rsa.pem", t12, &nb, &na);
	ck_assert_int_le(nb, now);
	ck_assert_int_gt(na, now + 300LL * 86400);
}
END_TEST

/* ---- our BearSSL TLS 1.2 server (meek-server's engine) ---- */

struct bsrv {
	int lfd;
	uint16_t port;
	struct tls_creds *creds;
	int nconn;
	int resumed[4];
	int burst;              /* "burst" in: three one-byte records out */
	pthread_t th;
};

static void *
bsrv_main(void *arg)
{
	struct bsrv *s = arg;
	struct tls_conn *t;
	unsigned char buf[4096];
	const char *why = NULL;
	long n;
	int fd;

	for (int i = 0; i < s->nconn; i++) {
		if (net_wait(s->lfd, POLLIN, T_WAIT) <= 0)
			return NULL;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return NULL;
		if (tls_server_open(&t, fd, s->creds, T_WAIT, &why) == 0) {
			s->resumed[i] = tls_conn_resumed(t);
			while ((n = tls_conn_read(t, buf, sizeof buf)) > 0) {
				if (s->burst && n == 5 && memcmp(buf, "burst", 5) == 0) {
					for (int k = 0; k < 3; k++)
						if (tls_conn_write(t, "abc" + k, 1) != 0 ||
						    tls_conn_flush(t) != 0)
							break;
					continue;
				}
				if (tls_conn_write(t, buf, (size_t)n) != 0 ||
				    tls_conn_flush(t) != 0)
					break;
			}
			tls_conn_free(t);
		} else {
			s->resumed[i] = -1;
		}
		close(fd);
	}
	return NULL;
}

/* Starts the server thread for `nconn` connections (ECDSA certificate),
 * with tickets cleared first. */
static void
bsrv_start(struct bsrv *s, int nconn, int burst)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	const char *why = NULL;
	char p1[128], p2[128];

	tlsticket_clear_all();
	memset(s, 0, sizeof *s);
	ck_assert_int_eq(tls_creds_load(&s->creds, path(p1, "ec.pem"),
	    path(p2, "ec.key"), &why), 0);
	s->lfd = net_listen("127.0.0.1:0", 8, &why);
	ck_assert_int_ge(s->lfd, 0);
	ck_assert_int_eq(getsockname(s->lfd, (struct sockaddr *)&sin, &sl), 0);
	s->port = ntohs(sin.sin_port);
	s->nconn = nconn;
	s->burst = burst;
	ck_assert_int_eq(pthread_create(&s->th, NULL, bsrv_main, s), 0);
}

static void
bsrv_stop(struct bsrv *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
	tls_creds_free(s->creds);
}

UNIT_TEST("tls12", tlsclient_tls12_bearssl_server)
{
	struct tls_anchors *ta = anchors("ca.pem");
	struct tlsclient *c;
	struct tlsclient_info info;
	char buf[64];
	struct bsrv s;
	int fd;

	bsrv_start(&s, 2, 0);
	for (int i = 0; i < 2; i++) {
		c = cli_ok(&fd, s.port, ta, "bear.front.test");
		tlsclient_get_info(c, &info);
		ck_assert_uint_eq(info.version, 0x0303);
		/* BearSSL 0.6 does not implement RFC 7627: accepted, as
		 * Chrome accepts it (tlsclient.h). */
		ck_assert_int_eq(info.ems, 0);
		ck_assert_int_eq(info.resumed, i);
		ck_assert_int_eq(tlsclient_write(c, "ping", 4), 0);
		ck_assert_int_eq(tlsclient_flush(c), 0);
		tlsclient_set_timeout(c, T_WAIT);
		read_until(c, buf, sizeof buf, "ping");
		cli_close(c, fd);
	}
	bsrv_stop(&s);
	ck_assert_int_eq(s.resumed[0], 0);
	ck_assert_int_eq(s.resumed[1], 1);
	tls_anchors_free(ta);
}
END_TEST

/* Records read from the socket ahead of the one in use count as pending:
 * one recv() takes several, and a caller that polls the fd when nothing is
 * pending would wait for bytes that already arrived. */
UNIT_TEST("tls12", tlsclient_pending_counts_buffered_records)
{
	struct tls_anchors *ta = anchors("ca.pem");
	struct tlsclient *c;
	char b;
	struct bsrv s;
	struct pollfd pfd;
	int fd, avail = 0;

	bsrv_start(&s, 1, 1);
	c = cli_ok(&fd, s.port, ta, "bear.front.test");
	tlsclient_set_timeout(c, T_WAIT);
	ck_assert_int_eq(tlsclient_has_pending(c), 0);
	ck_assert_int_eq(tlsclient_write(c, "burst", 5), 0);
	ck_assert_int_eq(tlsclient_flush(c), 0);
	/* Wait until the three records (TLS 1.2: at least 22 bytes each)
	 * are all in the socket. */
	for (int i = 0; i < 500 && avail < 66; i++) {
		ck_assert_int_eq(ioctl(fd, FIONREAD, &avail), 0);
		if (avail < 66)
			usleep(10000);
	}
	ck_assert_int_ge(avail, 66);
	ck_assert_int_eq(tlsclient_read(c, &b, 1), 1);
	ck_assert_int_eq(b, 'a');
	/* b and c came with a: the socket is empty, they are pending. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	ck_assert_int_eq(tlsclient_has_pending(c), 1);
	ck_assert_int_eq(tlsclient_read(c, &b, 1), 1);
	ck_assert_int_eq(b, 'b');
	ck_assert_int_eq(tlsclient_has_pending(c), 1);
	ck_assert_int_eq(tlsclient_read(c, &b, 1), 1);
	ck_assert_int_eq(b, 'c');
	ck_assert_int_eq(tlsclient_has_pending(c), 0);
	cli_close(c, fd);
	bsrv_stop(&s);
	tls_anchors_free(ta);
}
END_TEST
