/*
 * thread: start a named thread with an explicit, small stack.
 * Sanitizer builds multiply the stack size (ASan/TSan frames are larger).
 * Thread: any.
 */
#ifndef MEEK_SHARED_THREAD_H
#define MEEK_SHARED_THREAD_H
#include <pthread.h>
#include <stddef.h>

/* Starts fn(arg) in a joinable thread with a `stack_kb` KiB stack (raised
 * to PTHREAD_STACK_MIN when smaller) named `name` (at most 15 chars).
 * Returns 0 or MEEK_ENOMEM with *why. */
int thread_start(pthread_t *t, size_t stack_kb, const char *name,
    void *(*fn)(void *), void *arg, const char **why);

/* The same for a detached thread (nobody joins it; it must end by
 * itself).  It may be gone before this returns, so `fn` names itself with
 * pthread_setname_np(pthread_self(), ...). */
int thread_start_detached(size_t stack_kb, void *(*fn)(void *), void *arg,
    const char **why);

#endif
