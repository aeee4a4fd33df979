/*
 * check: "meek-client --check 'ARGS'" tests a bridge line's arguments end
 * to end, pair by pair: resolve the front, connect to it, TLS (SNI and
 * certificate for the front), a meek POST to the url through the front,
 * and whether the answer is meek-server's.  One line per step with a
 * verdict, then one summary line.
 * Thread: main only.
 */
#ifndef MEEK_CLIENT_CHECK_H
#define MEEK_CLIENT_CHECK_H
#include <stdio.h>
#include "client/conf.h"
#include "shared/tls.h"

/* Runs the check of c->check (bridge-line arguments "k=v k=v" or
 * "k=v;k=v"), printing to `out`.  `anchors` may be NULL (then https pairs
 * fail at the TLS step).  Returns 0 when a meek-server answered through
 * at least one pair, 1 otherwise. */
int check_run(const struct client_conf *c, const struct tls_anchors *anchors,
    FILE *out);

#endif
