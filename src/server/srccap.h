/*
 * srccap: per-source caps on meek-server's sessions and extension places.
 * A source is the address that reaches tor (the ExtORPort USERADDR: the
 * peer, or a trusted Meek-IP / X-Forwarded-For), so the users behind a
 * reflector are separate sources.  Sources are hashed with a random seed
 * into a fixed array of counters; two sources that share a slot share its
 * cap (rare with SRCCAP_SLOTS slots, and it only makes the cap stricter).
 * Thread: any (atomic counters); a struct srccap is read-only once set up.
 */
#ifndef MEEK_SERVER_SRCCAP_H
#define MEEK_SERVER_SRCCAP_H
#include <stdatomic.h>
#include <stdint.h>

#define SRCCAP_SLOTS 4096

struct srccap {
	int max_sessions;       /* per source, 0: no cap */
	int max_ext;            /* extension places per source, 0: no cap */
	uint64_t seed;
	atomic_int sessions[SRCCAP_SLOTS];
	atomic_int ext[SRCCAP_SLOTS];
};

/* Sets the caps and a fresh seed; every count 0. */
void srccap_init(struct srccap *c, int max_sessions, int max_ext);
/* The slot of source `ip` (an IP literal string, the USERADDR's host). */
int srccap_slot(const struct srccap *c, const char *ip);
/* Takes one place in counter array `which` (c->sessions or c->ext) of
 * `slot` when below `max` (0: no cap).  Returns 1 when taken, else 0. */
int srccap_take(atomic_int *which, int slot, int max);
/* Gives back a place taken with srccap_take(). */
void srccap_put(atomic_int *which, int slot);

#endif
