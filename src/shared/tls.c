/*
 * tls: BearSSL 0.6 glue.
 *
 * Connections use br_sslio over low_read/low_write callbacks that wait with
 * poll() (net_read_some/net_write_all) for at most the conn's timeout; when
 * a callback fails it records the MEEK_E* reason in `io_err` so that an
 * engine failure with BR_ERR_IO can be reported as a timeout, a peer close
 * or an I/O error.
 *
 * Server credentials are an immutable, refcounted snapshot {chain, key}.
 * creds->lock guards which snapshot is current; a conn takes a reference
 * at open and drops it at free, so a reload never frees memory in use.
 */
#include "config.h"
#include "shared/tls.h"
#include "shared/arena.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/tlsclient.h"

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

#define TLS_FILE_MAX (16u << 20)     /* largest PEM file we read */
#define TLS_SERVER_CACHE_N 1024      /* server sessions remembered */

/* ---- growable byte buffer (BearSSL decoder destination) ---- */

struct tls_buf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void
tls_buf_append(void *ctx, const void *data, size_t len)
{
	struct tls_buf *b = ctx;
	unsigned char *np;
	size_t ncap;

	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		ncap = b->cap ? b->cap : 1024;
		while (ncap < b->len + len)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void *
tls_memdup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	if (q != NULL && len > 0)
		memcpy(q, p, len);
	return q;
}

/* Reads the whole file at `path` into a new buffer. */
static int
tls_read_file(const char *path, unsigned char **out, size_t *outlen,
    const char **why)
{
	struct tls_buf b = { 0 };
	unsigned char chunk[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (why)
			*why = "cannot open file";
		return MEEK_EIO;
	}
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			free(b.p);
			errno = e;
			if (why)
				*why = "cannot read file";
			return MEEK_EIO;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > TLS_FILE_MAX) {
			close(fd);
			free(b.p);
			if (why)
				*why = "file too large";
			return MEEK_EIO;
		}
		tls_buf_append(&b, chunk, (size_t)n);
		if (b.oom) {
			close(fd);
			free(b.p);
			if (why)
				*why = "out of memory";
			return MEEK_ENOMEM;
		}
	}
	close(fd);
	if (b.p == NULL) {
		/* An empty file: callers hand the buffer to memmem() and
		 * explicit_bzero(), which must not get NULL even for length 0
		 * (found by tests/fuzz/fuzz_tls_pem with an empty key file). */
		b.p = malloc(1);
		if (b.p == NULL) {
			if (why)
				*why = "out of memory";
			return MEEK_ENOMEM;
		}
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* Calls `fn` for each PEM object in `src`.  Returns 0, fn's negative
 * result, or MEEK_EPROTO on malformed PEM / MEEK_ENOMEM. */
static int
tls_pem_walk(const unsigned char *src, size_t len,
    int (*fn)(void *arg, const char *name, const unsigned char *der,
    size_t derlen), void *arg, const char **why)
{
	br_pem_decoder_context pc;
	struct tls_buf b = { 0 };
	char name[128];
	int inobj = 0, extra_nl = 1, r;
	size_t n;

	br_pem_decoder_init(&pc);
	name[0] = '\0';
	while (len > 0) {
		n = br_pem_decoder_push(&pc, src, len);
		src += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
			b.len = 0;
			br_pem_decoder_setdest(&pc, tls_buf_append, &b);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			if (!inobj)
				break;
			inobj = 0;
			if (b.oom) {
				free(b.p);
				if (why)
					*why = "out of memory";
				return MEEK_ENOMEM;
			}
			r = fn(arg, name, b.p, b.len);
			if (r < 0) {
				free(b.p);
				return r;
			}
			break;
		case BR_PEM_ERROR:
			free(b.p);
			if (why)
				*why = "malformed PEM";
			return MEEK_EPROTO;
		default:
			break;
		}
		/* The decoder needs a final newline to close the last line. */
		if (len == 0 && extra_nl) {
			extra_nl = 0;
			src = (const unsigned char *)"\n";
			len = 1;
		}
	}
	free(b.p);
	if (inobj) {
		if (why)
			*why = "unfinished PEM object";
		return MEEK_EPROTO;
	}
	return 0;
}

static int
tls_is_cert_name(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 ||
	    strcmp(name, "X509 CERTIFICATE") == 0;
}

/* ---- trust anchors ---- */

