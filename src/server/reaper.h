/*
 * reaper: the "meek-reaper" thread, which closes sessions idle longer than
 * the session timeout and logs session counts at info level (at most once a
 * minute, and only when they changed).
 * Thread: reaper_start/reaper_stop from main only.
 */
#ifndef MEEK_SERVER_REAPER_H
#define MEEK_SERVER_REAPER_H
#include <stddef.h>
#include "server/session_table.h"

struct reaper;

/* Starts the thread culling `t` (borrowed until reaper_stop) every
 * second or so for sessions idle at least `idle_ms`.  Returns 0 with *out,
 * or MEEK_ENOMEM with *why. */
int reaper_start(struct reaper **out, struct session_table *t, long long idle_ms,
    size_t stack_kb, const char **why);
/* Stops and joins the thread, then frees.  NULL is fine. */
void reaper_stop(struct reaper *r);
/* Sessions expired so far. */
unsigned long long reaper_expired(struct reaper *r);

#endif
