#include "config.h"
#include "client/report.h"
#include "shared/clock.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/pt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define REPORT_SLOTS 32

struct report_slot {
	char key[160];          /* front and class */
	_Atomic long long last_ms;  /* clock_due()'s record, 0: free */
};

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
/* report_lock guards report_slots. */
static struct report_slot report_slots[REPORT_SLOTS];
static atomic_int report_status_on;

void
report_enable_status(void)
{
	atomic_store(&report_status_on, 1);
}

const char *
report_class(int rc, int status, char *buf, size_t len)
{
	if (status > 0) {
		snprintf(buf, len, "http-%d", status);
		return buf;
	}
	switch (rc) {
	case MEEK_ERESOLVE:
		return "dns";
	case MEEK_ECONNREFUSED:
		return "tcp-refused";
	case MEEK_ECONNTIMEDOUT:
		return "tcp-timeout";
	case MEEK_ECONNECT:
		return "tcp";
	case MEEK_ETIMEDOUT:
		return "timeout";
	case MEEK_ECERTNAME:
		return "cert-name-mismatch";
	case MEEK_ECERTDATES:
		return "cert-not-yet-valid-or-expired";
	case MEEK_ECERTEXPIRED:
		return "cert-expired";
	case MEEK_ECERTNOTYET:
		return "cert-not-yet-valid";
	case MEEK_ECERTCA:
		return "cert-unknown-ca";
	case MEEK_ECERT:
		return "cert";
	case MEEK_EALERT:
		return "tls-alert";
	case MEEK_ERESET:
		return "stream-reset";
	case MEEK_ETLS:
		return "tls";
	case MEEK_EPROXY:
	case MEEK_EAUTH:
		return "proxy";
	case MEEK_ECLOSED:
		return "connection-closed";
	case MEEK_EPROTO:
	case MEEK_EHEADTOOBIG:
		return "http-malformed";
	default:
		return "io";
	}
}

enum report_censor
report_censor(int rc, int status, enum report_phase phase)
{
	int reset = rc == MEEK_ECLOSED || rc == MEEK_EIO;

	if (phase == REPORT_PAGE)
		return REPORT_BLOCK_PAGE;
	if (status > 0)
		return REPORT_CENSOR_NONE;
	if (phase == REPORT_DIAL && rc == MEEK_ECERTCA)
		return REPORT_MIDDLEBOX;
	if (phase != REPORT_DIAL && phase != REPORT_REQUEST)
		return REPORT_CENSOR_NONE;
	if (rc == MEEK_ETIMEDOUT)
		return REPORT_BLACKHOLE;
	if (reset)
		return phase == REPORT_DIAL ? REPORT_RESET_AFTER_HELLO :
		    REPORT_RESET_AFTER_REQUEST;
	return REPORT_CENSOR_NONE;
}

const char *
report_class_at(int rc, int status, enum report_phase phase,
    char *buf, size_t len)
{
	switch (report_censor(rc, status, phase)) {
	case REPORT_RESET_AFTER_HELLO:
		return "reset-after-hello";
	case REPORT_BLACKHOLE:
		return "blackhole";
	case REPORT_RESET_AFTER_REQUEST:
		return "reset-after-request";
	case REPORT_BLOCK_PAGE:
		return "block-page";
	case REPORT_MIDDLEBOX:
	case REPORT_CENSOR_NONE:
	default:
		return report_class(rc, status, buf, len);
	}
}

const char *
report_censor_hint(int rc, int status,
    enum report_phase phase)
{
	switch (report_censor(rc, status, phase)) {
	case REPORT_RESET_AFTER_HELLO:
		return "this looks like blocking: the front's TLS handshake was "
		    "cut right after the ClientHello (SNI filtering?)";
	case REPORT_BLACKHOLE:
		return "this looks like blocking: connected, then no answer "
		    "at all (a black hole)";
	case REPORT_RESET_AFTER_REQUEST:
		return "this looks like blocking: the connection was cut after "
		    "the request (HTTP filtering?)";
	case REPORT_BLOCK_PAGE:
		return REPORT_BLOCK_PAGE_HINT;
	case REPORT_MIDDLEBOX:
		return REPORT_MIDDLEBOX_HINT;
	case REPORT_CENSOR_NONE:
	default:
		return NULL;
	}
}

const char *
report_join(char *buf, size_t len, const char *why, const char *hint)
{
	snprintf(buf, len, "%s%s%s", why, hint == NULL ? "" : hint[0] == '(' ?
	    " " : ": ", hint != NULL ? hint : "");
	return buf;
}

/* Returns 1 when `front`/`cls` was not reported in the last
 * REPORT_QUIET_MS, and records now. */
static int
report_due(const char *front, const char *cls)
{
	char key[sizeof report_slots[0].key];
	size_t i, victim = 0;
	int due;

	snprintf(key, sizeof key, "%s %s", front, cls);
	pthread_mutex_lock(&report_lock);
	for (i = 0; i < REPORT_SLOTS; i++) {
		if (strcmp(report_slots[i].key, key) == 0) {
			due = clock_due(&report_slots[i].last_ms, REPORT_QUIET_MS);
			pthread_mutex_unlock(&report_lock);
			return due;
		}
		if (report_slots[i].last_ms < report_slots[victim].last_ms)
			victim = i;
	}
	/* A new front and class: it takes the least recently reported slot. */
	snprintf(report_slots[victim].key, sizeof report_slots[victim].key,
	    "%s", key);
	atomic_store(&report_slots[victim].last_ms, 0);
	due = clock_due(&report_slots[victim].last_ms, REPORT_QUIET_MS);
	pthread_mutex_unlock(&report_lock);
	return due;
}

void
report_failure(const char *sid_log, const char *front, const char *cls,
    const char *msg, const char *action)
{
	char f[300], m[300], kv[700];

	if (!report_due(front, cls)) {
		log_debug("session %s: front %s failed (%s: %s); %s", sid_log,
		    front, cls, msg, action);
		return;
	}
	log_warn("session %s: front %s failed (%s: %s); %s", sid_log, front,
	    cls, msg, action);
	if (!atomic_load(&report_status_on))
		return;
	snprintf(kv, sizeof kv, "TYPE=front-failure FRONT=%s FAILURE=%s MESSAGE=%s",
	    pt_cstring(f, sizeof f, front), cls, pt_cstring(m, sizeof m, msg));
	pt_status("meek", kv);
}
