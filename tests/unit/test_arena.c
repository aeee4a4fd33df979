/* arena: when a thread counts as idle (arena_poll) and what arena_idle
 * gives back (the dead part of the caller's stack). */
#include "config.h"
#include "tests/unit/unit.h"
#include "shared/arena.h"
#include "shared/clock.h"

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define UNIT_SUITE "arena"

static int idle_calls;

/* A pipe to wait on, nothing in it yet, and its read end as pfd. */
static void
quiet_pipe(int p[2], struct pollfd *pfd)
{
	ck_assert_int_eq(pipe(p), 0);
	pfd->fd = p[0];
	pfd->events = POLLIN;
	pfd->revents = 0;
	idle_calls = 0;
}

static void
close_pipe(int p[2])
{
	close(p[0]);
	close(p[1]);
}

static void
count_idle(void *arg)
{
	(void)arg;
	idle_calls++;
}

static void *
write_later(void *arg)
{
	int fd = *(int *)arg;

	usleep(4 * ARENA_IDLE_MS * 1000);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	return NULL;
}

UNIT_TEST("poll", arena_poll_quiet_wait_calls_idle_once)
{
	int p[2];
	struct pollfd pfd;
	long long t0;

	quiet_pipe(p, &pfd);
	t0 = clock_ms();
	ck_assert_int_eq(arena_poll(&pfd, 1, 4 * ARENA_IDLE_MS, count_idle,
	    NULL), 0);
	/* The whole timeout was waited, not only the idle threshold. */
	ck_assert_int_ge(clock_ms() - t0, 4 * ARENA_IDLE_MS - 5);
	ck_assert_int_eq(idle_calls, 1);
	close_pipe(p);
}
END_TEST

UNIT_TEST("poll", arena_poll_busy_fd_is_not_idle)
{
	int p[2];
	struct pollfd pfd;

	quiet_pipe(p, &pfd);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(arena_poll(&pfd, 1, -1, count_idle, NULL), 1);
	ck_assert(pfd.revents & POLLIN);
	ck_assert_int_eq(idle_calls, 0);
	close_pipe(p);
}
END_TEST

UNIT_TEST("poll", arena_poll_short_timeout_is_not_idle)
{
	int p[2];
	struct pollfd pfd;

	quiet_pipe(p, &pfd);
	ck_assert_int_eq(arena_poll(&pfd, 1, ARENA_IDLE_MS / 5, count_idle,
	    NULL), 0);
	ck_assert_int_eq(idle_calls, 0);
	close_pipe(p);
}
END_TEST

UNIT_TEST("poll", arena_poll_input_after_idle_ends_the_wait)
{
	int p[2];
	struct pollfd pfd;
	pthread_t t;

	quiet_pipe(p, &pfd);
	ck_assert_int_eq(pthread_create(&t, NULL, write_later, &p[1]), 0);
	ck_assert_int_eq(arena_poll(&pfd, 1, -1, count_idle, NULL), 1);
	ck_assert(pfd.revents & POLLIN);
	ck_assert_int_eq(idle_calls, 1);
	/* The byte is still there: the next wait is not idle. */
	ck_assert_int_eq(arena_poll(&pfd, 1, -1, count_idle, NULL), 1);
	ck_assert_int_eq(idle_calls, 1);
	pthread_join(t, NULL);
	close_pipe(p);
}
END_TEST

#ifdef HAVE_PTHREAD_GETATTR_NP
#define STACK_SIZE (4 * 1024 * 1024) /* sanitizer runtimes take room too */
#define DEEP (256 * 1024)

/* Resident pages of [lo, hi). */
static size_t
resident(uintptr_t lo, uintptr_t hi)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t n = (hi - lo) / (size_t)pg, r = 0;
	unsigned char vec[STACK_SIZE / 4096];

	ck_assert_uint_le(n, sizeof vec);
	ck_assert_int_eq(mincore((void *)lo, hi - lo, vec), 0);
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

static void __attribute__((noinline))
touch_deep(uintptr_t *low)
{
	volatile unsigned char big[DEEP];

	/* Volatile stores, one per 512 bytes: a memset of a dying local
	 * may be dropped. */
	for (size_t i = 0; i < sizeof big; i += 512)
		big[i] = 0xa5;
	*low = (uintptr_t)&big[0];
}

struct stack_probe {
	size_t before, after;
};

static void *
stack_thread(void *arg)
{
	struct stack_probe *sp = arg;
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t low = 0, hi;
	volatile char here;

	touch_deep(&low);
	/* Pages well below this frame, above the deepest byte touched. */
	low = (low + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
	hi = ((uintptr_t)&here - 2 * ARENA_STACK_MARGIN - 16 * 1024) &
	    ~((uintptr_t)pg - 1);
	ck_assert(hi > low + 64 * 1024);
	sp->before = resident(low, hi);
	arena_idle();
	sp->after = resident(low, hi);
	return NULL;
}

UNIT_TEST("idle", arena_idle_gives_back_the_dead_stack)
{
	pthread_attr_t a;
	pthread_t t;
	struct stack_probe sp = { 0, 0 };

	ck_assert_int_eq(pthread_attr_init(&a), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&a, STACK_SIZE), 0);
	ck_assert_int_eq(pthread_create(&t, &a, stack_thread, &sp), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&a);
	/* Touched, hence resident, before; none of it after. */
	ck_assert_uint_gt(sp.before, 16);
	ck_assert_uint_eq(sp.after, 0);
}
END_TEST
#endif
