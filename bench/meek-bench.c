/*
 * meek-bench: the measuring tool behind bench/run.
 *
 *   meek-bench peer --listen ADDR
 *       An ORPort stand-in.  Prints "LISTEN ip:port".  On each connection it
 *       reads 9-byte commands (op, u64 big-endian n):
 *         'D' n  send n bytes;            'U' n  read n bytes, answer 'k';
 *         'E' n  read n bytes, send them back;
 *         'W' n  sleep n ms, then send 8 bytes: CLOCK_MONOTONIC ns at send.
 *   meek-bench drive --socks ADDR [--args ARGS] --test T [--bytes N] [--count N]
 *       Connects through a SOCKS5 proxy (meek-client or meek_lite) whose
 *       target is a peer, runs one test and prints one number:
 *         download / upload: MB/s for --bytes;  rtt: p50 and p99 of --count
 *         1-byte echoes in ms;  firstbyte: ms between the peer sending a byte
 *         after --idle seconds and the driver receiving it;
 *         hold: opens --count sessions, moves one byte each, holds them
 *         --idle seconds, prints "held".
 *   meek-bench tcp --bytes N            raw TCP copy on loopback, MB/s
 *   meek-bench tls --bytes N --cert C --key K --ca CA [--name NAME]
 *       our TLS engine (tls_client_open) sending to BearSSL's TLS 1.2
 *       server (tls_server_open) on loopback, MB/s
 *   meek-bench rawtls --bytes N --cert C.der --key K.der --ca CA [--name NAME]
 *       the physical limit: BearSSL's own client and server engines over
 *       br_sslio with plain read/write, TLS 1.2 with BearSSL's best suite
 *       (ECDHE-ECDSA-AES128-GCM: AES-NI + pclmul here), MB/s.  C.der is
 *       the DER certificate, K.der the DER EC key (SEC1 or PKCS#8).
 *   meek-bench tlsout --connect HOST:PORT --bytes N --ca CA [--name NAME]
 *       our TLS engine sending N bytes to any TLS server (a TLS 1.3 sink
 *       such as openssl s_server); prints "MBps version"
 *   meek-bench handshakes --connect HOST:PORT --ca CA [--name NAME]
 *       [--count N] [--resume]
 *       N connections, each a handshake and one GET (so tickets arrive);
 *       without --resume the ticket cache is emptied before each one.
 *       Prints "per_second client_cpu_ms_each resumed_count version"
 *   meek-bench mlkem [--count N]
 *       ML-KEM-768: prints "keygen_us encaps_us decaps_us" per operation
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>

#include "shared/err.h"
#include "shared/net.h"
#include "shared/stream.h"
#include "shared/mlkem.h"
#include "shared/tls.h"
#include "shared/tlsticket.h"
#include "tests/tools/tstlib.h"

#include <bearssl.h>
#include <sys/resource.h>

#define CHUNK 65536
#define IO_TIMEOUT 120000

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
put64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)v;
		v >>= 8;
	}
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "meek-bench: %s: %s\n", what, err ? meek_strerror(err) : strerror(errno));
	exit(1);
}

/* Sends or receives n bytes in CHUNK pieces. */
static void
pump_out(int fd, uint64_t n)
{
	static const unsigned char zero[CHUNK];
	while (n > 0) {
		size_t k = n > CHUNK ? CHUNK : (size_t)n;
		int rc = net_write_all(fd, zero, k, IO_TIMEOUT);
		if (rc < 0)
			die("write", rc);
		n -= k;
	}
}

static void
pump_in(int fd, uint64_t n)
{
	unsigned char *buf = malloc(CHUNK);
	while (n > 0) {
		long r = net_read_some(fd, buf, n > CHUNK ? CHUNK : (size_t)n, IO_TIMEOUT);
		if (r < 0)
			die("read", (int)r);
		n -= (uint64_t)r;
	}
	free(buf);
}

/* ---- peer ---- */

