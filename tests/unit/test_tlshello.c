#include "config.h"
#include "tests/unit/unit.h"
#include "shared/err.h"
#include "shared/mlkem.h"
#include "shared/tlshello.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SUITE "tlshello"

/* The reference hellos: Chromium 156.0.8078.114 captured on loopback
 * (tests/tls/data/, one TLS record each, hex). */
#define DATA TOP_SRCDIR "/tests/tls/data/"

#define MAXEXT 32

struct ext {
	uint16_t type;
	const unsigned char *v;
	size_t len;
};

/* A parsed ClientHello (pointers into the message). */
struct ph {
	const unsigned char *random, *sid;
	size_t sid_len;
	uint16_t ciphers[64];
	size_t n_ciphers;
	struct ext ext[MAXEXT];
	size_t n_ext;
};

static unsigned
u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Parses a handshake message (4-byte header included); every length must add
 * up exactly. */
static int
parse(const unsigned char *m, size_t len, struct ph *o)
{
	memset(o, 0, sizeof *o);
	if (len < 4 || m[0] != 1 || ((size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3]) != len - 4)
		return -1;
	const unsigned char *p = m + 4, *end = m + len;
	if (end - p < 35 || u16(p) != 0x0303)
		return -1;
	o->random = p + 2;
	p += 34;
	o->sid_len = *p++;
	o->sid = p;
	p += o->sid_len;
	if (end - p < 2)
		return -1;
	size_t cl = u16(p);
	p += 2;
	if (cl % 2 || cl / 2 > 64 || (size_t)(end - p) < cl)
		return -1;
	for (size_t i = 0; i < cl; i += 2)
		o->ciphers[o->n_ciphers++] = (uint16_t)u16(p + i);
	p += cl;
	if (end - p < 4 || p[0] != 1 || p[1] != 0)
		return -1;
	p += 2;
	size_t el = u16(p);
	p += 2;
	if ((size_t)(end - p) != el)
		return -1;
	while (p < end) {
		if (end - p < 4 || o->n_ext == MAXEXT)
			return -1;
		size_t l = u16(p + 2);
		if ((size_t)(end - p - 4) < l)
			return -1;
		o->ext[o->n_ext++] = (struct ext){ (uint16_t)u16(p), p + 4, l };
		p += 4 + l;
	}
	return 0;
}

static const struct ext *
find(const struct ph *h, uint16_t t)
{
	for (size_t i = 0; i < h->n_ext; i++)
		if (h->ext[i].type == t)
			return &h->ext[i];
	return NULL;
}

