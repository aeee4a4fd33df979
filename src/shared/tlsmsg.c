#include "config.h"
#include "shared/tlsmsg.h"
#include "shared/err.h"

#include <brotli/decode.h>
#include <stdlib.h>
#include <string.h>

/* A bounds-checked reader over a byte range. */
struct rd {
	const unsigned char *p;
	size_t n;
};

static int
rd_bytes(struct rd *r, size_t len, const unsigned char **p)
{
	if (r->n < len)
		return -1;
	*p = r->p;
	r->p += len;
	r->n -= len;
	return 0;
}

/* The big-endian integer in the next `width` (1 to 4) bytes: the one
 * reader of every u8, u16, u24 and u32 field and vector length. */
static int
rd_uint(struct rd *r, size_t width, uint32_t *v)
{
	const unsigned char *p;
	size_t i;

	if (rd_bytes(r, width, &p) != 0)
		return -1;
	*v = 0;
	for (i = 0; i < width; i++)
		*v = *v << 8 | p[i];
	return 0;
}

/* A vector with a `lenbytes`-byte length prefix, length in [min, max]. */
static int
rd_vec(struct rd *r, int lenbytes, size_t min, size_t max, struct rd *out)
{
	uint32_t len;

	if (rd_uint(r, (size_t)lenbytes, &len) != 0 || len < min || len > max ||
	    rd_bytes(r, len, &out->p) != 0)
		return -1;
	out->n = len;
	return 0;
}

static int
fail(int *alert, const char **why, int a, const char *w)
{
	*alert = a;
	*why = w;
	return MEEK_EPROTO;
}

#define DECODE(w) fail(alert, why, TLSMSG_ALERT_DECODE_ERROR, (w))
#define ILLEGAL(w) fail(alert, why, TLSMSG_ALERT_ILLEGAL_PARAMETER, (w))
#define UNSUPP(w) fail(alert, why, TLSMSG_ALERT_UNSUPPORTED_EXTENSION, (w))

const char *
tlsmsg_alert_name(unsigned alert)
{
	static const struct {
		unsigned char v;
		const char *name;
	} t[] = {
		{ 0, "close_notify" }, { 10, "unexpected_message" },
		{ 20, "bad_record_mac" }, { 21, "decryption_failed" },
		{ 22, "record_overflow" }, { 30, "decompression_failure" },
		{ 40, "handshake_failure" }, { 41, "no_certificate" },
		{ 42, "bad_certificate" }, { 43, "unsupported_certificate" },
		{ 44, "certificate_revoked" }, { 45, "certificate_expired" },
		{ 46, "certificate_unknown" }, { 47, "illegal_parameter" },
		{ 48, "unknown_ca" }, { 49, "access_denied" },
		{ 50, "decode_error" }, { 51, "decrypt_error" },
		{ 60, "export_restriction" }, { 70, "protocol_version" },
		{ 71, "insufficient_security" }, { 80, "internal_error" },
		{ 86, "inappropriate_fallback" }, { 90, "user_canceled" },
		{ 100, "no_renegotiation" }, { 109, "missing_extension" },
		{ 110, "unsupported_extension" }, { 111, "certificate_unobtainable" },
		{ 112, "unrecognized_name" }, { 113, "bad_certificate_status_response" },
		{ 114, "bad_certificate_hash_value" }, { 115, "unknown_psk_identity" },
		{ 116, "certificate_required" }, { 120, "no_application_protocol" },
		{ 121, "ech_required" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].v == alert)
			return t[i].name;
	return "unknown alert";
}

uint32_t
tlsmsg_ext_bit(uint16_t type)
{
	switch (type) {
	case 0: return TLSMSG_X_SERVER_NAME;
	case 5: return TLSMSG_X_STATUS_REQUEST;
	case 10: return TLSMSG_X_SUPPORTED_GROUPS;
	case 11: return TLSMSG_X_EC_POINT_FORMATS;
	case 13: return TLSMSG_X_SIGNATURE_ALGORITHMS;
	case 16: return TLSMSG_X_ALPN;
	case 18: return TLSMSG_X_SCT;
	case 21: return TLSMSG_X_PADDING;
	case 23: return TLSMSG_X_EXTENDED_MASTER_SECRET;
	case 27: return TLSMSG_X_COMPRESS_CERTIFICATE;
	case 28: return TLSMSG_X_RECORD_SIZE_LIMIT;
	case 35: return TLSMSG_X_SESSION_TICKET;
	case 41: return TLSMSG_X_PRE_SHARED_KEY;
	case 42: return TLSMSG_X_EARLY_DATA;
	case 43: return TLSMSG_X_SUPPORTED_VERSIONS;
	case 44: return TLSMSG_X_COOKIE;
	case 45: return TLSMSG_X_PSK_KEY_EXCHANGE_MODES;
	case 47: return TLSMSG_X_CERTIFICATE_AUTHORITIES;
	case 50: return TLSMSG_X_SIGNATURE_ALGORITHMS_CERT;
	case 51: return TLSMSG_X_KEY_SHARE;
	case 0x44cd: return TLSMSG_X_ALPS;
	case 0xfe0d: return TLSMSG_X_ECH;
	case 0xff01: return TLSMSG_X_RENEGOTIATION_INFO;
	default: return 0;
	}
}

