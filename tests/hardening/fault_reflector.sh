#!/bin/bash
# fault_reflector.sh: a reflector that always answers 503.  meek-client
# retries the same body per its policy (meek-client(1) RETRIES: 10 tries in
# all, waiting 1, 2, 4, 8, then 10 s), then gives up and closes the SOCKS
# connection.
. "$(dirname "$0")/lib.sh" || exit 99
[ -x "$MEEK_CLIENT" ] || { echo "FAIL - not built: $MEEK_CLIENT" >&2; exit 99; }

TRIES=10
BOUND=${REFLECTOR_BOUND:-120}
start_bg refl "$PY" "$HDIR/reflector503.py" "$TMPD/requests.log"
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --url "http://127.0.0.1:$refl_PORT/"
run_py reflector "$HDIR/client_abuse.py" reflector "$client_PORT" "$TMPD/requests.log" "$BOUND"
sleep 2 # a try after the close would show up here
n=$(wc -l <"$TMPD/requests.log" 2>/dev/null || echo 0)
bodies=$(awk '{ print $3 }' "$TMPD/requests.log" | sort -u | wc -l)
gaps=$(awk 'NR > 1 { printf "%s%.1f", sep, $1 - t; sep = " " } { t = $1 }' "$TMPD/requests.log")
log "requests seen by the reflector: $n, distinct bodies: $bodies, gaps (s): $gaps"
if [ "$n" -eq "$TRIES" ] && [ "$bodies" -eq 1 ]; then
	ok "$TRIES tries with the same body, then no more"
else
	fail "reflector saw $n requests with $bodies distinct bodies (want $TRIES tries of one body)"
fi
if alive client; then ok "meek-client still running"; else fail "meek-client exited"; fi
finish
