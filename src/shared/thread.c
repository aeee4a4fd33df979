#include "config.h"
#include "shared/thread.h"
#include "shared/err.h"

#include <limits.h>
#include <pthread.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define THREAD_STACK_SCALE 8
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define THREAD_STACK_SCALE 8
#endif
#endif
#ifndef THREAD_STACK_SCALE
#define THREAD_STACK_SCALE 1
#endif

static int
thread_create(pthread_t *t, size_t stack_kb, int detached, const char *name,
    void *(*fn)(void *), void *arg, const char **why)
{
	pthread_attr_t attr;
	size_t size = stack_kb * 1024 * THREAD_STACK_SCALE;
	int rc;

	if (size < (size_t)PTHREAD_STACK_MIN)
		size = (size_t)PTHREAD_STACK_MIN;
	if (pthread_attr_init(&attr) != 0) {
		*why = "pthread_attr_init failed";
		return MEEK_ENOMEM;
	}
	pthread_attr_setstacksize(&attr, size);
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		*why = "cannot create thread";
		return MEEK_ENOMEM;
	}
	/* Names show in top -H and gdb; failure only loses the label.  A
	 * detached thread may be gone already: it names itself. */
	if (!detached)
		pthread_setname_np(*t, name);
	return 0;
}

int
thread_start(pthread_t *t, size_t stack_kb, const char *name,
    void *(*fn)(void *), void *arg, const char **why)
{
	return thread_create(t, stack_kb, 0, name, fn, arg, why);
}

int
thread_start_detached(size_t stack_kb, void *(*fn)(void *), void *arg,
    const char **why)
{
	pthread_t t;

	return thread_create(&t, stack_kb, 1, NULL, fn, arg, why);
}
