#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Lossless sessions: meek-client -> meek-test-relay -> meek-server (TLS) ->
# ORPort (meek-test-echo --source), where the relay resets the connection
# carrying the byte (SO_LINGER 0 on both sides: a TCP RST each way) at 20
# points spread over a transfer of 32 MiB each way.
#  - --mode stream and --mode poll: the session survives every reset with
#    every byte intact, in order, once (checked byte by byte at both ends
#    and by SHA-256 both ways), and the client logs its resumes;
#  - --mode classic: the session cannot survive the first reset; it must
#    end cleanly: the SOCKS connection closes and what arrived at either
#    end is a prefix of what was sent (no gap, no duplicate, no garbage).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS" \
    "$MEEK_RELAY"
make_certs

RESETS=20
SIZE=$(mib 32)
start_source orport
start_server server

# One relay per client, so that each counts only its own session's bytes:
# 2 x SIZE of payload (and the TLS and HTTP around it) cross it, and the
# resets are spread over the first 90% of that.
for m in stream poll classic; do
	start_bg "relay_$m" "$MEEK_RELAY" --listen 127.0.0.1:0 \
	    --connect "127.0.0.1:$server_PORT" --resets "$RESETS" \
	    --first $((SIZE / 32)) --span $((SIZE * 2 * 9 / 10))
	rp="relay_${m}_PORT"
	start_bg "client_$m" "$MEEK_CLIENT" --listen 127.0.0.1:0 --mode "$m" \
	    --url "https://localhost:${!rp}/" --ca "$PKI/ca.pem" \
	    --log "$TMPD/client_$m.log"
	log "   relay_$m: $(grep '^PLAN' "$TMPD/relay_$m.out" | cut -c1-60)..."
done

t0=$(date +%s.%N)
for m in stream poll; do
	a="client_${m}_ADDR"
	flow_bg "$m" "${!a}" --bytes "$SIZE" --down "$SIZE" \
	    --timeout "$(secs 600)"
done
flow_bg classic "$client_classic_ADDR" --bytes "$SIZE" --down "$SIZE" \
    --allow-cut --timeout "$(secs 300)"

for m in stream poll; do
	if flow_wait "$m"; then
		ok "--mode $m: the session survived the resets, every byte intact"
	else
		fail "--mode $m: the session did not survive the resets intact"
	fi
	n=$(grep -c '^RESET' "$TMPD/relay_$m.out")
	check "--mode $m: the relay reset $n of $RESETS connections during the transfer" \
	    [ "$n" = "$RESETS" ]
	check "--mode $m: SHA-256 both ways equal at the SOCKS and ORPort ends" \
	    match "$m" "$TMPD/orport.rec"
	check "--mode $m: no stall (downstream gaps under $(secs 15) s)" \
	    no_stall "$m" "$(secs 15)"
	check "--mode $m: client log says 'mode $m', no fallback" \
	    mode_only "$TMPD/client_$m.log" "$m" 1
	r=$(grep -c ': resumed after ' "$TMPD/client_$m.log")
	log "   client_$m: $r 'resumed after' lines, e.g.:"
	grep ': resumed after ' "$TMPD/client_$m.log" | head -n 3 | sed 's/^/     /'
	check "--mode $m: the client logged resumes ($r)" [ "$r" -ge 1 ]
	check "--mode $m: the server never ended the session (no RESET frame)" \
	    eval '! grep -q "ended by the server" "$TMPD/client_$m.log"'
done

flow_wait classic
cl=$(grep '^session 0:' "$TMPD/classic.log")
seed=$(field "$cl" seed)
n=$(grep -c '^RESET' "$TMPD/relay_classic.out")
check "--mode classic: the relay reset a connection ($n)" [ "$n" -ge 1 ]
check "--mode classic: the session ended early, its SOCKS connection closed, every byte it got was right" \
    eval 'case "$cl" in *": CUT "*) true ;; *) false ;; esac'
check "--mode classic: client log says 'mode classic'" \
    mode_only "$TMPD/client_classic.log" classic 1
# What reached the ORPort is checked byte by byte as it arrives: a wrong
# byte would have been recorded at once.
sleep 1
check "--mode classic: every upstream byte that reached the ORPort was right (a prefix)" \
    eval '[ -n "$seed" ] && ! grep -q "^BADUP [0-9]* seed=$seed " "$TMPD/orport.rec"'
log "   all three done in $(elapsed "$t0") s"

finish