static void *
peer_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	unsigned char cmd[9], *buf = malloc(CHUNK);

	while (net_read_full(fd, cmd, 9, -1) == 0) {
		uint64_t n = get64(cmd + 1);
		if (cmd[0] == 'D') {
			pump_out(fd, n);
		} else if (cmd[0] == 'U') {
			pump_in(fd, n);
			if (net_write_all(fd, "k", 1, IO_TIMEOUT) < 0)
				break;
		} else if (cmd[0] == 'E') {
			while (n > 0) {
				long r = net_read_some(fd, buf, n > CHUNK ? CHUNK : (size_t)n, IO_TIMEOUT);
				if (r < 0 || net_write_all(fd, buf, (size_t)r, IO_TIMEOUT) < 0)
					goto out;
				n -= (uint64_t)r;
			}
		} else if (cmd[0] == 'W') {
			unsigned char ts[8];
			struct timespec d = { (time_t)(n / 1000), (long)(n % 1000) * 1000000 };
			nanosleep(&d, NULL);
			put64(ts, now_ns());
			if (net_write_all(fd, ts, 8, IO_TIMEOUT) < 0)
				break;
		} else {
			break;
		}
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

static int __attribute__((noreturn))
run_peer(const char *listen_addr)
{
	const char *why = NULL;
	char name[NET_ADDRSTR_MAX];
	int lfd = net_listen(listen_addr, 128, &why);

	if (lfd < 0)
		die(why ? why : "listen", lfd);
	printf("LISTEN %s\n", net_sockname(lfd, name, sizeof name));
	fflush(stdout);
	for (;;) {
		pthread_t t;
		pthread_attr_t a;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept", 0);
		}
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&a, 128 * 1024);
		if (pthread_create(&t, &a, peer_conn, (void *)(intptr_t)fd) != 0)
			close(fd);
		pthread_attr_destroy(&a);
	}
}

/* ---- drive: a SOCKS5 connection to the peer ---- */

static int
socks_open(const char *socks, const char *args)
{
	char host[NET_HOST_MAX];
	uint16_t port;
	const char *why = NULL;
	unsigned char b[600];
	size_t alen = args ? strlen(args) : 0, o = 0;
	int fd, rc;

	if (net_split_hostport(socks, host, sizeof host, &port, 0, &why) < 0)
		die(why, MEEK_EINVAL);
	fd = net_dial(host, port, 15000, &why);
	if (fd < 0)
		die(why ? why : "dial socks", fd);
	if (alen == 0) {
		rc = net_write_all(fd, "\x05\x01\x00", 3, IO_TIMEOUT);
	} else {
		rc = net_write_all(fd, "\x05\x01\x02", 3, IO_TIMEOUT);
	}
	if (rc < 0 || net_read_full(fd, b, 2, IO_TIMEOUT) < 0 || b[0] != 5)
		die("socks method", MEEK_EPROXY);
	if (alen > 0) {
		/* tor's split: UNAME up to 255 bytes, the rest (or one NUL) as PASSWD. */
		size_t u = alen > 255 ? 255 : alen, p = alen - u;
		if (alen > 510)
			die("args too long", MEEK_EINVAL);
		b[o++] = 1;
		b[o++] = (unsigned char)u;
		memcpy(b + o, args, u);
		o += u;
		if (p == 0) {
			b[o++] = 1;
			b[o++] = 0;
		} else {
			b[o++] = (unsigned char)p;
			memcpy(b + o, args + u, p);
			o += p;
		}
		if (net_write_all(fd, b, o, IO_TIMEOUT) < 0 ||
		    net_read_full(fd, b, 2, IO_TIMEOUT) < 0 || b[1] != 0)
			die("socks auth", MEEK_EAUTH);
	}
	/* CONNECT 0.0.2.0:2, as a bridge line's dummy address. */
	if (net_write_all(fd, "\x05\x01\x00\x01\x00\x00\x02\x00\x00\x02", 10, IO_TIMEOUT) < 0 ||
	    net_read_full(fd, b, 10, IO_TIMEOUT) < 0 || b[1] != 0)
		die("socks connect", MEEK_EPROXY);
	return fd;
}

