#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# contrib/nginx/scale-out.conf's shape: nginx spreads meek sessions over two
# meek-servers by "hash $http_x_session_id consistent", each meek-server
# with its own fake Extended ORPort (meek-test-echo --extor --record), so
# the records show which backend got which sessions.
#  1. 20 sessions through meek-client: all intact, both backends used, and
#     each session on exactly one backend (20 ExtORPort connections in all).
#  2. 20 longer sessions; once all have started, one meek-server is
#     stopped: its sessions break, the other backend's sessions finish
#     intact.  nginx marks the dead backend down (max_fails=1) and hashes
#     the broken sessions' next requests to the survivor.  meek-client and
#     meek-server speak protocol extension 1 (doc/protocol.md) here: the
#     survivor does not know those sessions and answers RESET, so the
#     client ends them at once and no ExtORPort connection is opened in
#     mid-stream.  (Classic meek, as Go speaks it, would open one there, tor
#     would drop it, and the session would only end at a timeout; so
#     meek-test-socks keeps a --timeout scaled from phase 1's duration.)
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/rlib.sh"
require nginx curl openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

for b in a b; do
	start_extor_server "_$b" --disable-tls --trusted-proxies 1
done
RA=$TMPD/extor_a.rec
RB=$TMPD/extor_b.rec

NPORT=$(free_port) || die "no free port for nginx"
nginx_start lb "$NPORT" "
	upstream meek_servers {
		hash \$http_x_session_id consistent;
		server 127.0.0.1:$server_a_PORT max_fails=1 fail_timeout=10s;
		server 127.0.0.1:$server_b_PORT max_fails=1 fail_timeout=10s;
		keepalive 64;
	}
	$(front_vhost "$NPORT" localhost meek_servers "proxy_next_upstream off;")"

start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$NPORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/client.log"

# 1. Spread.
t0=$(date +%s%N)
if socks_run socks1 "$client_ADDR" --sessions 20 --bytes 1M --timeout 1100; then
	ok "20 sessions x 1 MiB each way intact ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
else
	fail "20 sessions x 1 MiB each way"
fi
na=$(useraddr_count "$RA")
nb=$(useraddr_count "$RB")
log "backend a got $na sessions, backend b $nb"
check "both backends used (a: $na, b: $nb)" [ "$na" -gt 0 ] && [ "$nb" -gt 0 ]
check "each session on exactly one backend ($na + $nb = 20)" \
    [ $((na + nb)) = 20 ]
check "every USERADDR is the client's 127.0.0.1:1" \
    eval '[ "$(cat "$RA" "$RB" | grep "^USERADDR" | grep -vc "^USERADDR 127.0.0.1:1 TRANSPORT meek$")" = 0 ]'

# 2. Failover.  Phase 2 moves 8 times phase 1's bytes (about half of them
# through the survivor); its time limit is 40 times phase 1's, at least 60 s.
p1=$(( ($(date +%s%N) - t0) / 1000000000 + 1 ))
limit=$(( p1 * 40 > 60 ? p1 * 40 : 60 ))
ba=$na
bb=$nb
log "phase 2: 20 sessions x 8 MiB, --timeout $limit s"
"$MEEK_SOCKS" --socks "$client_ADDR" --sessions 20 --bytes 8M \
    --timeout "$limit" >"$TMPD/socks2.log" 2>&1 &
SOCKS2_PID=$!
PIDS+=("$SOCKS2_PID")
# Stop a only once every open has its answer: a server dials before it
# answers, so an open that a dialed but never answered is repeated, and
# rightly lands on b as a new session (not the mid-stream case checked).
for i in $(seq $((START_TIMEOUT * 10))); do
	[ $(( $(useraddr_count "$RA") + $(useraddr_count "$RB") - ba - bb )) -ge 20 ] &&
	    [ "$(grep -c 'INFO session .*: mode ' "$TMPD/client.log")" -ge 40 ] && break
	sleep 0.1
done
da=$(( $(useraddr_count "$RA") - ba ))
db=$(( $(useraddr_count "$RB") - bb ))
log "phase 2: backend a has $da sessions, backend b $db; stopping a"
check "phase 2: both backends carry sessions (a: $da, b: $db)" \
    eval '[ "$da" -gt 0 ] && [ "$db" -gt 0 ] && [ $((da + db)) = 20 ]'
stop server_a
t0=$(date +%s)
wait "$SOCKS2_PID"
rc=$?
sed 's/^/   /' "$TMPD/socks2.log"
log "phase 2 ended after $(( $(date +%s) - t0 )) s (status $rc)"
nok=$(grep -c '^session [0-9]*: OK' "$TMPD/socks2.log")
nfail=$(grep -c '^session [0-9]*: FAIL' "$TMPD/socks2.log")
check "backend a's $da sessions broke (failed: $nfail)" [ "$nfail" = "$da" ]
check "backend b's $db sessions finished intact (intact: $nok)" [ "$nok" = "$db" ]
check "backend b still up" kill -0 "$server_b_PID"
moved=$(( $(useraddr_count "$RB") - bb - db ))
check "backend b opened no ExtORPort connection for a's broken sessions (got $moved)" \
    [ "$moved" = 0 ]
[ "$moved" = 0 ] ||
    grep -v 'started (\|: mode \|unknown session$\|frames\|bytes up' "$TMPD/client.log" |
    tail -n 40 | sed 's/^/   client: /' >&2
check "meek-client logged the survivor's RESET for a's sessions" \
    grep -q 'ended by the server: unknown session' "$TMPD/client.log"

finish
