/*
 * tlsclient: the client handshake state machines and the record loop.
 *
 * Shape: the handshake is straight-line blocking code, one function per
 * protocol version (tc_hs13, tc_hs12), each a sequence of "read the next
 * handshake message of the expected type, check it, update the transcript
 * and the keys".  Everything that reads goes through tc_read_record (one
 * whole record in `in`), tc_open (decrypt in place, alerts, TLS 1.3's
 * compatibility ChangeCipherSpec) and tc_next_msg (handshake messages
 * reassembled across records in the heap buffer `hs`).
 *
 * Input buffer: raw bytes in[in_off..in_have); the record being used is
 * in[in_off..in_off + rec_len) and, for application data, its plaintext is
 * app[0..app_len) inside it; the bytes after it are the next records,
 * already read.  Consumed records only move in_off; the rest moves to the
 * front when the room behind it could not take a whole record.
 * Output buffer: out[0..out_head) is room for the record header (and TLS
 * 1.2's explicit nonce), the plaintext being collected is
 * out[out_head..out_head + out_len).
 * Both live in the heap only while they hold bytes: after the handshake a
 * read that finds nothing buffered and no input for ARENA_IDLE_MS gives
 * `in` back for the rest of its wait (net_wait_idle), a flush gives `out`
 * back, and tlsclient_idle gives both back when they hold nothing, so an
 * idle connection (a held poll, a quiet stream) costs its struct only, not
 * 33 KB (issue 18's router budget).
 */
#include "config.h"
#include "shared/tlsclient.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/net.h"
#include "shared/rand.h"
#include "shared/tlshello.h"
#include "shared/tlskeys.h"
#include "shared/tlsmsg.h"
#include "shared/tlsrec.h"
#include "shared/tlsticket.h"
#include "shared/tlsx509.h"

#include <bearssl.h>
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define TC_HS_MAX TLSMSG_CERT_MSG_MAX /* largest handshake message accepted */
#define TC_CERT_MAX 10               /* certificates of a chain we look at */
#define TC_MSG_CCS 0x100             /* tc_next_msg: a TLS 1.2 ChangeCipherSpec */

/* Record content types, handshake types, alerts. */
enum {
	CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23
};
enum {
	HS_HELLO_REQUEST = 0, HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2,
	HS_NEW_SESSION_TICKET = 4, HS_END_OF_EARLY_DATA = 5,
	HS_ENCRYPTED_EXTENSIONS = 8, HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12, HS_CERTIFICATE_REQUEST = 13,
	HS_SERVER_HELLO_DONE = 14, HS_CERTIFICATE_VERIFY = 15,
	HS_CLIENT_KEY_EXCHANGE = 16, HS_FINISHED = 20,
	HS_CERTIFICATE_STATUS = 22, HS_KEY_UPDATE = 24,
	HS_COMPRESSED_CERTIFICATE = 25, HS_MESSAGE_HASH = 254
};
enum {
	AL_CLOSE_NOTIFY = 0, AL_UNEXPECTED_MESSAGE = 10, AL_BAD_RECORD_MAC = 20,
	AL_RECORD_OVERFLOW = 22, AL_HANDSHAKE_FAILURE = 40,
	AL_BAD_CERTIFICATE = 42, AL_UNSUPPORTED_CERTIFICATE = 43,
	AL_CERTIFICATE_EXPIRED = 45, AL_CERTIFICATE_UNKNOWN = 46,
	AL_ILLEGAL_PARAMETER = 47, AL_UNKNOWN_CA = 48, AL_DECODE_ERROR = 50,
	AL_DECRYPT_ERROR = 51, AL_PROTOCOL_VERSION = 70,
	AL_INTERNAL_ERROR = 80, AL_USER_CANCELED = 90,
	AL_NO_RENEGOTIATION = 100, AL_MISSING_EXTENSION = 109,
	AL_UNSUPPORTED_EXTENSION = 110, AL_NO_APPLICATION_PROTOCOL = 120
};

/* Handshake-time state: allocated by tlsclient_open, wiped and freed when
 * the handshake ends. */
struct tc_hs {
	struct tlshello hello;
	struct tlskeys_transcript tr;
	struct tlskeys13 ks;
	struct tlsx509_key key;
	long long deadline;
	uint16_t hrr_group;              /* 0, or the group a HRR asked for */
	int hrr;                         /* a HelloRetryRequest was received */
	int ccs_sent;                    /* our compatibility CCS went out */
	int cert_request;                /* the server sent CertificateRequest */
	unsigned char *cr_ctx;           /* its certificate_request_context */
	size_t cr_ctx_len;
	/* What we offered from the ticket cache. */
	uint32_t offered;                /* TLSMSG_X_* of our ClientHello */
	int have13;
	struct tlsticket13 t13;
	int have12;
	struct tlsticket12 t12;
	unsigned char server_random[32];
	unsigned char client_random[32];
	size_t ch_len, binders_off;
	unsigned char ch[TLSHELLO_MAX];
};

struct tlsclient {
	int fd;
	int timeout_ms;
	int in_handshake;
	int heard;                     /* the server sent at least one byte */
	long long deadline;            /* handshake deadline */
	int err;                       /* sticky fatal error, 0 none */
	const char *err_why;
	int alert_sent;
	int peer_closed;
	unsigned version;              /* 0x0304, 0x0303 */
	unsigned suite;
	unsigned group;
	int resumed;
	int hrr, hrr_cookie, ems;
	unsigned key_updates;
	int dates_only;                /* tlsclient_cert_dates */
	int dates_ok;
	long long not_before, not_after;
	enum tlshello_profile profile;
	const struct tls_anchors *ta;
	char sni[NET_HOST_MAX];
	struct tc_hs *h;
	/* Keys (TLS 1.3 traffic secrets kept for KeyUpdate, and the resumption
	 * secret for tickets). */
	const br_hash_class *hash;
	size_t hash_len;
	enum tlsrec_aead aead;
	size_t key_len;
	unsigned char c_ap[TLSKEYS_HASH_MAX], s_ap[TLSKEYS_HASH_MAX];
	unsigned char res_master[TLSKEYS_HASH_MAX];
	int ccs_ok;                    /* TLS 1.3: a plaintext CCS may arrive */
	unsigned char alpn[32];        /* negotiated ALPN name */
	size_t alpn_len;
	struct tlsrec_dir rd, wr;
	/* Handshake message reassembly (heap, on demand). */
	unsigned char *hs;
	size_t hs_len, hs_off, hs_cap;
	/* Input. */
	size_t in_off, in_have, rec_len;
	size_t in_hw;                  /* in[0..in_hw) was ever written: the
	                                  part to wipe (the rest of the buffer's
	                                  pages are never touched) */
	unsigned char *app;
	size_t app_len;
	/* Output. */
	size_t out_head, out_len;
	unsigned char *in;             /* TLSCLIENT_IN_CAP, or NULL */
	unsigned char *out;            /* TLSCLIENT_OUT_CAP, or NULL */
};

static const char *const tc_alert_why[256] = {
	[0] = "TLS alert from peer: close_notify",
	[10] = "TLS alert from peer: unexpected_message",
	[20] = "TLS alert from peer: bad_record_mac",
	[21] = "TLS alert from peer: decryption_failed",
	[22] = "TLS alert from peer: record_overflow",
	[30] = "TLS alert from peer: decompression_failure",
	[40] = "TLS alert from peer: handshake_failure",
	[41] = "TLS alert from peer: no_certificate",
	[42] = "TLS alert from peer: bad_certificate",
	[43] = "TLS alert from peer: unsupported_certificate",
	[44] = "TLS alert from peer: certificate_revoked",
	[45] = "TLS alert from peer: certificate_expired",
	[46] = "TLS alert from peer: certificate_unknown",
	[47] = "TLS alert from peer: illegal_parameter",
	[48] = "TLS alert from peer: unknown_ca",
	[49] = "TLS alert from peer: access_denied",
	[50] = "TLS alert from peer: decode_error",
	[51] = "TLS alert from peer: decrypt_error",
	[60] = "TLS alert from peer: export_restriction",
	[70] = "TLS alert from peer: protocol_version",
	[71] = "TLS alert from peer: insufficient_security",
	[80] = "TLS alert from peer: internal_error",
	[86] = "TLS alert from peer: inappropriate_fallback",
	[90] = "TLS alert from peer: user_canceled",
	[100] = "TLS alert from peer: no_renegotiation",
	[109] = "TLS alert from peer: missing_extension",
	[110] = "TLS alert from peer: unsupported_extension",
	[111] = "TLS alert from peer: certificate_unobtainable",
	[112] = "TLS alert from peer: unrecognized_name",
	[113] = "TLS alert from peer: bad_certificate_status_response",
	[114] = "TLS alert from peer: bad_certificate_hash_value",
	[115] = "TLS alert from peer: unknown_psk_identity",
	[116] = "TLS alert from peer: certificate_required",
	[120] = "TLS alert from peer: no_application_protocol",
	[121] = "TLS alert from peer: ech_required",
};

static unsigned
tc_be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static size_t
tc_be24(const unsigned char *p)
{
	return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2];
}

/* ---- output ---- */

/* The wait bound of one I/O step: the handshake's deadline, else the
 * per-operation timeout.  0 means "already late". */
static int
tc_wait_ms(const struct tlsclient *c)
{
	if (c->in_handshake)
		return c->deadline < 0 ? -1 : clock_left(c->deadline);
	return c->timeout_ms;
}

/* The buffers: taken when bytes are to be held, wiped and given back when
 * they hold none (callers check that). */
static int
tc_buf_get(unsigned char **b, size_t cap)
{
	if (*b == NULL && (*b = malloc(cap)) == NULL)
		return MEEK_ENOMEM;
	return 0;
}

static void
tc_buf_put(unsigned char **b, size_t cap)
{
	if (*b == NULL)
		return;
	explicit_bzero(*b, cap);
	free(*b);
	*b = NULL;
}

#define tc_in_get(c) tc_buf_get(&(c)->in, TLSCLIENT_IN_CAP)
#define tc_in_put(c) (tc_buf_put(&(c)->in, (c)->in_hw), (c)->in_hw = 0)
#define tc_out_get(c) tc_buf_get(&(c)->out, TLSCLIENT_OUT_CAP)
#define tc_out_put(c) tc_buf_put(&(c)->out, TLSCLIENT_OUT_CAP)

