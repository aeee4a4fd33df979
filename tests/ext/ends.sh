#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Clean ends of extension sessions, in --mode stream and --mode poll, over
# TLS: meek-client -> meek-server -> ORPort (meek-test-echo --source).
#  - ORPort EOF: the ORPort end sends its bytes, waits 1.5 s (so that the
#    session is idle: an open stream, a held poll), then closes; the SOCKS
#    side must see EOF within 1 s of that close.
#  - SOCKS close: the SOCKS side gets its bytes, waits 1.5 s, closes; the
#    ORPort end must see EOF (meek-server freed the session) within 1 s.
# The times are wall-clock stamps taken by the two test tools on this
# machine; the 1 s bound is multiplied by TIME_FACTOR (sanitizer builds).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

BOUND=$TIME_FACTOR
start_source orport
start_server server

# within DT: DT <= BOUND (and not negative beyond clock noise).
within() {
	awk -v d="$1" -v b="$BOUND" 'BEGIN { exit !(d != "" && d >= -0.05 && d <= b) }'
}

for m in stream poll; do
	start_bg "client_$m" "$MEEK_CLIENT" --listen 127.0.0.1:0 --mode "$m" \
	    --url "https://localhost:$server_PORT/" --ca "$PKI/ca.pem" \
	    --log "$TMPD/client_$m.log"
	a="client_${m}_ADDR"

	# ORPort EOF -> SOCKS closed.
	if flow "eof_$m" "${!a}" --bytes 64K --down 256K --orport-close \
	    --linger 1500 --sessions 2 --timeout "$(secs 120)"; then
		ok "--mode $m: ORPort EOF: both sessions got their bytes, then EOF"
	else
		fail "--mode $m: ORPort EOF: sessions"
	fi
	for seed in $(seeds "eof_$m"); do
		sl=$(grep " seed=$seed " "$TMPD/eof_$m.log")
		el=$(wait_rec "$TMPD/orport.rec" "^SOURCE [0-9]+ seed=$seed ") || el=""
		dt=$(awk -v a="$(field "$sl" t_eof)" -v b="$(field "$el" t_close)" \
		    'BEGIN { if (a > 0 && b > 0) printf "%.3f", a - b }')
		idle=$(awk -v a="$(field "$el" t_close)" -v b="$(field "$sl" t_last)" \
		    'BEGIN { if (a > 0 && b > 0) printf "%.3f", a - b }')
		log "   $m, seed $seed: ORPort closed ${idle:-?} s after the last byte reached SOCKS; SOCKS saw EOF ${dt:-?} s after the ORPort closed ($(field "$el" end))"
		check "--mode $m: ORPort EOF closed the SOCKS side within ${BOUND} s (${dt:-none} s)" \
		    within "$dt"
	done

	# SOCKS close -> ORPort EOF.
	freed=$(grep -c 'closed by the client' "$TMPD/server.log")
	if flow "close_$m" "${!a}" --bytes 64K --down 256K --hold 1500 \
	    --sessions 2 --timeout "$(secs 120)"; then
		ok "--mode $m: SOCKS close: both sessions got their bytes"
	else
		fail "--mode $m: SOCKS close: sessions"
	fi
	for seed in $(seeds "close_$m"); do
		sl=$(grep " seed=$seed " "$TMPD/close_$m.log")
		el=$(wait_rec "$TMPD/orport.rec" "^SOURCE [0-9]+ seed=$seed " \
		    "$(secs 30)") || el=""
		dt=$(awk -v a="$(field "$el" t_eof)" -v b="$(field "$sl" t_close)" \
		    'BEGIN { if (a > 0 && b > 0) printf "%.3f", a - b }')
		log "   $m, seed $seed: the ORPort saw EOF ${dt:-?} s after the SOCKS side closed ($(field "$el" end))"
		check "--mode $m: SOCKS close reached the ORPort within ${BOUND} s (${dt:-none} s)" \
		    within "$dt"
	done
	check "--mode $m: meek-server logged 'closed by the client' for both sessions" \
	    [ "$(grep -c 'closed by the client' "$TMPD/server.log")" -ge $((freed + 2)) ]
	check "--mode $m: client log says 'mode $m' for the 4 sessions, no fallback" \
	    mode_only "$TMPD/client_$m.log" "$m" 4
	stop "client_$m"
done

finish
