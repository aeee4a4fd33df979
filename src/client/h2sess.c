/*
 * h2sess: nghttp2 in memory (nghttp2_session_mem_recv/mem_send), Chrome's
 * settings and request shape, per-request answer queues.  The contract is
 * in h2sess.h.
 */
#include "config.h"
#include "client/h2sess.h"
#include "shared/arena.h"
#include "shared/err.h"

#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H2_NV_MAX 12        /* pseudo-headers, content-length, lines */
#define H2_LINES_MAX 1024   /* the header lines of a request */

/* Chrome's SETTINGS, in its order, and its connection window. */
static const nghttp2_settings_entry h2_settings[] = {
	{ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 65536 },
	{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
	{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 6291456 },
	{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 262144 },
};
#define H2_CONN_WINDOW 15728640
#define H2_WEIGHT 256
/* nghttp2's blocks of H2_BIG bytes or more that it allocates while the
 * session is made (its frame buffer: 16 KiB and a frame head) are mappings
 * of their own, so that an idle connection gives their pages back
 * (h2sess_idle).  Blocks allocated later are left alone: a big header in
 * the HPACK table must stay. */
#define H2_BIG 16384
#define H2_BIG_SLOTS 4

struct h2req {
	struct h2sess *s;
	struct h2req *next;
	int32_t id;                /* 0 until HEADERS went out */
	const unsigned char *body; /* borrowed; NULL once sent or released */
	size_t body_len, body_off;
	char *head;                /* HTTP/1.1 form of the answer head */
	size_t head_len;
	int status;
	int head_done, head_err;   /* head complete; or why it failed */
	unsigned char *q;          /* answer DATA not read yet */
	size_t qcap, qpos, qlen;
	int ended;                 /* END_STREAM received */
	int closed;                /* stream closed */
	uint32_t close_code;
	int refused, body_sent, released;
	int headers_sent;          /* HEADERS went out: the stream is open */
	int fail;                  /* the connection's failure, 0 none */
};

struct h2big {
	void *p;                   /* NULL: a free slot */
	size_t len;
	int droppable;             /* allocated while the session was made */
};

struct h2sess {
	nghttp2_session *ng;
	nghttp2_mem mem;           /* nghttp2's allocator: h2_mem_* */
	struct h2big big[H2_BIG_SLOTS];
	int making;                /* inside nghttp2_session_client_new3 */
	unsigned char *spare;      /* a released request's queue, for the */
	size_t spare_cap;          /* next one (no malloc/free per request) */
	int out_empty;             /* the last mem_send returned nothing */
	struct h2req *reqs;
	int goaway;
	int32_t goaway_last;
	int fail;
	int deleting;              /* h2sess_free: no callback touches reqs */
};

static void
h2_req_free(struct h2req *r)
{
	free(r->head);
	free(r->q);
	free(r);
}

/* Unlinks and frees `r` (released, stream closed). */
static void
h2_req_drop(struct h2sess *s, struct h2req *r)
{
	struct h2req **pp;

	for (pp = &s->reqs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->id > 0 && s->ng != NULL)
		nghttp2_session_set_stream_user_data(s->ng, r->id, NULL);
	h2_req_free(r);
}

static struct h2req *
h2_req_of(nghttp2_session *ng, int32_t id)
{
	return id > 0 ? nghttp2_session_get_stream_user_data(ng, id) : NULL;
}

/* Appends `len` bytes to the answer head text; a head over HTTP_HEAD_MAX
 * fails the request. */
static void
h2_head_add(struct h2req *r, const char *a, size_t alen, const char *b,
    size_t blen)
{
	if (r->head_err)
		return;
	if (r->head == NULL && (r->head = malloc(HTTP_HEAD_MAX)) == NULL) {
		r->head_err = MEEK_ENOMEM;
		return;
	}
	if (r->head_len + alen + blen + 4 > HTTP_HEAD_MAX) {
		r->head_err = MEEK_EPROTO;
		return;
	}
	memcpy(r->head + r->head_len, a, alen);
	r->head_len += alen;
	if (b != NULL) {
		memcpy(r->head + r->head_len, ": ", 2);
		memcpy(r->head + r->head_len + 2, b, blen);
		r->head_len += 2 + blen;
	}
	memcpy(r->head + r->head_len, "\r\n", 2);
	r->head_len += 2;
}

/* HTTP/2 forbids these (RFC 9113 8.2.2); HTTP/1.1's reader must not see
 * them either. */
static int
h2_hop_by_hop(const uint8_t *n, size_t len)
{
	static const char *const hop[] = { "connection", "keep-alive",
	    "proxy-connection", "transfer-encoding", "upgrade" };

	for (size_t i = 0; i < sizeof hop / sizeof hop[0]; i++)
		if (strlen(hop[i]) == len && memcmp(hop[i], n, len) == 0)
			return 1;
	return 0;
}

static int
h2_on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
    void *user)
{
	struct h2req *r = h2_req_of(ng, f->hd.stream_id);
	char line[64];

	(void)flags;
	(void)user;
	if (r == NULL || f->hd.type != NGHTTP2_HEADERS || r->head_done)
		return 0;       /* trailers, pushes: not meek's */
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		r->status = 0;
		for (size_t i = 0; i < valuelen && i < 3; i++)
			r->status = r->status * 10 + (value[i] - '0');
		if (valuelen != 3 || r->status < 100) {
			r->head_err = MEEK_EPROTO;
			return 0;
		}
		r->head_len = 0;
		snprintf(line, sizeof line, "HTTP/1.1 %d %s", r->status,
		    http_reason(r->status));
		h2_head_add(r, line, strlen(line), NULL, 0);
		return 0;
	}
	if (namelen > 0 && name[0] == ':')
		return 0;
	if (r->status == 0) {
		r->head_err = MEEK_EPROTO;   /* a header before :status */
		return 0;
	}
	if (!h2_hop_by_hop(name, namelen))
		h2_head_add(r, (const char *)name, namelen, (const char *)value,
		    valuelen);
	return 0;
}

