#!/bin/bash
# Every tor here is started by tests/e2e/testnet.sh with TestingTorNetwork 1 and a loopback DirAuthority.
# tor_level2.sh [meek|h2|meek_lite|go_server|obfs4|plain]: a whole private Tor network on
# 127.0.0.1 carries a web page through meek.
#
#   authority + exit relay            (tor, TestingTorNetwork)
#   bridge  --ServerTransportPlugin-> meek-server --disable-tls  (Extended ORPort)
#   nginx   TLS for "localhost", Host: meek.test -> meek-server, X-Forwarded-For
#   client  --ClientTransportPlugin-> meek-client  (or obfs4proxy meek_lite)
#           Bridge meek 127.0.0.1:2 FP url=https://meek.test/ front=localhost:PORT
#   python3 -m http.server on 127.0.0.1 serving 1 MiB of random bytes
#
# Passes when the client bootstraps to 100% through the bridge, curl through
# its SocksPort returns the page byte for byte, the bridge's tor received
# USERADDR 127.0.0.1 (the X-Forwarded-For value: nginx dials meek-server from
# 127.0.0.2), and no process we started has a socket outside 127.0.0.0/8.
#
# Modes: meek (default) our meek-client -> our meek-server; h2 the same with
# http2 on nginx's TLS listener (meek-client speaks HTTP/2 to the front,
# which speaks HTTP/1.1 to meek-server; issue 19); meek_lite Debian's
# obfs4proxy as the client -> our meek-server; go_server our meek-client ->
# Go meek 0.37's meek-server (tests/ext/go-meek/build.sh; the drop-in case:
# a bridge that still runs the Go server); obfs4 and plain check the
# harness itself (no meek code involved). Set MEEK_E2E_KEEP=1 to keep logs.
# Needs tor, tor-gencert, nginx, openssl, curl, python3 (obfs4proxy for
# meek_lite/obfs4, Go and Go meek 0.37 in Go's module cache for go_server);
# exits 77 (skip) without them.

. "$(dirname "$0")/testnet.sh" || exit 99
set -u

MODE=${1:-meek}
case $MODE in
meek | h2 | meek_lite | go_server | obfs4 | plain) ;;
*) echo "usage: $0 [meek|h2|meek_lite|go_server|obfs4|plain]" >&2; exit 99 ;;
esac
# h2: the meek case through an HTTP/2 front.
HTTP=HTTP/1.1
unset TN_NGINX_HTTP2
if [ "$MODE" = h2 ]; then
	MODE=meek
	HTTP=HTTP/2.0
	export TN_NGINX_HTTP2=1
fi

tn_init "level2-$MODE${TN_NGINX_HTTP2:+-h2}"
OBFS4PROXY=${OBFS4PROXY:-/usr/bin/obfs4proxy}
case $MODE in meek | meek_lite | go_server)
	command -v nginx >/dev/null 2>&1 || tn_skip "nginx not installed"
	;;
esac
case $MODE in
meek)
	[ -x "$MEEK_SERVER" ] || tn_fail "no meek-server at $MEEK_SERVER (build first)"
	[ -x "$MEEK_CLIENT" ] || tn_fail "no meek-client at $MEEK_CLIENT (build first)"
	;;
meek_lite)
	[ -x "$MEEK_SERVER" ] || tn_fail "no meek-server at $MEEK_SERVER (build first)"
	[ -x "$OBFS4PROXY" ] || tn_skip "obfs4proxy not installed"
	;;
go_server)
	[ -x "$MEEK_CLIENT" ] || tn_fail "no meek-client at $MEEK_CLIENT (build first)"
	why=$(bash "$MEEK_SRCDIR/tests/ext/go-meek/build.sh" "$TN_DIR/gomeek") ||
	    tn_skip "$why"
	tn_say "$why"
	;;
obfs4)
	[ -x "$OBFS4PROXY" ] || tn_skip "obfs4proxy not installed"
	;;
esac