static int
tc_write_raw(struct tlsclient *c, const unsigned char *p, size_t len)
{
	int r;

	if (c->in_handshake && c->deadline >= 0)
		r = net_write_all_by(c->fd, p, len, c->deadline);
	else
		r = net_write_all(c->fd, p, len, c->timeout_ms);
	return r;
}

/* Sends an alert without waiting (best effort): fatal alerts go out just
 * before we fail, close_notify at free. */
static void
tc_send_alert(struct tlsclient *c, unsigned char level, unsigned char desc)
{
	unsigned char rec[64];
	size_t head = tlsrec_head_room(&c->wr), n, off = 0;
	ssize_t w;

	if (c->alert_sent)
		return;
	c->alert_sent = 1;
	if (head + 2 + tlsrec_tail_room(&c->wr, 0) > sizeof rec)
		return;
	rec[head] = level;
	rec[head + 1] = desc;
	n = tlsrec_seal(&c->wr, CT_ALERT, 0x0303, rec, 2, 0);
	while (off < n) {
		w = send(c->fd, rec + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	explicit_bzero(rec, sizeof rec);
}

/* Records a fatal error (sending `alert` when >= 0) and returns `code`. */
static int
tc_fail(struct tlsclient *c, int alert, int code, const char *why)
{
	if (c->err != 0)
		return c->err;
	if (alert >= 0)
		tc_send_alert(c, 2, (unsigned char)alert);
	c->err = code;
	c->err_why = why;
	return code;
}

/* Read failures: a timeout after the handshake is not sticky (nothing was
 * lost: a partial record stays in `in`); everything else is. */
static int
tc_io_fail(struct tlsclient *c, int code)
{
	const char *why = code == MEEK_ETIMEDOUT ? "timed out" :
	    code == MEEK_ECLOSED ? "connection closed by peer" : "I/O error";

	if (code == MEEK_ETIMEDOUT && !c->in_handshake) {
		c->err_why = why;
		return code;
	}
	/* A close or reset after the server began to answer is the server's
	 * handshake failing, not a connection cut right after our hello (the
	 * client's failure classes tell the two apart by the code). */
	if (c->in_handshake && c->heard && code != MEEK_ETIMEDOUT)
		return tc_fail(c, -1, MEEK_ETLS, code == MEEK_ECLOSED ?
		    "TLS handshake failed: the server closed the connection "
		    "mid-handshake" : "TLS handshake failed: the connection "
		    "broke mid-handshake");
	return tc_fail(c, -1, code, why);
}

/* Seals and sends one record of `len` plaintext bytes already placed at
 * out + head room (out_head must be the current head room). */
static int
tc_send_out(struct tlsclient *c, unsigned char type, unsigned legacy, size_t len)
{
	size_t n;
	int r;

	n = tlsrec_seal(&c->wr, type, legacy, c->out, len, 0);
	if (n == 0)
		return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ETLS,
		    "TLS record failed: cannot seal a record");
	r = tc_write_raw(c, c->out, n);
	explicit_bzero(c->out, n);
	/* A record cut short leaves the stream unusable: sticky, timeouts
	 * included. */
	if (r < 0)
		return tc_fail(c, -1, r, r == MEEK_ETIMEDOUT ? "timed out" :
		    "I/O error");
	return 0;
}

/* Sends `len` bytes of `type` (a handshake flight or a CCS), split into
 * records.  The output buffer must be empty. */
static int
tc_send(struct tlsclient *c, unsigned char type, unsigned legacy,
    const unsigned char *p, size_t len)
{
	size_t head = tlsrec_head_room(&c->wr), chunk;
	int r;

	if (tc_out_get(c) < 0)
		return tc_fail(c, -1, MEEK_ENOMEM, "out of memory");
	while (len > 0) {
		chunk = len > 16384 ? 16384 : len;
		memcpy(c->out + head, p, chunk);
		r = tc_send_out(c, type, legacy, chunk);
		if (r < 0)
			return r;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static int
tc_send_ccs(struct tlsclient *c)
{
	static const unsigned char one = 1;

	return tc_send(c, CT_CCS, 0x0303, &one, 1);
}

/* ---- input ---- */

/* Drops the record in use (its application data fully read). */
static void
tc_drop_record(struct tlsclient *c)
{
	if (c->rec_len == 0)
		return;
	c->in_off += c->rec_len;
	if (c->in_off == c->in_have)
		c->in_off = c->in_have = 0;
	c->rec_len = 0;
	c->app = NULL;
	c->app_len = 0;
}

/* net_wait_idle's idle hook: the input buffer holds nothing. */
static void
tc_in_idle(void *arg)
{
	struct tlsclient *c = arg;

	tc_in_put(c);
}

/* The length of the whole record at `p` (`avail` bytes buffered), or 0
 * while it is not all there. */
static size_t
tc_whole_record(const unsigned char *p, size_t avail)
{
	size_t need;

	if (avail < 5)
		return 0;
	need = 5 + (size_t)tc_be16(p + 3);
	return avail >= need ? need : 0;
}

/* Makes in[in_off..in_off + rec_len) one whole record.  Returns 0 or an
 * error. */
static int
tc_read_record(struct tlsclient *c)
{
	size_t need, avail;
	const unsigned char *p;
	long n;
	int wait, r;

	tc_drop_record(c);
	for (;;) {
		avail = c->in_have - c->in_off;
		if (avail >= 5) {
			p = c->in + c->in_off;
			if (p[0] < CT_CCS || p[0] > CT_APPDATA || p[1] != 3)
				return tc_fail(c, AL_DECODE_ERROR, MEEK_ETLS,
				    "TLS record failed: not a TLS record");
			if (tc_be16(p + 3) > TLSCLIENT_REC_MAX - 5)
				return tc_fail(c, AL_RECORD_OVERFLOW, MEEK_ETLS,
				    "TLS record failed: record too large");
			if ((need = tc_whole_record(p, avail)) > 0) {
				c->rec_len = need;
				return 0;
			}
		}
		/* The partial record moves to the front when the room after
		 * it could not take a whole one. */
		if (c->in_off > 0 && TLSCLIENT_IN_CAP - c->in_off < TLSCLIENT_REC_MAX) {
			memmove(c->in, c->in + c->in_off, avail);
			c->in_off = 0;
			c->in_have = avail;
		}
		wait = tc_wait_ms(c);
		if (wait == 0)
			return tc_io_fail(c, MEEK_ETIMEDOUT);
		if (tc_in_get(c) < 0)
			return tc_fail(c, -1, MEEK_ENOMEM, "out of memory");
		/* After the handshake, with nothing buffered: look without
		 * waiting; a wait that turns idle gives the buffer back. */
		n = net_read_some(c->fd, c->in + c->in_have,
		    TLSCLIENT_IN_CAP - c->in_have,
		    c->in_have == 0 && !c->in_handshake ? 0 : wait);
		if (n == MEEK_ETIMEDOUT && c->in_have == 0 && !c->in_handshake) {
			if ((r = net_wait_idle(c->fd, POLLIN, wait, tc_in_idle,
			    c)) < 0)
				return tc_io_fail(c, r);
			continue;
		}
		if (n < 0)
			return tc_io_fail(c, (int)n);
		c->in_have += (size_t)n;
		if (c->in_have > c->in_hw)
			c->in_hw = c->in_have;
		c->heard = 1;
	}
}

/* Handles a received alert (`p`, 2 bytes).  Returns 1 to ignore it, or a
 * negative error. */
static int
tc_alert(struct tlsclient *c, const unsigned char *p, size_t len)
{
	const char *why;

	if (len != 2)
		return tc_fail(c, AL_DECODE_ERROR, MEEK_ETLS,
		    "TLS record failed: malformed alert");
	if (p[1] == AL_CLOSE_NOTIFY) {
		c->peer_closed = 1;
		if (c->in_handshake)
			return tc_fail(c, -1, MEEK_ECLOSED,
			    "connection closed by peer");
		c->err = MEEK_ECLOSED;
		c->err_why = "connection closed by peer";
		return MEEK_ECLOSED;
	}
	/* Warnings: user_canceled (then close_notify) in both versions,
	 * TLS 1.2's no_renegotiation and other warnings are ignored. */
	if (p[1] == AL_USER_CANCELED || (p[0] == 1 && c->version != 0x0304))
		return 1;
	why = tc_alert_why[p[1]];
	if (why == NULL)
		why = "TLS alert from peer: unknown alert";
	c->alert_sent = 1;       /* never answer a fatal alert */
	return tc_fail(c, -1, MEEK_EALERT, why);
}

/* Reads and opens the next record, handling alerts and TLS 1.3's
 * compatibility ChangeCipherSpec.  Returns 0 with *type, *data, *len
 * (inside in[]), or an error. */
static int
tc_open(struct tlsclient *c, unsigned char *type, unsigned char **data,
    size_t *len)
{
	const char *why = NULL;
	int r;

	for (;;) {
		r = tc_read_record(c);
		if (r < 0)
			return r;
		if (c->in[c->in_off] == CT_CCS && c->version == 0x0304) {
			/* RFC 8446 5: one byte 0x01, unprotected, dropped
			 * between the ClientHello and the server Finished. */
			if (!c->ccs_ok || c->rec_len != 6 || c->in[c->in_off + 5] != 1)
				return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
				    "TLS handshake failed: unexpected ChangeCipherSpec");
			tc_drop_record(c);
			continue;
		}
		r = tlsrec_open(&c->rd, c->in + c->in_off, c->rec_len, type, data,
		    len, &why);
		if (r == MEEK_ETLS)
			return tc_fail(c, AL_BAD_RECORD_MAC, MEEK_ETLS,
			    "TLS record failed: bad record MAC");
		if (r < 0) {
			unsigned al = tlsrec_alert(&c->rd);

			return tc_fail(c, al != 0 ? (int)al : AL_DECODE_ERROR,
			    MEEK_ETLS, al == AL_RECORD_OVERFLOW ?
			    "TLS record failed: record too large" :
			    al == AL_UNEXPECTED_MESSAGE ?
			    "TLS record failed: unexpected record" :
			    "TLS record failed: malformed record");
		}
		if (*len > 16384)
			return tc_fail(c, AL_RECORD_OVERFLOW, MEEK_ETLS,
			    "TLS record failed: record too large");
		if (*type == CT_ALERT) {
			r = tc_alert(c, *data, *len);
			if (r < 0)
				return r;
			tc_drop_record(c);
			continue;
		}
		if (*type != CT_HANDSHAKE && *type != CT_APPDATA &&
		    *type != CT_CCS)
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS record failed: unknown record type");
		if (*type == CT_CCS && c->version == 0x0304)
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS handshake failed: protected ChangeCipherSpec");
		if (*len == 0 && *type != CT_APPDATA)
			return tc_fail(c, AL_DECODE_ERROR, MEEK_ETLS,
			    "TLS record failed: empty record");
		return 0;
	}
}

/* Appends `len` handshake bytes to the reassembly buffer. */
static int
tc_hs_append(struct tlsclient *c, const unsigned char *p, size_t len)
{
	unsigned char *n;
	size_t cap;

	if (c->hs_off > 0) {
		memmove(c->hs, c->hs + c->hs_off, c->hs_len - c->hs_off);
		c->hs_len -= c->hs_off;
		c->hs_off = 0;
	}
	if (c->hs_len + len > c->hs_cap) {
		if (c->hs_len + len > TC_HS_MAX + 4)
			return tc_fail(c, AL_DECODE_ERROR, MEEK_ETLS,
			    "TLS handshake failed: handshake message too large");
		cap = c->hs_cap ? c->hs_cap : 4096;
		while (cap < c->hs_len + len)
			cap *= 2;
		n = malloc(cap);
		if (n == NULL)
			return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ENOMEM,
			    "out of memory");
		if (c->hs != NULL) {
			memcpy(n, c->hs, c->hs_len);
			explicit_bzero(c->hs, c->hs_cap);
			free(c->hs);
		}
		c->hs = n;
		c->hs_cap = cap;
	}
	memcpy(c->hs + c->hs_len, p, len);
	c->hs_len += len;
	return 0;
}

/* The largest body accepted for handshake message `type`. */
static size_t
tc_msg_max(unsigned type)
{
	return type == HS_CERTIFICATE || type == HS_COMPRESSED_CERTIFICATE ?
	    TLSMSG_CERT_MSG_MAX : TLSMSG_MSG_MAX;
}

/* 1 when a complete handshake message is buffered (*mlen its length). */
static int
tc_hs_ready(const struct tlsclient *c, size_t *mlen)
{
	size_t avail = c->hs_len - c->hs_off;

	if (avail < 4)
		return 0;
	*mlen = 4 + tc_be24(c->hs + c->hs_off + 1);
	return avail >= *mlen;
}

/* Returns the next handshake message (header included) in *msg / *mlen and
 * its type in *type (TC_MSG_CCS for a TLS 1.2 ChangeCipherSpec).  The
 * message stays valid until the next call. */
static int
tc_next_msg(struct tlsclient *c, int *type, unsigned char **msg, size_t *mlen)
{
	unsigned char rt, *data;
	size_t len;
	int r;

	for (;;) {
		if (c->hs_len - c->hs_off >= 4 &&
		    tc_be24(c->hs + c->hs_off + 1) > tc_msg_max(c->hs[c->hs_off]))
			return tc_fail(c, AL_DECODE_ERROR, MEEK_ETLS,
			    "TLS handshake failed: handshake message too large");
		if (tc_hs_ready(c, mlen)) {
			*msg = c->hs + c->hs_off;
			*type = (*msg)[0];
			c->hs_off += *mlen;
			if (c->hs_off == c->hs_len)
				c->hs_off = c->hs_len = 0;
			/* Hand out a stable pointer: the message stays at
			 * its place until the next append. */
			return 0;
		}
		r = tc_open(c, &rt, &data, &len);
		if (r < 0)
			return r;
		if (rt == CT_APPDATA)
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS handshake failed: application data during the handshake");
		if (rt == CT_CCS) {
			if (c->hs_len != c->hs_off || len != 1 || data[0] != 1)
				return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
				    "TLS handshake failed: unexpected ChangeCipherSpec");
			tc_drop_record(c);
			*type = TC_MSG_CCS;
			*msg = NULL;
			*mlen = 0;
			return 0;
		}
		r = tc_hs_append(c, data, len);
		tc_drop_record(c);
		if (r < 0)
			return r;
	}
}

