/*
 * fuzz_common: helpers shared by the libFuzzer harnesses (header only, each
 * harness is one translation unit built with the library sources).
 */
#ifndef MEEK_FUZZ_COMMON_H
#define MEEK_FUZZ_COMMON_H
#include "shared/err.h"
#include "shared/http.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Inputs larger than this are truncated: they must fit in the socket buffer
 * so that the whole input can be written before the parser runs. */
#define FUZZ_STREAM_MAX (60 * 1024)

/* libFuzzer's entry point, defined by each harness (declared here, once, for
 * -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the n bytes at p to fd (no SIGPIPE); returns 0 or -1. */
static inline int
fuzz_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Makes a socketpair whose fds[1] -> fds[0] direction holds
 * FUZZ_STREAM_MAX bytes with room to spare, so that a whole input fits
 * before anyone reads.  Returns 0 or -1.
 */
static inline int
fuzz_pair_open(int fds[2])
{
	int buf = 4 * FUZZ_STREAM_MAX;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		return -1;
	(void)setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	(void)setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	return 0;
}

/*
 * Makes a socketpair, writes `data` into one end and shuts its write side
 * down so that the parser sees the input followed by EOF.  Returns the read
 * end in fds[0]; fds[1] stays open (the parser may write replies to it
 * without getting EPIPE) and is closed by fuzz_pair_close().  Returns 0 or
 * -1.
 */
static inline int
fuzz_pair_feed(int fds[2], const uint8_t *data, size_t size)
{
	if (size > FUZZ_STREAM_MAX)
		size = FUZZ_STREAM_MAX;
	if (fuzz_pair_open(fds) < 0)
		return -1;
	if (fuzz_write_all(fds[1], data, size) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	(void)shutdown(fds[1], SHUT_WR);
	return 0;
}

static inline void
fuzz_pair_close(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

/* A NUL-terminated heap copy of the input (caller frees). */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * rc = parse(&obj, s, &why) on the input as a C string s, with obj filled
 * with 0xa5 bytes first (a field the parser forgets to set shows); aborts
 * when it fails without a reason.  For parsers whose results are copies
 * (s is freed before the caller looks at obj).
 */
#define FUZZ_PARSE_CSTRING(rc, parse, obj, data, size)			\
	do {								\
		char *fuzz_s_ = fuzz_strdup((data), (size));		\
		const char *fuzz_why_ = NULL;				\
									\
		memset(&(obj), 0xa5, sizeof(obj));			\
		(rc) = parse(&(obj), fuzz_s_, &fuzz_why_);		\
		if ((rc) != 0 && fuzz_why_ == NULL)			\
			abort();					\
		free(fuzz_s_);						\
	} while (0)

/*
 * Defines the entry point of a harness for a parser of C strings (url,
 * proxy): FUZZ_PARSE_CSTRING on a `type` and, when it parsed, check(&obj),
 * which aborts when the result breaks one of the parser's promises.
 */
#define FUZZ_CSTRING_HARNESS(type, parse, check)			\
	int								\
	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)	\
	{								\
		type fuzz_obj_;						\
		int fuzz_rc_;						\
									\
		FUZZ_PARSE_CSTRING(fuzz_rc_, parse, fuzz_obj_, data, size); \
		if (fuzz_rc_ == 0)					\
			check(&fuzz_obj_);				\
		return 0;						\
	}

/* Whether buf[cap] holds a NUL: a field the parser filled is a C string. */
static inline int
fuzz_is_cstr(const char *buf, size_t cap)
{
	return strnlen(buf, cap) < cap;
}

/* A heap copy of the input, at least one byte long (caller frees); NULL
 * when out of memory. */
static inline unsigned char *
fuzz_memdup(const uint8_t *data, size_t size)
{
	unsigned char *p = malloc(size ? size : 1);

	if (p != NULL)
		memcpy(p, data, size);
	return p;
}

/* "$TMPDIR/name" ("/tmp/name" when TMPDIR is unset or empty) into buf. */
static inline void
fuzz_tmp_path(char *buf, size_t cap, const char *name)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, cap, "%s/%s", tmp != NULL && *tmp != '\0' ? tmp : "/tmp",
	    name);
}

/*
 * The first call makes the directory "$TMPDIR/tmpl" (tmpl ends in XXXXXX,
 * as for mkdtemp) into dir[cap] and registers cleanup() with atexit();
 * aborts when it cannot.  Returns 1 then, 0 on later calls (dir already
 * holds the directory).  dir must start empty (static storage).
 */
static inline int
fuzz_scratch_dir(char *dir, size_t cap, const char *tmpl,
    void (*cleanup)(void))
{
	if (dir[0] != '\0')
		return 0;
	fuzz_tmp_path(dir, cap, tmpl);
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	return 1;
}

/* The contract of a TLS message parser that fails: MEEK_EPROTO with a
 * reason and an alert to send.  Aborts when it is broken. */
static inline void
fuzz_tls_failure_check(int rc, const char *why, int alert)
{
	if (rc != MEEK_EPROTO || why == NULL || alert == 0)
		abort();
}

/*
 * Checks the headers of a parsed head (aborts when a check fails): every
 * name and value is a C string and, with `total` (the lengths of the start
 * line's strings), they fit in the head; then looks two of them up.
 */
static inline void
fuzz_http_headers_check(const struct http_msg *m, size_t total)
{
	for (size_t i = 0; i < m->nheaders; i++)
		total += strlen(m->headers[i].name) +
		    strlen(m->headers[i].value);
	if (m->nheaders > HTTP_MAX_HEADERS || total > HTTP_HEAD_MAX)
		abort();
	(void)http_header_get(m, "content-length");
	(void)http_header_get(m, "X-Session-Id");
}

/*
 * Runs the head parser `parse` (http_parse_request_head or
 * http_parse_response_head) on the raw input and returns the parsed head (in
 * static storage, overwritten by the next call) or NULL when it failed;
 * aborts when a malformed head comes without a reason.
 */
static inline const struct http_msg *
fuzz_http_head(int (*parse)(struct http_msg *, const char *, size_t,
    const char **), const uint8_t *data, size_t size)
{
	static struct http_msg m; /* 8 KB head: keep it off the stack */
	const char *why = NULL;
	int rc;

	rc = parse(&m, (const char *)data, size, &why);
	if (rc == MEEK_EPROTO && why == NULL)
		abort();
	return rc == 0 ? &m : NULL;
}

#endif