static int
h2_on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2sess *s = user;
	struct h2req *r = h2_req_of(ng, f->hd.stream_id);

	if (f->hd.type == NGHTTP2_GOAWAY) {
		s->goaway = 1;
		s->goaway_last = f->goaway.last_stream_id;
		for (struct h2req *q = s->reqs; q != NULL; q = q->next)
			if (q->id == 0 || q->id > s->goaway_last)
				q->refused = !q->head_done;
		return 0;
	}
	if (r == NULL)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && !r->head_done &&
	    (f->hd.flags & NGHTTP2_FLAG_END_HEADERS) != 0) {
		if (r->status >= 100 && r->status < 200 &&
		    !(f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
			r->status = 0;           /* informational: the next one */
			r->head_len = 0;
		} else if (r->status == 0 && !r->head_err) {
			r->head_err = MEEK_EPROTO;
		} else {
			h2_head_add(r, "", 0, NULL, 0);
			r->head_done = !r->head_err;
		}
	}
	if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0)
		r->ended = 1;
	return 0;
}

/* Room for `len` more queued bytes after the queued ones: compacting
 * only when the tail is short (so each byte moves about once), then
 * growing to what is needed, in steps of 16 KiB (the queue stops at
 * H2SESS_QUEUE_CAP plus one DATA frame). */
static int
h2_queue_room(struct h2req *r, size_t len)
{
	unsigned char *nq;
	size_t want;

	if (r->q == NULL && r->s->spare != NULL) {
		r->q = r->s->spare;
		r->qcap = r->s->spare_cap;
		r->s->spare = NULL;
	}
	if (r->qcap - r->qpos - r->qlen >= len)
		return 0;
	if (r->qpos > 0 && r->qlen > 0)
		memmove(r->q, r->q + r->qpos, r->qlen);
	r->qpos = 0;
	if (r->qcap - r->qlen >= len)
		return 0;
	want = (r->qlen + len + 16383) / 16384 * 16384;
	if ((nq = realloc(r->q, want)) == NULL)
		return -1;
	r->q = nq;
	r->qcap = want;
	return 0;
}

