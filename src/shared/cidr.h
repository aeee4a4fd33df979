/*
 * cidr: "address/prefix" ranges (IPv4 or IPv6): which peers may set Meek-IP
 * (meek-server --meek-ip-from, useraddr).
 * Thread: any (a parsed struct cidr is read-only).
 */
#ifndef MEEK_SHARED_CIDR_H
#define MEEK_SHARED_CIDR_H
#include <sys/socket.h>

struct cidr {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network order, host bits cleared */
	int bits;                /* prefix length */
};

/* Parses "1.2.3.0/24", "::1/128" or a bare address (a full-length
 * prefix).  Returns 0 or -1. */
int cidr_parse(struct cidr *c, const char *s);
/* 1 when the address of `sa` lies in `c` (an IPv4-mapped IPv6 peer matches
 * an IPv4 range), else 0. */
int cidr_match(const struct cidr *c, const struct sockaddr *sa);

#endif