struct tls_anchors {
	br_x509_trust_anchor *ta;
	size_t n, cap;
};

static void
tls_anchor_clear(br_x509_trust_anchor *ta)
{
	free(ta->dn.data);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else if (ta->pkey.key_type == BR_KEYTYPE_EC) {
		free(ta->pkey.key.ec.q);
	}
}

/* Decodes one DER certificate into an owned anchor.  Returns 1 done, 0
 * undecodable (skipped), MEEK_ENOMEM. */
static int
tls_anchor_from_der(br_x509_trust_anchor *ta, const unsigned char *der,
    size_t len)
{
	br_x509_decoder_context dc;
	struct tls_buf dn = { 0 };
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, tls_buf_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (dn.oom) {
		free(dn.p);
		return MEEK_ENOMEM;
	}
	if (pk == NULL) {
		free(dn.p);
		return 0;
	}
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = tls_memdup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = tls_memdup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (ta->pkey.key.rsa.n == NULL || ta->pkey.key.rsa.e == NULL) {
			tls_anchor_clear(ta);
			return MEEK_ENOMEM;
		}
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = tls_memdup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (ta->pkey.key.ec.q == NULL) {
			tls_anchor_clear(ta);
			return MEEK_ENOMEM;
		}
	} else {
		free(dn.p);
		return 0;
	}
	return 1;
}

static int
tls_anchors_add(void *arg, const char *name, const unsigned char *der,
    size_t len)
{
	struct tls_anchors *a = arg;
	br_x509_trust_anchor *nta;
	int r;

	if (!tls_is_cert_name(name))
		return 0;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;

		nta = realloc(a->ta, ncap * sizeof *nta);
		if (nta == NULL)
			return MEEK_ENOMEM;
		a->ta = nta;
		a->cap = ncap;
	}
	r = tls_anchor_from_der(&a->ta[a->n], der, len);
	if (r < 0)
		return r;
	if (r > 0)
		a->n++;
	return 0;
}

int
tls_anchors_load(struct tls_anchors **out, const char *path, const char **why)
{
	struct tls_anchors *a;
	unsigned char *data;
	size_t len;
	int r;

	r = tls_read_file(path, &data, &len, why);
	if (r < 0)
		return r;
	a = calloc(1, sizeof *a);
	if (a == NULL) {
		free(data);
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
	r = tls_pem_walk(data, len, tls_anchors_add, a, why);
	free(data);
	if (r == MEEK_ENOMEM && why)
		*why = "out of memory";
	if (r == 0 && a->n == 0) {
		if (why)
			*why = "no certificate found";
		r = MEEK_EPROTO;
	}
	if (r < 0) {
		tls_anchors_free(a);
		return r;
	}
	*out = a;
	return 0;
}

size_t
tls_anchors_count(const struct tls_anchors *ta)
{
	return ta != NULL ? ta->n : 0;
}

const br_x509_trust_anchor *
tls_anchors_list(const struct tls_anchors *ta, size_t *n)
{
	*n = ta != NULL ? ta->n : 0;
	return ta != NULL ? ta->ta : NULL;
}

void
tls_anchors_free(struct tls_anchors *ta)
{
	if (ta == NULL)
		return;
	for (size_t i = 0; i < ta->n; i++)
		tls_anchor_clear(&ta->ta[i]);
	free(ta->ta);
	free(ta);
}

/* ---- server credentials ---- */

/* One immutable version of the credentials. */
struct tls_snap {
	int refs;                    /* atomic */
	long long not_after;         /* leaf's notAfter, Unix seconds */
	br_x509_certificate *chain;
	size_t chain_len;
	int key_type;                /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	unsigned issuer_key_type;    /* signer of the leaf (full_ec needs it) */
	br_rsa_private_key rsa;
	br_ec_private_key ec;
	unsigned char *keymem;
};

struct tls_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int ok;
};

/* The server session cache: BearSSL's LRU behind a mutex. */
struct tls_locked_cache {
	const br_ssl_session_cache_class *vtable;
	pthread_mutex_t lock;        /* guards lru and its store */
	br_ssl_session_cache_lru lru;
	unsigned char *store;
};

struct tls_creds {
	char *cert_path, *key_path;
	/* lock guards snap, cert_st, key_st, last_check. */
	pthread_mutex_t lock;
	struct tls_snap *snap;
	struct tls_stamp cert_st, key_st;
	long long last_check;
	/* The last reload's failure (why: a literal), 0 after a success. */
	int fail_code, fail_errno;
	const char *fail_why;
	struct tls_locked_cache cache;
};