static int
h2_on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *d,
    size_t len, void *user)
{
	struct h2req *r = h2_req_of(ng, id);

	(void)flags;
	(void)user;
	if (r == NULL || r->released)
		return 0;                /* flow control counted it; dropped */
	if (h2_queue_room(r, len) != 0) {
		nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id,
		    NGHTTP2_INTERNAL_ERROR);
		r->fail = MEEK_ENOMEM;
		return 0;
	}
	memcpy(r->q + r->qpos + r->qlen, d, len);
	r->qlen += len;
	if (r->qlen >= H2SESS_QUEUE_CAP)
		return NGHTTP2_ERR_PAUSE;
	return 0;
}

static int
h2_on_close(nghttp2_session *ng, int32_t id, uint32_t code, void *user)
{
	struct h2sess *s = user;
	struct h2req *r = h2_req_of(ng, id);

	if (s->deleting || r == NULL)
		return 0;
	r->closed = 1;
	r->close_code = code;
	if (code == NGHTTP2_REFUSED_STREAM && !r->head_done)
		r->refused = 1;
	r->body = NULL;
	if (r->released)
		h2_req_drop(s, r);
	return 0;
}

static int
h2_on_not_sent(nghttp2_session *ng, const nghttp2_frame *f, int err,
    void *user)
{
	struct h2sess *s = user;
	struct h2req *r = h2_req_of(ng, f->hd.stream_id);

	(void)err;
	if (s->deleting || r == NULL || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	r->refused = 1;
	r->closed = 1;        /* the stream never opened */
	r->body = NULL;
	if (r->released)
		h2_req_drop(s, r);
	return 0;
}

static int
h2_on_frame_send(nghttp2_session *ng, const nghttp2_frame *f, void *user)
{
	struct h2sess *s = user;
	struct h2req *r = h2_req_of(ng, f->hd.stream_id);

	if (!s->deleting && r != NULL && f->hd.type == NGHTTP2_HEADERS)
		r->headers_sent = 1;
	return 0;
}

static ssize_t
h2_body_read(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *user)
{
	struct h2req *r = src->ptr;
	size_t left;

	(void)ng;
	(void)id;
	(void)user;
	if (r == NULL || (r->body == NULL && r->body_off < r->body_len))
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	left = r->body_len - r->body_off;
	if (len > left)
		len = left;
	if (len > 0)
		memcpy(buf, r->body + r->body_off, len);
	r->body_off += len;
	if (r->body_off == r->body_len) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		r->body_sent = 1;
		r->body = NULL;
	}
	return (ssize_t)len;
}

/* nghttp2's allocator.  A block is big (its own mapping, in s->big) when
 * a fresh one of H2_BIG bytes or more is asked for and a slot is free;
 * every other block is malloc's.  The session serializes every call. */
static struct h2big *
h2_big_of(struct h2sess *s, const void *p)
{
	for (int i = 0; p != NULL && i < H2_BIG_SLOTS; i++)
		if (s->big[i].p == p)
			return &s->big[i];
	return NULL;
}

static void *
h2_mem_malloc(size_t n, void *user)
{
	struct h2sess *s = user;

	for (int i = 0; n >= H2_BIG && i < H2_BIG_SLOTS; i++) {
		struct h2big *b = &s->big[i];

		if (b->p == NULL) {
			if ((b->p = arena_map(n)) == NULL)
				return NULL;
			b->len = n;
			b->droppable = s->making;
			return b->p;
		}
	}
	return malloc(n);
}

static void
h2_mem_free(void *p, void *user)
{
	struct h2big *b = h2_big_of(user, p);

	if (b == NULL) {
		free(p);
		return;
	}
	arena_unmap(b->p, b->len);
	b->p = NULL;
}

static void *
h2_mem_calloc(size_t k, size_t n, void *user)
{
	void *p;

	if (n != 0 && k > SIZE_MAX / n)
		return NULL;
	if (k * n < H2_BIG)
		return calloc(k, n);
	if ((p = h2_mem_malloc(k * n, user)) != NULL &&
	    h2_big_of(user, p) == NULL)
		memset(p, 0, k * n);          /* a mapping is zeroed */
	return p;
}

