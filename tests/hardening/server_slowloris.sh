#!/bin/bash
# server_slowloris.sh: 4 x --threads connections drip header bytes forever
# while a live session keeps moving data; every live request (keep-alive and
# on fresh connections) must be answered in < 2 s.
. "$(dirname "$0")/lib.sh" || exit 99

THREADS=${SLOWLORIS_THREADS:-8}
SECS=${SLOWLORIS_SECS:-15}
start_echo orport
start_server meek "$orport_ADDR" --threads "$THREADS"
run_py slowloris "$HDIR/server_abuse.py" slowloris "$meek_PORT" "$THREADS" "$SECS"
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
