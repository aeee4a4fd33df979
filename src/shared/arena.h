/*
 * arena: bounds glibc's malloc arenas (one per thread that allocates, up to
 * 8 per core: 14-15 in an idle meek-client, each with its own heap and
 * free lists) for small machines.  A no-op without mallopt/M_ARENA_MAX
 * (musl, other C libraries) or when MALLOC_ARENA_MAX is set in the
 * environment (the operator's choice wins).
 * Thread: call from main() before any thread starts.
 */
#ifndef MEEK_SHARED_ARENA_H
#define MEEK_SHARED_ARENA_H

void arena_bound(int max);

#endif
