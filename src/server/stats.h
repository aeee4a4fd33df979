/*
 * stats: meek-server's counters (requests, bytes each way, error answers,
 * decoy answers), the session numbers beside them, their log line and
 * their Prometheus text form for node_exporter's textfile collector.
 * Never holds an address or a session id.
 * Thread: stats_add from any thread (atomic); the rest from one thread.
 */
#ifndef MEEK_SERVER_STATS_H
#define MEEK_SERVER_STATS_H
#include <stdatomic.h>
#include <stddef.h>

enum stats_counter {
	STATS_REQUESTS,    /* complete requests read */
	STATS_BYTES_UP,    /* meek payload bytes client -> ORPort */
	STATS_BYTES_DOWN,  /* meek payload bytes ORPort -> client */
	STATS_4XX,         /* 4xx answers to POSTs and other methods */
	STATS_5XX,         /* 5xx answers to meek POSTs */
	STATS_DECOY,       /* requests proxied to --fallback */
	STATS_EXT_OPENED,  /* extension sessions accepted */
	STATS_EXT_HELD,    /* streams and long-polls held */
	STATS_EXT_UNHELD,  /* downstream requests answered at once: no
	                      held worker left */
	STATS_EXT_RESETS,  /* RESET frames sent */
	STATS_N
};

struct stats {
	atomic_ullong c[STATS_N];
};

/* Everything one report shows. */
struct stats_snapshot {
	unsigned long long c[STATS_N];
	unsigned long long sessions_open, sessions_created, sessions_expired;
};

void stats_init(struct stats *s);
/* Adds `n` to counter `which`; `s` may be NULL (then nothing). */
void stats_add(struct stats *s, enum stats_counter which, unsigned long long n);
/* Copies the counters into `snap` (the session fields are the caller's). */
void stats_snapshot(struct stats *s, struct stats_snapshot *snap);
/* Formats one log line (no addresses) into `buf`.  Returns `buf`. */
char *stats_format(const struct stats_snapshot *snap, char *buf, size_t len);
/* Writes `snap` in Prometheus text format to `path` (through path.tmp and
 * rename, so the collector never reads half a file), mode 0644 whatever
 * the umask.  Returns 0 or MEEK_EIO with *why and errno set to the system
 * error. */
int stats_write_prom(const struct stats_snapshot *snap, const char *path,
    const char **why);

#endif
