/*
 * httpc: a meek session's HTTP(S) connection to the front and its
 * request/response exchange (one POST with the session's upstream bytes,
 * one response with its downstream bytes), with meek's failure policy
 * (described at the top of httpc.c).
 *
 * Domain fronting: TCP and TLS go to target->front (SNI and certificate
 * name), the Host header and path come from target->url.  When a proxy is
 * configured every connection goes through it.  The connection is kept
 * alive across exchanges and reopened when the server closes it; a reopened
 * TLS connection resumes its session (tls module cache).  When the front's
 * ALPN picks h2 the connection is an HTTP/2 one (client/h2conn.c) shared
 * through h->link with the httpcs that follow this one, each request a
 * stream; else HTTP/1.1, one connection per httpc.
 * Thread: owner only (the session thread, or an extension session's
 * downstream thread), except httpc_abort() which any thread may call.
 * An httpc borrows `target`,
 * `proxy` and `anchors` for its life; it owns its stream, its http_msg and
 * its read-ahead buffer (allocated once in httpc_init).
 */
#ifndef MEEK_CLIENT_HTTPC_H
#define MEEK_CLIENT_HTTPC_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include "client/conf.h"
#include "shared/http.h"
#include "shared/log.h"
#include "shared/proxy.h"
#include "shared/stream.h"
#include "shared/tls.h"

#define HTTPC_CONNECT_TIMEOUT_MS 15000
#define HTTPC_IO_TIMEOUT_MS 30000
#define HTTPC_SID_MAX 64
#define HTTPC_DEAD_MS 60000         /* a failed pair rests this long */
#define HTTPC_CLOCK_RETRY_MS 5000   /* retry period while our clock is behind */
#define HTTPC_CLOCK_WAIT_MAX_MS (30 * 60 * 1000) /* ... for at most this long */
#define HTTPC_H2_FD_TAG 0x7fffffff  /* s.fd of an HTTP/2 answer's stream */

struct h2conn;
struct h2conn_req;
/* The connection an httpc shares with the httpcs that follow it
 * (httpc_follow: an extension session's downstream side): when the
 * front's ALPN picked h2, every request of the session is a stream on
 * it.  Refcounted; its lock is taken before an httpc's fd_lock. */
struct httpc_link {
	pthread_mutex_t lock;
	int refs;                /* under lock */
	struct h2conn *conn;     /* NULL: none (or HTTP/1.1) */
};

/* How far the last failed try got. */
enum httpc_phase {
	HTTPC_UNSENT,      /* the body cannot have reached the server */
	HTTPC_MAYBE_SENT,  /* written, no (complete) answer head */
	HTTPC_ANSWERED,    /* a non-200 status was read */
	HTTPC_PAGE,        /* a 200 answer that is not meek-server's */
	HTTPC_BODY_LOST    /* a 200 answer's body was cut short */
};

struct httpc {
	const struct client_target *targets; /* every url/front pair */
	size_t ntargets;
	size_t order[CLIENT_TARGETS_MAX]; /* shuffled indexes into targets */
	long long dead_until[CLIENT_TARGETS_MAX]; /* clock_ms(); 0: alive */
	size_t cur;              /* position in order[] of the pair in use */
	const struct client_target *target;  /* targets[order[cur]] */
	const struct proxy *proxy;          /* NULL: direct */
	const struct tls_anchors *anchors;  /* needed for https */
	int stop_fd;             /* readable: stop waiting between retries */
	struct httpc_link *link; /* shared with followers, owned refcounted */
	struct stream s;         /* s.fd < 0: not connected; over HTTP/2
	                            (s.ops != NULL) the current answer's body */
	struct h2conn_req *h2q;  /* an HTTP/2 request waiting for its head
	                            (under fd_lock, for httpc_abort) */
	unsigned long requests;  /* requests sent on the current connection */
	struct http_msg *msg;    /* owned, one response head at a time;
	                            NULL after httpc_idle and
	                            httpc_body_begin */
	int keep_alive;          /* the last answer's, once msg is gone */
	unsigned char *rbuf;     /* owned read-ahead, HTTP_HEAD_MAX bytes;
	                            NULL after httpc_idle */
	char extra[HTTPC_SID_MAX + 80]; /* X-Session-Id and Content-Type lines */
	int last_status;         /* status of the last response read, 0 none */
	int last_phase;          /* enum httpc_phase of the last try */
	int last_dial_failed;    /* the last try failed connecting (TCP,
	                            proxy, TLS handshake) */
	char sid_log[LOG_SID_LEN]; /* loggable form of the session id */
	/* s.fd changes (connect, close) and httpc_abort() take fd_lock, so
	 * that another thread never shuts down an fd number that was closed
	 * and reused. */
	pthread_mutex_t fd_lock;
	int lock_ready;
	atomic_int aborted;      /* httpc_abort() was called (set under
	                            fd_lock, read anywhere) */
};