/* Handshake messages must not span a key change (RFC 8446 5.1). */
static int
tc_key_change_ok(struct tlsclient *c)
{
	if (c->hs_len != c->hs_off)
		return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
		    "TLS handshake failed: handshake data across a key change");
	return 0;
}

/* Reads the next message, which must be of type `want`. */
static int
tc_expect(struct tlsclient *c, int want, unsigned char **msg, size_t *mlen)
{
	int type, r;

	r = tc_next_msg(c, &type, msg, mlen);
	if (r < 0)
		return r;
	if (type != want)
		return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
		    "TLS handshake failed: unexpected handshake message");
	return 0;
}

/* ---- keys ---- */

static int
tc_suite13(unsigned suite, const br_hash_class **h, enum tlsrec_aead *aead,
    size_t *key_len)
{
	switch (suite) {
	case 0x1301:
		*h = &br_sha256_vtable; *aead = TLSREC_AES128_GCM; *key_len = 16;
		return 1;
	case 0x1302:
		*h = &br_sha384_vtable; *aead = TLSREC_AES256_GCM; *key_len = 32;
		return 1;
	case 0x1303:
		*h = &br_sha256_vtable; *aead = TLSREC_CHACHA20_POLY1305; *key_len = 32;
		return 1;
	default:
		*h = &br_sha256_vtable; *aead = TLSREC_AES128_GCM; *key_len = 16;
		return 0;
	}
}

static size_t
tc_hash_len(const br_hash_class *h)
{
	return (h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

/* Replaces direction d's keys by key/iv (the caller wipes them). */
static int
tc_set_dir(struct tlsclient *c, struct tlsrec_dir *d, enum tlsrec_aead aead, int tls13,
    const unsigned char *key, const unsigned char *iv)
{
	tlsrec_dir_clear(d);
	if (tlsrec_dir_init(d, aead, tls13, key, iv) < 0)
		return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ETLS,
		    "TLS handshake failed: cannot set up record protection");
	return 0;
}

/* Installs TLS 1.3 keys from `secret` for one direction. */
static int
tc_set13(struct tlsclient *c, struct tlsrec_dir *d, const unsigned char *secret)
{
	unsigned char key[32], iv[12];
	int r;

	tlskeys13_traffic(c->hash, secret, c->key_len, key, iv);
	r = tc_set_dir(c, d, c->aead, 1, key, iv);
	explicit_bzero(key, sizeof key);
	explicit_bzero(iv, sizeof iv);
	return r;
}

/* ---- tickets ---- */

static void
tc_store_ticket13(struct tlsclient *c, const struct tlsmsg_new_session_ticket *t)
{
	struct tlsticket13 *e;

	if (c->sni[0] == '\0' || t->lifetime == 0 || t->ticket_len == 0 ||
	    t->ticket_len > TLSTICKET_TICKET_MAX)
		return;
	e = calloc(1, sizeof *e);     /* 2 KiB: not on a 64 KiB stack */
	if (e == NULL)
		return;
	e->cipher_suite = (uint16_t)c->suite;
	e->psk_len = c->hash_len;
	tlskeys13_ticket_psk(c->hash, c->res_master, t->nonce, t->nonce_len,
	    e->psk);
	e->age_add = t->age_add;
	e->lifetime = t->lifetime;
	e->received_ms = clock_ms();
	e->max_early_data = t->max_early_data;
	memcpy(e->ticket, t->ticket, t->ticket_len);
	e->ticket_len = t->ticket_len;
	if (c->alpn_len <= TLSTICKET_ALPN_MAX) {
		memcpy(e->alpn, c->alpn, c->alpn_len);
		e->alpn_len = c->alpn_len;
	}
	(void)tlsticket_put13(c->sni, e);
	tlsticket13_clear(e);
	free(e);
}

/* ---- TLS 1.3 ---- */

/* Offered in the ClientHello: the TLS 1.3 suites of Chrome's list. */
static int
tc_offered13(unsigned suite)
{
	return suite == 0x1301 || suite == 0x1302 || suite == 0x1303;
}

/* Fills the PSK binder of the ClientHello in h->ch (built with a psk) over
 * `tr` (the transcript before this ClientHello). */
static void
tc_binder(struct tlsclient *c, const struct tlskeys_transcript *tr)
{
	struct tc_hs *h = c->h;
	struct tlskeys13 ks;
	const br_hash_class *hh;
	enum tlsrec_aead a;
	size_t kl;
	unsigned char bk[TLSKEYS_HASH_MAX], th[TLSKEYS_HASH_MAX];

	tc_suite13(h->t13.cipher_suite, &hh, &a, &kl);
	tlskeys_transcript_peek(tr, hh, h->ch, h->binders_off, th);
	tlskeys13_early(&ks, hh, h->t13.psk, h->t13.psk_len);
	tlskeys13_binder_key(&ks, bk);
	/* binders: u16 list length, u8 binder length, binder. */
	tlskeys13_finished(hh, bk, th, h->ch + h->binders_off + 3);
	tlskeys13_clear(&ks);
	explicit_bzero(bk, sizeof bk);
	explicit_bzero(th, sizeof th);
}

static void
tc_psk_params(struct tlsclient *c, struct tlshello_psk *p)
{
	struct tc_hs *h = c->h;
	const br_hash_class *hh;
	enum tlsrec_aead a;
	size_t kl;

	tc_suite13(h->t13.cipher_suite, &hh, &a, &kl);
	p->identity = h->t13.ticket;
	p->identity_len = h->t13.ticket_len;
	p->obfuscated_age = tlsticket_obfuscated_age(&h->t13, clock_ms());
	p->binder_len = tc_hash_len(hh);
}

/* Verifies the server's Certificate (or CompressedCertificate) message. */
static int
tc_certificate(struct tlsclient *c, int type, const unsigned char *msg,
    size_t mlen, int tls13)
{
	struct tlsmsg_certificate *cm;
	const unsigned char *der[TLSMSG_CERT_CHAIN_MAX];
	size_t der_len[TLSMSG_CERT_CHAIN_MAX], cap, ulen = 0;
	unsigned char *plain = NULL;
	long long nb = 0, na = 0;
	const char *why = NULL;
	enum tlsx509_reason reason = TLSX509_OTHER;
	int r, alert = AL_DECODE_ERROR;

	msg += 4;
	mlen -= 4;
	if (type == HS_COMPRESSED_CERTIFICATE) {
		/* algorithm u16, uncompressed_length u24, data */
		cap = mlen >= 5 ? tc_be24(msg + 2) : 0;
		if (cap > TLSMSG_CERT_MSG_MAX)
			cap = TLSMSG_CERT_MSG_MAX;
		plain = malloc(cap + 1);
		if (plain == NULL)
			return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ENOMEM,
			    "out of memory");
		r = tlsmsg_compressed_certificate(msg, mlen, plain, cap, &ulen,
		    &alert, &why);
		if (r < 0) {
			free(plain);
			return tc_fail(c, alert, MEEK_ETLS,
			    "TLS handshake failed: bad CompressedCertificate");
		}
		msg = plain;
		mlen = ulen;
	}
	cm = malloc(sizeof *cm);
	if (cm == NULL) {
		free(plain);
		return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ENOMEM, "out of memory");
	}
	r = tlsmsg_certificate(msg, mlen, tls13, c->h->offered, cm, &alert, &why);
	if (r < 0) {
		free(cm);
		free(plain);
		return tc_fail(c, alert, MEEK_ETLS,
		    "TLS handshake failed: malformed Certificate");
	}
	for (size_t i = 0; i < cm->n; i++) {
		der[i] = cm->e[i].der;
		der_len[i] = cm->e[i].der_len;
	}
	alert = AL_BAD_CERTIFICATE;
	nb = na = LLONG_MIN;
	r = tlsx509_check(c->ta, c->sni[0] != '\0' ? c->sni : NULL, der, der_len,
	    cm->n, &c->h->key, &nb, &na, &alert, &why, &reason);
	if (c->dates_only && nb != LLONG_MIN) {
		c->dates_ok = 1;
		c->not_before = nb;
		c->not_after = na;
	}
	if (c->dates_only && r == 0) {
		r = MEEK_ECERT;
		why = "certificate dates read";
	}
	free(cm);
	if (plain != NULL) {
		explicit_bzero(plain, cap);
		free(plain);
	}
	if (r < 0)
		return tc_fail(c, alert, r == MEEK_ENOMEM ? MEEK_ENOMEM :
		    c->dates_only ? MEEK_ECERT : tlsx509_reason_code(reason),
		    why != NULL ? why : "certificate rejected");
	return 0;
}

