#!/bin/bash
# Every tor here is started by tests/e2e/testnet.sh with TestingTorNetwork 1 and a loopback DirAuthority.
# tor_level1.sh [meek|meek_lite]: tor launches both transports and talks
# through them, without a whole network.
#
#   bridge  (bogus loopback DirAuthority) --ServerTransportPlugin-> meek-server
#           with TLS (--cert/--key, throwaway CA), Extended ORPort
#   client  --ClientTransportPlugin-> meek-client --ca CA (or obfs4proxy
#           meek_lite with SSL_CERT_FILE=CA)
#           Bridge meek 127.0.0.1:2 FP url=https://localhost:PORT/
#
# Passes when the bridge's tor registered the 'meek' server transport, the
# client's tor launched its transport and fetched the bridge's descriptor
# through it ("new bridge descriptor"), the bridge's tor accepted
# meek-server's Extended ORPort authentication, and no process we started has
# a socket outside 127.0.0.0/8. No consensus exists, so the client stops at
# about "Bootstrapped 30%": that is expected here.

. "$(dirname "$0")/testnet.sh" || exit 99
set -u

MODE=${1:-meek}
case $MODE in
meek | meek_lite) ;;
*) echo "usage: $0 [meek|meek_lite]" >&2; exit 99 ;;
esac

tn_init "level1-$MODE"
OBFS4PROXY=${OBFS4PROXY:-/usr/bin/obfs4proxy}
[ -x "$MEEK_SERVER" ] || tn_fail "no meek-server at $MEEK_SERVER (build first)"
if [ "$MODE" = meek ]; then
	[ -x "$MEEK_CLIENT" ] || tn_fail "no meek-client at $MEEK_CLIENT (build first)"
else
	[ -x "$OBFS4PROXY" ] || tn_skip "obfs4proxy not installed"
fi

tn_certs
tn_bogus_authority
tn_ports TN_PT
tn_bridge \
    "ServerTransportPlugin meek exec $MEEK_SERVER --cert $TN_CERT --key $TN_KEY --log $TN_DIR/bridge/pt-meek-server.log --unsafe-logging --log-level debug" \
    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"

tn_say "starting bridge (meek-server with TLS on 127.0.0.1:$TN_PT)"
tn_start bridge
tn_wait_log "$TN_DIR/bridge/notice.log" "Registered server transport 'meek' at '127\.0\.0\.1:$TN_PT'" \
    60 "bridge registered server transport 'meek'" bridge
tn_say "bridge registered server transport 'meek'"
tn_wait_cmd 30 "bridge fingerprint" test -s "$TN_DIR/bridge/fingerprint"
FP=$(tn_bridge_fp)
[ ${#FP} = 40 ] || tn_fail "no bridge fingerprint"

if [ "$MODE" = meek ]; then
	tn_client \
	    "Bridge meek 127.0.0.1:2 $FP url=https://localhost:$TN_PT/" \
	    "ClientTransportPlugin meek exec $MEEK_CLIENT --log $TN_DIR/client/pt-meek-client.log --ca $TN_CA"
else
	tn_client \
	    "Bridge meek_lite 127.0.0.1:2 $FP url=https://localhost:$TN_PT/" \
	    "ClientTransportPlugin meek_lite exec $OBFS4PROXY -enableLogging -logLevel DEBUG"
	export SSL_CERT_FILE=$TN_CA
fi
tn_say "starting client ($MODE)"
tn_start client
unset SSL_CERT_FILE

tn_wait_log "$TN_DIR/client/notice.log" "new bridge descriptor" 90 \
    "client got the bridge descriptor through $MODE" client bridge
tn_say "client: $(grep -m1 -o 'new bridge descriptor.*' "$TN_DIR/client/notice.log")"
tn_wait_log "$TN_DIR/bridge/debug.log" "Got client's hash and it was legit" 10 \
    "bridge accepted the Extended ORPort authentication" bridge
tn_say "bridge: Extended ORPort authentication succeeded"
grep -q "Seen client from '127\.0\.0\.1' with transport 'meek'" "$TN_DIR/bridge/debug.log" ||
    tn_fail "bridge tor never saw a client with transport 'meek' (TRANSPORT, USERADDR)"
tn_say "bridge: client 127.0.0.1 seen with transport 'meek'"
if [ "$MODE" = meek ]; then
	# meek-c on both ends: protocol extension 1 (doc/protocol.md) is
	# negotiated; meek_lite must stay classic.
	grep -q 'session .*: mode stream' "$TN_DIR/client/pt-meek-client.log" ||
	    tn_fail "meek-client did not negotiate stream mode with meek-server"
	tn_say "meek-client: $(grep -m1 -o 'session .*: mode stream' "$TN_DIR/client/pt-meek-client.log")"
else
	grep -q 'extension 1' "$TN_DIR/bridge/pt-meek-server.log" &&
	    tn_fail "meek-server accepted the extension from meek_lite"
	tn_say "meek-server: meek_lite's sessions are classic"
fi
tn_check_loopback
tn_say "PASS ($MODE)"
exit 0