static void
tls_snap_free(struct tls_snap *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->chain_len; i++)
		free(s->chain[i].data);
	free(s->chain);
	if (s->keymem != NULL) {
		size_t n = 0;

		if (s->key_type == BR_KEYTYPE_RSA)
			n = s->rsa.plen + s->rsa.qlen + s->rsa.dplen +
			    s->rsa.dqlen + s->rsa.iqlen;
		else
			n = s->ec.xlen;
		explicit_bzero(s->keymem, n);
		free(s->keymem);
	}
	free(s);
}

static void
tls_snap_unref(struct tls_snap *s)
{
	if (s != NULL && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		tls_snap_free(s);
}

static int
tls_chain_add(void *arg, const char *name, const unsigned char *der,
    size_t len)
{
	struct tls_snap *s = arg;
	br_x509_certificate *nc;

	if (!tls_is_cert_name(name))
		return 0;
	nc = realloc(s->chain, (s->chain_len + 1) * sizeof *nc);
	if (nc == NULL)
		return MEEK_ENOMEM;
	s->chain = nc;
	nc[s->chain_len].data = tls_memdup(der, len);
	if (nc[s->chain_len].data == NULL)
		return MEEK_ENOMEM;
	nc[s->chain_len].data_len = len;
	s->chain_len++;
	return 0;
}

struct tls_keyload {
	struct tls_snap *s;
	int found;
	const char *why;
};

/* Copies `len` bytes to *p, advances *p, and returns where they went. */
static unsigned char *
tls_put(unsigned char **p, const unsigned char *src, size_t len)
{
	unsigned char *d = *p;

	memcpy(d, src, len);
	*p += len;
	return d;
}

static int
tls_key_add(void *arg, const char *name, const unsigned char *der, size_t len)
{
	struct tls_keyload *kl = arg;
	struct tls_snap *s = kl->s;
	br_skey_decoder_context dc;
	unsigned char *p;

	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0) {
		kl->why = "encrypted private keys are not supported";
		return MEEK_EPROTO;
	}
	if (strcmp(name, "RSA PRIVATE KEY") != 0 &&
	    strcmp(name, "EC PRIVATE KEY") != 0 &&
	    strcmp(name, "PRIVATE KEY") != 0)
		return 0;
	if (kl->found)
		return 0;
	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, len);
	if (br_skey_decoder_last_error(&dc) != 0) {
		kl->why = "unsupported or malformed private key";
		return MEEK_EPROTO;
	}
	switch (br_skey_decoder_key_type(&dc)) {
	case BR_KEYTYPE_RSA: {
		const br_rsa_private_key *k = br_skey_decoder_get_rsa(&dc);
		size_t n = k->plen + k->qlen + k->dplen + k->dqlen + k->iqlen;

		p = malloc(n);
		if (p == NULL)
			return MEEK_ENOMEM;
		s->keymem = p;
		s->key_type = BR_KEYTYPE_RSA;
		s->rsa.n_bitlen = k->n_bitlen;
		s->rsa.p = tls_put(&p, k->p, s->rsa.plen = k->plen);
		s->rsa.q = tls_put(&p, k->q, s->rsa.qlen = k->qlen);
		s->rsa.dp = tls_put(&p, k->dp, s->rsa.dplen = k->dplen);
		s->rsa.dq = tls_put(&p, k->dq, s->rsa.dqlen = k->dqlen);
		s->rsa.iq = tls_put(&p, k->iq, s->rsa.iqlen = k->iqlen);
		break;
	}
	case BR_KEYTYPE_EC: {
		const br_ec_private_key *k = br_skey_decoder_get_ec(&dc);

		p = tls_memdup(k->x, k->xlen);
		if (p == NULL)
			return MEEK_ENOMEM;
		s->keymem = p;
		s->key_type = BR_KEYTYPE_EC;
		s->ec.curve = k->curve;
		s->ec.x = p;
		s->ec.xlen = k->xlen;
		break;
	}
	default:
		kl->why = "unsupported private key type";
		return MEEK_EPROTO;
	}
	explicit_bzero(&dc, sizeof dc);
	kl->found = 1;
	return 0;
}

/* Checks that the leaf's public key matches the private key and notes the
 * issuer's key type.  Returns 0 or MEEK_EPROTO with *why. */