/* Reads a captured record (hex) and returns its handshake message. */
static unsigned char *
load(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, DATA "%s", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	static unsigned char raw[8192];
	size_t n = 0;
	int c, hi = -1;
	while ((c = fgetc(f)) != EOF && n < sizeof raw) {
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			raw[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	fclose(f);
	/* Concatenate the records' bodies. */
	unsigned char *m = malloc(n);
	size_t o = 0, mlen = 0;
	while (o + 5 <= n) {
		size_t l = u16(raw + o + 3);
		ck_assert_uint_eq(raw[o], 22);
		ck_assert_uint_le(o + 5 + l, n);
		memcpy(m + mlen, raw + o + 5, l);
		mlen += l;
		o += 5 + l;
	}
	*len = mlen;
	return m;
}

static int
is_grease(unsigned v)
{
	return TLSHELLO_IS_GREASE(v);
}

/* JA4 (FoxIO): t<ver><d|i><nciphers><nexts><alpn>_<sha256(sorted ciphers)[:12]>_
 * <sha256(sorted exts minus SNI/ALPN "_" sigalgs)[:12]>. */
static int
cmp16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void
hash12(const char *s, char out[13])
{
	br_sha256_context c;
	unsigned char d[32];
	br_sha256_init(&c);
	br_sha256_update(&c, s, strlen(s));
	br_sha256_out(&c, d);
	for (int i = 0; i < 6; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void
ja4(const struct ph *h, char out[64])
{
	uint16_t cs[64], ex[MAXEXT];
	size_t nc = 0, ne = 0, nall = 0;
	char buf[1024], hb[13], hc[13], alpn[3] = "00";
	int sni = 0;
	for (size_t i = 0; i < h->n_ciphers; i++)
		if (!is_grease(h->ciphers[i]))
			cs[nc++] = h->ciphers[i];
	for (size_t i = 0; i < h->n_ext; i++) {
		uint16_t t = h->ext[i].type;
		if (is_grease(t))
			continue;
		nall++;
		if (t == 0)
			sni = 1;
		if (t == 0x10 && h->ext[i].len > 3) {
			alpn[0] = (char)h->ext[i].v[3];
			alpn[1] = (char)h->ext[i].v[3 + h->ext[i].v[2] - 1];
		}
		if (t != 0 && t != 0x10)
			ex[ne++] = t;
	}
	qsort(cs, nc, 2, cmp16);
	qsort(ex, ne, 2, cmp16);
	buf[0] = '\0';
	for (size_t i = 0; i < nc; i++)
		sprintf(buf + strlen(buf), "%s%04x", i ? "," : "", cs[i]);
	hash12(buf, hb);
	buf[0] = '\0';
	for (size_t i = 0; i < ne; i++)
		sprintf(buf + strlen(buf), "%s%04x", i ? "," : "", ex[i]);
	const struct ext *sa = find(h, 0x000d);
	if (sa != NULL) {
		strcat(buf, "_");
		int first = 1;
		for (size_t i = 2; i + 1 < sa->len; i += 2) {
			if (is_grease(u16(sa->v + i)))
				continue;
			sprintf(buf + strlen(buf), "%s%04x", first ? "" : ",", u16(sa->v + i));
			first = 0;
		}
	}
	hash12(buf, hc);
	snprintf(out, 64, "t13%c%02zu%02zu%s_%s_%s", sni ? 'd' : 'i', nc, nall, alpn, hb, hc);
}

static unsigned char out[TLSHELLO_MAX];

/* Builds profile p's ClientHello for sni into out, parses it into a and
 * returns its length. */
static size_t
build_parsed(struct tlshello *h, enum tlshello_profile p, const char *sni, struct ph *a)
{
	size_t len;

	ck_assert_int_eq(tlshello_build(h, p, sni, NULL, NULL, 0, out, sizeof out, &len, NULL),
	    0);
	ck_assert_int_eq(parse(out, len, a), 0);
	return len;
}

/* Extensions whose bodies are random per connection. */
static int
random_body(uint16_t t)
{
	return t == 0x0033 || t == 0xfe0d;
}

/* Copies an extension body with its GREASE entry masked (groups, sigalgs,
 * versions carry one GREASE value first). */
static size_t
masked(const struct ext *e, unsigned char *buf)
{
	memcpy(buf, e->v, e->len);
	if ((e->type == 0x000a || e->type == 0x000d) && e->len >= 4) {
		ck_assert(is_grease(u16(buf + 2)));
		buf[2] = buf[3] = 0;
	}
	if (e->type == 0x002b && e->len >= 3) {
		ck_assert(is_grease(u16(buf + 1)));
		buf[1] = buf[2] = 0;
	}
	return e->len;
}

/* Checks our hello (profile p) against the reference capture `ref`. */
static void
check_against(enum tlshello_profile p, const char *ref)
{
	struct tlshello h;
	struct ph a, b;
	size_t len, rlen;
	unsigned char *r = load(ref, &rlen);
	ck_assert_int_eq(parse(r, rlen, &b), 0);
	len = build_parsed(&h, p, "localhost", &a);

	/* random, session id */
	ck_assert_ptr_eq(tlshello_random(&h), h.random);
	ck_assert_mem_eq(a.random, tlshello_random(&h), 32);
	ck_assert_uint_eq(a.sid_len, 32);
	ck_assert_uint_eq(b.sid_len, 32);

	/* ciphers: GREASE first, then Chrome's list (AES order with AES
	 * instructions, as on the capturing machine) */
	ck_assert(is_grease(a.ciphers[0]));
	ck_assert_uint_eq(a.n_ciphers, b.n_ciphers);
	if (h.aes_hw) {
		for (size_t i = 1; i < a.n_ciphers; i++)
			ck_assert_uint_eq(a.ciphers[i], b.ciphers[i]);
	} else {
		ck_assert_uint_eq(a.ciphers[1], 0x1303);
	}

	/* extension set and contents */
	ck_assert_uint_eq(a.n_ext, b.n_ext);
	ck_assert(is_grease(a.ext[0].type) && a.ext[0].len == 0);
	ck_assert(is_grease(a.ext[a.n_ext - 1].type) && a.ext[a.n_ext - 1].len == 1 &&
	    a.ext[a.n_ext - 1].v[0] == 0);
	ck_assert_uint_ne(a.ext[0].type, a.ext[a.n_ext - 1].type);
	for (size_t i = 1; i + 1 < b.n_ext; i++) {
		const struct ext *x = find(&a, b.ext[i].type), *y = &b.ext[i];
		ck_assert_msg(x != NULL, "extension %04x missing", y->type);
		ck_assert_msg(!is_grease(x->type), "GREASE extension in the middle");
		if (random_body(y->type))
			continue;
		unsigned char bx[512], by[512];
		ck_assert_uint_lt(y->len, sizeof bx);
		ck_assert_msg(x->len == y->len, "extension %04x: length %zu, Chromium %zu",
		    y->type, x->len, y->len);
		masked(x, bx);
		masked(y, by);
		ck_assert_msg(memcmp(bx, by, x->len) == 0, "extension %04x differs", y->type);
	}

	/* key shares: GREASE (the supported_groups GREASE, 1 byte), then
	 * X25519MLKEM768 (1216) and X25519 (32), as in the capture */
	const struct ext *ka = find(&a, 0x0033), *kb = find(&b, 0x0033), *ga = find(&a, 0x000a);
	ck_assert_uint_eq(ka->len, kb->len);
	ck_assert_uint_eq(u16(ka->v + 2), u16(ga->v + 2));
	size_t qa = 2, qb = 2;
	while (qb < kb->len) {
		if (is_grease(u16(kb->v + qb)))
			ck_assert(is_grease(u16(ka->v + qa)));
		else
			ck_assert_uint_eq(u16(ka->v + qa), u16(kb->v + qb));
		ck_assert_uint_eq(u16(ka->v + qa + 2), u16(kb->v + qb + 2));
		qa += 4 + u16(ka->v + qa + 2);
		qb += 4 + u16(kb->v + qb + 2);
	}
	ck_assert_uint_eq(qa, ka->len);
	ck_assert_uint_eq(u16(ka->v + 4), 1);
	ck_assert_uint_eq(ka->v[6], 0);

	/* ECH GREASE: same header form, a length Chromium uses */
	const struct ext *ea = find(&a, 0xfe0d), *eb = find(&b, 0xfe0d);
	ck_assert(ea->len == 186 || ea->len == 218 || ea->len == 250 || ea->len == 282);
	ck_assert_mem_eq(ea->v, eb->v, 3);        /* outer, HKDF-SHA256 */
	ck_assert_uint_eq(u16(ea->v + 6), 32);
	ck_assert_uint_eq(u16(ea->v + 40) + 42, ea->len);

	/* the same JA4 */
	char ja[64], jb[64];
	ja4(&a, ja);
	ja4(&b, jb);
	ck_assert_str_eq(ja, jb);
	/* sizes: Chromium's minus the difference of the random ECH payloads */
	ck_assert_uint_eq(len - ea->len, rlen - eb->len);
	tlshello_clear(&h);
	free(r);
}

UNIT_TEST("chromium", tlshello_matches_chromium_https)
{
	check_against(TLSHELLO_CHROME, "chromium156-https-1.hex");
	check_against(TLSHELLO_CHROME, "chromium156-https-2.hex");
}
END_TEST

UNIT_TEST("chromium", tlshello_matches_chromium_wss)
{
	check_against(TLSHELLO_CHROME_WS, "chromium156-wss-1.hex");
	check_against(TLSHELLO_CHROME_WS, "chromium156-wss-2.hex");
}
END_TEST

UNIT_TEST("chromium", tlshello_ja4_is_chromiums)
{
	struct tlshello h;
	struct ph a;
	char j[64];
	/* The JA4 values of the captures (doc/fingerprint.md). */
	build_parsed(&h, TLSHELLO_CHROME, "example.com", &a);
	ja4(&a, j);
	ck_assert_str_eq(j, "t13d1517h2_8daaf6152771_cb7bf5808d99");
	build_parsed(&h, TLSHELLO_CHROME_WS, "example.com", &a);
	ja4(&a, j);
	ck_assert_str_eq(j, "t13d1516h1_8daaf6152771_5b37b36a67c0");
	tlshello_clear(&h);
}
END_TEST

UNIT_TEST("chromium", tlshello_permutes_extensions)
{
	uint16_t first[MAXEXT];
	int differs = 0;
	for (int k = 0; k < 20; k++) {
		struct tlshello h;
		struct ph a;
		build_parsed(&h, TLSHELLO_CHROME, "localhost", &a);
		ck_assert_uint_eq(a.n_ext, 19);
		ck_assert(is_grease(a.ext[0].type) && a.ext[0].len == 0);
		ck_assert(is_grease(a.ext[18].type) && a.ext[18].len == 1);
		for (size_t i = 1; i < 18; i++) {
			ck_assert(!is_grease(a.ext[i].type));
			if (k == 0)
				first[i] = a.ext[i].type;
			else
				differs |= first[i] != a.ext[i].type;
		}
		tlshello_clear(&h);
	}
	ck_assert_msg(differs, "20 hellos with one extension order");
}
END_TEST

UNIT_TEST("chromium", tlshello_grease_values_valid)
{
	for (int k = 0; k < 64; k++) {
		struct tlshello h;
		struct ph a;
		build_parsed(&h, TLSHELLO_CHROME_WS, "localhost", &a);
		size_t g = 0;
		for (size_t i = 0; i < a.n_ciphers; i++)
			g += is_grease(a.ciphers[i]);
		ck_assert_uint_eq(g, 1);
		ck_assert(is_grease(a.ciphers[0]));
		g = 0;
		for (size_t i = 0; i < a.n_ext; i++)
			g += is_grease(a.ext[i].type);
		ck_assert_uint_eq(g, 2);
		ck_assert_uint_ne(a.ext[0].type, a.ext[a.n_ext - 1].type);
		const struct ext *sv = find(&a, 0x002b), *sg = find(&a, 0x000a),
		    *sa = find(&a, 0x000d);
		ck_assert(is_grease(u16(sv->v + 1)));
		ck_assert(is_grease(u16(sg->v + 2)));
		ck_assert(is_grease(u16(sa->v + 2)));
		for (size_t i = 4; i < sg->len; i += 2)
			ck_assert(!is_grease(u16(sg->v + i)));
		tlshello_clear(&h);
	}
	/* the test itself */
	ck_assert(is_grease(0x0a0a) && is_grease(0xfafa) && !is_grease(0x0a1a) &&
	    !is_grease(0x1301));
}
END_TEST

UNIT_TEST("chromium", tlshello_ech_grease_lengths)
{
	int seen[4] = { 0 };
	unsigned char id0 = 0;
	int id_differs = 0;
	for (int k = 0; k < 200; k++) {
		struct tlshello h;
		struct ph a;
		build_parsed(&h, TLSHELLO_CHROME, "localhost", &a);
		const struct ext *e = find(&a, 0xfe0d);
		ck_assert_uint_eq(e->v[0], 0);
		ck_assert_uint_eq(u16(e->v + 1), 1);
		ck_assert(u16(e->v + 3) == 1 || u16(e->v + 3) == 3);
		ck_assert_uint_eq(u16(e->v + 6), 32);
		size_t pl = u16(e->v + 40);
		ck_assert_uint_eq(42 + pl, e->len);
		ck_assert(pl >= 144 && pl <= 240 && (pl - 16) % 32 == 0);
		seen[(pl - 144) / 32] = 1;
		if (k == 0)
			id0 = e->v[5];
		else
			id_differs |= id0 != e->v[5];
		tlshello_clear(&h);
	}
	ck_assert(seen[0] && seen[1] && seen[2] && seen[3]);
	ck_assert(id_differs);
}
END_TEST

/* Checks that the second hello `b` keeps the first hello `a`'s random,
 * session id and extensions, in the same order with a cookie extension
 * inserted; key_share's body too if `same_shares`. */
static void
retry_keeps(const struct ph *a, const struct ph *b, int same_shares)
{
	ck_assert_mem_eq(a->random, b->random, 32);
	ck_assert_uint_eq(a->sid_len, b->sid_len);
	ck_assert_mem_eq(a->sid, b->sid, a->sid_len);
	ck_assert_uint_eq(b->n_ext, a->n_ext + 1);
	size_t j = 0;
	for (size_t i = 0; i < b->n_ext; i++) {
		if (b->ext[i].type == 0x002c)
			continue;
		ck_assert_uint_eq(b->ext[i].type, a->ext[j].type);
		if (same_shares || b->ext[i].type != 0x0033) {
			ck_assert_uint_eq(b->ext[i].len, a->ext[j].len);
			ck_assert_mem_eq(b->ext[i].v, a->ext[j].v, a->ext[j].len);
		}
		j++;
	}
}

UNIT_TEST("hellos", tlshello_retry_keeps_fields)
{
	static unsigned char out2[TLSHELLO_MAX];
	struct tlshello h;
	struct ph a, b;
	size_t len, len2;
	unsigned char cookie[40];
	memset(cookie, 0xc5, sizeof cookie);
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, NULL, 0, out,
	    sizeof out, &len, NULL), 0);
	ck_assert_int_eq(tlshello_build_retry(&h, TLSHELLO_GROUP_X25519, NULL, 0, NULL,
	    out2, sizeof out2, &len2, NULL), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_build_retry(&h, TLSHELLO_GROUP_X25519MLKEM768, NULL, 0,
	    NULL, out2, sizeof out2, &len2, NULL), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_build_retry(&h, 0x0019, NULL, 0, NULL, out2, sizeof out2,
	    &len2, NULL), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_build_retry(&h, TLSHELLO_GROUP_P256, cookie, sizeof cookie,
	    NULL, out2, sizeof out2, &len2, NULL), 0);
	ck_assert_int_eq(parse(out, len, &a), 0);
	ck_assert_int_eq(parse(out2, len2, &b), 0);
	ck_assert_uint_eq(a.n_ciphers, b.n_ciphers);
	ck_assert_mem_eq(a.ciphers, b.ciphers, a.n_ciphers * 2);
	retry_keeps(&a, &b, 0);
	const struct ext *c = find(&b, 0x002c), *k = find(&b, 0x0033);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->len, 2 + sizeof cookie);
	ck_assert_uint_eq(u16(c->v), sizeof cookie);
	ck_assert_mem_eq(c->v + 2, cookie, sizeof cookie);
	ck_assert_uint_eq(k->len, 2 + 4 + 65);
	ck_assert_uint_eq(u16(k->v), 4 + 65);
	ck_assert_uint_eq(u16(k->v + 2), TLSHELLO_GROUP_P256);
	ck_assert_uint_eq(u16(k->v + 4), 65);
	ck_assert_uint_eq(k->v[6], 4);
	/* the hybrid's share is gone: its secret cannot be computed any more */
	unsigned char ss[64], share[MLKEM_CT_LEN + 32];
	memset(share, 9, sizeof share);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519MLKEM768, share,
	    sizeof share, ss, sizeof ss), MEEK_EPROTO);
	/* no cookie: no cookie extension */
	ck_assert_int_eq(tlshello_build_retry(&h, TLSHELLO_GROUP_P384, NULL, 0, NULL, out2,
	    sizeof out2, &len2, NULL), 0);
	ck_assert_int_eq(parse(out2, len2, &b), 0);
	ck_assert_ptr_null(find(&b, 0x002c));
	ck_assert_uint_eq(u16(find(&b, 0x0033)->v + 4), 97);
	tlshello_clear(&h);
	ck_assert_int_eq(tlshello_build_retry(&h, TLSHELLO_GROUP_P256, NULL, 0, NULL, out2,
	    sizeof out2, &len2, NULL), MEEK_EINVAL);
}
END_TEST

