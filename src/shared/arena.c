#include "config.h"
#include "shared/arena.h"
#include "shared/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

void
arena_bound(int max)
{
#if defined(HAVE_MALLOPT) && defined(M_ARENA_MAX)
	if (getenv("MALLOC_ARENA_MAX") == NULL)
		(void)mallopt(M_ARENA_MAX, max);
#else
	(void)max;
#endif
#if defined(HAVE_MALLOPT) && defined(M_MMAP_THRESHOLD)
	if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL)
		(void)mallopt(M_MMAP_THRESHOLD, ARENA_MMAP_MIN);
#endif
}

#ifdef HAVE_PTHREAD_GETATTR_NP
/* The lowest usable address of this thread's stack (above its guard), 1
 * when unknown. */
static _Thread_local uintptr_t arena_stack_lo;

static uintptr_t
arena_stack_low(void)
{
	pthread_attr_t a;
	void *addr;
	size_t size, guard = 0;

	if (arena_stack_lo != 0)
		return arena_stack_lo;
	arena_stack_lo = 1;
	/* Threads we started only: for the main thread musl finds the stack
	 * by probing with mremap page after page (very slow under qemu-user),
	 * and meek-c's main threads wait on signals, not on connections. */
	if ((long)getpid() == syscall(SYS_gettid))
		return arena_stack_lo;
	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return arena_stack_lo;
	if (pthread_attr_getstack(&a, &addr, &size) == 0 && addr != NULL) {
		(void)pthread_attr_getguardsize(&a, &guard);
		arena_stack_lo = (uintptr_t)addr + guard;
	}
	pthread_attr_destroy(&a);
	return arena_stack_lo;
}
#endif

/* Gives back the stack pages below the caller's frame but the
 * ARENA_STACK_MARGIN bytes just below this one (the system call's own
 * frames stand there). */
static void
arena_stack_idle(void)
{
#ifdef HAVE_PTHREAD_GETATTR_NP
	volatile char here = 0;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), lo, end;

	lo = arena_stack_low();
	if (lo <= 1 || pg == 0 || pg == (uintptr_t)-1)
		return;
	lo = (lo + pg - 1) & ~(pg - 1);
	end = ((uintptr_t)&here - ARENA_STACK_MARGIN) & ~(pg - 1);
	if (end > lo)
		(void)madvise((void *)lo, end - lo, MADV_DONTNEED);
#endif
}

void
arena_drop(void *p, size_t len)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;

	if (p == NULL || pg == 0 || pg == (uintptr_t)-1)
		return;
	lo = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	hi = ((uintptr_t)p + len) & ~(pg - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void *
arena_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void
arena_unmap(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	(void)munmap(p, len);
}

void
arena_idle(void)
{
#ifdef HAVE_MALLOC_TRIM
	static _Atomic long long last;
#endif

	arena_stack_idle();
#ifdef HAVE_MALLOC_TRIM
	if (clock_due(&last, ARENA_TRIM_MS))
		(void)malloc_trim(0);
#endif
}

int
arena_poll(struct pollfd *pfd, nfds_t n, int timeout_ms,
    void (*idle)(void *), void *arg)
{
	long long deadline = clock_deadline(timeout_ms);
	int r, first = 1, wait;

	for (;;) {
		wait = clock_left(deadline);
		if (first && (wait < 0 || wait > ARENA_IDLE_MS))
			wait = ARENA_IDLE_MS;
		r = poll(pfd, n, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0 || !first || clock_left(deadline) == 0)
			return r;
		first = 0;
		if (idle != NULL)
			idle(arg);
		arena_idle();
	}
}
