#!/usr/bin/env bash
# No tor runs here.
# An extension session's failures reach tor as classic meek's do (issue 17):
# a managed meek-client (as tor runs it) holds one stream session and one
# long-poll session, each through its own meek-server; each meek-server is
# then stopped, and each session's failed tries show up on the client's
# stdout as "STATUS TRANSPORT=meek TYPE=front-failure FRONT=... FAILURE=
# tcp-refused" and as a PT LOG warning that says it is resuming; once no
# front has answered for 20 s the session ends and says so.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"

start_source orport
for m in stream poll; do
	start_bg "server_$m" "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
	    --orport "$orport_ADDR" --log "$TMPD/server_$m.log"
done
export TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_CLIENT_TRANSPORTS=meek \
    TOR_PT_STATE_LOCATION=$TMPD/state
STDIN_OPEN=1 spawn pt "$MEEK_CLIENT" --log "$TMPD/client.log" --log-level debug
unset TOR_PT_MANAGED_TRANSPORT_VER TOR_PT_CLIENT_TRANSPORTS TOR_PT_STATE_LOCATION
line=$(wait_line pt '^CMETHOD meek socks5 ') || die "no CMETHOD"
paddr=${line##* }

for m in stream poll; do
	portvar="server_${m}_PORT"
	flow_bg "$m" "$paddr" --args "url=http://127.0.0.1:${!portvar}/;mode=$m" \
	    --bytes 4096 --down 4096 --hold 120000 --sessions 1 \
	    --timeout "$(secs 200)"
done
# Both sessions run in their modes before their servers go.
running() {
	[ "$(grep -cE 'mode (stream|poll)$' "$TMPD/client.log" 2>/dev/null)" -ge 2 ]
}
for _ in $(seq $(( $(secs 60) * 10 ))); do running && break; sleep 0.1; done
check "a stream and a long-poll session run" running
sleep 1
stop server_stream
stop server_poll

# want PORT: bounded wait for the STATUS line of the front on PORT.
want() {
	local i
	for i in $(seq $(( $(secs 60) * 10 ))); do
		grep -q "^STATUS TRANSPORT=meek TYPE=front-failure FRONT=\"127.0.0.1:$1\" FAILURE=tcp-refused " \
		    "$TMPD/pt.out" && return 0
		sleep 0.1
	done
	return 1
}
for m in stream poll; do
	portvar="server_${m}_PORT"
	check "mode $m: a STATUS line says the front failed (tcp-refused)" \
	    want "${!portvar}"
	check "mode $m: a PT LOG warning names the front, the class and the resume" \
	    grep -q "^LOG SEVERITY=warning MESSAGE=\".*front 127.0.0.1:${!portvar} failed (tcp-refused: .*); resuming\"" \
	    "$TMPD/pt.out"
done
for m in stream poll; do
	flow_wait "$m" >/dev/null 2>&1
done
check "the sessions end when no front answers" \
    grep -q 'ended: no successful .* exchange for 20 s' "$TMPD/client.log"
grep -E '^(STATUS|LOG) .*(FAILURE=|failed \()' "$TMPD/pt.out" | sed 's/^/   /' | head -n 8
finish
