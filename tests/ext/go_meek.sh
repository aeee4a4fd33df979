#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Interop with Go meek 0.37, the reference implementation (built here from
# the Go module proxy's copy, pinned in tests/ext/go-meek/go.mod and go.sum;
# setup.sh test downloads it, this test builds it offline), over TLS, two
# interleaved sessions each, every byte intact (SHA-256 both ways at both
# ends, meek-test-echo --source as the ORPort):
#  - Go meek-client (managed by the PT environment, as tor runs it; Go's
#    crypto/tls) -> meek-server: the server runs both sessions classic;
#  - meek-client -> Go meek-server (crypto/tls of the machine's Go >= 1.24,
#    which offers X25519MLKEM768; Go meek has no extension): the client
#    offers the extension, Go ignores it, the sessions run classic; and
#    --check says the handshake was TLS 1.3.  Go's net/http server picks h2
#    from Chrome's ALPN (issue 19): both sessions, 32 MiB each way, run over
#    HTTP/2 intact (Go meek-client over h2 was seen to stall and lose data
#    after about 3 MB).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
if ! why=$(bash "$MEEK_SRCDIR/tests/ext/go-meek/build.sh" "$TMPD"); then
	is_ci && die "$why"
	echo "SKIP - $why"
	exit 77
fi
log "$why"
make_certs

UP=$(mib 4)
DOWN=$(mib 8)
start_source orport

# 1. Go meek-client -> meek-server.
start_server server
pt_client goclient meek "$TMPD/go-meek-client" --log "$TMPD/goclient.log"
# Like meek_lite, Go meek-client may drop what it has not sent when the
# SOCKS side closes: the session waits for the ORPort end's last byte.
flow_checked goc "Go meek-client -> meek-server, 2 interleaved" "$goclient_SOCKS" \
    "$TMPD/goclient.log" --args "url=https://localhost:$server_PORT/" \
    --bytes "$UP" --down "$DOWN" --up-ack --sessions 2
check "Go meek-client: meek-server saw the two sessions, both classic" \
    classic_only "$TMPD/server.log" 2
stop goclient
stop server

# 2. meek-client -> Go meek-server.
port=$(free_port)
mkdir -p "$TMPD/sstate"
STDIN_OPEN=1 spawn goserver env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_SERVER_TRANSPORTS=meek TOR_PT_SERVER_BINDADDR="meek-127.0.0.1:$port" \
    TOR_PT_ORPORT="$orport_ADDR" TOR_PT_STATE_LOCATION="$TMPD/sstate" \
    "$TMPD/go-meek-server" --cert "$PKI/ec.pem" --key "$PKI/ec.key" \
    --log "$TMPD/goserver.log"
wait_line goserver "^SMETHOD meek 127\\.0\\.0\\.1:$port\$" >/dev/null ||
	die "Go meek-server gave no SMETHOD on 127.0.0.1:$port"
wait_port "$port" || die "Go meek-server does not accept on $port"
URL="https://localhost:$port/"
# --check: Go's crypto/tls took the post-quantum share.
client_check go-server 0 --check "targets=$URL|localhost:$port"
check_lines go-server '^  tls +ok .*TLS 1\.3, X25519MLKEM768, ' '^verdict: OK' \
    'HTTP/2'
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --url "$URL" \
    --ca "$PKI/ca.pem" --log-level debug --log "$TMPD/client.log"
flow_checked cgo "meek-client -> Go meek-server, 2 interleaved" "$client_ADDR" \
    "$TMPD/goserver.log" --bytes "$(mib 32)" --down "$(mib 32)" --sessions 2
check "meek-client -> Go meek-server: both sessions ran classic, no fallback" \
    mode_only "$TMPD/client.log" classic 2
check "meek-client -> Go meek-server: both sessions over HTTP/2" \
    [ "$(grep -c "HTTP/2 connection to front localhost$" "$TMPD/client.log")" -ge 2 ]
check "meek-client -> Go meek-server: no failure line in the client's log" \
    eval '! grep -q -E "FAIL|failed" "$TMPD/client.log"'
stop client
stop goserver
finish
