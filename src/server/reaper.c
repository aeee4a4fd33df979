#include "config.h"
#include "server/reaper.h"
#include "shared/thread.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define REAPER_BATCH 64
#define REAPER_REPORT_MS 60000

struct reaper {
	struct session_table *table;   /* borrowed */
	long long idle_ms;
	pthread_t thread;
	/* lock guards stop. */
	pthread_mutex_t lock;
	pthread_cond_t cond;           /* CLOCK_MONOTONIC */
	int stop;
	atomic_ullong expired;         /* the reaper thread adds */
};

/* One pass; returns how many sessions it closed. */
static size_t
reaper_pass(struct reaper *r)
{
	struct session *batch[REAPER_BATCH];
	size_t n, total = 0;

	do {
		n = session_table_cull(r->table, clock_ms(), r->idle_ms,
		    batch, REAPER_BATCH);
		/* Unlinked under table_lock; closing takes each session's
		 * lock, outside table_lock as the lock order demands. */
		for (size_t i = 0; i < n; i++) {
			session_close(batch[i]);
			session_unref(batch[i]);
		}
		total += n;
	} while (n == REAPER_BATCH);
	return total;
}

static void *
reaper_main(void *arg)
{
	struct reaper *r = arg;
	long long last_report = clock_ms();
	unsigned long long reported_created = 0, reported_expired = 0;
	long long period = r->idle_ms / 4;

	if (period > 1000)
		period = 1000;
	if (period < 50)
		period = 50;
	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		struct timespec ts = clock_after(CLOCK_MONOTONIC, period);
		size_t n;

		while (!r->stop &&
		    pthread_cond_timedwait(&r->cond, &r->lock, &ts) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->lock);
		n = reaper_pass(r);
		pthread_mutex_lock(&r->lock);
		atomic_fetch_add(&r->expired, n);
		if (clock_ms() - last_report >= REAPER_REPORT_MS) {
			unsigned long long created;
			unsigned long long expired = atomic_load(&r->expired);
			size_t active;

			pthread_mutex_unlock(&r->lock);
			created = session_table_created(r->table);
			active = session_table_count(r->table);
			if (created != reported_created ||
			    expired != reported_expired)
				log_info("sessions: %zu active, %llu created, "
				    "%llu expired", active, created, expired);
			reported_created = created;
			reported_expired = expired;
			last_report = clock_ms();
			pthread_mutex_lock(&r->lock);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int
reaper_start(struct reaper **out, struct session_table *t, long long idle_ms,
    size_t stack_kb, const char **why)
{
	struct reaper *r;
	pthread_condattr_t ca;
	int rc;

	r = calloc(1, sizeof *r);
	if (r == NULL) {
		*why = "out of memory";
		return MEEK_ENOMEM;
	}
	r->table = t;
	r->idle_ms = idle_ms;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = thread_start(&r->thread, stack_kb, "meek-reaper", reaper_main, r,
	    why);
	if (rc < 0) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
reaper_stop(struct reaper *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

unsigned long long
reaper_expired(struct reaper *r)
{
	return atomic_load(&r->expired);
}
