#include "config.h"
#include "shared/stream.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/net.h"
#include "shared/tls.h"

#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

void
stream_init(struct stream *s, int fd, struct tls_conn *tls,
    unsigned char *rbuf, size_t rcap, int timeout_ms)
{
	s->fd = fd;
	s->timeout_ms = timeout_ms;
	s->tls = tls;
	stream_set_rbuf(s, rbuf, rcap);
	s->pace_waited_ms = 0;
	s->pace_bytes = 0;
	s->pace_grace_ms = 0;
	s->pace_rate = 0;
	s->ops = NULL;
	s->ops_ctx = NULL;
	if (tls != NULL)
		tls_conn_set_timeout(tls, timeout_ms);
}

void
stream_init_ops(struct stream *s, const struct stream_ops *ops, void *ctx,
    int fd_tag, int timeout_ms)
{
	stream_init(s, fd_tag, NULL, NULL, 0, timeout_ms);
	s->ops = ops;
	s->ops_ctx = ctx;
}

void
stream_set_rbuf(struct stream *s, unsigned char *rbuf, size_t rcap)
{
	s->rbuf = rbuf;
	s->rcap = rbuf != NULL ? rcap : 0;
	s->rpos = 0;
	s->rlen = 0;
}

void
stream_set_timeout(struct stream *s, int timeout_ms)
{
	s->timeout_ms = timeout_ms;
	if (s->tls != NULL)
		tls_conn_set_timeout(s->tls, timeout_ms);
}

void
stream_pace_begin(struct stream *s, int grace_ms, int rate)
{
	s->pace_waited_ms = 0;
	s->pace_bytes = 0;
	s->pace_grace_ms = grace_ms;
	s->pace_rate = rate > 0 ? rate : 1;
}

void
stream_pace_end(struct stream *s)
{
	s->pace_rate = 0;
	if (s->tls != NULL)
		tls_conn_set_deadline(s->tls, 0);
}

/* One read of the transport, bypassing the read-ahead buffer. */
static long
stream_read_transport(struct stream *s, void *buf, size_t len)
{
	int wait = s->timeout_ms;
	long long t0 = 0;
	long n;

	if (s->pace_rate > 0) {
		/* The time this client may still make us wait. */
		long long left = s->pace_grace_ms +
		    (long long)(s->pace_bytes * 1000 /
		    (unsigned long long)s->pace_rate) - s->pace_waited_ms;

		if (left < 0)
			left = 0;
		if (wait < 0 || left < wait)
			wait = (int)left;
		t0 = clock_ms();
		if (s->tls != NULL)
			tls_conn_set_deadline(s->tls, t0 + wait);
	}
	if (s->ops != NULL)
		n = s->ops->read(s->ops_ctx, buf, len, wait);
	else if (s->tls != NULL)
		n = tls_conn_read(s->tls, buf, len);
	else
		n = net_read_some(s->fd, buf, len, wait);
	if (s->pace_rate > 0) {
		s->pace_waited_ms += clock_ms() - t0;
		if (n > 0)
			s->pace_bytes += (unsigned long long)n;
	}
	return n;
}

/* Moves the unread bytes to the front of the buffer; MEEK_ETOOBIG when
 * they fill it (no room to read into). */
static long
stream_compact(struct stream *s)
{
	if (s->rpos > 0) {
		if (s->rlen > s->rpos)
			memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
		s->rlen -= s->rpos;
		s->rpos = 0;
	}
	return s->rlen >= s->rcap ? MEEK_ETOOBIG : 0;
}

long
stream_fill_now(struct stream *s, short *events)
{
	size_t room;
	long n;

	*events = 0;
	if ((n = stream_compact(s)) < 0)
		return n;
	room = s->rcap - s->rlen;
	if (s->ops != NULL) {
		n = s->ops->read(s->ops_ctx, s->rbuf + s->rlen, room, 0);
		if (n == MEEK_ETIMEDOUT) {
			*events = POLLIN;
			n = 0;
		}
	} else if (s->tls != NULL) {
		n = tls_conn_read_now(s->tls, s->rbuf + s->rlen, room, events);
	} else {
		n = net_read_some(s->fd, s->rbuf + s->rlen, room, 0);
		if (n == MEEK_ETIMEDOUT) {
			*events = POLLIN;
			n = 0;
		}
	}
	if (n > 0)
		s->rlen += (size_t)n;
	return n;
}

long
stream_fill(struct stream *s)
{
	long n;

	if ((n = stream_compact(s)) < 0)
		return n;
	n = stream_read_transport(s, s->rbuf + s->rlen, s->rcap - s->rlen);
	if (n > 0)
		s->rlen += (size_t)n;
	return n;
}

void
stream_consume(struct stream *s, size_t n)
{
	if (n > s->rlen - s->rpos)
		n = s->rlen - s->rpos;
	s->rpos += n;
	if (s->rpos == s->rlen)
		s->rpos = s->rlen = 0;
}

long
stream_read(struct stream *s, void *buf, size_t len)
{
	size_t avail;
	long n;

	if (len == 0)
		return 0;
	avail = s->rlen - s->rpos;
	if (avail == 0 && s->tls == NULL && s->rcap > 0 && len < s->rcap) {
		/* Small reads of a plain socket go through the read-ahead
		 * buffer to save system calls. */
		n = stream_fill(s);
		if (n < 0)
			return n;
		avail = s->rlen - s->rpos;
	}
	if (avail > 0) {
		if (len > avail)
			len = avail;
		memcpy(buf, s->rbuf + s->rpos, len);
		stream_consume(s, len);
		return (long)len;
	}
	return stream_read_transport(s, buf, len);
}

/* stream_read() in net_read_exact()'s shape. */
static long
stream_rd(void *s, void *buf, size_t len)
{
	return stream_read(s, buf, len);
}

int
stream_read_full(struct stream *s, void *buf, size_t len)
{
	return net_read_exact(stream_rd, s, buf, len);
}

int
stream_write(struct stream *s, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (s->ops != NULL)
		return MEEK_EINVAL;
	if (s->tls != NULL)
		return tls_conn_write(s->tls, buf, len);
	return net_write_all(s->fd, buf, len, s->timeout_ms);
}

int
stream_writev(struct stream *s, const struct iovec *iov, int n)
{
	int i, rc;

	if (s->ops != NULL)
		return MEEK_EINVAL;
	if (s->tls == NULL)
		return net_writev_all(s->fd, iov, n, s->timeout_ms);
	if (n < 0 || n > NET_IOV_MAX)
		return MEEK_EINVAL;
	for (i = 0; i < n; i++)   /* TLS buffers them into records itself */
		if ((rc = stream_write(s, iov[i].iov_base, iov[i].iov_len)) < 0)
			return rc;
	return 0;
}

int
stream_flush(struct stream *s)
{
	if (s->tls != NULL)
		return tls_conn_flush(s->tls);
	return 0;
}

int
stream_has_pending(const struct stream *s)
{
	if (s->rlen > s->rpos)
		return 1;
	if (s->ops != NULL)
		return s->ops->pending(s->ops_ctx);
	return s->tls != NULL && tls_conn_has_pending(s->tls);
}

void
stream_close(struct stream *s)
{
	if (s->fd < 0)
		return;
	if (s->ops != NULL) {
		s->ops->close(s->ops_ctx);
		s->ops = NULL;
		s->ops_ctx = NULL;
	} else {
		if (s->tls != NULL)
			tls_conn_free(s->tls);
		close(s->fd);
	}
	s->fd = -1;
	s->tls = NULL;
	s->rpos = s->rlen = 0;
}