static const char tc_cv_context[] = "TLS 1.3, server CertificateVerify";

static int
tc_cert_verify13(struct tlsclient *c, const unsigned char *msg, size_t mlen)
{
	struct tlsmsg_certificate_verify cv;
	unsigned char data[64 + sizeof tc_cv_context + TLSKEYS_HASH_MAX];
	const char *why = NULL;
	int alert = AL_DECODE_ERROR;
	size_t n;

	if (tlsmsg_certificate_verify(msg + 4, mlen - 4, &cv, &alert, &why) < 0)
		return tc_fail(c, alert, MEEK_ETLS,
		    "TLS handshake failed: malformed CertificateVerify");
	memset(data, 0x20, 64);
	memcpy(data + 64, tc_cv_context, sizeof tc_cv_context); /* with NUL */
	n = 64 + sizeof tc_cv_context;
	n += tlskeys_transcript_hash(&c->h->tr, data + n);
	alert = AL_DECRYPT_ERROR;
	if (tlsx509_verify(&c->h->key, cv.scheme, 1, data, n, cv.sig, cv.sig_len,
	    &alert, &why) != 0) {
		if (alert == AL_DECRYPT_ERROR)
			why = "TLS handshake failed: bad CertificateVerify signature";
		return tc_fail(c, alert, MEEK_ETLS, why != NULL ? why :
		    "TLS handshake failed: bad CertificateVerify signature");
	}
	return 0;
}

/* Sends ClientHello 2 after a HelloRetryRequest `sh`. */
static int
tc_retry13(struct tlsclient *c, const struct tlsmsg_server_hello *sh,
    const unsigned char *msg, size_t mlen)
{
	struct tc_hs *h = c->h;
	struct tlshello_psk psk, *pp = NULL;
	const br_hash_class *hh;
	enum tlsrec_aead a;
	size_t kl;
	int r;

	if (h->hrr)
		return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
		    "TLS handshake failed: a second HelloRetryRequest");
	h->hrr = 1;
	c->hrr = 1;
	c->hrr_cookie = sh->cookie_len > 0;
	if (!tc_offered13(sh->cipher_suite))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: server chose a cipher suite we did not offer");
	if (sh->group != 0 && sh->group != 0x0017 && sh->group != 0x0018 &&
	    sh->group != 0x001d && sh->group != 0x11ec)
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: HelloRetryRequest for a group we did not offer");
	/* Asking again for a share we sent changes nothing: illegal. */
	if ((sh->group == 0x001d || sh->group == 0x11ec) ||
	    (sh->group == 0 && sh->cookie_len == 0))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: HelloRetryRequest would not change the ClientHello");
	tc_suite13(sh->cipher_suite, &hh, &a, &kl);
	c->suite = sh->cipher_suite;
	h->hrr_group = sh->group;
	tlskeys_transcript_hrr(&h->tr, hh);
	tlskeys_transcript_add(&h->tr, msg, mlen);
	if (h->have13) {
		const br_hash_class *th;

		tc_suite13(h->t13.cipher_suite, &th, &a, &kl);
		if (th == hh) {
			tc_psk_params(c, &psk);
			pp = &psk;
		} else {
			h->have13 = 0;
		}
	}
	r = tlshello_build_retry(&h->hello, sh->group, sh->cookie,
	    sh->cookie_len, pp, h->ch, sizeof h->ch, &h->ch_len, &h->binders_off);
	if (r == MEEK_EPROTO)
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: HelloRetryRequest for a group we did not offer");
	if (r < 0)
		return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ETLS,
		    "TLS handshake failed: cannot build the second ClientHello");
	if (pp == NULL)
		h->offered &= ~TLSMSG_X_PRE_SHARED_KEY;
	if (pp != NULL)
		tc_binder(c, &h->tr);
	tlskeys_transcript_add(&h->tr, h->ch, h->ch_len);
	/* Chrome's single compatibility CCS goes before its next flight. */
	r = tc_send_ccs(c);
	if (r < 0)
		return r;
	h->ccs_sent = 1;
	return tc_send(c, CT_HANDSHAKE, 0x0303, h->ch, h->ch_len);
}

/* The server's ALPN choice: one we offered (h2 only in Chrome's https
 * hello), or none. */
static int
tc_alpn_ok(const struct tlsclient *c, const unsigned char *alpn, size_t len)
{
	return len == 0 || (len == 8 && memcmp(alpn, "http/1.1", 8) == 0) ||
	    (c->profile == TLSHELLO_CHROME && len == 2 &&
	    memcmp(alpn, "h2", 2) == 0);
}

/* CertificateRequest (either version): parsed, remembered (with its
 * context in TLS 1.3), answered later with an empty Certificate. */
static int
tc_cert_request(struct tlsclient *c, const unsigned char *msg, size_t mlen,
    int tls13)
{
	struct tc_hs *h = c->h;
	struct tlsmsg_certificate_request cr;
	const char *why = NULL;
	int alert;

	if (tlsmsg_certificate_request(msg + 4, mlen - 4, tls13, &cr, &alert,
	    &why) < 0)
		return tc_fail(c, alert, MEEK_ETLS,
		    "TLS handshake failed: malformed CertificateRequest");
	h->cert_request = 1;
	if (!tls13)
		return 0;
	h->cr_ctx_len = cr.context_len;
	h->cr_ctx = malloc(h->cr_ctx_len + 1);
	if (h->cr_ctx == NULL)
		return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ENOMEM, "out of memory");
	if (h->cr_ctx_len > 0)
		memcpy(h->cr_ctx, cr.context, h->cr_ctx_len);
	return 0;
}

/* TLS 1.3 ServerHello: the suite, group and PSK the server chose, checked
 * against what we offered; then the shared secret and the handshake keys.
 * *psk is 1 when the server resumes. */
static int
tc_hs13_server_hello(struct tlsclient *c, const struct tlsmsg_server_hello *sh,
    const unsigned char *shm, size_t shm_len, int *psk)
{
	struct tc_hs *h = c->h;
	unsigned char shared[64 + 32], th[TLSKEYS_HASH_MAX];
	int r, ss;

	if (!tc_offered13(sh->cipher_suite) ||
	    (h->hrr && sh->cipher_suite != c->suite))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: server chose a cipher suite we did not offer");
	c->suite = sh->cipher_suite;
	tc_suite13(sh->cipher_suite, &c->hash, &c->aead, &c->key_len);
	c->hash_len = tc_hash_len(c->hash);
	if (sh->group == 0 || sh->share_len == 0)
		return tc_fail(c, AL_MISSING_EXTENSION, MEEK_ETLS,
		    "TLS handshake failed: ServerHello without a key share");
	if (h->hrr_group != 0 ? sh->group != h->hrr_group :
	    (sh->group != 0x001d && sh->group != 0x11ec))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: key share for a group we did not send");
	*psk = 0;
	if (sh->psk_identity >= 0) {
		const br_hash_class *th2;
		enum tlsrec_aead a;
		size_t kl;

		if (!h->have13 || sh->psk_identity != 0)
			return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
			    "TLS handshake failed: server selected a PSK we did not offer");
		tc_suite13(h->t13.cipher_suite, &th2, &a, &kl);
		if (th2 != c->hash)
			return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
			    "TLS handshake failed: PSK with a different hash");
		*psk = 1;
	}
	if (!h->hrr)
		tlskeys_transcript_select(&h->tr, c->hash);
	tlskeys_transcript_add(&h->tr, shm, shm_len);
	c->group = sh->group;
	ss = tlshello_shared_secret(&h->hello, sh->group, sh->share,
	    sh->share_len, shared, sizeof shared);
	if (ss < 0)
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: bad key share from the server");
	tlskeys_transcript_hash(&h->tr, th);
	tlskeys13_early(&h->ks, c->hash, *psk ? h->t13.psk : NULL,
	    *psk ? h->t13.psk_len : 0);
	tlskeys13_handshake(&h->ks, shared, (size_t)ss, th);
	explicit_bzero(shared, sizeof shared);
	explicit_bzero(th, sizeof th);
	r = tc_key_change_ok(c);
	if (r < 0)
		return r;
	if ((r = tc_set13(c, &c->rd, h->ks.s_hs)) < 0)
		return r;
	c->resumed = *psk;
	return 0;
}