UNIT_TEST("hellos", tlshello_psk_last_with_binders)
{
	static unsigned char out2[TLSHELLO_MAX];
	struct tlshello h;
	struct ph a;
	size_t len, len2, boff, boff2;
	unsigned char id[300];
	for (size_t i = 0; i < sizeof id; i++)
		id[i] = (unsigned char)i;
	struct tlshello_psk psk = { id, sizeof id, 0x01020304u, 48 };
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", &psk, NULL, 0, out,
	    sizeof out, &len, &boff), 0);
	ck_assert_int_eq(parse(out, len, &a), 0);
	const struct ext *e = &a.ext[a.n_ext - 1];
	ck_assert_uint_eq(e->type, 0x0029);
	ck_assert(is_grease(a.ext[a.n_ext - 2].type));
	ck_assert_uint_eq(u16(e->v), 2 + sizeof id + 4);
	ck_assert_uint_eq(u16(e->v + 2), sizeof id);
	ck_assert_mem_eq(e->v + 4, id, sizeof id);
	ck_assert_uint_eq(e->v[4 + sizeof id], 1);
	ck_assert_uint_eq(e->v[7 + sizeof id], 4);
	/* binders: the rest of the hello, after the offset */
	ck_assert_uint_eq((size_t)(e->v + 8 + sizeof id - out), boff);
	ck_assert_uint_eq(u16(out + boff), 49);
	ck_assert_uint_eq(out[boff + 2], 48);
	ck_assert_uint_eq(boff + 3 + 48, len);
	/* the retry hello keeps it last too */
	psk.binder_len = 32;
	ck_assert_int_eq(tlshello_build_retry(&h, TLSHELLO_GROUP_P256, NULL, 0, &psk, out2,
	    sizeof out2, &len2, &boff2), 0);
	ck_assert_int_eq(parse(out2, len2, &a), 0);
	ck_assert_uint_eq(a.ext[a.n_ext - 1].type, 0x0029);
	ck_assert_uint_eq(boff2 + 3 + 32, len2);
	/* without: offset 0 */
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, NULL, 0, out,
	    sizeof out, &len, &boff), 0);
	ck_assert_uint_eq(boff, 0);
	psk.binder_len = 20;
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", &psk, NULL, 0, out,
	    sizeof out, &len, &boff), MEEK_EINVAL);
	tlshello_clear(&h);
}
END_TEST

