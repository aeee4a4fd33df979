#include "config.h"
#include "server/window.h"
#include "shared/err.h"

#include <stdlib.h>
#include <string.h>

int
window_init(struct window *w, size_t cap)
{
	memset(w, 0, sizeof *w);
	if (cap == 0)
		return MEEK_EINVAL;
	w->buf = malloc(cap);
	if (w->buf == NULL)
		return MEEK_ENOMEM;
	w->cap = cap;
	return 0;
}

void
window_free(struct window *w)
{
	free(w->buf);
	w->buf = NULL;
}

size_t
window_used(const struct window *w)
{
	return (size_t)(w->end - w->base);
}

size_t
window_space(const struct window *w)
{
	return w->buf == NULL ? 0 : w->cap - window_used(w);
}

unsigned char *
window_tail(struct window *w, size_t *len)
{
	size_t pos, space = window_space(w);

	if (space == 0) {
		*len = 0;
		return w->buf;
	}
	pos = (size_t)(w->end % w->cap);
	/* Up to the physical end of the ring; the next call wraps. */
	*len = w->cap - pos < space ? w->cap - pos : space;
	return w->buf + pos;
}

void
window_commit(struct window *w, size_t n)
{
	w->end += n;
}

size_t
window_put(struct window *w, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n;
		unsigned char *t = window_tail(w, &n);

		if (n == 0)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(t, p + done, n);
		window_commit(w, n);
		done += n;
	}
	return done;
}

int
window_ack(struct window *w, uint64_t off)
{
	if (off > w->end)
		return MEEK_EPROTO;
	if (off > w->base)
		w->base = off;
	return 0;
}

int
window_holds(const struct window *w, uint64_t off)
{
	return off >= w->base && off <= w->end;
}

size_t
window_copy(const struct window *w, uint64_t off, void *dst, size_t len)
{
	unsigned char *d = dst;
	size_t done = 0;

	if (w->buf == NULL || !window_holds(w, off))
		return 0;
	if (len > w->end - off)
		len = (size_t)(w->end - off);
	while (done < len) {
		size_t pos = (size_t)((off + done) % w->cap);
		size_t n = w->cap - pos;

		if (n > len - done)
			n = len - done;
		memcpy(d + done, w->buf + pos, n);
		done += n;
	}
	return done;
}