/* EncryptedExtensions: an ALPN we offered, and no ALPS. */
static int
tc_hs13_extensions(struct tlsclient *c)
{
	struct tc_hs *h = c->h;
	struct tlsmsg_encrypted_extensions ee;
	const char *why = NULL;
	unsigned char *msg;
	size_t mlen;
	int r, alert;

	r = tc_expect(c, HS_ENCRYPTED_EXTENSIONS, &msg, &mlen);
	if (r < 0)
		return r;
	if (tlsmsg_encrypted_extensions(msg + 4, mlen - 4, h->offered, &ee,
	    &alert, &why) < 0)
		return tc_fail(c, alert, MEEK_ETLS,
		    "TLS handshake failed: malformed EncryptedExtensions");
	if (!tc_alpn_ok(c, ee.alpn, ee.alpn_len))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: server chose an ALPN protocol we did not offer");
	if (ee.exts & TLSMSG_X_ALPS)
		return tc_fail(c, AL_HANDSHAKE_FAILURE, MEEK_ETLS,
		    "TLS handshake failed: the server negotiated ALPS, which meek-client does not implement");
	if (ee.alpn_len > 0 && ee.alpn_len <= sizeof c->alpn) {
		memcpy(c->alpn, ee.alpn, ee.alpn_len);
		c->alpn_len = ee.alpn_len;
	}
	tlskeys_transcript_add(&h->tr, msg, mlen);
	return 0;
}

/* [CertificateRequest] Certificate CertificateVerify (unless PSK), up to
 * the server's Finished, which is left in *msg for the caller. */
static int
tc_hs13_server_auth(struct tlsclient *c, int psk, unsigned char **msg,
    size_t *mlen)
{
	struct tc_hs *h = c->h;
	int type, r, have_cert = 0;

	for (;;) {
		r = tc_next_msg(c, &type, msg, mlen);
		if (r < 0)
			return r;
		if (type == HS_CERTIFICATE_REQUEST && !psk && !have_cert &&
		    !h->cert_request)
			r = tc_cert_request(c, *msg, *mlen, 1);
		else if ((type == HS_CERTIFICATE ||
		    type == HS_COMPRESSED_CERTIFICATE) && !psk && !have_cert) {
			r = tc_certificate(c, type, *msg, *mlen, 1);
			have_cert = 1;
		} else if (type == HS_CERTIFICATE_VERIFY && have_cert == 1) {
			r = tc_cert_verify13(c, *msg, *mlen);
			have_cert = 2;
		} else if (type == HS_FINISHED && (psk || have_cert == 2))
			return 0;
		else
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS handshake failed: unexpected handshake message");
		if (r < 0)
			return r;
		tlskeys_transcript_add(&h->tr, *msg, *mlen);
	}
}

/* The server's Finished, checked; then the application keys, and reading
 * with the server's. */
static int
tc_hs13_server_finished(struct tlsclient *c, const unsigned char *msg,
    size_t mlen)
{
	struct tc_hs *h = c->h;
	unsigned char fin[TLSKEYS_HASH_MAX], th[TLSKEYS_HASH_MAX];
	int r;

	tlskeys_transcript_hash(&h->tr, th);
	tlskeys13_finished(c->hash, h->ks.s_hs, th, fin);
	r = mlen == 4 + c->hash_len && tlskeys_equal(fin, msg + 4, c->hash_len);
	explicit_bzero(fin, sizeof fin);
	if (!r)
		return tc_fail(c, AL_DECRYPT_ERROR, MEEK_ETLS,
		    "TLS handshake failed: bad server Finished");
	tlskeys_transcript_add(&h->tr, msg, mlen);
	tlskeys_transcript_hash(&h->tr, th);
	tlskeys13_master(&h->ks, th);
	explicit_bzero(th, sizeof th);
	r = tc_key_change_ok(c);
	if (r < 0)
		return r;
	c->ccs_ok = 0;
	memcpy(c->s_ap, h->ks.s_ap, c->hash_len);
	memcpy(c->c_ap, h->ks.c_ap, c->hash_len);
	return tc_set13(c, &c->rd, c->s_ap);
}

/* Our flight: CCS (compatibility), [an empty Certificate], Finished; then
 * the resumption secret, and writing with our application key. */
static int
tc_hs13_client_flight(struct tlsclient *c)
{
	struct tc_hs *h = c->h;
	unsigned char th[TLSKEYS_HASH_MAX], mine[4 + TLSKEYS_HASH_MAX];
	int r;

	if (!h->ccs_sent) {
		r = tc_send_ccs(c);
		if (r < 0)
			return r;
		h->ccs_sent = 1;
	}
	if ((r = tc_set13(c, &c->wr, h->ks.c_hs)) < 0)
		return r;
	if (h->cert_request) {
		unsigned char cm[4 + 1 + 255 + 3];
		size_t n = 4 + 1 + h->cr_ctx_len + 3;

		cm[0] = HS_CERTIFICATE;
		cm[1] = 0;
		cm[2] = (unsigned char)((n - 4) >> 8);
		cm[3] = (unsigned char)(n - 4);
		cm[4] = (unsigned char)h->cr_ctx_len;
		memcpy(cm + 5, h->cr_ctx, h->cr_ctx_len);
		memset(cm + 5 + h->cr_ctx_len, 0, 3);
		tlskeys_transcript_add(&h->tr, cm, n);
		r = tc_send(c, CT_HANDSHAKE, 0x0303, cm, n);
		if (r < 0)
			return r;
	}
	tlskeys_transcript_hash(&h->tr, th);
	mine[0] = HS_FINISHED;
	mine[1] = 0;
	mine[2] = 0;
	mine[3] = (unsigned char)c->hash_len;
	tlskeys13_finished(c->hash, h->ks.c_hs, th, mine + 4);
	tlskeys_transcript_add(&h->tr, mine, 4 + c->hash_len);
	r = tc_send(c, CT_HANDSHAKE, 0x0303, mine, 4 + c->hash_len);
	explicit_bzero(mine, sizeof mine);
	if (r < 0)
		return r;
	tlskeys_transcript_hash(&h->tr, th);
	tlskeys13_resumption(&h->ks, th);
	explicit_bzero(th, sizeof th);
	memcpy(c->res_master, h->ks.res_master, c->hash_len);
	return tc_set13(c, &c->wr, c->c_ap);
}

/* The TLS 1.3 handshake after the ServerHello `sh` (shm, shm_len). */
static int
tc_hs13(struct tlsclient *c, const struct tlsmsg_server_hello *sh,
    const unsigned char *shm, size_t shm_len)
{
	unsigned char *msg;
	size_t mlen;
	int psk = 0, r;

	if ((r = tc_hs13_server_hello(c, sh, shm, shm_len, &psk)) < 0 ||
	    (r = tc_hs13_extensions(c)) < 0 ||
	    (r = tc_hs13_server_auth(c, psk, &msg, &mlen)) < 0 ||
	    (r = tc_hs13_server_finished(c, msg, mlen)) < 0)
		return r;
	return tc_hs13_client_flight(c);
}

/* ---- TLS 1.2 ---- */

struct tc_suite12 {
	uint16_t id;
	int ecdsa;                   /* 1 ECDHE_ECDSA, 0 ECDHE_RSA */
	enum tlsrec_aead aead;
	size_t key_len, iv_len;
	int sha384;
};

static const struct tc_suite12 tc_suites12[] = {
	{ 0xc02b, 1, TLSREC_AES128_GCM, 16, 4, 0 },
	{ 0xc02f, 0, TLSREC_AES128_GCM, 16, 4, 0 },
	{ 0xc02c, 1, TLSREC_AES256_GCM, 32, 4, 1 },
	{ 0xc030, 0, TLSREC_AES256_GCM, 32, 4, 1 },
	{ 0xcca9, 1, TLSREC_CHACHA20_POLY1305, 32, 12, 0 },
	{ 0xcca8, 0, TLSREC_CHACHA20_POLY1305, 32, 12, 0 },
};

/* Chrome's TLS 1.2 suites meek-client offers but does not implement. */
static const struct { uint16_t id; const char *why; } tc_unimpl12[] = {
	{ 0xc013, "TLS handshake failed: server chose ECDHE_RSA_WITH_AES_128_CBC_SHA, which meek-client does not implement" },
	{ 0xc014, "TLS handshake failed: server chose ECDHE_RSA_WITH_AES_256_CBC_SHA, which meek-client does not implement" },
	{ 0x009c, "TLS handshake failed: server chose RSA_WITH_AES_128_GCM_SHA256, which meek-client does not implement" },
	{ 0x009d, "TLS handshake failed: server chose RSA_WITH_AES_256_GCM_SHA384, which meek-client does not implement" },
	{ 0x002f, "TLS handshake failed: server chose RSA_WITH_AES_128_CBC_SHA, which meek-client does not implement" },
	{ 0x0035, "TLS handshake failed: server chose RSA_WITH_AES_256_CBC_SHA, which meek-client does not implement" },
};

static br_tls_prf_impl
tc_prf(const struct tc_suite12 *s)
{
	return s->sha384 ? br_tls12_sha384_prf : br_tls12_sha256_prf;
}

/* Installs the TLS 1.2 keys of `master` for suite `s`. */
static int
tc_set12(struct tlsclient *c, const struct tc_suite12 *s,
    const unsigned char master[48], int client_write)
{
	struct tc_hs *h = c->h;
	unsigned char kb[2 * 32 + 2 * 12];
	size_t n = 2 * s->key_len + 2 * s->iv_len;
	int r;

	tlskeys12_key_block(tc_prf(s), master, h->server_random,
	    h->client_random, kb, n);
	if (client_write)
		r = tc_set_dir(c, &c->wr, s->aead, 0, kb, kb + 2 * s->key_len);
	else
		r = tc_set_dir(c, &c->rd, s->aead, 0, kb + s->key_len,
		    kb + 2 * s->key_len + s->iv_len);
	explicit_bzero(kb, sizeof kb);
	return r;
}

