#include "config.h"
#include "client/retry.h"
#include "client/backoff.h"

#include <string.h>

void
retry_init(struct retry *r, int kind, long long now_ms)
{
	memset(r, 0, sizeof *r);
	r->kind = kind;
	if (kind == RETRY_BOUNDED)
		r->start = now_ms;
}

void
retry_restart(struct retry *r, long long now_ms)
{
	if (r->kind == RETRY_BOUNDED)
		r->start = now_ms;
}

void
retry_succeeded(struct retry *r)
{
	if (r->kind != RETRY_RESUME)
		return;
	r->fails = 0;
	r->start = 0;
	r->unreach_since = 0;
}

int
retry_resume_delay(int fails)
{
	if (fails <= 1)
		return 0;
	if (fails == 2)
		return 250;
	if (fails == 3)
		return 500;
	return 1000;
}

/* Any answer shows a front is reachable; the unreachable bound counts
 * from the first of the failures since the last answer. */
static void
retry_note_reach(struct retry *r, const struct retry_fail *f, long long now)
{
	if (f->status != 0)
		r->unreach_since = 0;
	else if (r->unreach_since == 0)
		r->unreach_since = now;
}

static int
retry_unreachable(const struct retry *r, long long now)
{
	return r->unreach_since != 0 &&
	    now - r->unreach_since >= RETRY_UNREACHABLE_MS;
}

static void
retry_end(struct retry_step *step, int bound_ms, const char *action)
{
	step->next = RETRY_END;
	step->delay_ms = 0;
	step->bound_ms = bound_ms;
	step->action = action;
}

static void
retry_bounded(struct retry *r, const struct retry_fail *f, size_t npairs,
    long long now, struct retry_step *step)
{
	long long left;

	retry_note_reach(r, f, now);
	if (f->status >= 500 && !f->page) {
		/* The front works; what is behind it does not, yet. */
		r->failed_in_row = 0;
		step->next = RETRY_AGAIN;
		step->delay_ms = backoff_retry_delay(++r->waits);
		step->action = "retrying on the same front";
	} else {
		step->next = RETRY_NEXT;
		if (++r->failed_in_row >= npairs) {
			r->failed_in_row = 0;
			step->delay_ms = backoff_retry_delay(++r->waits);
		}
		step->action = npairs > 1 ? "trying the next url/front pair" :
		    "retrying";
	}
	/* Moving at once to a pair not tried in this round is not a retry:
	 * only tries followed by a wait count. */
	if (step->delay_ms > 0 || step->next == RETRY_AGAIN)
		r->counted++;
	if (r->counted >= BACKOFF_MAX_TRIES) {
		retry_end(step, 0, "giving up");
		return;
	}
	if (now - r->start >= RETRY_TOTAL_MS) {
		retry_end(step, RETRY_TOTAL_MS, "giving up");
		return;
	}
	if (retry_unreachable(r, now)) {
		retry_end(step, RETRY_UNREACHABLE_MS, "giving up");
		return;
	}
	left = r->start + RETRY_TOTAL_MS - now;
	if (r->unreach_since != 0 &&
	    r->unreach_since + RETRY_UNREACHABLE_MS - now < left)
		left = r->unreach_since + RETRY_UNREACHABLE_MS - now;
	if (step->delay_ms > left)
		step->delay_ms = (int)left;
}

static void
retry_resume(struct retry *r, const struct retry_fail *f, long long now,
    struct retry_step *step)
{
	if (r->start == 0)
		r->start = now;
	r->fails++;
	retry_note_reach(r, f, now);
	if (retry_unreachable(r, now)) {
		retry_end(step, RETRY_UNREACHABLE_MS, "ending the session");
		return;
	}
	if (now - r->start >= RETRY_TOTAL_MS) {
		retry_end(step, RETRY_TOTAL_MS, "ending the session");
		return;
	}
	/* The front does not serve our url: as classic meek-c. */
	step->next = f->status >= 400 && f->status < 500 ? RETRY_NEXT :
	    RETRY_AGAIN;
	step->delay_ms = retry_resume_delay(r->fails);
	step->action = "resuming";
}

void
retry_failed(struct retry *r, const struct retry_fail *f, size_t npairs,
    long long now_ms, struct retry_step *step)
{
	memset(step, 0, sizeof *step);
	if (npairs == 0)
		npairs = 1;
	if (r->kind == RETRY_BOUNDED)
		retry_bounded(r, f, npairs, now_ms, step);
	else
		retry_resume(r, f, now_ms, step);
}
