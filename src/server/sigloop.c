#include "config.h"
#include "server/sigloop.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sigloop {
	struct sigloop_conf conf;
	pthread_t thread;
};

void
sigloop_block(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void
sigloop_snapshot(const struct sigloop_conf *conf, struct stats_snapshot *snap)
{
	memset(snap, 0, sizeof *snap);
	if (conf->stats != NULL)
		stats_snapshot(conf->stats, snap);
	if (conf->table != NULL) {
		snap->sessions_open = session_table_count(conf->table);
		snap->sessions_created = session_table_created(conf->table);
	}
	if (conf->reaper != NULL)
		snap->sessions_expired = reaper_expired(conf->reaper);
}

static void
sigloop_log(const struct sigloop_conf *conf)
{
	struct stats_snapshot snap;
	char line[512];

	sigloop_snapshot(conf, &snap);
	log_info("%s", stats_format(&snap, line, sizeof line));
}

static void
sigloop_file(const struct sigloop_conf *conf)
{
	struct stats_snapshot snap;
	const char *why = "";

	if (conf->stats_file == NULL)
		return;
	sigloop_snapshot(conf, &snap);
	if (stats_write_prom(&snap, conf->stats_file, &why) < 0)
		log_warn("%s", why);
}

static void *
sigloop_main(void *arg)
{
	struct sigloop *l = arg;
	const struct sigloop_conf *conf = &l->conf;
	long long next_log = clock_ms() + (long long)conf->log_every_s * 1000;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigloop_file(conf);
	for (;;) {
		struct timespec ts = { SIGLOOP_FILE_EVERY_S, 0 };
		const char *why = "";
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig == SIGUSR2)
			break;
		if (sig == SIGHUP) {
			if (conf->creds == NULL)
				log_info("SIGHUP: no certificate to reload");
			else if (tls_creds_reload(conf->creds, &why) < 0)
				log_warn("SIGHUP: certificate reload failed, "
				    "keeping the old one: %s", why);
			else
				log_info("SIGHUP: certificate and key reloaded");
		} else if (sig == SIGUSR1) {
			sigloop_log(conf);
		}
		if (conf->log_every_s > 0 && clock_ms() >= next_log) {
			sigloop_log(conf);
			next_log = clock_ms() + (long long)conf->log_every_s *
			    1000;
		}
		sigloop_file(conf);
	}
	sigloop_file(conf);
	return NULL;
}

int
sigloop_start(struct sigloop **out, const struct sigloop_conf *conf,
    size_t stack_kb, const char **why)
{
	struct sigloop *l = calloc(1, sizeof *l);
	int rc;

	if (l == NULL) {
		*why = "out of memory";
		return MEEK_ENOMEM;
	}
	l->conf = *conf;
	rc = thread_start(&l->thread, stack_kb, "meek-signals", sigloop_main,
	    l, why);
	if (rc < 0) {
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void
sigloop_stop(struct sigloop *l)
{
	if (l == NULL)
		return;
	pthread_kill(l->thread, SIGUSR2);
	pthread_join(l->thread, NULL);
	free(l);
}