/* Prepares `h` for session `sid` (at most HTTPC_SID_MAX-1 chars) without
 * connecting, with the `ntargets` (1..CLIENT_TARGETS_MAX) url/front pairs
 * of `targets` tried in a random order.  `stop_fd` (or -1) becoming readable cuts retry delays short.
 * Returns 0, MEEK_ENOMEM, or MEEK_EINVAL with *why (https without anchors). */
int httpc_init(struct httpc *h, const struct client_target *targets,
    size_t ntargets, const struct proxy *proxy, const struct tls_anchors *anchors,
    const char *sid, int stop_fd, const char **why);
/* Closes the connection and frees what `h` owns.  Safe after a failed
 * httpc_init. */
void httpc_clear(struct httpc *h);
/* The connection will sit unused for a while (between polls, an idle
 * upstream): when it holds no unread bytes, its response head and
 * read-ahead buffers (17 KB) and its TLS buffers go back; the next request
 * takes them again.  The last response head is gone after this.  Thread:
 * the owner. */
void httpc_idle(struct httpc *h);

/* POSTs the `len` bytes in `buf` (cap bytes of storage, at least
 * HTTP_BODY_MAX) and, on a 200 answer, reads the response body into the
 * same `buf`, setting *out_len.  Applies the failure policy of httpc.c.
 * Returns 0, or the MEEK_E* code that ends the session with *why:
 * MEEK_EHTTP (non-200 after every try), MEEK_EIO with *why when a body
 * may have been delivered and cannot be resent, MEEK_ETOOBIG (body over `cap`),
 * a certificate code (meek_is_cert()) / MEEK_EALERT / MEEK_ETLS
 * (handshake), a dial error, a stream error,
 * MEEK_EPROTO (malformed response), MEEK_ECLOSED (stop requested). */
int httpc_exchange(struct httpc *h, unsigned char *buf, size_t len, size_t cap,
    size_t *out_len, const char **why);

/* As httpc_exchange(), with the header line "X-Meek-Ext: <ext>" when `ext`
 * is not NULL (NULL: exactly httpc_exchange()).  On success h->msg holds
 * the answer's head (for its X-Meek-Ext). */
int httpc_exchange_ext(struct httpc *h, const char *ext, unsigned char *buf,
    size_t len, size_t cap, size_t *out_len, const char **why);

/*
 * Extension requests (client/xsession.c applies the spec's retry policy;
 * these are single tries).
 */

/* Sends one POST with "X-Meek-Ext: <ext>" and the `len` bytes of `body`
 * (connecting first when needed, replacing a stale kept-alive connection)
 * and reads the answer's head into h->msg, each wait bounded by `head_ms`
 * (<= 0: HTTPC_IO_TIMEOUT_MS).  Returns 0 for any status (h->last_status;
 * the body is then read with httpc_body_begin()), or an error with *why;
 * the connection is then closed and *sent says whether the request was
 * fully written (it may have reached the server). */
int httpc_send(struct httpc *h, const char *ext, const void *body,
    size_t len, int head_ms, int *sent, const char **why);
/* Reports the failure of the last try (code `rc`, detail `w`, NULL: none)
 * as every mode does: its class by how far the try got (report_class_at:
 * the censor classes too), the censor hint appended, then report_failure()
 * (a LOG line; STATUS in managed mode) with `action`, what happens next. */
void httpc_report(struct httpc *h, int rc, const char *w, const char *action);
/* Bounds each later wait on the connection by `ms`. */
void httpc_set_timeout(struct httpc *h, int ms);
/* Starts reading the body of the answer whose head the last
 * httpc_send() read: sets up *b and gives back the head's buffer (about
 * 9 KiB: a streamed answer lasts minutes and needs only *b). */
void httpc_body_begin(struct httpc *h, struct http_body *b);
/* Ends an answer whose body was read to its end: closes the connection
 * when the server does not keep it alive. */
void httpc_finish(struct httpc *h);
/* Closes the connection (an answer abandoned or broken). */
void httpc_drop(struct httpc *h);
/* Lets the current url/front pair rest HTTPC_DEAD_MS and moves to the
 * next one (after a 4xx). */
void httpc_next_pair(struct httpc *h);
/* Uses the same url/front pair as `src` (same order, same position) and
 * shares its connection link (one HTTP/2 connection for both). */
void httpc_follow(struct httpc *h, const struct httpc *src);
/* Waits `ms` unless h->stop_fd becomes readable (MEEK_ECLOSED). */
int httpc_sleep(struct httpc *h, int ms, const char **why);
/* Any thread: shuts the connection down (a blocked read or write in the
 * owner returns at once) and makes every later httpc_send() fail with
 * MEEK_ECLOSED. */
void httpc_abort(struct httpc *h);
/* 1 after httpc_abort(). */
int httpc_aborted(struct httpc *h);

#endif