/* Reads the server's CCS + Finished (after an optional NewSessionTicket). */
static int
tc_server_finished12(struct tlsclient *c, const struct tc_suite12 *s,
    const unsigned char master[48], int ticket_ok)
{
	struct tc_hs *h = c->h;
	unsigned char th[TLSKEYS_HASH_MAX], fin[12], *msg;
	size_t mlen;
	int type, r;

	for (;;) {
		r = tc_next_msg(c, &type, &msg, &mlen);
		if (r < 0)
			return r;
		if (type == HS_NEW_SESSION_TICKET && ticket_ok) {
			/* Session tickets are not used: session ids only. */
			tlskeys_transcript_add(&h->tr, msg, mlen);
			ticket_ok = 0;
			continue;
		}
		if (type == TC_MSG_CCS)
			break;
		return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
		    "TLS handshake failed: unexpected handshake message");
	}
	if ((r = tc_set12(c, s, master, 0)) < 0)
		return r;
	r = tc_expect(c, HS_FINISHED, &msg, &mlen);
	if (r < 0)
		return r;
	tlskeys_transcript_hash(&h->tr, th);
	tlskeys12_finished(tc_prf(s), master, 0, th, tc_hash_len(c->hash), fin);
	if (mlen != 16 || !tlskeys_equal(fin, msg + 4, 12))
		return tc_fail(c, AL_DECRYPT_ERROR, MEEK_ETLS,
		    "TLS handshake failed: bad server Finished");
	tlskeys_transcript_add(&h->tr, msg, mlen);
	return 0;
}

static int
tc_client_finished12(struct tlsclient *c, const struct tc_suite12 *s,
    const unsigned char master[48])
{
	struct tc_hs *h = c->h;
	unsigned char th[TLSKEYS_HASH_MAX], fin[16];
	int r;

	r = tc_send_ccs(c);
	if (r < 0)
		return r;
	if ((r = tc_set12(c, s, master, 1)) < 0)
		return r;
	tlskeys_transcript_hash(&h->tr, th);
	fin[0] = HS_FINISHED;
	fin[1] = 0;
	fin[2] = 0;
	fin[3] = 12;
	tlskeys12_finished(tc_prf(s), master, 1, th, tc_hash_len(c->hash), fin + 4);
	tlskeys_transcript_add(&h->tr, fin, 16);
	return tc_send(c, CT_HANDSHAKE, 0x0303, fin, 16);
}

/* ECDHE for TLS 1.2: a fresh key pair on `curve`, our public point in
 * pub[0..*pub_len), the x coordinate of the shared point in pms. */
static int
tc_ecdhe12(int curve, const unsigned char *peer, size_t peer_len,
    unsigned char *pub, size_t *pub_len, unsigned char *pms, size_t *pms_len)
{
	const br_ec_impl *ec = br_ec_get_default();
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char seed[32], kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char pt[BR_EC_KBUF_PUB_MAX_SIZE];
	size_t xoff, xlen;
	int ok = 0;

	if (peer_len > sizeof pt || rand_bytes(seed, sizeof seed) != 0)
		return MEEK_EPROTO;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	if (br_ec_keygen(&rng.vtable, ec, &sk, kbuf, curve) == 0)
		goto done;
	*pub_len = br_ec_compute_pub(ec, &pk, pub, &sk);
	if (*pub_len == 0)
		goto done;
	memcpy(pt, peer, peer_len);
	if (ec->mul(pt, peer_len, sk.x, sk.xlen, curve) != 1)
		goto done;
	xoff = ec->xoff(curve, &xlen);
	memcpy(pms, pt + xoff, xlen);
	*pms_len = xlen;
	ok = 1;
done:
	explicit_bzero(&rng, sizeof rng);
	explicit_bzero(kbuf, sizeof kbuf);
	explicit_bzero(pt, sizeof pt);
	return ok ? 0 : MEEK_EPROTO;
}

static int
tc_ske12(struct tlsclient *c, const struct tc_suite12 *s,
    const unsigned char *msg, size_t mlen, unsigned char *pub, size_t *pub_len,
    unsigned char *pms, size_t *pms_len)
{
	struct tc_hs *h = c->h;
	struct tlsmsg_server_key_exchange ske;
	unsigned char *data;
	const char *why = NULL;
	size_t n;
	int curve, r, alert = AL_DECODE_ERROR;

	if (tlsmsg_server_key_exchange(msg + 4, mlen - 4, &ske, &alert, &why) < 0)
		return tc_fail(c, alert, MEEK_ETLS,
		    "TLS handshake failed: malformed ServerKeyExchange");
	c->group = ske.group;
	switch (ske.group) {
	case 0x001d: curve = BR_EC_curve25519; break;
	case 0x0017: curve = BR_EC_secp256r1; break;
	case 0x0018: curve = BR_EC_secp384r1; break;
	default:
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: ServerKeyExchange for a group we did not offer");
	}
	if ((s->ecdsa && ske.scheme != 0x0403 && ske.scheme != 0x0503 &&
	    ske.scheme != 0x0603) ||
	    (!s->ecdsa && (ske.scheme & 0xff) == 0x03))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: ServerKeyExchange signature does not match the suite");
	/* Signed: client_random, server_random, the ECDH params. */
	n = 64 + ske.params_len;
	data = malloc(n);
	if (data == NULL)
		return tc_fail(c, AL_INTERNAL_ERROR, MEEK_ENOMEM, "out of memory");
	memcpy(data, h->client_random, 32);
	memcpy(data + 32, h->server_random, 32);
	memcpy(data + 64, ske.params, ske.params_len);
	alert = AL_DECRYPT_ERROR;
	r = tlsx509_verify(&h->key, ske.scheme, 0, data, n, ske.sig,
	    ske.sig_len, &alert, &why);
	free(data);
	if (r != 0) {
		if (alert == AL_DECRYPT_ERROR)
			why = "TLS handshake failed: bad ServerKeyExchange signature";
		return tc_fail(c, alert, MEEK_ETLS, why != NULL ? why :
		    "TLS handshake failed: bad ServerKeyExchange signature");
	}
	if (tc_ecdhe12(curve, ske.point, ske.point_len, pub, pub_len, pms,
	    pms_len) < 0)
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: bad ECDHE share from the server");
	return 0;
}

/* TLS 1.2 ServerHello: a suite we offered and implement (else the reason
 * it is refused), an ALPN we offered; *s is the suite. */
static int
tc_hs12_suite(struct tlsclient *c, const struct tlsmsg_server_hello *sh,
    const struct tc_suite12 **s)
{
	*s = NULL;
	if (sh->downgrade != 0)
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: downgrade sentinel in a TLS 1.2 ServerHello");
	for (size_t i = 0; i < sizeof tc_suites12 / sizeof tc_suites12[0]; i++)
		if (tc_suites12[i].id == sh->cipher_suite)
			*s = &tc_suites12[i];
	if (*s == NULL) {
		for (size_t i = 0; i < sizeof tc_unimpl12 / sizeof tc_unimpl12[0]; i++)
			if (tc_unimpl12[i].id == sh->cipher_suite)
				return tc_fail(c, AL_HANDSHAKE_FAILURE, MEEK_ETLS,
				    tc_unimpl12[i].why);
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: server chose a cipher suite we did not offer");
	}
	if (!tc_alpn_ok(c, sh->alpn, sh->alpn_len))
		return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
		    "TLS handshake failed: server chose an ALPN protocol we did not offer");
	if (sh->alpn_len > 0 && sh->alpn_len <= sizeof c->alpn) {
		memcpy(c->alpn, sh->alpn, sh->alpn_len);
		c->alpn_len = sh->alpn_len;
	}
	return 0;
}

/* The server's flight of a full TLS 1.2 handshake: Certificate,
 * [CertificateStatus], ServerKeyExchange (our share and the premaster
 * secret come of it), [CertificateRequest], ServerHelloDone. */
static int
tc_hs12_server_flight(struct tlsclient *c, const struct tc_suite12 *s,
    int stapled, unsigned char *pub, size_t *pub_len, unsigned char *pms,
    size_t *pms_len)
{
	struct tc_hs *h = c->h;
	const char *why = NULL;
	unsigned char *msg;
	size_t mlen;
	int type, r, cert = 0, ske = 0, alert;

	for (;;) {
		r = tc_next_msg(c, &type, &msg, &mlen);
		if (r < 0)
			return r;
		if (type == HS_CERTIFICATE && !cert) {
			r = tc_certificate(c, type, msg, mlen, 0);
			cert = 1;
		} else if (type == HS_CERTIFICATE_STATUS && cert == 1 && !ske &&
		    stapled) {
			const unsigned char *ocsp;
			size_t olen;

			/* OCSP stapling: parsed, not checked (as Chrome). */
			if (tlsmsg_certificate_status(msg + 4, mlen - 4, &ocsp,
			    &olen, &alert, &why) < 0)
				return tc_fail(c, alert, MEEK_ETLS,
				    "TLS handshake failed: malformed CertificateStatus");
			cert = 2;
		} else if (type == HS_SERVER_KEY_EXCHANGE && cert && !ske) {
			r = tc_ske12(c, s, msg, mlen, pub, pub_len, pms, pms_len);
			ske = 1;
		} else if (type == HS_CERTIFICATE_REQUEST && ske &&
		    !h->cert_request) {
			r = tc_cert_request(c, msg, mlen, 0);
		} else if (type == HS_SERVER_HELLO_DONE && ske) {
			if (tlsmsg_server_hello_done(msg + 4, mlen - 4, &alert,
			    &why) < 0)
				return tc_fail(c, alert, MEEK_ETLS,
				    "TLS handshake failed: malformed ServerHelloDone");
			tlskeys_transcript_add(&h->tr, msg, mlen);
			return 0;
		} else {
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS handshake failed: unexpected handshake message");
		}
		if (r < 0)
			return r;
		tlskeys_transcript_add(&h->tr, msg, mlen);
	}
}

/* Our part of a full TLS 1.2 handshake before Finished: [an empty
 * Certificate], ClientKeyExchange with our share `pub`; then the master
 * secret from the premaster secret `pms`. */
