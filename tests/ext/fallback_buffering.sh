#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Buffering intermediaries between meek-client (auto) and meek-server
# --disable-tls -> ORPort (meek-test-echo --source); doc/protocol.md
# section 4.  In each session the SOCKS side waits 2 s (more in a sanitizer
# build) before its first byte, so that the ORPort has nothing to send while
# the client waits for the stream's first frame (the KEEPALIVE).
#  1. nginx with proxy_buffering on, deaf to X-Accel-Buffering (the issue's
#     case).  nginx does not hold a stream's frames every time: when the
#     response head and the first KEEPALIVE reach it in one read it passes
#     them, and the later frames, at once (the stream then works and needs
#     no fallback); otherwise it holds each frame until the next one
#     arrives, and the client must fall back to long-polls.  Either way
#     every byte must arrive intact and without a stall; the script says
#     which way it went.
#  2. bufproxy.py, a proxy that buffers every response whole (as some CDNs
#     and reflectors do): the client must fall back to long-polls within
#     its 2 s, move every byte intact, and start its next session in poll
#     mode at once (remembered for that url).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../reflector/rlib.sh"
. "$(dirname "$0")/xlib.sh"
require nginx python3
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"

DELAY=$(( (2 + TIME_FACTOR) * 1000 ))
start_source orport
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$orport_ADDR" --log-level debug --log "$TMPD/server.log"

# 1. nginx, proxy_buffering on.
NPORT=$(free_port) || die "no free port for nginx"
nginx_start buf "$NPORT" "
	server {
		listen 127.0.0.1:$NPORT;
		client_max_body_size 1100k;
		location / {
			proxy_pass http://127.0.0.1:$server_PORT;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_buffering on;
			proxy_ignore_headers X-Accel-Buffering;
			proxy_read_timeout 120s;
			proxy_send_timeout 120s;
		}
	}"
start_bg client_ng "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "http://127.0.0.1:$NPORT/" --log "$TMPD/client_ng.log"
flow_checked ng nginx "$client_ng_ADDR" "" --bytes "$(mib 8)" \
    --down "$(mib 32)" --delay "$DELAY"
check "nginx: no stall (downstream gaps under $(secs 15) s)" \
    no_stall ng "$(secs 15)"
check "nginx: the session started in stream mode" \
    [ "$(count_mode "$TMPD/client_ng.log" stream)" = 1 ]
if grep -q 'falling back to poll' "$TMPD/client_ng.log"; then
	log "   nginx held the stream's frames: the client fell back to poll"
else
	log "   nginx passed the stream's frames at once this time: no fallback was needed"
fi

# 2. A proxy that buffers whole responses.
start_bg bp python3 "$MEEK_SRCDIR/tests/ext/bufproxy.py" \
    --listen 127.0.0.1:0 --upstream "127.0.0.1:$server_PORT"
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "http://127.0.0.1:$bp_PORT/" --log "$TMPD/client.log"
flow_checked first "buffering proxy, first session" "$client_ADDR" "" \
    --bytes "$(mib 4)" --down "$(mib 16)" --delay "$DELAY"
sid1=$(modes "$TMPD/client.log" | awk 'NR == 1 { print $1 }')
log "   client log:"
grep 'session ' "$TMPD/client.log" | sed 's/^/     /'
check "buffering proxy, first session: 'mode stream', then 'falling back to poll'" \
    eval '[ -n "$sid1" ] && grep -q "session $sid1: mode stream\$" "$TMPD/client.log" &&
    grep -q "session $sid1: falling back to poll" "$TMPD/client.log"'

flow_checked second "buffering proxy, second session" "$client_ADDR" "" \
    --bytes "$(mib 1)" --down "$(mib 4)" --delay "$DELAY"
sid2=$(modes "$TMPD/client.log" | awk 'NR == 2 { print $1 }')
check "buffering proxy, second session: 'mode poll' at once (remembered), no fallback" \
    eval '[ -n "$sid2" ] && [ "$sid2" != "$sid1" ] &&
    grep -q "session $sid2: mode poll\$" "$TMPD/client.log" &&
    ! grep -q "session $sid2: falling back" "$TMPD/client.log"'
check "meek-server accepted the extension for the 3 sessions" \
    [ "$(grep -c 'extension 1, modes' "$TMPD/server.log")" = 3 ]

finish