UNIT_TEST("hellos", tlshello_sni_and_limits)
{
	struct tlshello h;
	struct ph a;
	size_t len;
	char big[300];
	len = build_parsed(&h, TLSHELLO_CHROME, "127.0.0.1", &a);
	ck_assert_ptr_null(find(&a, 0x0000));
	ck_assert_uint_eq(a.n_ext, 18);
	len = build_parsed(&h, TLSHELLO_CHROME, "::1", &a);
	ck_assert_ptr_null(find(&a, 0x0000));
	len = build_parsed(&h, TLSHELLO_CHROME, NULL, &a);
	ck_assert_ptr_null(find(&a, 0x0000));
	len = build_parsed(&h, TLSHELLO_CHROME, "front.example.net", &a);
	const struct ext *s = find(&a, 0x0000);
	ck_assert_uint_eq(s->len, 5 + 17);
	ck_assert_uint_eq(s->v[2], 0);
	ck_assert_mem_eq(s->v + 5, "front.example.net", 17);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, big, NULL, NULL, 0, out, sizeof out,
	    &len, NULL), MEEK_ETOOBIG);
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, NULL, 0, out, 1000,
	    &len, NULL), MEEK_ETOOBIG);
	tlshello_clear(&h);
}
END_TEST

UNIT_TEST("hellos", tlshello_resumes_tls12)
{
	struct tlshello h;
	struct ph a;
	size_t len;
	unsigned char sid[32];
	memset(sid, 0x33, sizeof sid);
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, sid, 32,
	    out, sizeof out, &len, NULL), 0);
	ck_assert_int_eq(parse(out, len, &a), 0);
	ck_assert_uint_eq(find(&a, 0x0023)->len, 0);
	ck_assert_uint_eq(a.sid_len, 32);
	ck_assert_mem_eq(a.sid, sid, 32);
	ck_assert_mem_eq(tlshello_session_id(&h), sid, 32);
	ck_assert_uint_eq(tlshello_session_id_len(&h), 32);
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, sid, 16,
	    out, sizeof out, &len, NULL), 0);
	ck_assert_int_eq(parse(out, len, &a), 0);
	ck_assert_uint_eq(a.sid_len, 16);
	ck_assert_uint_eq(tlshello_session_id_len(&h), 16);
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, sid, 33,
	    out, sizeof out, &len, NULL), MEEK_EINVAL);
	/* fresh ids otherwise */
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, NULL, 0,
	    out, sizeof out, &len, NULL), 0);
	ck_assert_uint_eq(tlshello_session_id_len(&h), 32);
	ck_assert(memcmp(tlshello_session_id(&h), sid, 32) != 0);
	tlshello_clear(&h);
}
END_TEST

