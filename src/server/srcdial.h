/*
 * srcdial: --orport-source.  Every ORPort connection of a session uses one
 * more local port of the (source address, ORPort) pair; tens of thousands
 * of sessions to one 127.0.0.1 ORPort would run out of ephemeral ports.
 * Dials here bind, in turn, each address of a range in 127.0.0.0/8 (with
 * IP_BIND_ADDRESS_NO_PORT, so the kernel still picks the port per
 * destination), multiplying the ports available.
 * Thread: any (the turn counter is atomic); set up by main only.
 */
#ifndef MEEK_SERVER_SRCDIAL_H
#define MEEK_SERVER_SRCDIAL_H
#include <stdatomic.h>
#include <stdint.h>
#include "shared/cidr.h"

#define SRCDIAL_MAX_ADDRS 65536   /* a /16 at most */

struct srcdial {
	uint32_t first;           /* host order */
	uint32_t count;
	atomic_uint next;
};

/* Takes the addresses of `c`, which must be IPv4 inside 127.0.0.0/8 with a
 * prefix of at least /16 (all of its addresses, network and broadcast
 * included: on loopback every one is local).  Returns 0 or MEEK_EINVAL
 * with *why. */
int srcdial_init(struct srcdial *d, const struct cidr *c, const char **why);
/* Connects to IPv4 literal `host`:`port` from the next source address
 * within `timeout_ms`.  Returns a blocking, TCP_NODELAY fd, or an error as
 * net_dial() (MEEK_EINVAL for a host that is not an IPv4 literal). */
int srcdial_dial(struct srcdial *d, const char *host, uint16_t port,
    int timeout_ms, const char **why);

#endif
