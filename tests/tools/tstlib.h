/*
 * tstlib: what the test tools (meek-test-echo, meek-test-relay,
 * meek-test-socks), meek-bench and mlkem-tool share: the monotonic clock in
 * seconds, IPv4 "ip:port" and size arguments, the test tools' command lines,
 * a listener and its accept loop, connection threads, waits and whole reads
 * and writes with a deadline, and SHA-256 digests in hex.
 *
 * A deadline is an absolute tst_now() time; 0 means none.
 * Thread: any.
 */
#ifndef MEEK_TESTS_TSTLIB_H
#define MEEK_TESTS_TSTLIB_H
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>

#include "shared/opt.h"

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

/* The test tools' command lines: a struct opt table (shared/opt.h) read by
 * tst_getopt.  The rows that mean the same in every tool that has them are
 * described once, here, with their keys. */
enum { TST_KEY_HELP = 'h', TST_KEY_LISTEN = 'l' };
#define TST_OPT_HELP { "help", no_argument, TST_KEY_HELP, NULL, \
	"show this help" }
#define TST_OPT_LISTEN { "listen", required_argument, TST_KEY_LISTEN, \
	"IP:PORT", "address to listen on (port 0: any free port)" }
/* Returns the key of the next option of `argv` (getopt_long over `t`, so
 * optarg and optind as getopt's), or -1 at the end.  What every tool does
 * alike is done here: --help prints `usage` (opt_usage) on stdout and exits
 * 0; an unknown option, a missing value or an argument that is not an
 * option goes to tst_usage_exit.  Thread: main only. */
int tst_getopt(int argc, char **argv, const struct opt *t, const char *usage);
/* Prints `usage` and the options of `t` on stderr and exits 2 (a wrong
 * command line). */
void tst_usage_exit(const char *usage, const struct opt *t)
    __attribute__((noreturn));

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
