#include "config.h"
#include "shared/tlspem.h"
#include "shared/err.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
tlspem_buf_append(void *ctx, const void *data, size_t len)
{
	struct tlspem_buf *b = ctx;
	unsigned char *np;
	size_t ncap;

	if (b->oom)
		return;
	if (b->len + len > b->cap) {
		ncap = b->cap ? b->cap : 1024;
		while (ncap < b->len + len)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

void *
tlspem_memdup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	if (q != NULL && len > 0)
		memcpy(q, p, len);
	return q;
}

/* Reads the whole file at `path` into a new buffer. */
int
tlspem_read_file(const char *path, unsigned char **out, size_t *outlen,
    const char **why)
{
	struct tlspem_buf b = { 0 };
	unsigned char chunk[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return meek_fail(why, "cannot open file", MEEK_EIO);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			free(b.p);
			errno = e;
			return meek_fail(why, "cannot read file", MEEK_EIO);
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > TLS_FILE_MAX) {
			close(fd);
			free(b.p);
			return meek_fail(why, "file too large", MEEK_EIO);
		}
		tlspem_buf_append(&b, chunk, (size_t)n);
		if (b.oom) {
			close(fd);
			free(b.p);
			return meek_fail(why, "out of memory", MEEK_ENOMEM);
		}
	}
	close(fd);
	if (b.p == NULL) {
		/* An empty file: callers hand the buffer to memmem() and
		 * explicit_bzero(), which must not get NULL even for length 0
		 * (found by tests/fuzz/fuzz_tls_pem with an empty key file). */
		b.p = malloc(1);
		if (b.p == NULL)
			return meek_fail(why, "out of memory", MEEK_ENOMEM);
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* Calls `fn` for each PEM object in `src`.  Returns 0, fn's negative
 * result, or MEEK_EPROTO on malformed PEM / MEEK_ENOMEM. */
int
tlspem_walk(const unsigned char *src, size_t len,
    int (*fn)(void *arg, const char *name, const unsigned char *der,
    size_t derlen), void *arg, const char **why)
{
	br_pem_decoder_context pc;
	struct tlspem_buf b = { 0 };
	char name[128];
	int inobj = 0, extra_nl = 1, r;
	size_t n;

	br_pem_decoder_init(&pc);
	name[0] = '\0';
	while (len > 0) {
		n = br_pem_decoder_push(&pc, src, len);
		src += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
			b.len = 0;
			br_pem_decoder_setdest(&pc, tlspem_buf_append, &b);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			if (!inobj)
				break;
			inobj = 0;
			if (b.oom) {
				free(b.p);
				return meek_fail(why, "out of memory",
				    MEEK_ENOMEM);
			}
			r = fn(arg, name, b.p, b.len);
			if (r < 0) {
				free(b.p);
				return r;
			}
			break;
		case BR_PEM_ERROR:
			free(b.p);
			return meek_fail(why, "malformed PEM", MEEK_EPROTO);
		default:
			break;
		}
		/* The decoder needs a final newline to close the last line. */
		if (len == 0 && extra_nl) {
			extra_nl = 0;
			src = (const unsigned char *)"\n";
			len = 1;
		}
	}
	free(b.p);
	if (inobj)
		return meek_fail(why, "unfinished PEM object", MEEK_EPROTO);
	return 0;
}

int
tlspem_is_cert_name(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 ||
	    strcmp(name, "X509 CERTIFICATE") == 0;
}
