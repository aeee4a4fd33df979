#!/bin/bash
# hostile_takeover.sh (issue 16, point 7): ~200 op=stream requests a
# second on one extension session, each on its own connection, for the
# whole attack.  Each takes over from the one before, which must end at
# once (not after up to a second); every held stream counts against
# --max-ext, so the pool's fixed workers stay free: new honest classic
# sessions are answered in < 2 s, threads and descriptors stay bounded.
. "$(dirname "$0")/hostile_lib.sh" || exit 99
SECS=$(( HOSTILE_SECS < 12 ? HOSTILE_SECS : 12 ))
start_echo orport
start_server meek "$orport_ADDR" --threads 8 --max-ext 8 \
    --stats "$TMPD/stats.prom" --log "$TMPD/meek.log"
# A superseded stream ends within a few poll() rounds, far below the old
# one-second tick; sanitizer builds are slower.
LAG=$(awk -v s="$HOSTILE_SLOW" 'BEGIN { printf "%.2f", 0.25 * s }')
run_py takeover "$HDIR/hostile_sess.py" takeover "$meek_PORT" "$meek_PID" \
    --rate 200 --secs "$SECS" --bound "$BOUND" --lag "$LAG" \
    --max-threads $((8 + 8 + 12)) --max-fds 400
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
kill -USR1 "$meek_PID"
for i in $(seq 50); do
	[ -s "$TMPD/stats.prom" ] && break
	sleep 0.1
done
held=$(awk '$1 == "meek_server_ext_held_total" { print $2 }' "$TMPD/stats.prom")
log "held streams: ${held:-?}"
if [ "${held:-0}" -gt 100 ]; then
	ok "the takeovers were held streams ($held)"
else
	fail "too few held streams (${held:-none}): the attack did not run"
fi
stop meek
finish
