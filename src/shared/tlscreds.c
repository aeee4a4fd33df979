/*
 * Server credentials are an immutable, refcounted snapshot {chain, key}.
 * creds->lock guards which snapshot is current; a conn takes a reference
 * at open and drops it at free, so a reload never frees memory in use.
 */
#include "config.h"
#include "shared/tlscreds.h"
#include "shared/tlspem.h"
#include "shared/err.h"
#include "shared/log.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TLS_SERVER_CACHE_N 1024      /* server sessions remembered */

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

void
tlscreds_snap_unref(struct tls_snap *s)
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

	if (!tlspem_is_cert_name(name))
		return 0;
	nc = realloc(s->chain, (s->chain_len + 1) * sizeof *nc);
	if (nc == NULL)
		return MEEK_ENOMEM;
	s->chain = nc;
	nc[s->chain_len].data = tlspem_memdup(der, len);
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

		p = tlspem_memdup(k->x, k->xlen);
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
	if (pk == NULL)
		return meek_fail(why, "cannot decode the certificate",
		    MEEK_EPROTO);
	s->issuer_key_type = (unsigned)br_x509_decoder_get_signer_key_type(&dc);
	/* BearSSL counts days from 0000-01-01; 719528 of them to 1970. */
	s->not_after = ((long long)dc.notafter_days - 719528) * 86400 +
	    (long long)dc.notafter_seconds;
	if (s->issuer_key_type != BR_KEYTYPE_RSA && s->issuer_key_type != BR_KEYTYPE_EC)
		s->issuer_key_type = BR_KEYTYPE_RSA;
	if (pk->key_type != s->key_type)
		return meek_fail(why,
		    "private key does not match the certificate",
		    MEEK_EPROTO);
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
	if (!ok)
		return meek_fail(why,
		    "private key does not match the certificate",
		    MEEK_EPROTO);
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
	if (s == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	s->refs = 1;
	r = tlspem_read_file(cert_path, &data, &len, why);
	if (r == MEEK_EIO && why)
		*why = "cannot read the certificate file";
	if (r < 0)
		goto fail;
	r = tlspem_walk(data, len, tls_chain_add, s, why);
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
	r = tlspem_read_file(key_path, &data, &len, why);
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
		r = tlspem_walk(data, len, tls_key_add, &kl, why);
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

static int
tls_cache_load(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *server_ctx, br_ssl_session_parameters *params)
{
	struct tls_locked_cache *lc = (struct tls_locked_cache *)(void *)ctx;
	int r;

	pthread_mutex_lock(&lc->lock);
	r = lc->lru.vtable->load(&lc->lru.vtable, server_ctx, params);
	pthread_mutex_unlock(&lc->lock);
	if (r)
		((struct tls_sctx *)(void *)server_ctx)->resumed = 1;
	return r;
}


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
	tlscreds_snap_unref(old);
	return 0;
}

int
tls_creds_load(struct tls_creds **out, const char *cert_path,
    const char *key_path, const char **why)
{
	struct tls_creds *c;
	int r;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	c->cert_path = strdup(cert_path);
	c->key_path = strdup(key_path);
	c->cache.store = calloc(TLS_SERVER_CACHE_N, 100);
	if (c->cert_path == NULL || c->key_path == NULL || c->cache.store == NULL) {
		free(c->cert_path);
		free(c->key_path);
		free(c->cache.store);
		free(c);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
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
	tlscreds_snap_unref(c->snap);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->cache.lock);
	free(c->cache.store);
	free(c->cert_path);
	free(c->key_path);
	free(c);
}

/* Returns a reference to the current snapshot, reloading first when the
 * files changed (checked at most once a second). */
struct tls_snap *
tlscreds_get(struct tls_creds *c)
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

const br_ssl_session_cache_class **
tlscreds_cache(struct tls_creds *c)
{
	return &c->cache.vtable;
}
