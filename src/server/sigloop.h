/*
 * sigloop: meek-server's "meek-signals" thread.  SIGHUP reloads the TLS
 * certificate and key; SIGUSR1 logs the counters; the counters are also
 * logged every `log_every_s` seconds and written to the --stats file
 * every few seconds.  sigloop_block() must run in main before any thread
 * starts (beside term_block()), so only this thread receives those
 * signals.  SIGTERM/SIGINT stay with term_wait().
 * Thread: sigloop_start/sigloop_stop from main only.
 */
#ifndef MEEK_SERVER_SIGLOOP_H
#define MEEK_SERVER_SIGLOOP_H
#include <stddef.h>
#include "server/reaper.h"
#include "server/session_table.h"
#include "server/stats.h"
#include "shared/tls.h"

#define SIGLOOP_FILE_EVERY_S 10   /* --stats file refresh */
#define SIGLOOP_REPORT_EVERY_S 600 /* a lasting failure is logged again */
#define SIGLOOP_EXPIRY_WARN_S (14 * 86400) /* certificate expiring soon */
#define SIGLOOP_EXPIRY_EVERY_S (6 * 3600)

struct sigloop_conf {
	struct tls_creds *creds;       /* NULL: SIGHUP only logs */
	struct stats *stats;
	struct session_table *table;
	struct reaper *reaper;
	const char *stats_file;        /* NULL: none */
	int log_every_s;               /* 0: only on SIGUSR1 */
};

struct sigloop;

/* Blocks SIGHUP, SIGUSR1 and SIGUSR2 in the calling thread. */
void sigloop_block(void);
/* Starts the thread (`conf` is copied).  Returns 0 or a MEEK_E* code with
 * *why. */
int sigloop_start(struct sigloop **out, const struct sigloop_conf *conf,
    size_t stack_kb, const char **why);
/* Stops and joins the thread, writing the --stats file a last time;
 * NULL is fine. */
void sigloop_stop(struct sigloop *l);
/* Fills `snap` with the counters and the session numbers. */
void sigloop_snapshot(const struct sigloop_conf *conf,
    struct stats_snapshot *snap);

#endif