static int
tc_hs12_key_exchange(struct tlsclient *c, const struct tc_suite12 *s,
    const unsigned char *pub, size_t pub_len, unsigned char *pms,
    size_t pms_len, unsigned char master[48])
{
	struct tc_hs *h = c->h;
	unsigned char cke[4 + 1 + BR_EC_KBUF_PUB_MAX_SIZE];
	unsigned char th[TLSKEYS_HASH_MAX];
	size_t n = 4 + 1 + pub_len;
	int r;

	if (h->cert_request) {
		static const unsigned char empty[7] = { HS_CERTIFICATE, 0, 0, 3, 0, 0, 0 };

		tlskeys_transcript_add(&h->tr, empty, sizeof empty);
		r = tc_send(c, CT_HANDSHAKE, 0x0303, empty, sizeof empty);
		if (r < 0)
			return r;
	}
	cke[0] = HS_CLIENT_KEY_EXCHANGE;
	cke[1] = 0;
	cke[2] = (unsigned char)((n - 4) >> 8);
	cke[3] = (unsigned char)(n - 4);
	cke[4] = (unsigned char)pub_len;
	memcpy(cke + 5, pub, pub_len);
	tlskeys_transcript_add(&h->tr, cke, n);
	r = tc_send(c, CT_HANDSHAKE, 0x0303, cke, n);
	if (r < 0)
		return r;
	if (c->ems) {
		tlskeys_transcript_hash(&h->tr, th);
		tlskeys12_master_ems(tc_prf(s), pms, pms_len, th, c->hash_len,
		    master);
	} else {
		/* RFC 5246 8.1; servers without RFC 7627 (BearSSL 0.6,
		 * meek-server) are accepted as Chrome does. */
		br_tls_prf_seed_chunk seeds[2] = {
			{ h->client_random, 32 }, { h->server_random, 32 } };

		tc_prf(s)(master, 48, pms, pms_len, "master secret", 2, seeds);
	}
	explicit_bzero(th, sizeof th);
	return 0;
}

/* The TLS 1.2 handshake after the ServerHello `sh` (shm, shm_len): a
 * resumption of the cached session, or a full ECDHE handshake. */
static int
tc_hs12(struct tlsclient *c, const struct tlsmsg_server_hello *sh,
    const unsigned char *shm, size_t shm_len)
{
	struct tc_hs *h = c->h;
	const struct tc_suite12 *s;
	unsigned char master[48], pub[BR_EC_KBUF_PUB_MAX_SIZE], pms[66];
	size_t pub_len = 0, pms_len = 0;
	int r;
	int ems = (sh->exts & TLSMSG_X_EXTENDED_MASTER_SECRET) != 0;
	int ticket = (sh->exts & TLSMSG_X_SESSION_TICKET) != 0;
	/* `sh` points into the reassembly buffer, which the next messages
	 * overwrite: keep what is needed later. */
	unsigned char sid[32];
	size_t sid_len = sh->session_id_len;
	uint16_t suite = (uint16_t)sh->cipher_suite;

	if (sid_len > 0)
		memcpy(sid, sh->session_id, sid_len);
	if ((r = tc_hs12_suite(c, sh, &s)) < 0)
		return r;
	c->version = 0x0303;
	c->ems = ems;
	c->ccs_ok = 0;
	c->suite = sh->cipher_suite;
	c->hash = s->sha384 ? &br_sha384_vtable : &br_sha256_vtable;
	c->hash_len = tc_hash_len(c->hash);
	memcpy(h->server_random, sh->random, 32);
	tlskeys_transcript_select(&h->tr, c->hash);
	tlskeys_transcript_add(&h->tr, shm, shm_len);

	/* Resumption: the server echoed our cached session id. */
	if (h->have12 && h->t12.session_id_len > 0 &&
	    sh->session_id_len == h->t12.session_id_len &&
	    memcmp(sh->session_id, h->t12.session_id, sh->session_id_len) == 0) {
		if (sh->cipher_suite != h->t12.cipher_suite || ems != (h->t12.ems != 0))
			return tc_fail(c, AL_HANDSHAKE_FAILURE, MEEK_ETLS,
			    "TLS handshake failed: resumed session with different parameters");
		c->resumed = 1;
		memcpy(master, h->t12.master, 48);
		r = tc_server_finished12(c, s, master, ticket);
		if (r == 0)
			r = tc_client_finished12(c, s, master);
		explicit_bzero(master, sizeof master);
		return r;
	}
	if (h->have12)
		tlsticket_remove12(c->sni);

	r = tc_hs12_server_flight(c, s,
	    (sh->exts & TLSMSG_X_STATUS_REQUEST) != 0, pub, &pub_len, pms,
	    &pms_len);
	if (r == 0)
		r = tc_hs12_key_exchange(c, s, pub, pub_len, pms, pms_len,
		    master);
	explicit_bzero(pms, sizeof pms);
	if (r < 0) {
		explicit_bzero(master, sizeof master);
		return r;
	}
	r = tc_client_finished12(c, s, master);
	if (r == 0)
		r = tc_server_finished12(c, s, master, ticket);
	if (r == 0 && sid_len > 0 && c->sni[0] != '\0') {
		struct tlsticket12 e;

		memset(&e, 0, sizeof e);
		memcpy(e.session_id, sid, sid_len);
		e.session_id_len = sid_len;
		memcpy(e.master, master, 48);
		e.cipher_suite = suite;
		e.ems = ems;
		(void)tlsticket_put12(c->sni, &e);
		tlsticket12_clear(&e);
	}
	explicit_bzero(master, sizeof master);
	return r;
}

/* ---- the handshake ---- */

/* The extensions our ClientHello offers (tlshello's set for `profile`). */
static uint32_t
tc_offered_mask(const struct tlsclient *c, int psk)
{
	uint32_t m = TLSMSG_X_STATUS_REQUEST | TLSMSG_X_SUPPORTED_GROUPS |
	    TLSMSG_X_EC_POINT_FORMATS | TLSMSG_X_SIGNATURE_ALGORITHMS |
	    TLSMSG_X_ALPN | TLSMSG_X_SCT | TLSMSG_X_EXTENDED_MASTER_SECRET |
	    TLSMSG_X_COMPRESS_CERTIFICATE | TLSMSG_X_SESSION_TICKET |
	    TLSMSG_X_SUPPORTED_VERSIONS | TLSMSG_X_PSK_KEY_EXCHANGE_MODES |
	    TLSMSG_X_KEY_SHARE | TLSMSG_X_ECH | TLSMSG_X_RENEGOTIATION_INFO;

	if (c->sni[0] != '\0' && !net_is_ip_literal(c->sni))
		m |= TLSMSG_X_SERVER_NAME;
	if (c->profile == TLSHELLO_CHROME)
		m |= TLSMSG_X_ALPS;
	if (psk)
		m |= TLSMSG_X_PRE_SHARED_KEY;
	return m;
}

static int
tc_handshake(struct tlsclient *c)
{
	struct tc_hs *h = c->h;
	struct tlsmsg_server_hello sh;
	struct tlshello_psk psk, *pp = NULL;
	const unsigned char *sid;
	const char *why = NULL;
	unsigned char *msg;
	size_t mlen, sid_len = 0;
	int r, alert;

	tlskeys_transcript_init(&h->tr);
	/* The dates probe must see a certificate: no resumption. */
	if (c->sni[0] != '\0' && !c->dates_only) {
		h->have13 = tlsticket_take13(c->sni, clock_ms(), &h->t13) == 1;
		h->have12 = tlsticket_get12(c->sni, &h->t12) == 1;
	}
	if (h->have13) {
		tc_psk_params(c, &psk);
		pp = &psk;
	}
	h->offered = tc_offered_mask(c, pp != NULL);
	r = tlshello_build(&h->hello, c->profile, c->sni[0] ? c->sni : NULL, pp,
	    h->have12 ? h->t12.session_id : NULL,
	    h->have12 ? h->t12.session_id_len : 0,
	    h->ch, sizeof h->ch, &h->ch_len, &h->binders_off);
	if (r < 0)
		return tc_fail(c, -1, r == MEEK_EIO ? MEEK_EIO : MEEK_ETLS,
		    "TLS handshake failed: cannot build the ClientHello");
	memcpy(h->client_random, tlshello_random(&h->hello), 32);
	if (pp != NULL)
		tc_binder(c, &h->tr);
	tlskeys_transcript_add(&h->tr, h->ch, h->ch_len);
	r = tc_send(c, CT_HANDSHAKE, 0x0301, h->ch, h->ch_len);
	if (r < 0)
		return r;
	for (;;) {
		r = tc_expect(c, HS_SERVER_HELLO, &msg, &mlen);
		if (r < 0)
			return r;
		alert = AL_DECODE_ERROR;
		r = tlsmsg_server_hello(msg + 4, mlen - 4, h->offered, &sh, &alert,
		    &why);
		if (r < 0)
			return tc_fail(c, alert, MEEK_ETLS,
			    alert == AL_PROTOCOL_VERSION ?
			    "TLS handshake failed: server chose a TLS version older than 1.2" :
			    "TLS handshake failed: malformed ServerHello");
		if (sh.hrr && h->hrr)
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS handshake failed: a second HelloRetryRequest");
		sid = tlshello_session_id(&h->hello);
		sid_len = tlshello_session_id_len(&h->hello);
		if (sh.version == 0x0304 && (sh.session_id_len != sid_len ||
		    memcmp(sh.session_id, sid, sid_len) != 0))
			return tc_fail(c, AL_ILLEGAL_PARAMETER, MEEK_ETLS,
			    "TLS handshake failed: ServerHello does not echo the session id");
		if (sh.version == 0x0304) {
			c->version = 0x0304;
			c->ccs_ok = 1;
			if (sh.hrr) {
				r = tc_retry13(c, &sh, msg, mlen);
				if (r < 0)
					return r;
				continue;
			}
			return tc_hs13(c, &sh, msg, mlen);
		}
		if (sh.version != 0x0303 || sh.hrr)
			return tc_fail(c, AL_PROTOCOL_VERSION, MEEK_ETLS,
			    "TLS handshake failed: server chose a TLS version we did not offer");
		if (h->hrr)
			return tc_fail(c, AL_PROTOCOL_VERSION, MEEK_ETLS,
			    "TLS handshake failed: TLS 1.2 after a HelloRetryRequest");
		return tc_hs12(c, &sh, msg, mlen);
	}
}

static void
tc_hs_free(struct tlsclient *c)
{
	struct tc_hs *h = c->h;

	if (h == NULL)
		return;
	tlshello_clear(&h->hello);
	tlskeys13_clear(&h->ks);
	free(h->cr_ctx);
	explicit_bzero(h, sizeof *h);
	free(h);
	c->h = NULL;
}

static void
tc_hsbuf_free(struct tlsclient *c)
{
	if (c->hs != NULL) {
		explicit_bzero(c->hs, c->hs_cap);
		free(c->hs);
	}
	c->hs = NULL;
	c->hs_len = c->hs_off = c->hs_cap = 0;
}

