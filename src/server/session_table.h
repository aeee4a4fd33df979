/*
 * session_table: the server's sessions, a chained hash table keyed by
 * session id behind one mutex, table_lock.  table_lock is held only for
 * lookup, insert and remove (never for I/O or logging), and is taken
 * before any session->lock, never after.
 *
 * The table holds one reference on each linked session; every session
 * returned to a caller carries a new reference the caller must drop with
 * session_unref().
 * Thread: any (takes table_lock).
 */
#ifndef MEEK_SERVER_SESSION_TABLE_H
#define MEEK_SERVER_SESSION_TABLE_H
#include <stddef.h>
#include "server/session.h"
#include "server/srccap.h"

struct session_table;

/* Creates an empty table that holds at most `max_sessions` sessions.
 * Returns NULL on ENOMEM. */
struct session_table *session_table_new(size_t max_sessions);
/* Unlinks, closes and unrefs every session, then frees the table. */
void session_table_free(struct session_table *t);

/* Returns a new reference to the session with id `id` (`idlen` bytes), or
 * NULL. */
struct session *session_table_lookup(struct session_table *t, const char *id,
    size_t idlen);
/* Returns 0 and a new reference in *out to the session with `id`, creating
 * and linking it (last used at `now_ms`, *created = 1) when absent.
 * Returns MEEK_EFULL when the table already holds max_sessions, MEEK_EINVAL
 * for an id longer than SESSION_ID_MAX, MEEK_ENOMEM. */
int session_table_get(struct session_table *t, const char *id, size_t idlen,
    long long now_ms, struct session **out, int *created);
/* As session_table_get(), for a session from source slot `src` (srccap,
 * -1: none): a new session also takes a place of its source's
 * (session_table_set_srccap); MEEK_EFULL with *per_source = 1 when the
 * source has none left. */
int session_table_get_from(struct session_table *t, const char *id,
    size_t idlen, long long now_ms, int src, struct session **out,
    int *created, int *per_source);
/* Sets the per-source caps (borrowed for the table's life; NULL: none)
 * and `open_ms`: culling also takes sessions whose open waits for an
 * extension request longer than that (0: only the idle limit).  Call
 * before any thread uses the table. */
void session_table_set_limits(struct session_table *t, struct srccap *cap,
    long long open_ms);
/* Unlinks `s` if it is still linked and drops the table's reference
 * (outside table_lock).  Returns 1 when it was linked, else 0. */
int session_table_remove(struct session_table *t, struct session *s);
/* Unlinks up to `max` sessions last used at or before now_ms - idle_ms (or
 * now_ms - open_ms for one still in its open, see above) and
 * stores them in `out`; the table's reference passes to the caller, who
 * closes them (session_close) and unrefs them.  Returns how many. */
size_t session_table_cull(struct session_table *t, long long now_ms,
    long long idle_ms, struct session **out, size_t max);
/* Number of linked sessions, and sessions ever created. */
size_t session_table_count(struct session_table *t);
unsigned long long session_table_created(struct session_table *t);

#endif
