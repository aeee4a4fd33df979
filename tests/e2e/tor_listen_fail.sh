#!/bin/bash
# Every tor here is started by tests/e2e/testnet.sh with TestingTorNetwork 1 and a loopback DirAuthority.
# tor_listen_fail.sh: a bridge's meek-server whose listen address is taken
# (the case of port 443 under Debian's tor unit: "permission denied"; here a
# port another process holds) reports SMETHOD-ERROR with the address and the
# reason, and stays up until tor ends it, as Go's meek-server does: tor
# spawns it exactly once instead of every second.
#
# Passes when the bridge's tor logs the method error naming the address and
# "address already in use", its info log shows one spawn of the transport
# after the bridge has run on for a while, that meek-server still runs, and
# meek-server's --log names the address too.

. "$(dirname "$0")/testnet.sh" || exit 99
set -u

tn_init listen-fail
[ -x "$MEEK_SERVER" ] || tn_fail "no meek-server at $MEEK_SERVER (build first)"
# The method error is this test's subject, not a transport failure.
TN_TRANSPORT_DIED_RE='Managed proxy .*(terminated with status|died in state)|Could not launch managed proxy|(ENV|VERSION|PROXY)-ERROR'

tn_bogus_authority
tn_ports TN_PT
# Something else holds the transport's port.
tn_spawn holder python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("held", flush=True); time.sleep(600)' "$TN_PT"
tn_wait_cmd 20 "port $TN_PT held" tn_listening "$TN_PT"

tn_bridge \
    "ServerTransportPlugin meek exec $MEEK_SERVER --disable-tls --log $TN_DIR/bridge/pt-meek-server.log" \
    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"
tn_say "starting bridge (meek-server on 127.0.0.1:$TN_PT, which is taken)"
tn_start bridge
tn_wait_log "$TN_DIR/bridge/notice.log" "method error.*127\.0\.0\.1:$TN_PT: address already in use" \
    60 "SMETHOD-ERROR with the address and the reason" bridge
tn_say "bridge: $(grep -m1 -o 'managed proxy encountered a method error.*' "$TN_DIR/bridge/notice.log")"
tn_adopt_spawned

# A respawning transport shows up as more spawns within seconds (Go's
# meek-server and this one: one).  Give tor time to respawn, then count.
tn_wait_log "$TN_DIR/bridge/info.log" "has spawned with PID" 30 "the transport's spawn" bridge
sleep 8
tn_adopt_spawned
n=$(grep -c "Managed proxy at '[^']*meek-server' has spawned with PID" "$TN_DIR/bridge/info.log")
[ "$n" = 1 ] || tn_fail "tor spawned meek-server $n times (it should stay up after SMETHOD-ERROR)"
pid=$(sed -n "s/.*meek-server' has spawned with PID '\([0-9]*\)'.*/\1/p" "$TN_DIR/bridge/info.log")
kill -0 "$pid" 2>/dev/null || tn_fail "meek-server (pid $pid) exited after SMETHOD-ERROR"
tn_say "one spawn; meek-server (pid $pid) still runs"
grep -q "127\.0\.0\.1:$TN_PT: address already in use" "$TN_DIR/bridge/pt-meek-server.log" ||
    tn_fail "meek-server's log does not name the address and the reason"
grep -q "staying up until tor closes stdin" "$TN_DIR/bridge/pt-meek-server.log" ||
    tn_fail "meek-server's log does not say why it stays up"
tn_check_loopback
tn_say "PASS"
exit 0