# upstream_peers: sets PEERS to the source addresses of the established
# connections to meek-server's port (nginx's side); false when none.
# shellcheck disable=SC2317 # called through tn_wait_cmd
upstream_peers() {
	PEERS=$(ss -HtnO state established "( dport = :$TN_PT )" |
	    awk '{ sub(/:[0-9]+$/, "", $3); print $3 }' | sort -u | tr '\n' ' ')
	[ -n "$PEERS" ]
}

PAGE_BYTES=$((1024 * 1024))
tn_ports TN_HTTP TN_PT TN_FRONT
tn_authority
tn_exit "$TN_HTTP"

case $MODE in
meek | meek_lite)
	tn_certs
	tn_bridge \
	    "ServerTransportPlugin meek exec $MEEK_SERVER --disable-tls --trusted-proxies 1 --log $TN_DIR/bridge/pt-meek-server.log --unsafe-logging --log-level debug" \
	    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"
	;;
go_server)
	tn_certs
	tn_bridge \
	    "ServerTransportPlugin meek exec $TN_DIR/gomeek/go-meek-server --disable-tls --log $TN_DIR/bridge/pt-meek-server.log" \
	    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"
	;;
obfs4)
	tn_bridge \
	    "ServerTransportPlugin obfs4 exec $OBFS4PROXY -enableLogging -logLevel INFO" \
	    "ServerTransportListenAddr obfs4 127.0.0.1:$TN_PT"
	;;
plain)
	tn_bridge
	;;
esac

tn_say "starting authority, exit and bridge"
tn_start auth
tn_start exit
tn_start bridge
tn_http_server "$PAGE_BYTES"

if [ "$MODE" != plain ]; then
	tn_wait_log "$TN_DIR/bridge/notice.log" "Registered server transport '(meek|obfs4)'" \
	    60 "bridge registered its transport" bridge
	tn_say "bridge registered its server transport"
fi
case $MODE in meek | meek_lite | go_server)
	tn_nginx_front "$TN_FRONT" "$TN_PT"
	tn_say "nginx front on 127.0.0.1:$TN_FRONT -> meek-server on 127.0.0.1:$TN_PT"
	;;
esac

tn_wait_network 120
tn_say "bridge has a consensus with exits"
FP=$(tn_bridge_fp)
[ ${#FP} = 40 ] || tn_fail "no bridge fingerprint"

case $MODE in
meek | go_server)
	tn_client \
	    "Bridge meek 127.0.0.1:2 $FP url=https://meek.test/ front=localhost:$TN_FRONT" \
	    "ClientTransportPlugin meek exec $MEEK_CLIENT --log $TN_DIR/client/pt-meek-client.log --ca $TN_CA"
	;;
meek_lite)
	tn_client \
	    "Bridge meek_lite 127.0.0.1:2 $FP url=https://meek.test/ front=localhost:$TN_FRONT" \
	    "ClientTransportPlugin meek_lite exec $OBFS4PROXY -enableLogging -logLevel DEBUG"
	# Go's crypto/x509 reads SSL_CERT_FILE; tor passes its environment on.
	export SSL_CERT_FILE=$TN_CA
	;;
obfs4)
	line=$(grep '^Bridge obfs4' "$TN_DIR/bridge/pt_state/obfs4_bridgeline.txt") ||
	    tn_fail "no obfs4 bridge line"
	args=${line#*<FINGERPRINT> }
	tn_client \
	    "Bridge obfs4 127.0.0.1:$TN_PT $FP $args" \
	    "ClientTransportPlugin obfs4 exec $OBFS4PROXY -enableLogging -logLevel INFO"
	;;
plain)
	tn_client "Bridge 127.0.0.1:$TN_BRIDGE_OR $FP"
	;;
esac

tn_say "starting client"
T_CLIENT=$(date +%s%N)
tn_start client
unset SSL_CERT_FILE
tn_wait_bootstrap client 100 120
T_BOOT=$(( ($(date +%s%N) - T_CLIENT) / 1000000 ))
tn_say "client bootstrapped 100% in $((T_BOOT / 1000)).$((T_BOOT % 1000 / 100)) s"
tn_check_loopback

