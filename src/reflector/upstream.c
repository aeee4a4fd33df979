#include "config.h"
#include "reflector/upstream.h"
#include "shared/clock.h"
#include "shared/dial.h"
#include "shared/err.h"
#include "shared/net.h"

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct upconn {
	struct upconn *next;
	struct stream st;
	long long idle_since_ms;
	unsigned char rbuf[HTTP_HEAD_MAX];
};

struct upstream {
	const struct url *url;
	const struct tls_anchors *anchors;
	size_t max_idle;
	/* lock guards idle and nidle. */
	pthread_mutex_t lock;
	struct upconn *idle;           /* most recently used first */
	size_t nidle;
};

int
upstream_new(struct upstream **out, const struct url *u,
    const struct tls_anchors *anchors, size_t max_idle, const char **why)
{
	struct upstream *up;

	if (u->https && anchors == NULL) {
		*why = "https upstream without trust anchors";
		return MEEK_EINVAL;
	}
	up = calloc(1, sizeof *up);
	if (up == NULL) {
		*why = "out of memory";
		return MEEK_ENOMEM;
	}
	up->url = u;
	up->anchors = anchors;
	up->max_idle = max_idle;
	pthread_mutex_init(&up->lock, NULL);
	*out = up;
	return 0;
}

static void
upconn_free(struct upconn *uc)
{
	stream_close(&uc->st);
	free(uc);
}

void
upstream_free(struct upstream *up)
{
	if (up == NULL)
		return;
	while (up->idle != NULL) {
		struct upconn *uc = up->idle;
		up->idle = uc->next;
		upconn_free(uc);
	}
	pthread_mutex_destroy(&up->lock);
	free(up);
}

/* Takes a usable idle connection, or dials a new one. */
static int
upstream_get(struct upstream *up, struct upconn **out, const char **why)
{
	struct upconn *uc, *drop = NULL;
	long long now = clock_ms();
	int rc;

	for (;;) {
		pthread_mutex_lock(&up->lock);
		uc = up->idle;
		if (uc != NULL) {
			up->idle = uc->next;
			up->nidle--;
		}
		pthread_mutex_unlock(&up->lock);
		if (uc == NULL)
			break;
		if (now - uc->idle_since_ms < UPSTREAM_IDLE_MS &&
		    !stream_has_pending(&uc->st) &&
		    net_wait(uc->st.fd, POLLIN, 0) == 0) {
			*out = uc;
			return 0;
		}
		uc->next = drop;
		drop = uc;
	}
	while (drop != NULL) {
		uc = drop;
		drop = uc->next;
		upconn_free(uc);
	}
	uc = calloc(1, sizeof *uc);
	if (uc == NULL) {
		*why = "out of memory";
		return MEEK_ENOMEM;
	}
	rc = dial_stream(&uc->st, NULL, up->url->host, up->url->port,
	    up->url->https, up->anchors, up->url->host,
	    TLSHELLO_CHROME_WS, uc->rbuf,
	    sizeof uc->rbuf, UPSTREAM_CONNECT_MS, UPSTREAM_IO_MS, why);
	if (rc != 0) {
		free(uc);
		return rc;
	}
	*out = uc;
	return 0;
}

static void
upstream_put(struct upstream *up, struct upconn *uc)
{
	pthread_mutex_lock(&up->lock);
	if (up->nidle < up->max_idle) {
		uc->idle_since_ms = clock_ms();
		uc->next = up->idle;
		up->idle = uc;
		up->nidle++;
		uc = NULL;
	}
	pthread_mutex_unlock(&up->lock);
	if (uc != NULL)
		upconn_free(uc);
}

int
upstream_begin(struct upstream *up, struct upconn **out, const char *extra,
    unsigned long long len, const char **why)
{
	struct upconn *uc;
	int rc;

	*out = NULL;
	if ((rc = upstream_get(up, &uc, why)) != 0)
		return rc;
	rc = http_write_request_head(&uc->st, "POST", up->url->host_header,
	    up->url->path, extra, len);
	if (rc != 0) {
		*why = "sending to meek-server failed";
		upconn_free(uc);
		return rc;
	}
	*out = uc;
	return 0;
}

struct stream *
upstream_stream(struct upconn *uc)
{
	return &uc->st;
}

void
upstream_end(struct upstream *up, struct upconn *uc, int reuse)
{
	if (uc == NULL)
		return;
	if (!reuse || stream_has_pending(&uc->st)) {
		/* Bytes beyond the response: the connection is out of step. */
		upconn_free(uc);
		return;
	}
	stream_set_timeout(&uc->st, UPSTREAM_IO_MS);
	upstream_put(up, uc);
}

int
upstream_exchange(struct upstream *up, const char *extra, const void *body,
    size_t len, struct http_msg *m, unsigned char *out, size_t cap,
    size_t *out_len, const char **why)
{
	struct upconn *uc;
	int rc;

	*out_len = 0;
	if ((rc = upstream_get(up, &uc, why)) != 0)
		return rc;
	rc = http_write_request(&uc->st, "POST", up->url->host_header,
	    up->url->path, extra, body, len);
	if (rc != 0)
		*why = "sending to meek-server failed";
	else
		rc = http_read_response(&uc->st, m, why);
	if (rc == 0)
		rc = http_read_body(&uc->st, m, 1, out, cap, out_len, why);
	if (rc != 0 || !m->keep_alive) {
		upconn_free(uc);
		return rc == MEEK_EHEADTOOBIG ? MEEK_EPROTO : rc;
	}
	upstream_put(up, uc);
	return 0;
}