static int
tls_snap_check(struct tls_snap *s, const char **why)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	int ok = 0;

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, s->chain[0].data, s->chain[0].data_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL) {
		if (why)
			*why = "cannot decode the certificate";
		return MEEK_EPROTO;
	}
	s->issuer_key_type = (unsigned)br_x509_decoder_get_signer_key_type(&dc);
	/* BearSSL counts days from 0000-01-01; 719528 of them to 1970. */
	s->not_after = ((long long)dc.notafter_days - 719528) * 86400 +
	    (long long)dc.notafter_seconds;
	if (s->issuer_key_type != BR_KEYTYPE_RSA && s->issuer_key_type != BR_KEYTYPE_EC)
		s->issuer_key_type = BR_KEYTYPE_RSA;
	if (pk->key_type != s->key_type) {
		if (why)
			*why = "private key does not match the certificate";
		return MEEK_EPROTO;
	}
	if (s->key_type == BR_KEYTYPE_RSA) {
		unsigned char n[4096 / 8 + 8];    /* BearSSL max RSA size */
		br_rsa_compute_modulus cm = br_rsa_compute_modulus_get_default();
		const unsigned char *cn = pk->key.rsa.n;
		size_t cnlen = pk->key.rsa.nlen, nlen;

		nlen = cm(NULL, &s->rsa);
		if (nlen > 0 && nlen <= sizeof n && cm(n, &s->rsa) == nlen) {
			while (cnlen > 0 && *cn == 0) {
				cn++;
				cnlen--;
			}
			ok = cnlen == nlen && memcmp(cn, n, nlen) == 0;
		}
	} else {
		unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
		size_t qlen;

		qlen = br_ec_compute_pub(br_ec_get_default(), NULL, q, &s->ec);
		ok = qlen > 0 && pk->key.ec.curve == s->ec.curve &&
		    qlen == pk->key.ec.qlen && memcmp(q, pk->key.ec.q, qlen) == 0;
		if (qlen == 0 && why) {
			*why = "unsupported elliptic curve";
			return MEEK_EPROTO;
		}
	}
	if (!ok) {
		if (why)
			*why = "private key does not match the certificate";
		return MEEK_EPROTO;
	}
	return 0;
}

static int
tls_snap_load(struct tls_snap **out, const char *cert_path,
    const char *key_path, const char **why)
{
	struct tls_snap *s;
	struct tls_keyload kl;
	unsigned char *data;
	size_t len;
	int r;

	s = calloc(1, sizeof *s);
	if (s == NULL) {
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
	s->refs = 1;
	r = tls_read_file(cert_path, &data, &len, why);
	if (r == MEEK_EIO && why)
		*why = "cannot read the certificate file";
	if (r < 0)
		goto fail;
	r = tls_pem_walk(data, len, tls_chain_add, s, why);
	free(data);
	if (r == MEEK_ENOMEM && why)
		*why = "out of memory";
	if (r < 0)
		goto fail;
	if (s->chain_len == 0) {
		if (why)
			*why = "no certificate found";
		r = MEEK_EPROTO;
		goto fail;
	}
	r = tls_read_file(key_path, &data, &len, why);
	if (r == MEEK_EIO && why)
		*why = "cannot read the key file";
	if (r < 0)
		goto fail;
	kl.s = s;
	kl.found = 0;
	kl.why = NULL;
	/* OpenSSL's legacy encrypted form: "Proc-Type: 4,ENCRYPTED". */
	if (memmem(data, len, "Proc-Type:", 10) != NULL) {
		kl.why = "encrypted private keys are not supported";
		r = MEEK_EPROTO;
	} else {
		r = tls_pem_walk(data, len, tls_key_add, &kl, why);
	}
	explicit_bzero(data, len);
	free(data);
	if (r < 0) {
		if (why && kl.why != NULL)
			*why = kl.why;
		else if (why && r == MEEK_ENOMEM)
			*why = "out of memory";
		goto fail;
	}
	if (!kl.found) {
		if (why)
			*why = "no private key found";
		r = MEEK_EPROTO;
		goto fail;
	}
	r = tls_snap_check(s, why);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	{
		int e = errno;

		tls_snap_free(s);
		errno = e;
	}
	return r;
}

static void
tls_stamp_get(const char *path, struct tls_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof *st);
	if (stat(path, &sb) < 0)
		return;
	st->ok = 1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
}