static void *
h2_mem_realloc(void *p, size_t n, void *user)
{
	struct h2big *b = h2_big_of(user, p);
	void *q;

	if (p == NULL)
		return h2_mem_malloc(n, user);
	if (b == NULL)
		return realloc(p, n);
	if ((q = h2_mem_malloc(n, user)) == NULL)
		return NULL;
	memcpy(q, p, n < b->len ? n : b->len);
	h2_mem_free(p, user);
	return q;
}

int
h2sess_new(struct h2sess **out, const char **why)
{
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;
	struct h2sess *s;
	int rc = -1;

	*out = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL ||
	    nghttp2_session_callbacks_new(&cb) != 0 ||
	    nghttp2_option_new(&opt) != 0)
		goto out;
	nghttp2_session_callbacks_set_on_header_callback(cb, h2_on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
	    h2_on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2_on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2_on_close);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(cb,
	    h2_on_not_sent);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb,
	    h2_on_frame_send);
	/* No push, and a bound on the streams the front's frames may keep
	 * open on our side. */
	nghttp2_option_set_max_reserved_remote_streams(opt, 0);
	s->mem.mem_user_data = s;
	s->mem.malloc = h2_mem_malloc;
	s->mem.free = h2_mem_free;
	s->mem.calloc = h2_mem_calloc;
	s->mem.realloc = h2_mem_realloc;
	s->making = 1;
	rc = nghttp2_session_client_new3(&s->ng, cb, s, opt, &s->mem);
	s->making = 0;
	if (rc != 0)
		goto out;
	rc = -1;
	if (nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, h2_settings,
	    sizeof h2_settings / sizeof h2_settings[0]) != 0 ||
	    nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0,
	    H2_CONN_WINDOW) != 0)
		goto out;
	*out = s;
	s = NULL;
	rc = 0;
out:
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cb);
	if (s != NULL)
		h2sess_free(s);
	return rc == 0 ? 0 : meek_fail(why, "out of memory", MEEK_ENOMEM);
}

void
h2sess_free(struct h2sess *s)
{
	if (s == NULL)
		return;
	s->deleting = 1;
	nghttp2_session_del(s->ng);
	s->ng = NULL;
	for (int i = 0; i < H2_BIG_SLOTS; i++)     /* nghttp2 freed them all */
		arena_unmap(s->big[i].p, s->big[i].len);
	free(s->spare);
	while (s->reqs != NULL) {
		struct h2req *r = s->reqs;

		s->reqs = r->next;
		h2_req_free(r);
	}
	free(s);
}

/* One "Name: value" line at *p (in a writable copy of the lines) into
 * `nv`, the name lowered and both ends cut in place.  Returns 1 with a
 * line, 0 at the end, -1 when malformed. */
