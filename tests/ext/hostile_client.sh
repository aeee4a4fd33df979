#!/usr/bin/env bash
# No tor runs here.
# meek-client against a lying intermediary (issue 16, point 11):
# hostileproxy.py in front of a real meek-server rewrites the open's answer
# to hold=, stream= and keepalive= 2147483647.  meek-client clamps them
# (doc/meek-client.1): in --mode poll and --mode stream a session moves
# 1 MiB up and 4 MiB down intact, then idles 15 s and ends cleanly, with
# no failed poll in its log.  Then --max-sessions: excess SOCKS connections
# get a SOCKS failure and the close (socks_cap.py).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require python3
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

start_source orport
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$orport_ADDR" --log "$TMPD/server.log"
start_bg liar "$PY" "$MEEK_SRCDIR/tests/ext/hostileproxy.py" \
    --listen 127.0.0.1:0 --upstream "$server_ADDR"

for m in poll stream; do
	start_bg "client_$m" "$MEEK_CLIENT" --listen 127.0.0.1:0 --mode "$m" \
	    --url "http://127.0.0.1:$liar_PORT/" --log-level debug \
	    --log "$TMPD/client_$m.log"
	addrvar="client_${m}_ADDR"
	if flow "$m" "${!addrvar}" --bytes "$(mib 1)" --down "$(mib 4)" \
	    --hold 15000 --sessions 1 --timeout "$(secs 300)" &&
	    match "$m" "$TMPD/orport.rec"; then
		ok "--mode $m through the liar: 1 MiB up, 4 MiB down intact, 15 s idle"
	else
		fail "--mode $m through the liar: the session failed"
	fi
	check "--mode $m: the liar rewrote the open's answer" \
	    grep -q 'hold=2147483647' "$TMPD/liar.out"
	check "--mode $m: hold clamped to 120000 ms" \
	    grep -q 'hold 120000 ms, keepalive 60000 ms' "$TMPD/client_$m.log"
	check "--mode $m: the session ran in mode $m" \
	    grep -q "mode $m\$" "$TMPD/client_$m.log"
	if grep -Ei "poll failed|failed: |giving up|WARN" "$TMPD/client_$m.log" \
	    >"$TMPD/failed_$m"; then
		fail "--mode $m: no failed request in the client's log"
		head -5 "$TMPD/failed_$m" | sed 's/^/     /'
	else
		ok "--mode $m: no failed request in the client's log"
	fi
	stop "client_$m"
done

start_bg capped "$MEEK_CLIENT" --listen 127.0.0.1:0 --max-sessions 2 \
    --url "http://127.0.0.1:$server_PORT/" --log "$TMPD/capped.log"
run_tally "$PY" "$MEEK_SRCDIR/tests/ext/socks_cap.py" "$capped_ADDR" 2
check "--max-sessions: the refusal is logged once" \
    [ "$(grep -c 'max-sessions reached' "$TMPD/capped.log")" = 1 ]
check "meek-client --max-sessions 2 still runs" kill -0 "$capped_PID"
finish