static int
tls_stamp_eq(const struct tls_stamp *a, const struct tls_stamp *b)
{
	return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static long long
tls_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static void
tls_cache_save(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *server_ctx, const br_ssl_session_parameters *params)
{
	struct tls_locked_cache *lc = (struct tls_locked_cache *)(void *)ctx;

	pthread_mutex_lock(&lc->lock);
	lc->lru.vtable->save(&lc->lru.vtable, server_ctx, params);
	pthread_mutex_unlock(&lc->lock);
}

static int tls_cache_load(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *server_ctx, br_ssl_session_parameters *params);

static const br_ssl_session_cache_class tls_locked_cache_vtable = {
	sizeof(struct tls_locked_cache), tls_cache_save, tls_cache_load
};

/* Loads a new snapshot and makes it current.  Returns 0 or an error. */
static int
tls_creds_swap(struct tls_creds *c, const char **why)
{
	struct tls_stamp cst, kst;
	struct tls_snap *s = NULL, *old;
	int r;

	/* Stamp before reading: a change during the read triggers another
	 * reload later. */
	tls_stamp_get(c->cert_path, &cst);
	tls_stamp_get(c->key_path, &kst);
	const char *w = "";
	int e;

	r = tls_snap_load(&s, c->cert_path, c->key_path, &w);
	e = errno;
	if (why)
		*why = w;
	pthread_mutex_lock(&c->lock);
	/* Remember the stamps even on failure: retry only on a new change. */
	c->cert_st = cst;
	c->key_st = kst;
	if (r < 0) {
		c->fail_code = r;
		c->fail_errno = r == MEEK_EIO ? e : 0;
		c->fail_why = w;
		e = c->fail_errno;
		pthread_mutex_unlock(&c->lock);
		errno = e;
		return r;
	}
	c->fail_code = 0;
	c->fail_errno = 0;
	c->fail_why = NULL;
	old = c->snap;
	c->snap = s;
	pthread_mutex_unlock(&c->lock);
	tls_snap_unref(old);
	return 0;
}

int
tls_creds_load(struct tls_creds **out, const char *cert_path,
    const char *key_path, const char **why)
{
	struct tls_creds *c;
	int r;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
	c->cert_path = strdup(cert_path);
	c->key_path = strdup(key_path);
	c->cache.store = calloc(TLS_SERVER_CACHE_N, 100);
	if (c->cert_path == NULL || c->key_path == NULL || c->cache.store == NULL) {
		free(c->cert_path);
		free(c->key_path);
		free(c->cache.store);
		free(c);
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->cache.lock, NULL);
	c->cache.vtable = &tls_locked_cache_vtable;
	br_ssl_session_cache_lru_init(&c->cache.lru, c->cache.store,
	    (size_t)TLS_SERVER_CACHE_N * 100);
	c->last_check = tls_now_s();
	r = tls_creds_swap(c, why);
	if (r < 0) {
		int e = errno;

		tls_creds_free(c);
		errno = e;
		return r;
	}
	*out = c;
	return 0;
}

int
tls_creds_state(struct tls_creds *c, long long *not_after, int *err,
    const char **why)
{
	int r;

	pthread_mutex_lock(&c->lock);
	*not_after = c->snap->not_after;
	r = c->fail_code;
	if (err)
		*err = c->fail_errno;
	if (r < 0 && why)
		*why = c->fail_why;
	pthread_mutex_unlock(&c->lock);
	return r;
}

int
tls_creds_reload(struct tls_creds *c, const char **why)
{
	return tls_creds_swap(c, why);
}

void
tls_creds_free(struct tls_creds *c)
{
	if (c == NULL)
		return;
	tls_snap_unref(c->snap);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->cache.lock);
	free(c->cache.store);
	free(c->cert_path);
	free(c->key_path);
	free(c);
}

/* Returns a reference to the current snapshot, reloading first when the
 * files changed (checked at most once a second). */
