#!/bin/bash
# fault_server_restart.sh: meek-server is killed while meek-client has a
# session: the SOCKS side sees EOF within EOF_BOUND seconds, meek-client
# stays near idle (utime+stime over 5 s), and once meek-server is back on the
# same port new sessions work.
. "$(dirname "$0")/lib.sh" || exit 99
[ -x "$MEEK_CLIENT" ] || { echo "FAIL - not built: $MEEK_CLIENT" >&2; exit 99; }

EOF_BOUND=${EOF_BOUND:-30}
# 5 s at 100 Hz is 500 ticks: allow 5 %.
MAX_TICKS=${MAX_TICKS:-25}
start_echo orport
start_server meek "$orport_ADDR"
SPORT=$meek_PORT
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --url "http://127.0.0.1:$SPORT/"

CTL=$TMPD/ctl
mkdir -p "$CTL"
spawn holder "$PY" "$HDIR/client_abuse.py" hold "$client_PORT" "$CTL"
for _ in $(seq 300); do [ -e "$CTL/ready" ] && break; sleep 0.1; done
[ "$(cat "$CTL/ready" 2>/dev/null)" = ok ] || die "the SOCKS session did not start"

stop meek KILL
: >"$CTL/killed"
log "meek-server killed"
for _ in $(seq $(((EOF_BOUND + 5) * 10))); do [ -e "$CTL/eof" ] && break; sleep 0.1; done
read -r secs how _ <"$CTL/eof" 2>/dev/null || { secs=none; how=None; }
if [ "$how" = eof ] || [ "$how" = reset ]; then
	if awk -v s="$secs" -v b="$EOF_BOUND" 'BEGIN { exit !(s <= b) }'; then
		ok "the SOCKS connection ended ($how) ${secs}s after the kill (bound ${EOF_BOUND}s)"
	else
		fail "the SOCKS connection ended ($how) only ${secs}s after the kill (bound ${EOF_BOUND}s)"
	fi
	[ "$how" = eof ] || log "note: ended by a reset rather than a clean EOF"
else
	fail "the SOCKS connection was still open ${EOF_BOUND}s after the kill"
fi
count_lines "$TMPD/holder.out"

if alive client; then
	run_py cpu "$HDIR/client_abuse.py" cpu "$client_PID" 5 "$MAX_TICKS"
else
	fail "meek-client exited"
fi

start_bg meek2 "$MEEK_SERVER" --disable-tls --listen "127.0.0.1:$SPORT" --orport "$orport_ADDR"
run_py socks_echo "$HDIR/client_abuse.py" socks_echo "$client_PORT"
if alive client; then ok "meek-client still running"; else fail "meek-client exited"; fi
finish
