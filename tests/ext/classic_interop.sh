#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Peers without the extension get classic meek from our server, and ours
# falls back to it (doc/protocol.md section 1), over TLS to meek-server ->
# ORPort (meek-test-echo --source), two interleaved sessions each, every
# byte intact (SHA-256 both ways at both ends):
#  - obfs4proxy's meek_lite (Go) as the client: meek-server's debug log
#    shows no extension session;
#  - meek-client --mode classic: no X-Meek-Ext sent, 'mode classic';
#  - meek-client (auto) against meek-server --max-ext 0: the server does
#    not offer the extension, the client goes on classic;
#  - and the SOCKS argument mode=stream overrides --mode classic.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require obfs4proxy openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

UP=$(mib 4)
DOWN=$(mib 8)
start_source orport
start_server server
start_server server0 --max-ext 0
URL="https://localhost:$server_PORT/"

# extensions LOG: sessions meek-server accepted the extension for.
extensions() {
	grep -c 'extension 1, modes' "$1"
}

# 1. meek_lite.
pt_client obfs4 meek_lite obfs4proxy -enableLogging -logLevel DEBUG

# meek_lite queues SOCKS bytes and drops what it has not sent yet when the
# SOCKS side closes (its Write returns before the POST), so the session
# waits for the ORPort end's last byte, which comes only after every
# upstream byte (--up-ack).
flow_checked lite "meek_lite -> meek-server, 2 interleaved" "$obfs4_SOCKS" \
    "$TMPD/obfs4.state/obfs4proxy.log" --args "url=$URL" --bytes "$UP" \
    --down "$DOWN" --up-ack --sessions 2
check "meek_lite: meek-server saw the two sessions, both classic" \
    classic_only "$TMPD/server.log" 2
stop obfs4

# all_classic NAME WHAT TAG SOCKSADDR CLIENT_LOG SERVER_LOG: 2 interleaved
# sessions through SOCKSADDR (flow_checked), each of them classic in the
# client's log, and none an extension session in meek-server's.
all_classic() {
	flow_checked "$1" "$2" "$4" "" --bytes "$UP" --down "$DOWN" --sessions 2
	check "$3: client log says 'mode classic' for each session" \
	    mode_only "$5" classic 2
	check "$3: meek-server saw no extension session" \
	    [ "$(extensions "$6")" = 0 ]
}

# 2. meek-client --mode classic.
start_bg classic "$MEEK_CLIENT" --listen 127.0.0.1:0 --mode classic \
    --url "$URL" --ca "$PKI/ca.pem" --log "$TMPD/classic.log"
all_classic cl "meek-client --mode classic, 2 interleaved" "--mode classic" \
    "$classic_ADDR" "$TMPD/classic.log" "$TMPD/server.log"

# 3. auto against a server with the extension disabled.
start_bg auto0 "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$server0_PORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/auto0.log"
all_classic a0 "meek-client (auto) -> meek-server --max-ext 0, 2 interleaved" \
    "--max-ext 0" "$auto0_ADDR" "$TMPD/auto0.log" "$TMPD/server0.log"

# 4. mode= in the SOCKS arguments overrides --mode classic.
flow_checked arg "--mode classic with SOCKS args mode=stream" "$classic_ADDR" "" \
    --args "mode=stream" --bytes 1M --down 4M
check "mode=stream overrides --mode classic: 'mode stream' in the client log" \
    [ "$(count_mode "$TMPD/classic.log" stream)" = 1 ]
check "mode=stream: meek-server accepted the extension for that session" \
    [ "$(extensions "$TMPD/server.log")" = 1 ]

finish
