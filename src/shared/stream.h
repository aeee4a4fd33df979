/*
 * stream: one blocking byte stream over a plain socket or a TLS connection,
 * with a per-operation timeout and an optional read-ahead buffer.  Every
 * protocol codec (http) reads and writes through it.
 *
 * A stream owns its fd and its tls_conn (if any) from stream_init() until
 * stream_close().  The read-ahead buffer is borrowed from the caller for the
 * life of the stream.
 * Thread: owner only (one thread at a time).
 */
#ifndef MEEK_SHARED_STREAM_H
#define MEEK_SHARED_STREAM_H
#include <stddef.h>

struct tls_conn;
struct stream;

/* A stream that is not a socket (one HTTP/2 request's response body,
 * client/h2conn.c): stream_read and friends call these instead of the
 * socket, stream_write fails with MEEK_EINVAL.  read: as stream_read()'s
 * transport read, waiting at most s->timeout_ms (-1: no bound);
 * pending: 1 when bytes can be read at once; close: frees ctx. */
struct stream_ops {
	long (*read)(void *ctx, void *buf, size_t len, int timeout_ms);
	int (*pending)(const void *ctx);
	void (*close)(void *ctx);
};

struct stream {
	int fd;
	int timeout_ms;          /* bound on each wait; -1 none */
	struct tls_conn *tls;    /* NULL: plain socket */
	unsigned char *rbuf;     /* borrowed read-ahead buffer */
	size_t rcap, rpos, rlen; /* valid bytes are rbuf[rpos..rlen) */
	/* Minimum read rate (stream_pace_begin): 0 when off. */
	long long pace_waited_ms;      /* spent waiting in reads since */
	unsigned long long pace_bytes; /* received since the begin */
	int pace_grace_ms, pace_rate;  /* bytes per second */
	const struct stream_ops *ops;  /* NULL: fd (and tls) */
	void *ops_ctx;
};

/* Initializes `s` over `fd` (and `tls` when not NULL, already set up on the
 * same fd) with read-ahead buffer `rbuf` of `rcap` bytes. */
void stream_init(struct stream *s, int fd, struct tls_conn *tls,
    unsigned char *rbuf, size_t rcap, int timeout_ms);
/* Initializes `s` over `ops` and `ctx` (owned by the stream until
 * stream_close()), no read-ahead buffer; s->fd is `fd_tag`, a number the
 * owner may test (>= 0: open) but that the stream never reads, writes,
 * shuts down or closes. */
void stream_init_ops(struct stream *s, const struct stream_ops *ops,
    void *ctx, int fd_tag, int timeout_ms);
void stream_set_timeout(struct stream *s, int timeout_ms);
/* Replaces the read-ahead buffer (NULL: none, until the next call) of a
 * stream with no buffered bytes (stream_has_pending() == 0 for them);
 * what the old buffer held is forgotten. */
void stream_set_rbuf(struct stream *s, unsigned char *rbuf, size_t rcap);

/* Reads up to `len` bytes: buffered bytes first, else one read of the
 * transport.  Returns bytes read (>0), MEEK_ECLOSED on EOF (a TLS peer that
 * closes without close_notify counts as EOF), MEEK_ETIMEDOUT, MEEK_EIO,
 * MEEK_ETLS. */
long stream_read(struct stream *s, void *buf, size_t len);
/* Reads exactly `len` bytes.  Returns 0 or an error as stream_read(). */
int stream_read_full(struct stream *s, void *buf, size_t len);
/* Reads more bytes into the read-ahead buffer (compacting it first).
 * Returns bytes added (>0), MEEK_ETOOBIG when the buffer is full, or an
 * error as stream_read(). */
long stream_fill(struct stream *s);
/* As stream_fill() without blocking: bytes added (>0), 0 when nothing can
 * be read now (*events says POLLIN or POLLOUT to wait for), or an error as
 * stream_fill(). */
long stream_fill_now(struct stream *s, short *events);
/* From now on the transport must deliver at least `rate` bytes a second
 * after `grace_ms`: counting only the time spent waiting in reads (not
 * the caller's own work between them), the client may make this stream
 * wait at most grace_ms + bytes_received * 1000 / rate in all (and each
 * read at most the timeout).  Past that a read still takes what has
 * arrived; with nothing there it fails with MEEK_ETIMEDOUT.  For request
 * bodies, so a client dripping bytes cannot hold a worker. */
void stream_pace_begin(struct stream *s, int grace_ms, int rate);
/* Turns the minimum rate off again. */
void stream_pace_end(struct stream *s);
/* Consumes `n` bytes from the front of the read-ahead buffer. */
void stream_consume(struct stream *s, size_t n);

/* Writes all of `buf` (buffered by TLS until stream_flush()).
 * Returns 0, MEEK_ETIMEDOUT, MEEK_EIO, MEEK_ETLS. */
int stream_write(struct stream *s, const void *buf, size_t len);
/* Writes the `n` (<= NET_IOV_MAX) pieces of `iov` in order, as one send
 * on a plain socket (the pieces of one HTTP chunk leave together).
 * Returns as stream_write(), or MEEK_EINVAL for a bad `n`. */
struct iovec;
int stream_writev(struct stream *s, const struct iovec *iov, int n);
/* Sends buffered TLS records.  Returns 0 or an error as stream_write(). */
int stream_flush(struct stream *s);

/* 1 when bytes can be read without touching the socket (read-ahead buffer
 * or decrypted TLS data pending). */
int stream_has_pending(const struct stream *s);
/* Sends close_notify (TLS, best effort, no waiting), closes the fd, frees
 * the tls_conn (ops: ops->close(ctx) only).  Safe on a stream that was never initialized with fd -1. */
void stream_close(struct stream *s);

#endif
