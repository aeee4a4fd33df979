/*
 * peer: the test's end of a socket, for suites that play tor, a proxy or
 * an ExtORPort against the code under test: a socketpair, exact reads,
 * writes a fake peer's thread may do, and a listener on 127.0.0.1; and
 * for suites that play an HTTP server (pool, client_session), a pool
 * started on 127.0.0.1 and the 200 its service answers with.
 * Test-only: where a call asserts, the failure is a Check assertion.
 * Thread: any, except the calls that say "test thread" (Check's
 * assertions belong to the test's own thread).
 */
#ifndef MEEK_TESTS_PEER_H
#define MEEK_TESTS_PEER_H

#include <stddef.h>
#include <stdint.h>

struct conn;
struct http_msg;
struct pool;
struct pool_service;

/* A connected AF_UNIX stream pair (close-on-exec) into sv; asserts.
 * Test thread. */
void peer_pair(int sv[2]);

/* Reads exactly len bytes into buf; returns 0, or -1 on EOF or error. */
int peer_get(int fd, void *buf, size_t len);

/* Writes the len bytes of buf; if that fails, shuts fd down so that the
 * other side sees the end (no assertion: for a fake peer's thread). */
void peer_put(int fd, const void *buf, size_t len);

/* Reads len bytes (at most 600) and asserts they are want. Test thread. */
void peer_expect(int fd, const void *want, size_t len);

/* Reads and drops what comes until the other side closes. */
void peer_drain(int fd);

/* A socket listening on 127.0.0.1 at a port the kernel picks, stored in
 * *port; asserts. The caller closes it. Test thread. */
int peer_listen(uint16_t *port);

/* A pool of `threads` workers and `queue` waiting places (256 KB stacks)
 * serving svc (borrowed), started on a listener at 127.0.0.1 at a port
 * the kernel picks; its address ("127.0.0.1:port") into addr (addrlen
 * bytes, NET_ADDRSTR_MAX is enough).  Asserts.  The caller frees it with
 * pool_free.  Test thread. */
struct pool *peer_pool(const struct pool_service *svc, int threads,
    int queue, char *addr, size_t addrlen);

/* Answers the request m on c with 200 OK, Content-Type `type` and the len
 * bytes of body, keeping the connection as m asks.  Returns what a pool
 * service's serve() returns: POOL_KEEP when m keeps it alive and the
 * answer went out, else POOL_CLOSE (no assertion: for a worker thread). */
int peer_answer(struct conn *c, const struct http_msg *m, const char *type,
    const void *body, size_t len);

#endif
