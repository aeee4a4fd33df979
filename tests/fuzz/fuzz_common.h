/*
 * fuzz_common: helpers shared by the libFuzzer harnesses (header only, each
 * harness is one translation unit built with the library sources).
 */
#ifndef MEEK_FUZZ_COMMON_H
#define MEEK_FUZZ_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Inputs larger than this are truncated: they must fit in the socket buffer
 * so that the whole input can be written before the parser runs. */
#define FUZZ_STREAM_MAX (60 * 1024)

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
	int buf = 4 * FUZZ_STREAM_MAX;
	size_t off = 0;

	if (size > FUZZ_STREAM_MAX)
		size = FUZZ_STREAM_MAX;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		return -1;
	(void)setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
	(void)setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	while (off < size) {
		ssize_t n = write(fds[1], data + off, size - off);

		if (n <= 0) {
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
		off += (size_t)n;
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

#endif