static void
send_cmd(int fd, char op, uint64_t n)
{
	unsigned char c[9];
	c[0] = (unsigned char)op;
	put64(c + 1, n);
	if (net_write_all(fd, c, 9, IO_TIMEOUT) < 0)
		die("send command", MEEK_EIO);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int
run_drive(const char *socks, const char *args, const char *test, uint64_t bytes,
    int count, int idle)
{
	if (strcmp(test, "hold") == 0) {
		int *fds = calloc((size_t)count, sizeof *fds);
		unsigned char c;
		for (int i = 0; i < count; i++) {
			fds[i] = socks_open(socks, args);
			send_cmd(fds[i], 'E', 1);
			if (net_write_all(fds[i], "x", 1, IO_TIMEOUT) < 0 ||
			    net_read_full(fds[i], &c, 1, IO_TIMEOUT) < 0)
				die("hold echo", MEEK_EIO);
		}
		printf("held %d\n", count);
		fflush(stdout);
		sleep((unsigned)idle);
		for (int i = 0; i < count; i++)
			close(fds[i]);
		free(fds);
		return 0;
	}

	int fd = socks_open(socks, args);
	if (strcmp(test, "download") == 0) {
		double t0 = tst_now();
		send_cmd(fd, 'D', bytes);
		pump_in(fd, bytes);
		printf("%.1f\n", (double)bytes / 1e6 / (tst_now() - t0));
	} else if (strcmp(test, "upload") == 0) {
		unsigned char k;
		double t0 = tst_now();
		send_cmd(fd, 'U', bytes);
		pump_out(fd, bytes);
		if (net_read_full(fd, &k, 1, IO_TIMEOUT) < 0)
			die("upload ack", MEEK_EIO);
		printf("%.1f\n", (double)bytes / 1e6 / (tst_now() - t0));
	} else if (strcmp(test, "rtt") == 0) {
		double *ms = calloc((size_t)count, sizeof *ms);
		unsigned char c;
		for (int i = 0; i < count; i++) {
			double t0 = tst_now();
			send_cmd(fd, 'E', 1);
			if (net_write_all(fd, "x", 1, IO_TIMEOUT) < 0 ||
			    net_read_full(fd, &c, 1, IO_TIMEOUT) < 0)
				die("rtt", MEEK_EIO);
			ms[i] = (tst_now() - t0) * 1000.0;
		}
		qsort(ms, (size_t)count, sizeof *ms, cmp_double);
		printf("%.2f %.2f\n", ms[count / 2], ms[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1]);
		free(ms);
	} else if (strcmp(test, "firstbyte") == 0) {
		unsigned char ts[8], c;
		/* Warm the session, then let it go idle while the peer waits. */
		send_cmd(fd, 'E', 1);
		if (net_write_all(fd, "x", 1, IO_TIMEOUT) < 0 ||
		    net_read_full(fd, &c, 1, IO_TIMEOUT) < 0)
			die("warm", MEEK_EIO);
		send_cmd(fd, 'W', (uint64_t)idle * 1000);
		if (net_read_full(fd, ts, 8, IO_TIMEOUT) < 0)
			die("firstbyte", MEEK_EIO);
		printf("%.1f\n", (double)(now_ns() - get64(ts)) / 1e6);
	} else {
		fprintf(stderr, "meek-bench: unknown test %s\n", test);
		return 2;
	}
	close(fd);
	return 0;
}

/* ---- baselines ---- */

struct base {
	int lfd;
	uint64_t bytes;
	struct tls_creds *creds;
};

/* Writes n zero bytes on t and flushes; dies on failure. */
static void
tls_pump_out(struct tls_conn *t, uint64_t n)
{
	static const unsigned char zero[16384];
	int rc;

	while (n > 0) {
		size_t k = n > sizeof zero ? sizeof zero : (size_t)n;
		if ((rc = tls_conn_write(t, zero, k)) < 0)
			die("tls write", rc);
		n -= k;
	}
	if ((rc = tls_conn_flush(t)) < 0)
		die("tls flush", rc);
}

/* Listens on 127.0.0.1 (a free port) into *lfd, starts server(arg) in *th
 * and returns a socket connected to it; dies on failure. */
static int
loopback_pair(int *lfd, void *(*server)(void *), void *arg, pthread_t *th)
{
	const char *why = NULL;
	char addr[NET_ADDRSTR_MAX], host[NET_HOST_MAX];
	uint16_t port;
	int fd;

	*lfd = net_listen("127.0.0.1:0", 4, &why);
	if (*lfd < 0)
		die(why, *lfd);
	net_sockname(*lfd, addr, sizeof addr);
	net_split_hostport(addr, host, sizeof host, &port, 0, &why);
	pthread_create(th, NULL, server, arg);
	fd = net_dial(host, port, 15000, &why);
	if (fd < 0)
		die(why, fd);
	return fd;
}

static void *
base_server(void *arg)
{
	struct base *b = arg;
	int fd = accept(b->lfd, NULL, NULL);
	unsigned char *buf = malloc(CHUNK);
	uint64_t n = b->bytes;

	if (fd < 0)
		die("accept", 0);
	if (b->creds == NULL) {
		pump_in(fd, n);
	} else {
		struct tls_conn *t = NULL;
		const char *why = NULL;
		int rc = tls_server_open(&t, fd, b->creds, IO_TIMEOUT, &why);
		if (rc < 0)
			die(why ? why : "tls server", rc);
		while (n > 0) {
			long r = tls_conn_read(t, buf, n > CHUNK ? CHUNK : (size_t)n);
			if (r < 0)
				die("tls read", (int)r);
			n -= (uint64_t)r;
		}
		tls_conn_free(t);
	}
	close(fd);
	free(buf);
	return NULL;
}

static int
run_base(int tls, uint64_t bytes, const char *cert, const char *key,
    const char *ca, const char *name)
{
	struct base b = { .bytes = bytes };
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	pthread_t th;
	int fd, rc;
	double t0;

	if (tls) {
		if ((rc = tls_creds_load(&b.creds, cert, key, &why)) < 0)
			die(why, rc);
		if ((rc = tls_anchors_load(&ta, ca, &why)) < 0)
			die(why, rc);
	}
	fd = loopback_pair(&b.lfd, base_server, &b, &th);
	t0 = tst_now();
	if (!tls) {
		pump_out(fd, bytes);
	} else {
		struct tls_conn *t = NULL;

		if ((rc = tls_client_open(&t, fd, ta, name, TLSHELLO_CHROME_WS, 0,
		    IO_TIMEOUT, &why)) < 0)
			die(why, rc);
		tls_pump_out(t, bytes);
		pthread_join(th, NULL);
		tls_conn_free(t);
		printf("%.1f\n", (double)bytes / 1e6 / (tst_now() - t0));
		close(fd);
		tls_anchors_free(ta);
		tls_creds_free(b.creds);
		return 0;
	}
	pthread_join(th, NULL);
	printf("%.1f\n", (double)bytes / 1e6 / (tst_now() - t0));
	close(fd);
	return 0;
}

/* ---- the physical limit: BearSSL's own engines ---- */

struct rawtls {
	int lfd;
	uint64_t bytes;
	br_x509_certificate chain;
	br_ec_private_key ec;
};

static int
raw_read(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(*(int *)ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n > 0 ? (int)n : -1;
}

static int
raw_write(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n;

	do
		n = write(*(int *)ctx, buf, len);
	while (n < 0 && errno == EINTR);
	return n > 0 ? (int)n : -1;
}

static unsigned char *
read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		die(path, 0);
	p = malloc((size_t)n);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n)
		die(path, 0);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void *
rawtls_server(void *arg)
{
	struct rawtls *r = arg;
	static br_ssl_server_context sc;
	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	br_sslio_context ioc;
	unsigned char *buf = malloc(CHUNK);
	uint64_t n = r->bytes;
	int fd = accept(r->lfd, NULL, NULL);

	if (fd < 0 || buf == NULL)
		die("accept", 0);
	br_ssl_server_init_full_ec(&sc, &r->chain, 1, BR_KEYTYPE_EC, &r->ec);
	br_ssl_engine_set_buffer(&sc.eng, iobuf, sizeof iobuf, 1);
	if (!br_ssl_server_reset(&sc))
		die("br_ssl_server_reset", MEEK_ETLS);
	br_sslio_init(&ioc, &sc.eng, raw_read, &fd, raw_write, &fd);
	while (n > 0) {
		int k = br_sslio_read(&ioc, buf, n > CHUNK ? CHUNK : (size_t)n);
		if (k <= 0)
			die("raw tls read", MEEK_ETLS);
		n -= (uint64_t)k;
	}
	close(fd);
	free(buf);
	return NULL;
}

static int
run_rawtls(uint64_t bytes, const char *cert_der, const char *key_der,
    const char *ca, const char *name)
{
	static const uint16_t suites[] = { BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 };
	static br_ssl_client_context cc;
	static br_x509_minimal_context xc;
	static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	static const unsigned char zero[16384];
	br_skey_decoder_context kd;
	struct tls_anchors *ta = NULL;
	const br_x509_trust_anchor *anchors;
	br_sslio_context ioc;
	struct rawtls r = { .bytes = bytes };
	const char *why = NULL;
	unsigned char *key;
	size_t keylen, nta;
	uint64_t n = bytes;
	pthread_t th;
	double t0;
	int fd, rc;

	r.chain.data = read_whole(cert_der, &r.chain.data_len);
	key = read_whole(key_der, &keylen);
	br_skey_decoder_init(&kd);
	br_skey_decoder_push(&kd, key, keylen);
	if (br_skey_decoder_key_type(&kd) != BR_KEYTYPE_EC)
		die("--key: not a DER EC key", MEEK_EINVAL);
	r.ec = *br_skey_decoder_get_ec(&kd);
	if ((rc = tls_anchors_load(&ta, ca, &why)) < 0)
		die(why, rc);
	anchors = tls_anchors_list(ta, &nta);
	fd = loopback_pair(&r.lfd, rawtls_server, &r, &th);
	t0 = tst_now();
	br_ssl_client_init_full(&cc, &xc, anchors, nta);
	br_ssl_engine_set_versions(&cc.eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(&cc.eng, suites, 1);
	br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof iobuf, 1);
	if (!br_ssl_client_reset(&cc, name, 0))
		die("br_ssl_client_reset", MEEK_ETLS);
	br_sslio_init(&ioc, &cc.eng, raw_read, &fd, raw_write, &fd);
	while (n > 0) {
		size_t k = n > sizeof zero ? sizeof zero : (size_t)n;
		if (br_sslio_write_all(&ioc, zero, k) != 0)
			die("raw tls write", MEEK_ETLS);
		n -= k;
	}
	if (br_sslio_flush(&ioc) != 0)
		die("raw tls flush", MEEK_ETLS);
	pthread_join(th, NULL);
	printf("%.1f\n", (double)bytes / 1e6 / (tst_now() - t0));
	close(fd);
	tls_anchors_free(ta);
	free((void *)r.chain.data);
	explicit_bzero(key, keylen);
	free(key);
	return 0;
}

/* ---- our engine against any server ---- */

static int
dial_addr(const char *connect, int *fd)
{
	char host[NET_HOST_MAX];
	const char *why = NULL;
	uint16_t port;
	int rc;

	rc = net_split_hostport(connect, host, sizeof host, &port, 0, &why);
	if (rc < 0)
		die(why ? why : "--connect", rc);
	*fd = net_dial(host, port, 15000, &why);
	if (*fd < 0)
		die(why ? why : "dial", *fd);
	return 0;
}

static int
run_tlsout(const char *connect, uint64_t bytes, const char *ca, const char *name)
{
	struct tls_anchors *ta = NULL;
	struct tls_conn *t = NULL;
	const char *why = NULL;
	double t0;
	int fd, rc;

	if ((rc = tls_anchors_load(&ta, ca, &why)) < 0)
		die(why, rc);
	dial_addr(connect, &fd);
	t0 = tst_now();
	if ((rc = tls_client_open(&t, fd, ta, name, TLSHELLO_CHROME_WS, 0,
	    IO_TIMEOUT, &why)) < 0)
		die(why ? why : "tls", rc);
	tls_pump_out(t, bytes);
	printf("%.1f 0x%04x\n", (double)bytes / 1e6 / (tst_now() - t0),
	    tls_conn_version(t));
	tls_conn_free(t);
	close(fd);
	tls_anchors_free(ta);
	return 0;
}

static double
cpu_now_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One connection: handshake, one GET, read the answer to its end (tickets
 * arrive with it).  Returns 1 when the handshake resumed. */
static int
one_handshake(const char *connect, const struct tls_anchors *ta,
    const char *name, unsigned *version)
{
	char req[256];
	unsigned char buf[4096];
	struct tls_conn *t = NULL;
	const char *why = NULL;
	int fd, rc, resumed;
	long r;

	dial_addr(connect, &fd);
	if ((rc = tls_client_open(&t, fd, ta, name, TLSHELLO_CHROME_WS, 0,
	    IO_TIMEOUT, &why)) < 0)
		die(why ? why : "tls", rc);
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", name);
	if (tls_conn_write(t, req, strlen(req)) < 0 || tls_conn_flush(t) < 0)
		die("request", MEEK_EIO);
	tls_conn_set_timeout(t, 5000);
	while ((r = tls_conn_read(t, buf, sizeof buf)) > 0)
		;
	resumed = tls_conn_resumed(t);
	*version = tls_conn_version(t);
	tls_conn_free(t);
	close(fd);
	return resumed;
}

static int
run_handshakes(const char *connect, const char *ca, const char *name,
    int count, int resume)
{
	struct tls_anchors *ta = NULL;
	const char *why = NULL;
	unsigned version = 0;
	double t0, c0;
	int rc, resumed = 0;

	if ((rc = tls_anchors_load(&ta, ca, &why)) < 0)
		die(why, rc);
	tlsticket_forget(name);
	if (resume)
		one_handshake(connect, ta, name, &version);  /* seeds the cache */
	t0 = tst_now();
	c0 = cpu_now_ms();
	for (int i = 0; i < count; i++) {
		if (!resume)
			tlsticket_forget(name);
		resumed += one_handshake(connect, ta, name, &version);
	}
	printf("%.1f %.2f %d 0x%04x\n", count / (tst_now() - t0),
	    (cpu_now_ms() - c0) / count, resumed, version);
	tls_anchors_free(ta);
	return 0;
}

static int
run_mlkem(int count)
{
	static unsigned char ek[MLKEM_EK_LEN], dk[MLKEM_DK_LEN], ct[MLKEM_CT_LEN];
	unsigned char ss[MLKEM_SS_LEN], ss2[MLKEM_SS_LEN];
	double t0, tk = 0, te = 0, td = 0;

	for (int i = 0; i < count; i++) {
		t0 = tst_now();
		if (mlkem_keygen(ek, dk) != 0)
			die("mlkem_keygen", MEEK_EIO);
		tk += tst_now() - t0;
		t0 = tst_now();
		if (mlkem_encaps(ct, ss, ek) != 0)
			die("mlkem_encaps", MEEK_EIO);
		te += tst_now() - t0;
		t0 = tst_now();
		mlkem_decaps(ss2, ct, dk);
		td += tst_now() - t0;
		if (memcmp(ss, ss2, sizeof ss) != 0)
			die("mlkem: shared secrets differ", MEEK_EPROTO);
	}
	printf("%.1f %.1f %.1f\n", tk / count * 1e6, te / count * 1e6, td / count * 1e6);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "socks", required_argument, NULL, 's' },
		{ "args", required_argument, NULL, 'a' },
		{ "test", required_argument, NULL, 't' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "idle", required_argument, NULL, 'i' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "ca", required_argument, NULL, 'A' },
		{ "name", required_argument, NULL, 'n' },
		{ "connect", required_argument, NULL, 'x' },
		{ "resume", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *listen_addr = "127.0.0.1:0", *socks = NULL, *args = NULL;
	const char *test = "download", *cert = NULL, *key = NULL, *ca = NULL;
	const char *name = "localhost", *connect = NULL;
	uint64_t bytes = 64u << 20;
	int count = 100, idle = 10, resume = 0, c;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fprintf(stderr, "usage: meek-bench peer|drive|tcp|tls|rawtls|tlsout|handshakes|mlkem [options] (see the source's top comment)\n");
		return 2;
	}
	while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': listen_addr = optarg; break;
		case 's': socks = optarg; break;
		case 'a': args = optarg; break;
		case 't': test = optarg; break;
		case 'b': bytes = strtoull(optarg, NULL, 10); break;
		case 'c': count = atoi(optarg); break;
		case 'i': idle = atoi(optarg); break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'A': ca = optarg; break;
		case 'n': name = optarg; break;
		case 'x': connect = optarg; break;
		case 'r': resume = 1; break;
		default: return 2;
		}
	}
	if (count < 1)
		count = 1;
	if (strcmp(argv[1], "peer") == 0)
		return run_peer(listen_addr);
	if (strcmp(argv[1], "drive") == 0) {
		if (socks == NULL)
			die("--socks is required", MEEK_EINVAL);
		return run_drive(socks, args, test, bytes, count, idle);
	}
	if (strcmp(argv[1], "tcp") == 0)
		return run_base(0, bytes, NULL, NULL, NULL, NULL);
	if (strcmp(argv[1], "tls") == 0) {
		if (!cert || !key || !ca)
			die("tls needs --cert --key --ca", MEEK_EINVAL);
		return run_base(1, bytes, cert, key, ca, name);
	}
	if (strcmp(argv[1], "rawtls") == 0) {
		if (!cert || !key || !ca)
			die("rawtls needs --cert --key (DER) --ca", MEEK_EINVAL);
		return run_rawtls(bytes, cert, key, ca, name);
	}
	if (strcmp(argv[1], "tlsout") == 0 || strcmp(argv[1], "handshakes") == 0) {
		if (!connect || !ca)
			die("needs --connect and --ca", MEEK_EINVAL);
		if (argv[1][0] == 't')
			return run_tlsout(connect, bytes, ca, name);
		return run_handshakes(connect, ca, name, count, resume);
	}
	if (strcmp(argv[1], "mlkem") == 0)
		return run_mlkem(count);
	fprintf(stderr, "meek-bench: unknown mode %s\n", argv[1]);
	return 2;
}