/* The peer's side of an ECDH exchange with BearSSL directly. */
static size_t
peer_keypair(int curve, unsigned char *sk, unsigned char *pk)
{
	br_hmac_drbg_context d;
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key k;
	br_ec_public_key p;
	br_hmac_drbg_init(&d, &br_sha256_vtable, "peer seed", 9);
	ck_assert_uint_gt(br_ec_keygen(&d.vtable, &br_ec_all_m31, &k, kbuf, curve), 0);
	size_t n = br_ec_compute_pub(&br_ec_all_m31, &p, pk, &k);
	memcpy(sk, k.x, k.xlen);
	ck_assert_uint_gt(n, 0);
	return k.xlen;
}

static const unsigned char *
share_of(const struct ph *a, uint16_t g, size_t *len)
{
	const struct ext *k = find(a, 0x0033);
	for (size_t q = 2; q + 4 <= k->len; q += 4 + u16(k->v + q + 2))
		if (u16(k->v + q) == g) {
			*len = u16(k->v + q + 2);
			return k->v + q + 4;
		}
	return NULL;
}

/* Makes the peer's X25519 pair (sk, pk) and checks that `h` derives the
 * secret the peer does with our X25519 share in `a`. */
static void
x25519_agrees(struct tlshello *h, const struct ph *a, unsigned char *sk, unsigned char *pk)
{
	unsigned char ss[64], g[32];
	size_t sl;
	peer_keypair(BR_EC_curve25519, sk, pk);
	const unsigned char *ours = share_of(a, TLSHELLO_GROUP_X25519, &sl);
	ck_assert_uint_eq(sl, 32);
	memcpy(g, ours, 32);
	ck_assert(br_ec_all_m31.mul(g, 32, sk, 32, BR_EC_curve25519));
	ck_assert_int_eq(tlshello_shared_secret(h, TLSHELLO_GROUP_X25519, pk, 32, ss,
	    sizeof ss), 32);
	ck_assert_mem_eq(ss, g, 32);
}

