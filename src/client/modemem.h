/*
 * modemem: what meek-client learned about each url/front pair in this
 * process (doc/protocol.md section 4): a stream that never showed its first
 * frame within 2 s means a buffering front (later sessions use poll there),
 * two failed long-polls in a row mean the extension does not get through
 * (later sessions stay classic there).  Keyed by url and front; a pair
 * only ever moves down (stream -> poll -> classic) until the process ends.
 * Thread: any (one process-wide table under a mutex).
 */
#ifndef MEEK_CLIENT_MODEMEM_H
#define MEEK_CLIENT_MODEMEM_H
#include "client/conf.h"

#define MODEMEM_MAX 64   /* pairs remembered; the oldest entry is reused */

enum modemem_mode {
	MODEMEM_UNKNOWN = 0,  /* nothing learned: offer what --mode says */
	MODEMEM_POLL,         /* streams are buffered there */
	MODEMEM_CLASSIC       /* long-polls fail there */
};

/* What was learned for target `t` (its url and front). */
int modemem_get(const struct client_target *t);
/* Records `mode` for `t`; a weaker mode never replaces a stronger one
 * (classic beats poll beats unknown). */
void modemem_set(const struct client_target *t, int mode);
/* Forgets everything (tests). */
void modemem_reset(void);

#endif
