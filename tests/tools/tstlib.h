/*
 * tstlib: what the test tools (meek-test-echo, meek-test-relay,
 * meek-test-socks), meek-bench and mlkem-tool share: the monotonic clock in
 * seconds, IPv4 "ip:port" and size arguments, a listener and its accept
 * loop, connection threads, waits and whole reads and writes with a
 * deadline, and SHA-256 digests in hex.
 *
 * A deadline is an absolute tst_now() time; 0 means none.
 * Thread: any.
 */
#ifndef MEEK_TESTS_TSTLIB_H
#define MEEK_TESTS_TSTLIB_H
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>

/* Seconds of CLOCK_MONOTONIC (for durations and deadlines). */
double tst_now(void);
/* Milliseconds left before `deadline` (rounded up, at most an hour), 0 when
 * it passed, -1 (wait for ever) when it is 0: a poll(2) timeout. */
int tst_left_ms(double deadline);

/* Parses "ip:port" (IPv4, port from `min_port` to 65535) into *sin.
 * Returns 0 or -1. */
int tst_parse_addr(const char *s, struct sockaddr_in *sin, long min_port);
/* Parses a decimal count with an optional K or M suffix (KiB, MiB).
 * Returns 0 or -1. */
int tst_parse_size(const char *s, unsigned long long *out);

/* Listens on `sin` (SO_REUSEADDR, backlog 128) and writes the bound
 * "ip:port" to `bound`.  Returns the fd, or -1 with errno. */
int tst_listen(const struct sockaddr_in *sin, char *bound, size_t boundlen);
/* Accepts one connection on `lfd` (close-on-exec, TCP_NODELAY), retrying
 * on EINTR and ECONNABORTED, and after 100 ms when out of descriptors.
 * Returns the fd, or -1 with errno on any other error. */
int tst_accept(int lfd);
/* Runs fn(arg) in a new thread with a 256 KiB stack: joinable with its id
 * in *tid, or detached when tid is NULL.  Returns 0 or -1. */
int tst_thread(pthread_t *tid, void *(*fn)(void *), void *arg);

/* Waits up to `ms` (-1: for ever) for `events` on fd, retrying on EINTR.
 * Returns poll's revents, 0 on timeout, -1 on error. */
int tst_wait(int fd, short events, int ms);
/* Writes all `len` bytes of buf (MSG_NOSIGNAL), waiting for each step until
 * `deadline`.  Returns 0, or -1 on error or timeout. */
int tst_send_all(int fd, const void *buf, size_t len, double deadline);
/* Reads exactly `len` bytes into buf, waiting for each step until
 * `deadline`.  Returns 0, or -1 on error, timeout or EOF (then *eof is
 * set; it is cleared first). */
int tst_recv_full(int fd, void *buf, size_t len, double deadline, int *eof);

/* Writes the 32-byte `digest` as 64 hex digits and a NUL. */
void tst_hex(char out[65], const unsigned char digest[32]);

#endif