size_t
tlsmsg_max_len(unsigned type)
{
	return type == TLSMSG_CERTIFICATE || type == TLSMSG_COMPRESSED_CERTIFICATE ?
	    TLSMSG_CERT_MSG_MAX : TLSMSG_MSG_MAX;
}

int
tlsmsg_next(const unsigned char *buf, size_t len, size_t max, unsigned *type,
    const unsigned char **body, size_t *body_len, size_t *msg_len, int *alert,
    const char **why)
{
	size_t blen;

	if (len < 4) {
		*msg_len = 0;
		return 0;
	}
	blen = (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
	if (blen > max)
		return ILLEGAL("handshake message: length over the limit");
	*msg_len = 4 + blen;
	if (len < 4 + blen)
		return 0;
	*type = buf[0];
	*body = buf + 4;
	*body_len = blen;
	return 1;
}

/*
 * Walks an extensions block.  For each extension: unknown or not offered
 * -> unsupported_extension (unless `ignore_unknown`: then unknown types are
 * skipped, RFC 8446 4.6.1/4.3.2), known but not in `allowed` ->
 * illegal_parameter, seen twice -> illegal_parameter.  Calls `fn` for the
 * others.
 */
typedef int (*ext_fn)(void *ctx, uint32_t bit, struct rd *data, int *alert,
    const char **why);

static int
walk_exts(struct rd *exts, uint32_t offered, uint32_t allowed, int ignore_unknown,
    uint32_t *seen, const char *what_trunc, const char *what_dup, const char *what_unsupp, const char *what_illegal,
    ext_fn fn, void *ctx, int *alert, const char **why)
{
	uint16_t unknown_seen[64];
	size_t n_unknown = 0, i;

	*seen = 0;
	while (exts->n > 0) {
		uint32_t type;
		struct rd data;
		uint32_t bit;
		int rc;

		if (rd_uint(exts, 2, &type) != 0 || rd_vec(exts, 2, 0, 0xffff, &data) != 0)
			return DECODE(what_trunc);
		bit = tlsmsg_ext_bit((uint16_t)type);
		if (bit == 0) {
			if (!ignore_unknown)
				return UNSUPP(what_unsupp);
			for (i = 0; i < n_unknown; i++)
				if (unknown_seen[i] == type)
					return ILLEGAL(what_dup);
			if (n_unknown == sizeof unknown_seen / sizeof unknown_seen[0])
				return DECODE("extensions: too many");
			unknown_seen[n_unknown++] = (uint16_t)type;
			continue;
		}
		if (*seen & bit)
			return ILLEGAL(what_dup);
		*seen |= bit;
		if (!(offered & bit)) {
			if (ignore_unknown && !(allowed & bit))
				continue;
			return UNSUPP(what_unsupp);
		}
		if (!(allowed & bit))
			return ILLEGAL(what_illegal);
		rc = fn(ctx, bit, &data, alert, why);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static const unsigned char hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ServerHello extensions, pass 1: find supported_versions (decides which
 * other extensions are allowed). */
static int
sh_ext(void *ctx, uint32_t bit, struct rd *d, int *alert, const char **why)
{
	struct tlsmsg_server_hello *sh = ctx;
	uint32_t v;
	struct rd l;

	switch (bit) {
	case TLSMSG_X_SUPPORTED_VERSIONS:
		break;  /* pass 0 took it */
	case TLSMSG_X_KEY_SHARE:
		if (rd_uint(d, 2, &v) != 0)
			return DECODE("ServerHello: key_share group");
		sh->group = (uint16_t)v;
		if (sh->hrr) {
			if (d->n != 0)
				return DECODE("HelloRetryRequest: key_share length");
			break;
		}
		if (rd_vec(d, 2, 1, 0xffff, &l) != 0 || d->n != 0)
			return DECODE("ServerHello: key_share key_exchange length");
		sh->share = l.p;
		sh->share_len = l.n;
		break;
	case TLSMSG_X_PRE_SHARED_KEY:
		if (rd_uint(d, 2, &v) != 0 || d->n != 0)
			return DECODE("ServerHello: pre_shared_key length");
		sh->psk_identity = (int)v;
		break;
	case TLSMSG_X_COOKIE:
		if (rd_vec(d, 2, 1, 0xffff, &l) != 0 || d->n != 0)
			return DECODE("HelloRetryRequest: cookie length");
		sh->cookie = l.p;
		sh->cookie_len = l.n;
		break;
	case TLSMSG_X_SERVER_NAME:
	case TLSMSG_X_STATUS_REQUEST:
	case TLSMSG_X_EXTENDED_MASTER_SECRET:
	case TLSMSG_X_SESSION_TICKET:
		if (d->n != 0)
			return DECODE("ServerHello: non-empty server_name/status_request/"
			    "extended_master_secret/session_ticket");
		break;
	case TLSMSG_X_RENEGOTIATION_INFO:
		if (rd_vec(d, 1, 0, 255, &l) != 0 || d->n != 0)
			return DECODE("ServerHello: renegotiation_info length");
		if (l.n != 0)
			return fail(alert, why, TLSMSG_ALERT_HANDSHAKE_FAILURE,
			    "ServerHello: renegotiation_info not empty on the initial handshake");
		break;
	case TLSMSG_X_ALPN:
		if (rd_vec(d, 2, 1, 0xffff, &l) != 0 || d->n != 0)
			return DECODE("ServerHello: ALPN list length");
		{
			struct rd name;

			if (rd_vec(&l, 1, 1, 255, &name) != 0 || l.n != 0)
				return DECODE("ServerHello: ALPN must hold exactly one name");
			sh->alpn = name.p;
			sh->alpn_len = name.n;
		}
		break;
	case TLSMSG_X_EC_POINT_FORMATS:
		if (rd_vec(d, 1, 1, 255, &l) != 0 || d->n != 0)
			return DECODE("ServerHello: ec_point_formats length");
		if (memchr(l.p, 0, l.n) == NULL)
			return ILLEGAL("ServerHello: ec_point_formats without uncompressed");
		break;
	case TLSMSG_X_SCT:
	case TLSMSG_X_ECH:
		break;  /* ignored (no CT checks; GREASE ECH: no confirmation) */
	default:
		return ILLEGAL("ServerHello: extension not allowed");
	}
	return 0;
}

/* Pass 0 over the ServerHello's extensions: supported_versions alone
 * decides TLS 1.3 vs 1.2 (and sets out->version); then the extensions each
 * allows in *allowed. */
static int
sh_version(struct rd exts, uint32_t offered, struct tlsmsg_server_hello *out,
    uint32_t *allowed, int *alert, const char **why)
{
	struct rd scan = exts;
	uint32_t v;
	int sv = 0;

	while (scan.n > 0) {
		uint32_t type;
		struct rd data;

		if (rd_uint(&scan, 2, &type) != 0 || rd_vec(&scan, 2, 0, 0xffff, &data) != 0)
			return DECODE("ServerHello: extensions truncated");
		if (type != 43)
			continue;
		if (sv)
			return ILLEGAL("ServerHello: duplicate extension");
		sv = 1;
		if (!(offered & TLSMSG_X_SUPPORTED_VERSIONS))
			return UNSUPP("ServerHello: supported_versions not offered");
		if (rd_uint(&data, 2, &v) != 0 || data.n != 0)
			return DECODE("ServerHello: supported_versions length");
		if (v != 0x0304)
			return ILLEGAL("ServerHello: supported_versions selects a version other "
			    "than TLS 1.3");
		out->version = 0x0304;
	}
	if (sv) {
		if (out->legacy_version != 0x0303)
			return ILLEGAL("ServerHello: legacy_version not 0x0303");
		*allowed = out->hrr ? (TLSMSG_X_SUPPORTED_VERSIONS | TLSMSG_X_KEY_SHARE |
		    TLSMSG_X_COOKIE | TLSMSG_X_ECH) : (TLSMSG_X_SUPPORTED_VERSIONS |
		    TLSMSG_X_KEY_SHARE | TLSMSG_X_PRE_SHARED_KEY);
	} else {
		if (out->hrr)
			return ILLEGAL("HelloRetryRequest: no supported_versions");
		if (out->legacy_version != 0x0303)
			return fail(alert, why, TLSMSG_ALERT_PROTOCOL_VERSION,
			    "ServerHello: version older than TLS 1.2");
		out->version = 0x0303;
		*allowed = TLSMSG_X_SERVER_NAME | TLSMSG_X_STATUS_REQUEST |
		    TLSMSG_X_EXTENDED_MASTER_SECRET | TLSMSG_X_RENEGOTIATION_INFO |
		    TLSMSG_X_ALPN | TLSMSG_X_EC_POINT_FORMATS | TLSMSG_X_SESSION_TICKET |
		    TLSMSG_X_SCT;
		if (memcmp(out->random + 24, "DOWNGRD\x01", 8) == 0)
			out->downgrade = 12;
		else if (memcmp(out->random + 24, "DOWNGRD\x00", 8) == 0)
			out->downgrade = 11;
	}
	return 0;
}

int
tlsmsg_server_hello(const unsigned char *body, size_t len, uint32_t offered,
    struct tlsmsg_server_hello *out, int *alert, const char **why)
{
	struct rd r = { body, len }, sid, exts;
	uint32_t v, comp;
	uint32_t allowed, seen;
	int rc;

	memset(out, 0, sizeof *out);
	out->psk_identity = -1;
	if (rd_uint(&r, 2, &v) != 0)
		return DECODE("ServerHello: legacy_version");
	out->legacy_version = (uint16_t)v;
	if (rd_bytes(&r, 32, &out->random) != 0)
		return DECODE("ServerHello: random");
	if (rd_vec(&r, 1, 0, 32, &sid) != 0)
		return DECODE("ServerHello: session_id length");
	out->session_id = sid.p;
	out->session_id_len = sid.n;
	if (rd_uint(&r, 2, &v) != 0)
		return DECODE("ServerHello: cipher_suite");
	out->cipher_suite = (uint16_t)v;
	if (rd_uint(&r, 1, &comp) != 0)
		return DECODE("ServerHello: compression_method");
	if (r.n == 0) {
		exts.p = r.p;
		exts.n = 0;
	} else if (rd_vec(&r, 2, 0, 0xffff, &exts) != 0 || r.n != 0) {
		return DECODE("ServerHello: extensions length");
	}
	out->hrr = memcmp(out->random, hrr_random, 32) == 0;

	if ((rc = sh_version(exts, offered, out, &allowed, alert, why)) != 0)
		return rc;
	if (comp != 0)
		return ILLEGAL("ServerHello: compression_method not null");
	/* The cookie is never offered but allowed in HRR (RFC 8446 4.2.2). */
	rc = walk_exts(&exts, offered | (out->hrr ? TLSMSG_X_COOKIE : 0), allowed, 0, &seen,
	    "ServerHello: extensions truncated", "ServerHello: duplicate extension",
	    "ServerHello: extension the client did not offer",
	    "ServerHello: extension not allowed in this message", sh_ext, out, alert, why);
	if (rc != 0)
		return rc;
	out->exts = seen;
	if (out->hrr && !(seen & (TLSMSG_X_KEY_SHARE | TLSMSG_X_COOKIE)))
		return ILLEGAL("HelloRetryRequest: changes nothing (no key_share, no cookie)");
	return 0;
}

static int
ee_ext(void *ctx, uint32_t bit, struct rd *d, int *alert, const char **why)
{
	struct tlsmsg_encrypted_extensions *ee = ctx;
	struct rd l, name;
	uint32_t v;

	switch (bit) {
	case TLSMSG_X_SERVER_NAME:
	case TLSMSG_X_EARLY_DATA:
		if (d->n != 0)
			return DECODE("EncryptedExtensions: server_name/early_data not empty");
		break;
	case TLSMSG_X_SUPPORTED_GROUPS:
		if (rd_vec(d, 2, 2, 0xfffe, &l) != 0 || d->n != 0 || (l.n & 1) != 0)
			return DECODE("EncryptedExtensions: supported_groups length");
		ee->groups = l.p;
		ee->groups_len = l.n;
		break;
	case TLSMSG_X_ALPN:
		if (rd_vec(d, 2, 1, 0xffff, &l) != 0 || d->n != 0)
			return DECODE("EncryptedExtensions: ALPN list length");
		if (rd_vec(&l, 1, 1, 255, &name) != 0 || l.n != 0)
			return DECODE("EncryptedExtensions: ALPN must hold exactly one name");
		ee->alpn = name.p;
		ee->alpn_len = name.n;
		break;
	case TLSMSG_X_ALPS:
		ee->alps = d->p;
		ee->alps_len = d->n;
		break;
	case TLSMSG_X_ECH:
		if (d->n == 0)
			return DECODE("EncryptedExtensions: encrypted_client_hello empty");
		ee->ech = d->p;
		ee->ech_len = d->n;
		break;
	case TLSMSG_X_RECORD_SIZE_LIMIT:
		if (rd_uint(d, 2, &v) != 0 || d->n != 0)
			return DECODE("EncryptedExtensions: record_size_limit length");
		if (v < 64)
			return ILLEGAL("EncryptedExtensions: record_size_limit below 64");
		ee->record_size_limit = (uint16_t)v;
		break;
	default:
		return ILLEGAL("EncryptedExtensions: extension not allowed");
	}
	return 0;
}

int
tlsmsg_encrypted_extensions(const unsigned char *body, size_t len, uint32_t offered,
    struct tlsmsg_encrypted_extensions *out, int *alert, const char **why)
{
	struct rd r = { body, len }, exts;
	uint32_t seen;
	int rc;

	memset(out, 0, sizeof *out);
	if (rd_vec(&r, 2, 0, 0xffff, &exts) != 0 || r.n != 0)
		return DECODE("EncryptedExtensions: extensions length");
	rc = walk_exts(&exts, offered, TLSMSG_X_SERVER_NAME | TLSMSG_X_SUPPORTED_GROUPS |
	    TLSMSG_X_ALPN | TLSMSG_X_ALPS | TLSMSG_X_EARLY_DATA | TLSMSG_X_ECH |
	    TLSMSG_X_RECORD_SIZE_LIMIT, 0, &seen,
	    "EncryptedExtensions: extensions truncated",
	    "EncryptedExtensions: duplicate extension",
	    "EncryptedExtensions: extension the client did not offer",
	    "EncryptedExtensions: extension not allowed in this message", ee_ext, out,
	    alert, why);
	if (rc != 0)
		return rc;
	out->exts = seen;
	if ((seen & TLSMSG_X_ALPS) && !(seen & TLSMSG_X_ALPN))
		return ILLEGAL("EncryptedExtensions: application_settings without ALPN");
	return 0;
}

static int
ce_ext(void *ctx, uint32_t bit, struct rd *d, int *alert, const char **why)
{
	struct tlsmsg_cert_entry *e = ctx;
	uint32_t type;
	struct rd l;

	if (bit == TLSMSG_X_STATUS_REQUEST) {
		if (rd_uint(d, 1, &type) != 0 || rd_vec(d, 3, 1, 0xffffff, &l) != 0 || d->n != 0)
			return DECODE("Certificate: status_request (OCSP) length");
		if (type != 1)
			return ILLEGAL("Certificate: status_request type not ocsp");
		e->ocsp = l.p;
		e->ocsp_len = l.n;
	} else {
		if (d->n == 0)
			return DECODE("Certificate: signed_certificate_timestamp empty");
		e->sct = d->p;
		e->sct_len = d->n;
	}
	return 0;
}

int
tlsmsg_certificate(const unsigned char *body, size_t len, int tls13, uint32_t offered,
    struct tlsmsg_certificate *out, int *alert, const char **why)
{
	struct rd r = { body, len }, ctx, list;

	memset(out, 0, sizeof *out);
	if (tls13) {
		if (rd_vec(&r, 1, 0, 255, &ctx) != 0)
			return DECODE("Certificate: certificate_request_context length");
		if (ctx.n != 0)
			return ILLEGAL("Certificate: certificate_request_context not empty");
		out->context = ctx.p;
		out->context_len = ctx.n;
	}
	if (rd_vec(&r, 3, 0, 0xffffff, &list) != 0 || r.n != 0)
		return DECODE("Certificate: certificate_list length");
	if (list.n == 0)
		return DECODE("Certificate: empty certificate_list");
	while (list.n > 0) {
		struct tlsmsg_cert_entry *e;
		struct rd der, exts;
		uint32_t seen;
		int rc;

		if (out->n == TLSMSG_CERT_CHAIN_MAX)
			return fail(alert, why, TLSMSG_ALERT_BAD_CERTIFICATE,
			    "Certificate: chain longer than 10 certificates");
		e = &out->e[out->n];
		if (rd_vec(&list, 3, 1, 0xffffff, &der) != 0)
			return DECODE("Certificate: cert_data length");
		e->der = der.p;
		e->der_len = der.n;
		if (tls13) {
			if (rd_vec(&list, 2, 0, 0xffff, &exts) != 0)
				return DECODE("Certificate: entry extensions length");
			rc = walk_exts(&exts, offered, TLSMSG_X_STATUS_REQUEST | TLSMSG_X_SCT,
			    0, &seen, "Certificate: entry extensions truncated",
			    "Certificate: duplicate entry extension",
			    "Certificate: entry extension the client did not offer",
			    "Certificate: entry extension not allowed", ce_ext, e, alert, why);
			if (rc != 0)
				return rc;
		}
		out->n++;
	}
	return 0;
}

/*
 * libbrotlidec's memory, capped: each allocation carries its size in a
 * header so that free can give it back to the budget.  The ring buffer of a
 * small certificate is small (the decoder sizes it from the data); a hostile
 * stream asking for a 16 MiB window fails instead.
 */
#define TLSMSG_BROTLI_MEM_MAX (1024u * 1024u + 4u * TLSMSG_CERT_MSG_MAX)

struct brmem {
	size_t used;
};

union brhdr {
	size_t size;
	max_align_t align;
};

static void *
br_alloc(void *opaque, size_t size)
{
	struct brmem *m = opaque;
	union brhdr *h;

	if (size > TLSMSG_BROTLI_MEM_MAX || m->used + size > TLSMSG_BROTLI_MEM_MAX)
		return NULL;
	h = malloc(sizeof *h + size);
	if (h == NULL)
		return NULL;
	h->size = size;
	m->used += size;
	return h + 1;
}

static void
br_free(void *opaque, void *p)
{
	struct brmem *m = opaque;
	union brhdr *h;

	if (p == NULL)
		return;
	h = (union brhdr *)p - 1;
	m->used -= h->size;
	free(h);
}

int
tlsmsg_compressed_certificate(const unsigned char *body, size_t len, unsigned char *out,
    size_t cap, size_t *out_len, int *alert, const char **why)
{
	struct rd r = { body, len }, comp;
	uint32_t alg, ulen;
	size_t avail_in, avail_out;
	const uint8_t *next_in;
	uint8_t *next_out;
	struct brmem mem = { 0 };
	BrotliDecoderState *st;
	BrotliDecoderResult res;

	*out_len = 0;
	if (rd_uint(&r, 2, &alg) != 0 || rd_uint(&r, 3, &ulen) != 0 ||
	    rd_vec(&r, 3, 1, 0xffffff, &comp) != 0 || r.n != 0)
		return DECODE("CompressedCertificate: length");
	if (alg != 2)
		return ILLEGAL("CompressedCertificate: algorithm not brotli");
	if (ulen == 0 || ulen > TLSMSG_CERT_MSG_MAX || ulen > cap)
		return fail(alert, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    "CompressedCertificate: uncompressed_length 0 or over the limit");
	st = BrotliDecoderCreateInstance(br_alloc, br_free, &mem);
	if (st == NULL)
		return fail(alert, why, TLSMSG_ALERT_INTERNAL_ERROR,
		    "CompressedCertificate: out of memory");
	next_in = comp.p;
	avail_in = comp.n;
	next_out = out;
	avail_out = ulen;
	res = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out,
	    NULL);
	BrotliDecoderDestroyInstance(st);
	if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
		return fail(alert, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    "CompressedCertificate: longer than uncompressed_length");
	if (res != BROTLI_DECODER_RESULT_SUCCESS)
		return fail(alert, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    "CompressedCertificate: brotli data does not decompress");
	if (avail_in != 0)
		return fail(alert, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    "CompressedCertificate: bytes after the brotli stream");
	if (avail_out != 0)
		return fail(alert, why, TLSMSG_ALERT_BAD_CERTIFICATE,
		    "CompressedCertificate: shorter than uncompressed_length");
	*out_len = ulen;
	return 0;
}

int
tlsmsg_certificate_verify(const unsigned char *body, size_t len,
    struct tlsmsg_certificate_verify *out, int *alert, const char **why)
{
	struct rd r = { body, len }, sig;
	uint32_t v;

	memset(out, 0, sizeof *out);
	if (rd_uint(&r, 2, &v) != 0 || rd_vec(&r, 2, 0, 0xffff, &sig) != 0 || r.n != 0)
		return DECODE("CertificateVerify: length");
	out->scheme = (uint16_t)v;
	out->sig = sig.p;
	out->sig_len = sig.n;
	return 0;
}

int
tlsmsg_finished(const unsigned char *body, size_t len, size_t verify_len,
    const unsigned char **verify, int *alert, const char **why)
{
	if (len != verify_len)
		return DECODE("Finished: verify_data length");
	*verify = body;
	return 0;
}

static int
nst_ext(void *ctx, uint32_t bit, struct rd *d, int *alert, const char **why)
{
	struct tlsmsg_new_session_ticket *t = ctx;

	/* only early_data is allowed */
	(void)bit;
	if (rd_uint(d, 4, &t->max_early_data) != 0 || d->n != 0)
		return DECODE("NewSessionTicket: early_data length");
	t->early_data = 1;
	return 0;
}

int
tlsmsg_new_session_ticket(const unsigned char *body, size_t len, int tls13,
    struct tlsmsg_new_session_ticket *out, int *alert, const char **why)
{
	struct rd r = { body, len }, nonce, ticket, exts;
	uint32_t seen;

	memset(out, 0, sizeof *out);
	if (rd_uint(&r, 4, &out->lifetime) != 0)
		return DECODE("NewSessionTicket: lifetime");
	if (!tls13) {
		if (rd_vec(&r, 2, 0, 0xffff, &ticket) != 0 || r.n != 0)
			return DECODE("NewSessionTicket: ticket length");
		out->ticket = ticket.p;
		out->ticket_len = ticket.n;
		return 0;
	}
	if (rd_uint(&r, 4, &out->age_add) != 0 || rd_vec(&r, 1, 0, 255, &nonce) != 0)
		return DECODE("NewSessionTicket: ticket_age_add / ticket_nonce");
	if (rd_vec(&r, 2, 1, 0xffff, &ticket) != 0)
		return DECODE("NewSessionTicket: ticket length");
	if (rd_vec(&r, 2, 0, 0xfffe, &exts) != 0 || r.n != 0)
		return DECODE("NewSessionTicket: extensions length");
	out->nonce = nonce.p;
	out->nonce_len = nonce.n;
	out->ticket = ticket.p;
	out->ticket_len = ticket.n;
	if (out->lifetime > 604800)
		return ILLEGAL("NewSessionTicket: lifetime over 7 days");
	return walk_exts(&exts, TLSMSG_X_EARLY_DATA, TLSMSG_X_EARLY_DATA, 1, &seen,
	    "NewSessionTicket: extensions truncated", "NewSessionTicket: duplicate extension",
	    "NewSessionTicket: extension",
	    "NewSessionTicket: extension not allowed", nst_ext, out, alert, why);
}

int
tlsmsg_key_update(const unsigned char *body, size_t len, int *requested, int *alert,
    const char **why)
{
	if (len != 1)
		return DECODE("KeyUpdate: length");
	if (body[0] > 1)
		return ILLEGAL("KeyUpdate: request_update not 0 or 1");
	*requested = body[0];
	return 0;
}

static int
cr_ext(void *ctx, uint32_t bit, struct rd *d, int *alert, const char **why)
{
	struct rd l;

	(void)ctx;
	switch (bit) {
	case TLSMSG_X_SIGNATURE_ALGORITHMS:
	case TLSMSG_X_SIGNATURE_ALGORITHMS_CERT:
		if (rd_vec(d, 2, 2, 0xfffe, &l) != 0 || d->n != 0 || (l.n & 1) != 0)
			return DECODE("CertificateRequest: signature_algorithms length");
		break;
	case TLSMSG_X_CERTIFICATE_AUTHORITIES:
		if (rd_vec(d, 2, 3, 0xffff, &l) != 0 || d->n != 0)
			return DECODE("CertificateRequest: certificate_authorities length");
		while (l.n > 0) {
			struct rd dn;

			if (rd_vec(&l, 2, 1, 0xffff, &dn) != 0)
				return DECODE("CertificateRequest: certificate_authorities entry");
		}
		break;
	default:
		break;  /* status_request, SCT, oid_filters: not checked */
	}
	return 0;
}

int
tlsmsg_certificate_request(const unsigned char *body, size_t len, int tls13,
    struct tlsmsg_certificate_request *out, int *alert, const char **why)
{
	struct rd r = { body, len }, a, exts;
	uint32_t seen;
	int rc;

	memset(out, 0, sizeof *out);
	if (!tls13) {
		if (rd_vec(&r, 1, 1, 255, &a) != 0)
			return DECODE("CertificateRequest: certificate_types length");
		if (rd_vec(&r, 2, 2, 0xfffe, &a) != 0 || (a.n & 1) != 0)
			return DECODE("CertificateRequest: supported_signature_algorithms length");
		if (rd_vec(&r, 2, 0, 0xffff, &a) != 0 || r.n != 0)
			return DECODE("CertificateRequest: certificate_authorities length");
		while (a.n > 0) {
			struct rd dn;

			if (rd_vec(&a, 2, 1, 0xffff, &dn) != 0)
				return DECODE("CertificateRequest: certificate_authorities entry");
		}
		return 0;
	}
	if (rd_vec(&r, 1, 0, 255, &a) != 0)
		return DECODE("CertificateRequest: certificate_request_context length");
	out->context = a.p;
	out->context_len = a.n;
	if (rd_vec(&r, 2, 2, 0xffff, &exts) != 0 || r.n != 0)
		return DECODE("CertificateRequest: extensions length");
	/* Every known extension allowed here counts as "offered": the server
	 * may ask for things the client did not send (RFC 8446 4.3.2). */
	rc = walk_exts(&exts, TLSMSG_X_SIGNATURE_ALGORITHMS | TLSMSG_X_SIGNATURE_ALGORITHMS_CERT |
	    TLSMSG_X_CERTIFICATE_AUTHORITIES | TLSMSG_X_STATUS_REQUEST | TLSMSG_X_SCT,
	    TLSMSG_X_SIGNATURE_ALGORITHMS | TLSMSG_X_SIGNATURE_ALGORITHMS_CERT |
	    TLSMSG_X_CERTIFICATE_AUTHORITIES | TLSMSG_X_STATUS_REQUEST | TLSMSG_X_SCT, 1,
	    &seen, "CertificateRequest: extensions truncated",
	    "CertificateRequest: duplicate extension", "CertificateRequest: extension",
	    "CertificateRequest: extension not allowed", cr_ext, out, alert, why);
	if (rc != 0)
		return rc;
	if (!(seen & TLSMSG_X_SIGNATURE_ALGORITHMS))
		return fail(alert, why, TLSMSG_ALERT_MISSING_EXTENSION,
		    "CertificateRequest: no signature_algorithms");
	return 0;
}

int
tlsmsg_server_key_exchange(const unsigned char *body, size_t len,
    struct tlsmsg_server_key_exchange *out, int *alert, const char **why)
{
	struct rd r = { body, len }, point, sig;
	uint32_t type, v;

	memset(out, 0, sizeof *out);
	if (rd_uint(&r, 1, &type) != 0)
		return DECODE("ServerKeyExchange: curve_type");
	if (type != 3)
		return ILLEGAL("ServerKeyExchange: curve_type not named_curve");
	if (rd_uint(&r, 2, &v) != 0)
		return DECODE("ServerKeyExchange: named_curve");
	out->group = (uint16_t)v;
	if (rd_vec(&r, 1, 1, 255, &point) != 0)
		return DECODE("ServerKeyExchange: point length");
	out->point = point.p;
	out->point_len = point.n;
	out->params = body;
	out->params_len = (size_t)(r.p - body);
	if (rd_uint(&r, 2, &v) != 0 || rd_vec(&r, 2, 0, 0xffff, &sig) != 0 || r.n != 0)
		return DECODE("ServerKeyExchange: signature length");
	out->scheme = (uint16_t)v;
	out->sig = sig.p;
	out->sig_len = sig.n;
	return 0;
}

int
tlsmsg_server_hello_done(const unsigned char *body, size_t len, int *alert,
    const char **why)
{
	(void)body;
	if (len != 0)
		return DECODE("ServerHelloDone: not empty");
	return 0;
}

int
tlsmsg_certificate_status(const unsigned char *body, size_t len,
    const unsigned char **ocsp, size_t *ocsp_len, int *alert, const char **why)
{
	struct rd r = { body, len }, resp;
	uint32_t type;

	if (rd_uint(&r, 1, &type) != 0 || rd_vec(&r, 3, 1, 0xffffff, &resp) != 0 || r.n != 0)
		return DECODE("CertificateStatus: length");
	if (type != 1)
		return ILLEGAL("CertificateStatus: status_type not ocsp");
	*ocsp = resp.p;
	*ocsp_len = resp.n;
	return 0;
}