static void
tc_discard(struct tlsclient *c)
{
	tc_hs_free(c);
	tc_hsbuf_free(c);
	tc_in_put(c);
	tc_out_put(c);
	tlsrec_dir_clear(&c->rd);
	tlsrec_dir_clear(&c->wr);
	explicit_bzero(c, sizeof *c);
	free(c);
}

static int tc_open_conn(struct tlsclient **out, int fd,
    const struct tls_anchors *ta, const char *server_name,
    enum tlshello_profile profile, int timeout_ms, int dates_only,
    long long *nb, long long *na, const char **why);

int
tlsclient_open(struct tlsclient **out, int fd, const struct tls_anchors *ta,
    const char *server_name, enum tlshello_profile profile, int timeout_ms,
    const char **why)
{
	return tc_open_conn(out, fd, ta, server_name, profile, timeout_ms, 0,
	    NULL, NULL, why);
}

int
tlsclient_cert_dates(int fd, const char *server_name,
    enum tlshello_profile profile, int timeout_ms, long long *not_before,
    long long *not_after, const char **why)
{
	struct tlsclient *c = NULL;

	if (server_name == NULL || *server_name == '\0')
		return meek_fail(why, "no server name", MEEK_EINVAL);
	return tc_open_conn(&c, fd, NULL, server_name, profile, timeout_ms, 1,
	    not_before, not_after, why);
}

static int
tc_open_conn(struct tlsclient **out, int fd, const struct tls_anchors *ta,
    const char *server_name, enum tlshello_profile profile, int timeout_ms,
    int dates_only, long long *nb, long long *na, const char **why)
{
	struct tlsclient *c;
	int r;

	c = calloc(1, sizeof *c);
	if (c == NULL)
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	c->h = calloc(1, sizeof *c->h);
	if (c->h == NULL) {
		free(c);
		return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	c->fd = fd;
	c->ta = ta;
	c->dates_only = dates_only;
	c->profile = profile;
	c->timeout_ms = timeout_ms;
	c->deadline = clock_deadline(timeout_ms);
	c->in_handshake = 1;
	if (server_name != NULL) {
		if (strlen(server_name) >= sizeof c->sni) {
			free(c->h);
			free(c);
			return meek_fail(why, "server name too long",
			    MEEK_EINVAL);
		}
		memcpy(c->sni, server_name, strlen(server_name) + 1);
	}
	tlsrec_dir_clear(&c->rd);
	tlsrec_dir_clear(&c->wr);
	r = tc_handshake(c);
	if (dates_only) {
		if (c->dates_ok) {
			*nb = c->not_before;
			*na = c->not_after;
			r = 0;
		} else if (r == 0) {
			r = MEEK_ECERT;
			c->err_why = "no certificate";
		}
		if (r < 0 && why)
			*why = c->err_why;
		tc_discard(c);
		return r;
	}
	if (r < 0) {
		if (c->h->have12 && c->err != MEEK_ETIMEDOUT &&
		    c->err != MEEK_ECLOSED && c->err != MEEK_EIO)
			tlsticket_remove12(c->sni);
		if (why)
			*why = c->err_why;
		tc_discard(c);
		return r;
	}
	tc_hs_free(c);
	if (c->hs_len == c->hs_off)
		tc_hsbuf_free(c);
	c->in_handshake = 0;
	c->out_head = tlsrec_head_room(&c->wr);
	tlsclient_idle(c);
	*out = c;
	return 0;
}

void
tlsclient_set_timeout(struct tlsclient *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

/* ---- after the handshake ---- */

static int
tc_key_update(struct tlsclient *c, const unsigned char *msg, size_t mlen)
{
	const char *why = NULL;
	int r, requested = 0, alert = AL_DECODE_ERROR;

	if (tlsmsg_key_update(msg + 4, mlen - 4, &requested, &alert, &why) < 0)
		return tc_fail(c, alert, MEEK_ETLS,
		    "TLS record failed: malformed KeyUpdate");
	r = tc_key_change_ok(c);
	if (r < 0)
		return r;
	tlskeys13_update(c->hash, c->s_ap);
	if ((r = tc_set13(c, &c->rd, c->s_ap)) < 0)
		return r;
	c->key_updates++;
	if (requested) {
		static const unsigned char ku[5] = { HS_KEY_UPDATE, 0, 0, 1, 0 };
		size_t pending = c->out_len;

		/* Buffered application data goes out under the old key. */
		if (pending > 0) {
			r = tc_send_out(c, CT_APPDATA, 0x0303, pending);
			c->out_len = 0;
			if (r < 0)
				return r;
		}
		r = tc_send(c, CT_HANDSHAKE, 0x0303, ku, sizeof ku);
		if (r < 0)
			return r;
		tlskeys13_update(c->hash, c->c_ap);
		if ((r = tc_set13(c, &c->wr, c->c_ap)) < 0)
			return r;
	}
	return 0;
}

/* Handles post-handshake handshake records. */
static int
tc_post_handshake(struct tlsclient *c, const unsigned char *data, size_t len)
{
	struct tlsmsg_new_session_ticket t;
	const char *why = NULL;
	unsigned char *msg;
	size_t mlen;
	int r, alert = AL_DECODE_ERROR;

	r = tc_hs_append(c, data, len);
	tc_drop_record(c);
	if (r < 0)
		return r;
	for (;;) {
		if (c->hs_len - c->hs_off >= 4 &&
		    tc_be24(c->hs + c->hs_off + 1) > TLSMSG_MSG_MAX)
			return tc_fail(c, AL_DECODE_ERROR, MEEK_ETLS,
			    "TLS record failed: handshake message too large");
		if (!tc_hs_ready(c, &mlen))
			break;
		msg = c->hs + c->hs_off;
		c->hs_off += mlen;
		if (c->version != 0x0304) {
			/* TLS 1.2: only HelloRequest, which we decline
			 * with a no_renegotiation warning. */
			if (msg[0] != HS_HELLO_REQUEST || mlen != 4)
				return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
				    "TLS record failed: unexpected handshake message");
			continue;
		}
		switch (msg[0]) {
		case HS_NEW_SESSION_TICKET:
			if (tlsmsg_new_session_ticket(msg + 4, mlen - 4, 1, &t,
			    &alert, &why) < 0)
				return tc_fail(c, alert, MEEK_ETLS,
				    "TLS record failed: malformed NewSessionTicket");
			tc_store_ticket13(c, &t);
			break;
		case HS_KEY_UPDATE:
			r = tc_key_update(c, msg, mlen);
			if (r < 0)
				return r;
			break;
		default:
			return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
			    "TLS record failed: unexpected handshake message");
		}
	}
	if (c->hs_off == c->hs_len)
		tc_hsbuf_free(c);
	return 0;
}

long
tlsclient_read(struct tlsclient *c, void *buf, size_t len)
{
	unsigned char type, *data;
	size_t dlen;
	int r;

	if (len == 0)
		return 0;
	while (c->app_len == 0) {
		if (c->err != 0)
			return c->err;
		r = tc_open(c, &type, &data, &dlen);
		if (r < 0)
			return r;
		if (type == CT_APPDATA) {
			if (c->hs_len != c->hs_off)
				return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
				    "TLS record failed: data inside a handshake message");
			c->app = data;
			c->app_len = dlen;
			continue;
		}
		if (type == CT_HANDSHAKE) {
			r = tc_post_handshake(c, data, dlen);
			if (r < 0)
				return r;
			continue;
		}
		return tc_fail(c, AL_UNEXPECTED_MESSAGE, MEEK_ETLS,
		    "TLS record failed: unexpected ChangeCipherSpec");
	}
	if (len > c->app_len)
		len = c->app_len;
	if (len > 0x7fffffff)
		len = 0x7fffffff;
	memcpy(buf, c->app, len);
	c->app += len;
	c->app_len -= len;
	if (c->app_len == 0)
		tc_drop_record(c);
	return (long)len;
}

static int tc_flush(struct tlsclient *c);

int
tlsclient_write(struct tlsclient *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t room;
	int r;

	if (c->err != 0 && c->err != MEEK_ECLOSED)
		return c->err;
	if (len > 0 && tc_out_get(c) < 0)
		return tc_fail(c, -1, MEEK_ENOMEM, "out of memory");
	while (len > 0) {
		room = 16384 - c->out_len;
		if (room > len)
			room = len;
		memcpy(c->out + c->out_head + c->out_len, p, room);
		c->out_len += room;
		p += room;
		len -= room;
		if (c->out_len == 16384) {
			r = tc_flush(c);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Sends the collected plaintext as one record; keeps the buffer. */
static int
tc_flush(struct tlsclient *c)
{
	size_t n = c->out_len;

	if (c->err != 0 && c->err != MEEK_ECLOSED)
		return c->err;
	if (n == 0)
		return 0;
	c->out_len = 0;
	return tc_send_out(c, CT_APPDATA, 0x0303, n);
}

int
tlsclient_flush(struct tlsclient *c)
{
	int r = tc_flush(c);

	if (c->out_len == 0)
		tc_out_put(c);
	return r;
}

void
tlsclient_idle(struct tlsclient *c)
{
	if (c->in_handshake)
		return;
	if (c->in_have == 0)
		tc_in_put(c);
	if (c->out_len == 0)
		tc_out_put(c);
}

int
tlsclient_has_pending(const struct tlsclient *c)
{
	size_t next;

	if (c->app_len > 0)
		return 1;
	/* A whole record already read from the socket (one recv() takes up
	 * to four): the fd will not turn readable for it. */
	if (c->in == NULL)
		return 0;
	next = c->in_off + c->rec_len;
	return tc_whole_record(c->in + next, c->in_have - next) > 0;
}

int
tlsclient_resumed(const struct tlsclient *c)
{
	return c->resumed;
}

void
tlsclient_get_info(const struct tlsclient *c, struct tlsclient_info *out)
{
	memset(out, 0, sizeof *out);
	out->version = c->version;
	out->cipher_suite = c->suite;
	out->group = c->group;
	out->resumed = c->resumed;
	out->hrr = c->hrr;
	out->hrr_cookie = c->hrr_cookie;
	out->ems = c->ems;
	out->key_updates = c->key_updates;
	out->h2 = c->alpn_len == 2 && memcmp(c->alpn, "h2", 2) == 0;
}

void
tlsclient_free(struct tlsclient *c)
{
	if (c == NULL)
		return;
	if (c->err == 0 || c->err == MEEK_ETIMEDOUT)
		tc_send_alert(c, 1, AL_CLOSE_NOTIFY);
	tc_discard(c);
}
