#include "config.h"
#include "client/certdates.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/rand.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Days from 0000-01-01 (BearSSL's epoch) to 1970-01-01. */
#define CERTDATES_UNIX_DAYS 719528

/* An X.509 "engine" that decodes the first certificate of the chain and
 * then refuses it, which ends the handshake. */
struct certdates_x509 {
	const br_x509_class *vtable;
	br_x509_decoder_context dec;
	int ncert;
	int decoded;
};

static void
certdates_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct certdates_x509 *x = (struct certdates_x509 *)(void *)ctx;

	(void)server_name;
	x->ncert = 0;
}

static void
certdates_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct certdates_x509 *x = (struct certdates_x509 *)(void *)ctx;

	(void)length;
	if (x->ncert == 0)
		br_x509_decoder_init(&x->dec, NULL, NULL);
}

static void
certdates_append(const br_x509_class **ctx, const unsigned char *buf,
    size_t len)
{
	struct certdates_x509 *x = (struct certdates_x509 *)(void *)ctx;

	if (x->ncert == 0)
		br_x509_decoder_push(&x->dec, buf, len);
}

static void
certdates_end_cert(const br_x509_class **ctx)
{
	struct certdates_x509 *x = (struct certdates_x509 *)(void *)ctx;

	if (x->ncert == 0)
		x->decoded = br_x509_decoder_last_error(&x->dec) == 0;
	x->ncert++;
}

static unsigned
certdates_end_chain(const br_x509_class **ctx)
{
	(void)ctx;
	return BR_ERR_X509_NOT_TRUSTED;
}

static const br_x509_pkey *
certdates_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	(void)ctx;
	if (usages != NULL)
		*usages = 0;
	return NULL;
}

static const br_x509_class certdates_vtable = {
	sizeof(struct certdates_x509),
	certdates_start_chain, certdates_start_cert, certdates_append,
	certdates_end_cert, certdates_end_chain, certdates_get_pkey
};

struct certdates_io {
	int fd;
	int timeout_ms;
};

static int
certdates_read(void *ctx, unsigned char *buf, size_t len)
{
	struct certdates_io *io = ctx;
	long n = net_read_some(io->fd, buf, len, io->timeout_ms);

	return n > 0 ? (int)n : -1;
}

static int
certdates_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct certdates_io *io = ctx;

	return net_write_all(io->fd, buf, len, io->timeout_ms) == 0 ?
	    (int)len : -1;
}

static long long
certdates_unix(uint32_t days, uint32_t seconds)
{
	return ((long long)days - CERTDATES_UNIX_DAYS) * 86400 + seconds;
}

char *
certdates_day(char *buf, size_t len, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

enum certdates_verdict
certdates_probe(const struct proxy *proxy, const char *host,
    unsigned short port, const char *sni, int timeout_ms,
    long long *not_before, long long *not_after)
{
	struct {
		br_ssl_client_context cc;
		br_x509_minimal_context xm;
		struct certdates_x509 xd;
		br_sslio_context ioc;
		unsigned char buf[BR_SSL_BUFSIZE_MONO];
	} *m;
	struct certdates_io io;
	unsigned char seed[32];
	const char *why = NULL;
	enum certdates_verdict v = CERTDATES_UNKNOWN;
	long long now = (long long)time(NULL);
	int fd;

	if ((m = calloc(1, sizeof *m)) == NULL)
		return CERTDATES_UNKNOWN;
	fd = proxy_dial(proxy, host, port, timeout_ms, &why);
	if (fd < 0) {
		free(m);
		return CERTDATES_UNKNOWN;
	}
	br_ssl_client_init_full(&m->cc, &m->xm, NULL, 0);
	m->xd.vtable = &certdates_vtable;
	br_ssl_engine_set_x509(&m->cc.eng, &m->xd.vtable);
	br_ssl_engine_set_versions(&m->cc.eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_buffer(&m->cc.eng, m->buf, sizeof m->buf, 0);
	if (rand_bytes(seed, sizeof seed) == 0)
		br_ssl_engine_inject_entropy(&m->cc.eng, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	if (br_ssl_client_reset(&m->cc, sni, 0)) {
		io.fd = fd;
		io.timeout_ms = timeout_ms;
		br_sslio_init(&m->ioc, &m->cc.eng, certdates_read, &io,
		    certdates_write, &io);
		/* Fails by design once the chain has been seen. */
		(void)br_sslio_flush(&m->ioc);
	}
	close(fd);
	if (m->xd.decoded) {
		long long nb = certdates_unix(m->xd.dec.notbefore_days,
		    m->xd.dec.notbefore_seconds);
		long long na = certdates_unix(m->xd.dec.notafter_days,
		    m->xd.dec.notafter_seconds);
		if (not_before)
			*not_before = nb;
		if (not_after)
			*not_after = na;
		v = now < nb ? CERTDATES_NOT_YET_VALID :
		    now > na ? CERTDATES_EXPIRED : CERTDATES_VALID;
	}
	free(m);
	return v;
}
