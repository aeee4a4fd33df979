/*
 * libFuzzer harness: the client side of the Extended ORPort handshake
 * (extor_handshake) against the input as the server's messages.
 *
 * Layout: byte 0 is flags; bit 0 asks the harness to play a correct server
 * hash so that the fuzzer gets past authentication: the harness then writes
 * the auth type list (the input up to and including its first 00), reads
 * the client's type and nonce, takes the next 64 input bytes as server hash
 * and server nonce and replaces the hash with the right HMAC before writing
 * them and the rest.  Without bit 0 the input is written as is.  The peer
 * runs in a thread so that the client can block on its reads.
 */
#include "config.h"
#include "shared/extor.h"
#include "shared/err.h"
#include "fuzz_common.h"

#include <bearssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char fuzz_cookie[EXTOR_COOKIE_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};

struct fuzz_peer {
	int fd;
	const uint8_t *data;
	size_t size;
	int fix_hash;
};

static int
fuzz_read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, 1000) <= 0)
			return -1;
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void *
fuzz_peer_run(void *arg)
{
	struct fuzz_peer *pr = arg;
	const uint8_t *p = pr->data, *end = pr->data + pr->size;

	if (pr->fix_hash) {
		const uint8_t *z = memchr(p, 0, (size_t)(end - p));
		uint8_t cl[1 + 32], srv[64];
		br_hmac_key_context kc;
		br_hmac_context hc;
		static const char label[] =
		    "ExtORPort authentication server-to-client hash";

		if (z == NULL || (size_t)(end - (z + 1)) < sizeof srv)
			goto rest;
		if (fuzz_write_all(pr->fd, p, (size_t)(z + 1 - p)) < 0)
			goto out;
		p = z + 1;
		if (fuzz_read_all(pr->fd, cl, sizeof cl) < 0)
			goto out;
		memcpy(srv, p, sizeof srv);
		p += sizeof srv;
		br_hmac_key_init(&kc, &br_sha256_vtable, fuzz_cookie,
		    sizeof fuzz_cookie);
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, label, strlen(label));
		br_hmac_update(&hc, cl + 1, 32);
		br_hmac_update(&hc, srv + 32, 32);
		br_hmac_out(&hc, srv);
		if (fuzz_write_all(pr->fd, srv, sizeof srv) < 0)
			goto out;
	}
rest:
	(void)fuzz_write_all(pr->fd, p, (size_t)(end - p));
out:
	(void)shutdown(pr->fd, SHUT_WR);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_peer pr;
	pthread_t th;
	const char *why = NULL;
	int fds[2], rc;

	if (size < 1)
		return 0;
	if (size > FUZZ_STREAM_MAX)
		size = FUZZ_STREAM_MAX;
	if (fuzz_pair_open(fds) < 0)
		return 0;
	pr.fd = fds[1];
	pr.data = data + 1;
	pr.size = size - 1;
	pr.fix_hash = data[0] & 1;
	if (pthread_create(&th, NULL, fuzz_peer_run, &pr) != 0) {
		fuzz_pair_close(fds);
		return 0;
	}
	rc = extor_handshake(fds[0], fuzz_cookie, "127.0.0.1:1", "meek", 200,
	    &why);
	if (rc < 0 && why == NULL)
		abort();
	/* Unblock the peer if the client gave up before reading its nonce. */
	(void)shutdown(fds[0], SHUT_RDWR);
	pthread_join(th, NULL);
	fuzz_pair_close(fds);
	return 0;
}
