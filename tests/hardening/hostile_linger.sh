#!/bin/bash
# hostile_linger.sh (issue 16, point 5): ~250 "Connection: close" requests
# a second whose client reads the answer but never sends FIN.  The
# lingering closes happen in the poller, not in a worker: an honest request
# is answered in < 2 s during the attack; threads and descriptors bounded
# (a lingering close lasts at most 0.5 s: ~125 at a time).
. "$(dirname "$0")/hostile_lib.sh" || exit 99
start_echo orport
start_server meek "$orport_ADDR"
run_py linger "$HDIR/hostile.py" linger "$meek_PORT" "$meek_PID" \
    --rate 250 --secs "$HOSTILE_SECS" --bound "$BOUND" --fd-slack 300
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
