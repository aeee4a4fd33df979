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

/* Writes the --stats file; a failure is logged at once, then every
 * SIGLOOP_REPORT_EVERY_S while it lasts, and the recovery once. */
static void
sigloop_file(const struct sigloop_conf *conf, long long *failing_since,
    long long *next_report)
{
	struct stats_snapshot snap;
	const char *why = "";
	long long now = clock_ms();

	if (conf->stats_file == NULL)
		return;
	sigloop_snapshot(conf, &snap);
	if (stats_write_prom(&snap, conf->stats_file, &why) < 0) {
		int e = errno;

		if (*failing_since == 0 || now >= *next_report) {
			log_warn("--stats %s: %s: %s", conf->stats_file, why,
			    strerror(e));
			*next_report = now + SIGLOOP_REPORT_EVERY_S * 1000LL;
		}
		if (*failing_since == 0)
			*failing_since = now;
	} else if (*failing_since != 0) {
		log_info("--stats %s: written again", conf->stats_file);
		*failing_since = 0;
	}
}

/* The certificate in use: a failed reload (on change or SIGHUP) is logged
 * again every SIGLOOP_REPORT_EVERY_S and on SIGUSR1 until a reload
 * succeeds; an expiry within SIGLOOP_EXPIRY_WARN_S is logged when it is
 * first seen and every SIGLOOP_EXPIRY_EVERY_S. */
struct sigloop_cert {
	long long failing_since, next_fail_report;
	long long warned_not_after, next_expiry_report;
};

static void
sigloop_cert_check(const struct sigloop_conf *conf, struct sigloop_cert *st,
    int now_report)
{
	long long na = 0, now = clock_ms(), left;
	const char *why = "";
	int err = 0;

	if (conf->creds == NULL)
		return;
	if (tls_creds_state(conf->creds, &na, &err, &why) < 0) {
		if (st->failing_since == 0)
			st->failing_since = now;
		else if (now_report || now >= st->next_fail_report)
			log_warn("certificate reload still failing after %lld s, "
			    "serving the old certificate: %s%s%s",
			    (now - st->failing_since) / 1000, why,
			    err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		if (now_report || now >= st->next_fail_report)
			st->next_fail_report = now +
			    SIGLOOP_REPORT_EVERY_S * 1000LL;
	} else if (st->failing_since != 0) {
		log_info("certificate reload succeeded again");
		st->failing_since = 0;
	}
	left = na - (long long)time(NULL);
	if (na != 0 && left < SIGLOOP_EXPIRY_WARN_S &&
	    (na != st->warned_not_after || now_report ||
	    now >= st->next_expiry_report)) {
		struct tm tm;
		time_t t = (time_t)na;
		char when[32] = "?";

		if (gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
		if (left <= 0)
			log_warn("the certificate in use expired at %s", when);
		else
			log_warn("the certificate in use expires in %.1f days "
			    "(%s)", (double)left / 86400.0, when);
		st->warned_not_after = na;
		st->next_expiry_report = now + SIGLOOP_EXPIRY_EVERY_S * 1000LL;
	}
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
	long long stats_failing = 0, stats_report = 0;
	struct sigloop_cert cert;

	memset(&cert, 0, sizeof cert);
	sigloop_cert_check(conf, &cert, 0);

	sigloop_file(conf, &stats_failing, &stats_report);
	for (;;) {
		struct timespec ts = { SIGLOOP_FILE_EVERY_S, 0 };
		const char *why = "";
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig == SIGUSR2)
			break;
		if (sig == SIGHUP) {
			if (conf->creds == NULL)
				log_info("SIGHUP: no certificate to reload");
			else if (tls_creds_reload(conf->creds, &why) < 0) {
				int e = errno;

				log_warn("SIGHUP: certificate reload failed, "
				    "keeping the old one: %s%s%s", why,
				    e != 0 ? ": " : "", e != 0 ? strerror(e) : "");
			} else
				log_info("SIGHUP: certificate and key reloaded");
		} else if (sig == SIGUSR1) {
			sigloop_log(conf);
		}
		sigloop_cert_check(conf, &cert, sig == SIGUSR1);
		if (conf->log_every_s > 0 && clock_ms() >= next_log) {
			sigloop_log(conf);
			next_log = clock_ms() + (long long)conf->log_every_s *
			    1000;
		}
		sigloop_file(conf, &stats_failing, &stats_report);
	}
	sigloop_file(conf, &stats_failing, &stats_report);
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
