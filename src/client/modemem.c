#include "config.h"
#include "client/modemem.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct modemem_entry {
	char host[URL_HOST_MAX + 8];   /* url's Host header */
	char path[URL_PATH_MAX];       /* url's path */
	char front[URL_HOST_MAX];
	unsigned short port;
	int https;
	int mode;
	unsigned long long stamp;      /* last set, for reuse of the oldest */
};

static pthread_mutex_t modemem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct modemem_entry modemem_tab[MODEMEM_MAX];
static size_t modemem_n;
static unsigned long long modemem_clock;

/* Caller holds the lock. */
static struct modemem_entry *
modemem_find(const struct client_target *t)
{
	for (size_t i = 0; i < modemem_n; i++) {
		struct modemem_entry *e = &modemem_tab[i];

		if (e->port == t->port && e->https == t->url.https &&
		    strcmp(e->front, t->front) == 0 &&
		    strcmp(e->host, t->url.host_header) == 0 &&
		    strcmp(e->path, t->url.path) == 0)
			return e;
	}
	return NULL;
}

int
modemem_get(const struct client_target *t)
{
	struct modemem_entry *e;
	int mode = MODEMEM_UNKNOWN;

	pthread_mutex_lock(&modemem_lock);
	if ((e = modemem_find(t)) != NULL)
		mode = e->mode;
	pthread_mutex_unlock(&modemem_lock);
	return mode;
}

void
modemem_set(const struct client_target *t, int mode)
{
	struct modemem_entry *e;

	pthread_mutex_lock(&modemem_lock);
	if ((e = modemem_find(t)) == NULL) {
		if (modemem_n < MODEMEM_MAX) {
			e = &modemem_tab[modemem_n++];
		} else {
			e = &modemem_tab[0];
			for (size_t i = 1; i < MODEMEM_MAX; i++)
				if (modemem_tab[i].stamp < e->stamp)
					e = &modemem_tab[i];
		}
		memset(e, 0, sizeof *e);
		snprintf(e->host, sizeof e->host, "%s", t->url.host_header);
		snprintf(e->path, sizeof e->path, "%s", t->url.path);
		snprintf(e->front, sizeof e->front, "%s", t->front);
		e->port = t->port;
		e->https = t->url.https;
	}
	if (mode > e->mode)
		e->mode = mode;
	e->stamp = ++modemem_clock;
	pthread_mutex_unlock(&modemem_lock);
}

void
modemem_reset(void)
{
	pthread_mutex_lock(&modemem_lock);
	modemem_n = 0;
	modemem_clock = 0;
	pthread_mutex_unlock(&modemem_lock);
}
