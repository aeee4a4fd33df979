/*
 * net: TCP dial with a timeout, listen, and address formatting.
 *
 * All fds returned are blocking, close-on-exec, with TCP_NODELAY on
 * connected sockets.  One formatter for "ip:port" / "[v6]:port".
 * Thread: any.
 */
#ifndef MEEK_SHARED_NET_H
#define MEEK_SHARED_NET_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NET_ADDRSTR_MAX 64   /* "[v6]:port" plus NUL fits */
#define NET_HOST_MAX 256

/* Splits "host:port" or "[v6]:port" into `host` (no brackets) and `port`.
 * Port must be 1-65535 unless `allow_zero`.  Returns 0 or MEEK_EINVAL. */
int net_split_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port, int allow_zero, const char **why);

/* Resolves `host` (name or literal) and connects to `port` within
 * `timeout_ms` (over all addresses).  Returns a connected fd, or
 * MEEK_ERESOLVE, MEEK_ECONNREFUSED, MEEK_ECONNTIMEDOUT, MEEK_ECONNECT with *why. */
int net_dial(const char *host, uint16_t port, int timeout_ms, const char **why);
/* Connects the non-blocking socket `fd` (bound, or not, as the caller
 * wants) to `sa` within `timeout_ms`, then makes it blocking with
 * TCP_NODELAY.  Returns `fd`, or closes it and returns MEEK_ECONNREFUSED,
 * MEEK_ECONNTIMEDOUT, MEEK_ECONNECT with *why: net_dial's last step, and
 * server/srcdial's. */
int net_connect_socket(int fd, const struct sockaddr *sa, socklen_t salen,
    int timeout_ms, const char **why);
/* The code and reason (a literal) for errno `e` from socket(), bind() or
 * connect(): MEEK_ECONNREFUSED, MEEK_ECONNTIMEDOUT or MEEK_ECONNECT. */
int net_connect_error(int e, const char **why);

/* Binds and listens on "ip:port" (`addr`, IP literal or "localhost";
 * port 0 picks a free port) with SO_REUSEADDR.  Returns the listening fd or
 * MEEK_EINVAL / MEEK_EIO with *why ("address already in use", ...). */
int net_listen(const char *addr, int backlog, const char **why);

/* The one "host:port" rule: `host` (a name, an IPv4 or a bare IPv6
 * literal) and `port` as "host:port", an IPv6 literal bracketed
 * ("[::1]:5"); a negative port: the host alone, bracketed if IPv6 ("[::1]",
 * as a Host header).  Truncates to `len`.  Returns `buf`. */
char *net_hostport(char *buf, size_t len, const char *host, int port);
/* Formats `sa` as "1.2.3.4:5" or "[::1]:5" into `buf`.  Returns `buf`. */
char *net_addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Formats only the IP ("1.2.3.4" / "::1", no brackets).  Returns `buf`. */
char *net_ip_format(const struct sockaddr *sa, char *buf, size_t len);
/* For logs: net_addr_format() when log_is_unsafe(), else "[scrubbed]". */
char *net_addr_str(const struct sockaddr *sa, char *buf, size_t len);
/* The local address of socket `fd`, formatted.  Returns `buf` ("?" on error). */
char *net_sockname(int fd, char *buf, size_t len);
/* The peer address of `fd`, formatted (IP only when `ip_only`). */
char *net_peername(int fd, char *buf, size_t len, int ip_only);
/* 1 when the IP string `ip` parses as an IPv4 or IPv6 literal (no
 * brackets; NULL: 0). */
int net_is_ip_literal(const char *ip);
/* Parses the IPv4 or IPv6 literal `s` (inet_pton; an IPv6 one may be in
 * brackets, "[::1]") into out[0..*len), network order, *len 4 or 16.
 * Returns 0, or MEEK_EINVAL (*len 0) for NULL or anything else. */
int net_parse_ip(const char *s, unsigned char out[16], size_t *len);

/* Waits until `fd` is readable (events POLLIN) or writable (POLLOUT) for at
 * most `timeout_ms` (-1: forever).  Returns 1 ready, 0 timed out, MEEK_EIO. */
int net_wait(int fd, short events, int timeout_ms);
/* net_wait() as an error code (0 ready, MEEK_ETIMEDOUT, MEEK_EIO) for a
 * wait that may be long: arena_poll, calling idle(arg) if the thread
 * becomes idle meanwhile. */
int net_wait_idle(int fd, short events, int timeout_ms,
    void (*idle)(void *), void *arg);
/* Writes all of `buf` to `fd`, each wait bounded by `timeout_ms`.
 * Returns 0, MEEK_ETIMEDOUT or MEEK_EIO (EPIPE included; SIGPIPE never). */
int net_write_all(int fd, const void *buf, size_t len, int timeout_ms);
/* As net_write_all() for the `n` (<= NET_IOV_MAX) pieces of `iov`, sent
 * together (one segment where they fit: the pieces of a chunk do not
 * leave as three packets on a TCP_NODELAY socket).  `iov` is not changed.
 * Returns as net_write_all(), or MEEK_EINVAL for a bad `n`. */
#define NET_IOV_MAX 8
struct iovec;
int net_writev_all(int fd, const struct iovec *iov, int n, int timeout_ms);
/* Reads exactly `len` bytes into `buf` by calling `rd(ctx, p, left)` until
 * they are in: the one such loop, under net_read_full*, stream_read_full and
 * http_body_read_full (each reads its own way; net has it as the lowest of
 * them).  `rd` reads at most `left` bytes into `p` and returns bytes read
 * (>0), 0 at an end, or a negative MEEK_E* code.  Borrows `ctx` for the
 * call.  Returns 0, `rd`'s negative code as it is, or MEEK_ECLOSED when
 * `rd` returns 0 first. */
int net_read_exact(long (*rd)(void *, void *, size_t), void *ctx, void *buf,
    size_t len);
/* Reads exactly `len` bytes, each wait bounded by `timeout_ms`.
 * Returns 0, MEEK_ECLOSED (EOF first), MEEK_ETIMEDOUT, MEEK_EIO. */
int net_read_full(int fd, void *buf, size_t len, int timeout_ms);
/* One read of at most `len` bytes after waiting up to `timeout_ms`.
 * Returns bytes read (>0), MEEK_ECLOSED, MEEK_ETIMEDOUT, MEEK_EIO. */
long net_read_some(int fd, void *buf, size_t len, int timeout_ms);
/* Reads what socket `fd` holds now into `buf`, up to `cap` bytes, never
 * waiting (several recv()s while bytes keep coming).  Returns the byte
 * count; sets *ended to MEEK_ECLOSED at EOF or MEEK_EIO after a read
 * error (a reset), else leaves it alone: bytes read before the end are
 * still returned. */
size_t net_read_ready(int fd, void *buf, size_t cap, int *ended);

/* The same with one absolute deadline (shared/clock.h) over all the waits
 * of a multi-step exchange.  Return as net_read_full / net_write_all. */
int net_read_full_by(int fd, void *buf, size_t len, long long deadline);
int net_write_all_by(int fd, const void *buf, size_t len, long long deadline);

#endif