static int
h2_next_line(char **p, nghttp2_nv *nv)
{
	char *l = *p, *e = strstr(l, "\r\n"), *c, *v;

	if (*l == '\0')
		return 0;
	if (e == NULL || (c = memchr(l, ':', (size_t)(e - l))) == NULL ||
	    c == l)
		return -1;
	*e = '\0';
	*c = '\0';
	for (char *q = l; q < c; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	for (v = c + 1; *v == ' '; v++)
		;
	nv->name = (uint8_t *)l;
	nv->namelen = (size_t)(c - l);
	nv->value = (uint8_t *)v;
	nv->valuelen = (size_t)(e - v);
	nv->flags = NGHTTP2_NV_FLAG_NONE;
	*p = e + 2;
	return 1;
}

static void
h2_nv(nghttp2_nv *nv, const char *name, const char *value)
{
	nv->name = (uint8_t *)(uintptr_t)name;
	nv->namelen = strlen(name);
	nv->value = (uint8_t *)(uintptr_t)value;
	nv->valuelen = strlen(value);
	nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* The request's header list: Chrome's pseudo-header order, then
 * content-length, then the lines in `copy` (cut in place).  Returns the
 * count or -1. */
static int
h2_request_nv(nghttp2_nv *nv, const char *authority, const char *path,
    const char *clen, char *copy)
{
	int n = 0, rc = 0;

	h2_nv(&nv[n++], ":method", "POST");
	h2_nv(&nv[n++], ":authority", authority);
	h2_nv(&nv[n++], ":scheme", "https");
	h2_nv(&nv[n++], ":path", path);
	h2_nv(&nv[n++], "content-length", clen);
	while (n < H2_NV_MAX && (rc = h2_next_line(&copy, &nv[n])) > 0)
		n++;
	return rc == 0 ? n : -1;
}

int
h2sess_request(struct h2sess *s, const char *authority, const char *path,
    const char *lines, const void *body, size_t len, struct h2req **out,
    const char **why)
{
	char copy[H2_LINES_MAX];
	nghttp2_priority_spec pri;
	nghttp2_data_provider dp;
	nghttp2_nv nv[H2_NV_MAX];
	char clen[24];
	struct h2req *r;
	int n;
	int32_t id;

	*out = NULL;
	if (s->goaway || s->fail || h2sess_done(s))
		return meek_fail(why, "the connection takes no new request",
		    MEEK_ECLOSED);
	snprintf(clen, sizeof clen, "%zu", len);
	if (strlen(lines) >= sizeof copy)
		return meek_fail(why, "bad request header lines", MEEK_EINVAL);
	strcpy(copy, lines);
	if ((n = h2_request_nv(nv, authority, path, clen, copy)) < 0)
		return meek_fail(why, "bad request header lines", MEEK_EINVAL);
	if ((r = calloc(1, sizeof *r)) == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	r->s = s;
	r->body = body;
	r->body_len = len;
	dp.source.ptr = r;
	dp.read_callback = h2_body_read;
	nghttp2_priority_spec_init(&pri, 0, H2_WEIGHT, 1);
	/* An empty body ends the stream on its HEADERS, as a browser's
	 * bodiless request does. */
	r->body_sent = len == 0;
	id = nghttp2_submit_request(s->ng, &pri, nv, (size_t)n,
	    len > 0 ? &dp : NULL, r);
	if (id < 0) {
		free(r);
		if (id == NGHTTP2_ERR_NOMEM)
			return meek_fail(why, "out of memory", MEEK_ENOMEM);
		return meek_fail(why, "the connection takes no new request",
		    MEEK_ECLOSED);
	}
	r->id = id;
	r->next = s->reqs;
	s->reqs = r;
	*out = r;
	return 0;
}

long
h2sess_recv(struct h2sess *s, const unsigned char *in, size_t len,
    const char **why)
{
	ssize_t n;

	if (s->fail)
		return meek_fail(why, "connection failed", MEEK_EPROTO);
	n = nghttp2_session_mem_recv(s->ng, in, len);
	if (n < 0)
		return meek_fail(why, "HTTP/2 protocol error from the front",
		    MEEK_EPROTO);
	return (long)n;
}

int
h2sess_send(struct h2sess *s, const unsigned char **data, size_t *len,
    const char **why)
{
	ssize_t n;

	*len = 0;
	n = nghttp2_session_mem_send(s->ng, data);
	if (n < 0)
		return meek_fail(why, "HTTP/2 framing failed", MEEK_EPROTO);
	s->out_empty = n == 0;
	*len = (size_t)n;
	return 0;
}

int
h2sess_blocked(const struct h2sess *s)
{
	for (const struct h2req *r = s->reqs; r != NULL; r = r->next)
		if (!r->released && r->qlen >= H2SESS_QUEUE_CAP)
			return 1;
	return 0;
}

int
h2sess_done(const struct h2sess *s)
{
	return s->fail || (!nghttp2_session_want_read(s->ng) &&
	    !nghttp2_session_want_write(s->ng));
}

int
h2sess_goaway(const struct h2sess *s)
{
	return s->goaway;
}

void
h2sess_idle(struct h2sess *s)
{
	free(s->spare);
	s->spare = NULL;
	s->spare_cap = 0;
	/* The frame buffer holds nothing once mem_send said so: nghttp2
	 * frames into it afresh, the zero pages fault back in. */
	for (int i = 0; s->out_empty && i < H2_BIG_SLOTS; i++)
		if (s->big[i].p != NULL && s->big[i].droppable)
			arena_drop(s->big[i].p, s->big[i].len);
	for (struct h2req *r = s->reqs; r != NULL; r = r->next)
		if (r->qlen == 0 && r->q != NULL) {
			free(r->q);
			r->q = NULL;
			r->qcap = r->qpos = 0;
		}
}

void
h2sess_fail(struct h2sess *s, int code)
{
	if (s->fail)
		return;
	s->fail = code < 0 ? code : MEEK_EIO;
	for (struct h2req *r = s->reqs; r != NULL; r = r->next) {
		/* Never processed: above the GOAWAY, or its body never
		 * ended (as an HTTP/1.1 request not fully written). */
		if (!r->closed && !r->head_done && (r->id == 0 ||
		    !r->body_sent || (s->goaway && r->id > s->goaway_last)))
			r->refused = 1;
		if (!r->ended)
			r->fail = s->fail;
		r->body = NULL;
	}
}

int
h2req_head(struct h2req *r, struct http_msg *m, const char **why)
{
	if (r->head_err)
		return meek_fail(why, r->head_err == MEEK_ENOMEM ?
		    "out of memory" : "malformed or oversized answer head",
		    r->head_err);
	if (r->head_done == 2)
		return 1;
	if (r->head_done) {
		int rc = http_parse_response_head(m, r->head, r->head_len, why);

		free(r->head);
		r->head = NULL;
		r->head_done = 2;
		return rc == 0 ? 1 : rc == MEEK_EHEADTOOBIG ? MEEK_EPROTO : rc;
	}
	if (r->fail)
		return meek_fail(why, "connection lost before the answer",
		    r->fail);
	if (r->closed)
		return meek_fail(why, r->refused ? "request refused by the front" :
		    "stream reset before the answer", r->refused ? MEEK_ECLOSED :
		    MEEK_ERESET);
	return 0;
}

long
h2req_read(struct h2req *r, void *buf, size_t len)
{
	if (r->qlen > 0) {
		if (len > r->qlen)
			len = r->qlen;
		memcpy(buf, r->q + r->qpos, len);
		r->qpos += len;
		r->qlen -= len;
		if (r->qlen == 0)
			r->qpos = 0;    /* kept for the next DATA: h2sess_idle */
		return (long)len;
	}
	if (r->ended)
		return MEEK_ECLOSED;
	if (r->fail)    /* a body the connection cut is no clean end */
		return r->fail == MEEK_ECLOSED ? MEEK_EIO : r->fail;
	if (r->closed)  /* closed before its end: reset */
		return MEEK_ERESET;
	return 0;
}

int
h2req_readable(const struct h2req *r)
{
	return r->qlen > 0 || r->ended || r->fail || r->closed;
}

int
h2req_settled(const struct h2req *r)
{
	return r->head_err || r->head_done || r->fail || r->closed;
}

int
h2req_finished(const struct h2req *r)
{
	return r->ended || r->closed || r->fail || r->head_err;
}

size_t
h2req_queued(const struct h2req *r)
{
	return r->qlen;
}

int
h2req_refused(const struct h2req *r)
{
	return r->refused;
}

int
h2req_body_sent(const struct h2req *r)
{
	return r->body_sent || r->body == NULL;
}

void
h2req_drop_body(struct h2req *r)
{
	if (!r->body_sent)
		r->body = NULL;
}

int
h2req_release(struct h2req *r)
{
	struct h2sess *s = r->s;

	r->released = 1;
	r->body = NULL;
	/* The queue stays for the next request until the connection idles:
	 * one of 32 KiB or more is a mapping of its own (arena), and a
	 * classic session would map and unmap one per request. */
	if (s->spare == NULL) {
		s->spare = r->q;
		s->spare_cap = r->qcap;
	} else {
		free(r->q);
	}
	r->q = NULL;
	r->qcap = r->qlen = r->qpos = 0;
	/* Gone for good (closed, never submitted, or a failed connection
	 * that frames nothing more): free it now.  Else reset the stream (a
	 * HEADERS still queued is cancelled) and let nghttp2's close or
	 * not-sent callback free it: until then it may read the request. */
	if (r->closed || r->id <= 0 || s->fail || (r->headers_sent &&
	    nghttp2_session_find_stream(s->ng, r->id) == NULL)) {
		h2_req_drop(s, r);
		return 0;
	}
	return nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, r->id,
	    NGHTTP2_CANCEL) == 0;
}