/* Plays the server of X25519MLKEM768 (ML-KEM encapsulation to our ek in
 * `a`, X25519 from the peer's pair (sk, pk) to our point) into share[] and
 * checks that `h` derives the same secret. */
static void
hybrid_agrees(struct tlshello *h, const struct ph *a, const unsigned char *sk,
    const unsigned char *pk, unsigned char share[MLKEM_CT_LEN + 32])
{
	unsigned char ss[64], g[32], kss[MLKEM_SS_LEN];
	size_t sl;
	const unsigned char *ours = share_of(a, TLSHELLO_GROUP_X25519MLKEM768, &sl);
	ck_assert_uint_eq(sl, MLKEM_EK_LEN + 32);
	ck_assert_int_eq(mlkem_encaps(share, kss, ours), 0);
	memcpy(share + MLKEM_CT_LEN, pk, 32);
	memcpy(g, ours + MLKEM_EK_LEN, 32);
	ck_assert(br_ec_all_m31.mul(g, 32, sk, 32, BR_EC_curve25519));
	ck_assert_int_eq(tlshello_shared_secret(h, TLSHELLO_GROUP_X25519MLKEM768, share,
	    MLKEM_CT_LEN + 32, ss, sizeof ss), MLKEM_SS_LEN + 32);
	ck_assert_mem_eq(ss, kss, MLKEM_SS_LEN);
	ck_assert_mem_eq(ss + MLKEM_SS_LEN, g, 32);
}