static struct tls_snap *
tls_creds_get(struct tls_creds *c)
{
	struct tls_stamp cst, kst;
	struct tls_snap *s;
	long long now = tls_now_s();
	int check = 0, changed = 0;
	const char *why = NULL;

	pthread_mutex_lock(&c->lock);
	if (now != c->last_check) {
		c->last_check = now;
		check = 1;
	}
	pthread_mutex_unlock(&c->lock);
	if (check) {
		tls_stamp_get(c->cert_path, &cst);
		tls_stamp_get(c->key_path, &kst);
		pthread_mutex_lock(&c->lock);
		changed = !tls_stamp_eq(&cst, &c->cert_st) ||
		    !tls_stamp_eq(&kst, &c->key_st);
		pthread_mutex_unlock(&c->lock);
	}
	if (changed) {
		if (tls_creds_swap(c, &why) == 0)
			log_info("tls: reloaded the server certificate");
		else
			log_warn("tls: cannot reload the server certificate "
			    "--cert %s / --key %s (keeping the old one): %s%s%s",
			    c->cert_path, c->key_path, why ? why : "error",
			    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
	}
	pthread_mutex_lock(&c->lock);
	s = c->snap;
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&c->lock);
	return s;
}

/* ---- connections ---- */

/* A client connection uses only the head of struct tls_conn: its engine is
 * `cl`; BearSSL's server context (struct tls_sctx, ~4 KB, allocated for
 * server conns only) and the record buffer belong to server connections.
 * `s` first in tls_sctx: tls_cache_load casts BearSSL's pointer back. */
struct tls_sctx {
	br_ssl_server_context s;
	struct tls_conn *t;
};

struct tls_conn {
	struct tlsclient *cl;     /* client: our engine; NULL for a server conn */
	int fd;
	int timeout_ms;
	long long deadline_ms;    /* 0, or no read waits past this clock_ms() */
	int resumed;              /* handshake resumed a session */
	/* Server connections only from here on. */
	br_ssl_engine_context *eng;
	int io_err;               /* MEEK_E* of the last failed low I/O */
	struct tls_snap *snap;    /* server: credentials in use */
	br_sslio_context ioc;
	struct tls_sctx *u;       /* server: BearSSL's context; NULL for a client */
	size_t bufsize;
	unsigned char *buf;       /* server: the record buffer, arena_map'd */
};

static int
tls_cache_load(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *server_ctx, br_ssl_session_parameters *params)
{
	struct tls_locked_cache *lc = (struct tls_locked_cache *)(void *)ctx;
	struct tls_conn *t;
	int r;

	pthread_mutex_lock(&lc->lock);
	r = lc->lru.vtable->load(&lc->lru.vtable, server_ctx, params);
	pthread_mutex_unlock(&lc->lock);
	if (r) {
		t = ((struct tls_sctx *)(void *)server_ctx)->t;
		t->resumed = 1;
	}
	return r;
}

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
		code = MEEK_ECERT;
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		w = "certificate name mismatch";
		code = MEEK_ECERT;
		break;
	case BR_ERR_X509_EXPIRED:
		w = "certificate expired or not yet valid";
		code = MEEK_ECERT;
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
			code = MEEK_ETLS;
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
	t->u->t = t;
	t->fd = fd;
	t->timeout_ms = timeout_ms;
	t->bufsize = bufsize;
	return t;
}

/* Frees a conn that failed to open (wiping its secrets). */
static void
tls_conn_discard(struct tls_conn *t)
{
	tls_snap_unref(t->snap);
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
	if (t == NULL) {
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
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
	if (t == NULL) {
		if (why)
			*why = "out of memory";
		return MEEK_ENOMEM;
	}
	s = tls_creds_get(c);
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
	br_ssl_server_set_cache(&t->u->s, &c->cache.vtable);
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
			if (why)
				*why = "I/O error";
			return MEEK_EIO;
		}
		if (st & target)
			return 0;
		if (st & BR_SSL_RECVAPP) {
			if (why)
				*why = "unexpected application data";
			return MEEK_ETLS;
		}
		if (st & BR_SSL_RECVREC) {
			p = br_ssl_engine_recvrec_buf(t->eng, &len);
			n = recv(t->fd, p, len, MSG_DONTWAIT);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(t->eng, (size_t)n);
				continue;
			}
			if (n == 0) {
				if (why)
					*why = "connection closed by peer";
				return MEEK_ECLOSED;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return POLLIN;
			if (why)
				*why = "I/O error";
			return MEEK_EIO;
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

unsigned
tls_conn_version(const struct tls_conn *t)
{
	struct tlsclient_info info;

	if (t->cl == NULL)
		return 0x0303;
	tlsclient_get_info(t->cl, &info);
	return info.version;
}

int
tls_conn_resumed(const struct tls_conn *t)
{
	return t->resumed;
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
