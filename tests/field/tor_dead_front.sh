#!/bin/bash
# tor_dead_front.sh: a real tor client (level 1 of tor-testnet.md: bridge
# with a bogus loopback DirAuthority, client, no consensus) whose bridge
# line carries targets= with dead fronts (closed loopback ports) and one
# working front (meek-server's own TLS port).  Passes when the client's tor
# log shows our PT LOG line naming a dead front and its class, tor took
# none of our LOG/STATUS lines as malformed, and tor still fetched the
# bridge's descriptor through the working front.
#
# The pairs are tried in a random order per session: with 15 dead fronts
# and one good one, the good one comes first with probability 1/16; then no
# failure happens to be logged, and the script says so instead of failing
# (the descriptor fetch is still required).
. "$(dirname "$0")/../e2e/testnet.sh" || exit 99
set -u

tn_init "field-dead-front"
[ -x "$MEEK_SERVER" ] || tn_fail "no meek-server at $MEEK_SERVER (build first)"
[ -x "$MEEK_CLIENT" ] || tn_fail "no meek-client at $MEEK_CLIENT (build first)"

tn_certs
tn_bogus_authority
tn_ports TN_PT
tn_bridge \
    "ServerTransportPlugin meek exec $MEEK_SERVER --cert $TN_CERT --key $TN_KEY --log $TN_DIR/bridge/pt-meek-server.log" \
    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"
tn_say "starting bridge (meek-server with TLS on 127.0.0.1:$TN_PT)"
tn_start bridge
tn_wait_log "$TN_DIR/bridge/notice.log" "Registered server transport 'meek' at '127\.0\.0\.1:$TN_PT'" \
    60 "bridge registered server transport 'meek'" bridge
tn_wait_cmd 30 "bridge fingerprint" test -s "$TN_DIR/bridge/fingerprint"
FP=$(tn_bridge_fp)
[ ${#FP} = 40 ] || tn_fail "no bridge fingerprint"

# Closed ports: picked free and never bound.
fronts=""
for i in $(seq 15); do
	tn_ports DEAD
	fronts="${fronts}localhost:$DEAD+"
done
targets="targets=https://localhost:$TN_PT/|${fronts}localhost:$TN_PT"
tn_client \
    "Bridge meek 127.0.0.1:2 $FP $targets" \
    "ClientTransportPlugin meek exec $MEEK_CLIENT --log $TN_DIR/client/pt-meek-client.log --ca $TN_CA"
tn_say "starting client: 15 dead fronts and one good one in targets="
tn_start client
tn_wait_log "$TN_DIR/client/notice.log" "new bridge descriptor" 120 \
    "client got the bridge descriptor through the good front" client bridge
tn_say "client: $(grep -m1 -o 'new bridge descriptor.*' "$TN_DIR/client/notice.log")"

if grep -q 'failed (tcp-refused' "$TN_DIR/client/pt-meek-client.log"; then
	grep -q 'front localhost:[0-9]* failed (tcp-refused: connection refused)' \
	    "$TN_DIR/client/notice.log" ||
	    tn_fail "tor's log lacks meek-client's LOG line about the dead front"
	tn_say "tor log: $(grep -m1 -o 'Managed proxy.*front localhost:[0-9]* failed.*' "$TN_DIR/client/notice.log")"
else
	tn_say "NOTE: the good front was drawn first in every session (p=1/16): no failure to show"
fi
if grep -E 'Managed proxy .*(invalid|without|Unknown|unknown)' "$TN_DIR/client/notice.log" "$TN_DIR/client/info.log"; then
	tn_fail "tor rejected a line of ours"
fi
tn_check_loopback
tn_say "PASS"
exit 0