UNIT_TEST("keys", tlshello_shared_secret_x25519, .timeout = 60)
{
	struct tlshello h;
	struct ph a;
	unsigned char sk[32], pk[32], ss[64], g[32];
	build_parsed(&h, TLSHELLO_CHROME, "localhost", &a);
	x25519_agrees(&h, &a, sk, pk);
	/* a low-order point gives zero: rejected */
	memset(g, 0, sizeof g);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519, g, 32, ss,
	    sizeof ss), MEEK_EPROTO);
	g[0] = 1;
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519, g, 32, ss,
	    sizeof ss), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519, pk, 31, ss,
	    sizeof ss), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_P256, pk, 32, ss,
	    sizeof ss), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519, pk, 32, ss, 16),
	    MEEK_ETOOBIG);
	tlshello_clear(&h);
}
END_TEST

/* A HelloRetryRequest with a cookie only (group 0): the second hello differs
 * from the first by the cookie extension alone (key_share byte for byte,
 * GREASE share included) and the first hello's keys still work. */
UNIT_TEST("keys", tlshello_retry_cookie_only_keeps_shares)
{
	static unsigned char out2[TLSHELLO_MAX];
	struct tlshello h;
	struct ph a, b;
	size_t len, len2;
	unsigned char cookie[77], sk[32], pk[32], ss[64];
	memset(cookie, 0x3c, sizeof cookie);
	ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, NULL, 0, out,
	    sizeof out, &len, NULL), 0);
	/* neither a new group nor a cookie: nothing would change */
	ck_assert_int_eq(tlshello_build_retry(&h, 0, NULL, 0, NULL, out2, sizeof out2, &len2,
	    NULL), MEEK_EPROTO);
	ck_assert_int_eq(tlshello_build_retry(&h, 0, NULL, 5, NULL, out2, sizeof out2, &len2,
	    NULL), MEEK_EINVAL);
	ck_assert_int_eq(tlshello_build_retry(&h, 0, cookie, sizeof cookie, NULL, out2,
	    sizeof out2, &len2, NULL), 0);
	ck_assert_int_eq(parse(out, len, &a), 0);
	ck_assert_int_eq(parse(out2, len2, &b), 0);
	ck_assert_uint_eq(len2, len + 4 + 2 + sizeof cookie);
	retry_keeps(&a, &b, 1);
	const struct ext *c = find(&b, 0x002c), *k = find(&b, 0x0033);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(u16(c->v), sizeof cookie);
	ck_assert_mem_eq(c->v + 2, cookie, sizeof cookie);
	ck_assert(is_grease(u16(k->v + 2)));   /* the GREASE share is still first */
	/* both first-hello groups still give their secrets */
	unsigned char ct[MLKEM_CT_LEN + 32];
	x25519_agrees(&h, &b, sk, pk);
	hybrid_agrees(&h, &b, sk, pk, ct);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_P256, pk, 32, ss,
	    sizeof ss), MEEK_EPROTO);
	tlshello_clear(&h);
}
END_TEST

UNIT_TEST("keys", tlshello_shared_secret_p256_p384)
{
	static const struct { uint16_t group; int curve; size_t plen; } c[] = {
		{ TLSHELLO_GROUP_P256, BR_EC_secp256r1, 65 },
		{ TLSHELLO_GROUP_P384, BR_EC_secp384r1, 97 },
	};
	for (size_t i = 0; i < 2; i++) {
		static unsigned char out2[TLSHELLO_MAX];
		struct tlshello h;
		struct ph a;
		size_t len, sl;
		unsigned char sk[48], pk[97], g[97], ss[64];
		ck_assert_int_eq(tlshello_build(&h, TLSHELLO_CHROME, "localhost", NULL, NULL, 0, out,
		    sizeof out, &len, NULL), 0);
		ck_assert_int_eq(tlshello_build_retry(&h, c[i].group, NULL, 0, NULL, out2,
		    sizeof out2, &len, NULL), 0);
		ck_assert_int_eq(parse(out2, len, &a), 0);
		size_t skl = peer_keypair(c[i].curve, sk, pk);
		const unsigned char *ours = share_of(&a, c[i].group, &sl);
		ck_assert_uint_eq(sl, c[i].plen);
		memcpy(g, ours, sl);
		ck_assert(br_ec_all_m31.mul(g, sl, sk, skl, c[i].curve));
		ck_assert_int_eq(tlshello_shared_secret(&h, c[i].group, pk, c[i].plen, ss,
		    sizeof ss), (int)(c[i].plen - 1) / 2);
		ck_assert_mem_eq(ss, g + 1, (c[i].plen - 1) / 2);
		/* a point off the curve, a compressed point */
		pk[c[i].plen - 1] ^= 1;
		ck_assert_int_eq(tlshello_shared_secret(&h, c[i].group, pk, c[i].plen, ss,
		    sizeof ss), MEEK_EPROTO);
		pk[c[i].plen - 1] ^= 1;
		pk[0] = 2;
		ck_assert_int_eq(tlshello_shared_secret(&h, c[i].group, pk, c[i].plen, ss,
		    sizeof ss), MEEK_EPROTO);
		/* the first hello's X25519 key is gone */
		ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519, pk, 32, ss,
		    sizeof ss), MEEK_EPROTO);
		tlshello_clear(&h);
	}
}
END_TEST

