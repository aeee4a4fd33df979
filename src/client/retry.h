/*
 * retry: meek-client's one failure policy, for every mode.  After a failed
 * try it says what comes next: the same url/front pair again, the next
 * pair (the failed one rests), or the end of the session; after how long;
 * and, for an end, which bound was reached.  Two kinds of request state
 * share the rules:
 *
 *   RETRY_BOUNDED  one body of classic meek (and the extension's open):
 *                  a 5xx stays on the front that answered, backing off
 *                  1, 2, 4, 8, 10 s; any other failure moves to the next
 *                  pair at once and waits only once every pair failed in
 *                  a row.  The request ends after BACKOFF_MAX_TRIES tries
 *                  that were followed by a wait, after RETRY_TOTAL_MS, or
 *                  RETRY_UNREACHABLE_MS after the first of the failures
 *                  without any HTTP answer (no front reachable: tor's own
 *                  retry with a new circuit is as good).
 *   RETRY_RESUME   one side of an extension session (doc/protocol.md
 *                  section 5): every request can be repeated, so it is,
 *                  at once, then after 250 ms, 500 ms, 1 s, 1 s, ...; a
 *                  4xx moves to the next pair; the session ends after
 *                  RETRY_TOTAL_MS without a successful exchange, or after
 *                  RETRY_UNREACHABLE_MS when none of the failures since
 *                  the last HTTP answer got one.
 *
 * Pure: the caller passes the clock and the failure's facts, and does the
 * waiting, the failover (client/httpc) and the report (LOG and STATUS:
 * client/report through httpc_report); the unit tests walk it.
 * Thread: a struct retry belongs to the one thread making its requests.
 */
#ifndef MEEK_CLIENT_RETRY_H
#define MEEK_CLIENT_RETRY_H
#include <stddef.h>

#define RETRY_TOTAL_MS 75000        /* bound on one request's (side's) retries */
#define RETRY_UNREACHABLE_MS 20000  /* no front answered at all: end */

enum retry_kind { RETRY_BOUNDED, RETRY_RESUME };

/* What comes next. */
enum retry_next {
	RETRY_AGAIN,   /* the same pair */
	RETRY_NEXT,    /* the next pair; the failed one rests */
	RETRY_END      /* the session ends */
};

/* The facts of one failed try. */
struct retry_fail {
	int status;    /* the HTTP status that was the failure (a non-200, a
	                  200 web page), 0 when no answer came */
	int page;      /* the answer was a 200 that is not meek's */
};

/* The verdict on one failed try. */
struct retry_step {
	int next;            /* enum retry_next */
	int delay_ms;        /* wait before the next try (0 for an end) */
	int bound_ms;        /* RETRY_END: the bound reached (RETRY_TOTAL_MS,
	                        RETRY_UNREACHABLE_MS), 0 for the try count */
	const char *action;  /* for the report: "retrying on the same front",
	                        "trying the next url/front pair", "retrying",
	                        "resuming", "giving up", "ending the session" */
};

/* One request's (RETRY_BOUNDED) or one side's (RETRY_RESUME) state. */
struct retry {
	int kind;
	long long start;          /* BOUNDED: first try; RESUME: first
	                             failure since the last success, 0 none */
	long long unreach_since;  /* first of the latest failures without an
	                             answer, 0: the last one had one */
	size_t failed_in_row;     /* BOUNDED: pairs failed in this round */
	int waits;                /* BOUNDED: backoff steps taken */
	int counted;              /* BOUNDED: tries followed by a wait */
	int fails;                /* RESUME: failures since the last success */
};

/* Starts a request's (or side's) state at `now_ms`. */
void retry_init(struct retry *r, int kind, long long now_ms);
/* A failed try at `now_ms` among `npairs` url/front pairs: fills *step.
 * A BOUNDED wait is cut to what its bounds leave. */
void retry_failed(struct retry *r, const struct retry_fail *f, size_t npairs,
    long long now_ms, struct retry_step *step);
/* A successful exchange: a RESUME side's failures are forgotten. */
void retry_succeeded(struct retry *r);
/* Our clock is behind the certificate (retried off the budget): a BOUNDED
 * request's bounds start again at `now_ms`. */
void retry_restart(struct retry *r, long long now_ms);
/* The RESUME delay after the `fails`th failure in a row: 0, 250, 500,
 * then 1000 ms. */
int retry_resume_delay(int fails);

#endif