T_GET=$(date +%s%N)
tn_fetch "http://127.0.0.1:$TN_HTTP/$TN_PAGE" "$TN_DIR/fetched" 90 ||
    tn_fail "curl through tor failed"
T_GET=$(( ($(date +%s%N) - T_GET) / 1000000 ))
GOT=$(sha256sum <"$TN_DIR/fetched" | awk '{ print $1 }')
[ "$GOT" = "$TN_PAGE_SHA" ] ||
    tn_fail "page differs: sha256 $GOT, expected $TN_PAGE_SHA ($(stat -c %s "$TN_DIR/fetched") bytes)"
tn_say "fetched $PAGE_BYTES bytes through tor in $((T_GET / 1000)).$((T_GET % 1000 / 100)) s, sha256 matches"

case $MODE in meek | meek_lite | go_server)
	# The bridge's tor authenticated meek-server on the Extended ORPort and
	# took the client address from X-Forwarded-For: nginx dials meek-server
	# from 127.0.0.2 and adds "X-Forwarded-For: 127.0.0.1".
	DBG=$TN_DIR/bridge/debug.log
	tn_wait_log "$DBG" "Got client's hash and it was legit" 10 \
	    "ExtORPort authentication" bridge
	tn_wait_log "$DBG" "Received USERADDR" 10 "ExtORPort USERADDR" bridge
	grep -h "Received USERADDR" "$DBG" | sed 's/^.*\] /  bridge: /' | sort | uniq -c | head -n 3
	grep -q "Received USERADDR.* to '127\.0\.0\.1:[0-9]*'" "$DBG" ||
	    tn_fail "bridge tor never got USERADDR 127.0.0.1 (X-Forwarded-For)"
	if grep -q "Received USERADDR.* to '127\.0\.0\.2:" "$DBG"; then
		tn_fail "USERADDR is nginx's address 127.0.0.2, not X-Forwarded-For"
	fi
	grep -q "Seen client from '127\.0\.0\.1' with transport 'meek'" "$DBG" ||
	    tn_fail "bridge tor never saw a client with transport 'meek' (TRANSPORT)"
	# nginx's connections to meek-server come from 127.0.0.2 (so a USERADDR
	# of 127.0.0.1 can only have come from X-Forwarded-For).
	tn_wait_cmd 15 "a connection from nginx to meek-server" upstream_peers
	[ "$PEERS" = "127.0.0.2 " ] ||
	    tn_fail "expected nginx -> meek-server connections from 127.0.0.2 only, saw '$PEERS'"
	# Domain fronting: TLS named the front (SNI localhost), HTTP the bridge.
	grep -q "sni=localhost host=meek.test \"POST / $HTTP\" 200" "$TN_DIR/nginx/access.log" ||
	    tn_fail "nginx saw no $HTTP POST with SNI localhost and Host meek.test"
	if [ "$HTTP" = HTTP/2.0 ]; then
		grep -q 'HTTP/1.1"' "$TN_DIR/nginx/access.log" &&
		    tn_fail "nginx saw HTTP/1.1 requests from meek-client through the h2 front"
		grep -q 'HTTP/2 connection to front localhost' "$TN_DIR/client/pt-meek-client.log" ||
		    tn_fail "meek-client's log names no HTTP/2 connection to the front"
	fi
	tn_say "nginx: $(grep -c 'sni=localhost host=meek.test "POST' "$TN_DIR/nginx/access.log") $HTTP POSTs with SNI localhost, Host meek.test"
	tn_say "bridge tor: ExtORPort auth ok, USERADDR 127.0.0.1 from X-Forwarded-For, TRANSPORT meek"
	;;
esac
tn_check_loopback
tn_say "PASS ($MODE${TN_NGINX_HTTP2:+ over HTTP/2})"
exit 0