UNIT_TEST("keys", tlshello_shared_secret_hybrid)
{
	struct tlshello h;
	struct ph a;
	size_t sl;
	unsigned char sk[32], pk[32], ss[64];
	unsigned char share[MLKEM_CT_LEN + 32];
	build_parsed(&h, TLSHELLO_CHROME_WS, "localhost", &a);
	/* the server: ML-KEM encapsulation to our ek, X25519 to our point */
	peer_keypair(BR_EC_curve25519, sk, pk);
	hybrid_agrees(&h, &a, sk, pk, share);
	ck_assert_uint_eq(MLKEM_SS_LEN + 32, 64);      /* the secret hybrid_agrees checked */
	/* the hybrid's X25519 key is not the plain X25519 share's */
	const unsigned char *ours = share_of(&a, TLSHELLO_GROUP_X25519MLKEM768, &sl);
	const unsigned char *x = share_of(&a, TLSHELLO_GROUP_X25519, &sl);
	ck_assert(memcmp(x, ours + MLKEM_EK_LEN, 32) != 0);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519MLKEM768, share,
	    sizeof share - 1, ss, sizeof ss), MEEK_EPROTO);
	memset(share + MLKEM_CT_LEN, 0, 32);
	ck_assert_int_eq(tlshello_shared_secret(&h, TLSHELLO_GROUP_X25519MLKEM768, share,
	    sizeof share, ss, sizeof ss), MEEK_EPROTO);
	tlshello_clear(&h);
}
END_TEST

UNIT_TEST("hellos", tlshello_profile_names)
{
	enum tlshello_profile p;
	int exact;
	ck_assert_int_eq(tlshello_profile_parse("chrome", &p), 0);
	ck_assert_int_eq(p, TLSHELLO_CHROME);
	ck_assert_int_eq(tlshello_profile_parse("chrome-ws", &p), 0);
	ck_assert_int_eq(p, TLSHELLO_CHROME_WS);
	ck_assert_int_eq(tlshello_profile_parse("firefox", &p), MEEK_EINVAL);
	ck_assert_int_eq(tlshello_profile_parse(NULL, &p), MEEK_EINVAL);
	ck_assert_str_eq(tlshello_profile_name(TLSHELLO_CHROME_WS), "chrome-ws");
	ck_assert_str_eq(tlshello_profile_name(TLSHELLO_CHROME), "chrome");
	static const char *const chrome[] = { "HelloChrome_Auto", "HelloChrome_120",
		"hellochrome_auto", "Chrome_Auto", "HelloRandomized", "HelloRandomizedALPN",
		"HelloRandomizedNoALPN" };
	static const char *const other[] = { "HelloFirefox_Auto", "HelloIOS_Auto",
		"HelloGolang", "none", "", "HelloEdge_Auto" };
	for (size_t i = 0; i < sizeof chrome / sizeof chrome[0]; i++) {
		exact = -1;
		ck_assert_int_eq(tlshello_from_utls(chrome[i], &exact), TLSHELLO_CHROME);
		ck_assert_msg(exact == 1, "%s", chrome[i]);
	}
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		exact = -1;
		ck_assert_int_eq(tlshello_from_utls(other[i], &exact), TLSHELLO_CHROME);
		ck_assert_msg(exact == 0, "%s", other[i]);
	}
	ck_assert_int_eq(tlshello_from_utls(NULL, NULL), TLSHELLO_CHROME);
	/* The IANA names --check prints for the negotiated group. */
	ck_assert_str_eq(tlshello_group_name(TLSHELLO_GROUP_X25519MLKEM768), "X25519MLKEM768");
	ck_assert_str_eq(tlshello_group_name(TLSHELLO_GROUP_X25519), "X25519");
	ck_assert_str_eq(tlshello_group_name(TLSHELLO_GROUP_P256), "secp256r1");
	ck_assert_str_eq(tlshello_group_name(TLSHELLO_GROUP_P384), "secp384r1");
	ck_assert_str_eq(tlshello_group_name(0x0a0a), "?");
	ck_assert_str_eq(tlshello_group_name(0), "?");
}
END_TEST
