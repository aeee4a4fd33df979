/*
 * arena: how meek-c's programs keep their memory small on routers.
 *  - arena_bound: bounds glibc's malloc arenas (one per thread that
 *    allocates, up to 8 per core: 14-15 in an idle meek-client, each with
 *    its own heap and free lists).  A no-op without mallopt/M_ARENA_MAX
 *    (musl, other C libraries) or when MALLOC_ARENA_MAX is set in the
 *    environment (the operator's choice wins).
 *  - arena_idle: a thread about to wait with nothing in hand (an idle
 *    connection, a session between polls) gives back what it no longer
 *    uses: the pages of its own stack below the current frame (threads
 *    started by pthread_create only, not the main thread; a TLS
 *    handshake touches about 20 KB of it once; the kernel keeps them
 *    resident for the thread's life otherwise) and, at most every
 *    ARENA_TRIM_MS across the process, malloc's free pages (glibc's
 *    malloc_trim; musl's allocator returns pages by itself).  Nothing is
 *    freed that anyone holds; the next use faults fresh zero pages in.
 *  - arena_poll: poll(2) for a wait that may be long: when nothing comes
 *    within ARENA_IDLE_MS (a busy connection's next bytes do) the caller's
 *    `idle` hook gives back its buffers, then arena_idle, then the rest of
 *    the wait.  The one place that decides when a thread counts as idle.
 *  - arena_bound also makes allocations of ARENA_MMAP_MIN bytes or more
 *    (a classic session's 64 KiB body buffer, an upload buffer) come from
 *    their own mappings, so only the pages they touch are resident and
 *    free() gives them back at once (glibc; musl does this by itself).
 * Thread: arena_bound from main() before any thread starts; arena_idle
 * and arena_poll from any thread, for itself.
 */
#ifndef MEEK_SHARED_ARENA_H
#define MEEK_SHARED_ARENA_H

#include <poll.h>
#include <stddef.h>

#define ARENA_TRIM_MS 100      /* malloc_trim at most this often */
#define ARENA_IDLE_MS 50       /* no event this long: the thread is idle */
#define ARENA_MMAP_MIN (32 * 1024)
/* Stack kept below arena_idle's frame for the madvise call itself: a
 * sanitizer's interceptor runs deeper than libc's wrapper, and pages it
 * stands on must not be zeroed under it. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ARENA_STACK_MARGIN (64 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ARENA_STACK_MARGIN (64 * 1024)
#endif
#endif
#ifndef ARENA_STACK_MARGIN
#define ARENA_STACK_MARGIN 4096
#endif

void arena_bound(int max);
void arena_idle(void);
/* The `len` bytes at `p` (the caller's, still allocated) hold nothing
 * worth keeping: the whole pages among them go back to the kernel and read
 * as zeros from then on.  A parked connection's buffers. */
void arena_drop(void *p, size_t len);
/* A buffer of `len` bytes that is its own page-aligned mapping (zeroed),
 * for one arena_drop to give back whole; NULL when out of memory.
 * arena_unmap wipes and unmaps it (NULL is fine). */
void *arena_map(size_t len);
void arena_unmap(void *p, size_t len);
/* poll(pfd, n, timeout_ms) (-1: no limit), calling idle(arg) (when not
 * NULL) and arena_idle once if nothing happened within ARENA_IDLE_MS.
 * Returns what poll returns; EINTR is retried within the same deadline. */
int arena_poll(struct pollfd *pfd, nfds_t n, int timeout_ms,
    void (*idle)(void *), void *arg);

#endif
