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
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$orport_ADDR" \
    --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" --log-level debug \
    --log "$TMPD/server.log"
start_bg server0 "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$orport_ADDR" \
    --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" --max-ext 0 --log-level debug \
    --log "$TMPD/server0.log"
URL="https://localhost:$server_PORT/"

# extensions LOG: sessions meek-server accepted the extension for.
extensions() {
	grep -c 'extension 1, modes' "$1"
}

# 1. meek_lite.
mkdir -p "$TMPD/state"
STDIN_OPEN=1 spawn obfs4 env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_CLIENT_TRANSPORTS=meek_lite \
    TOR_PT_STATE_LOCATION="$TMPD/state" \
    TOR_PT_EXIT_ON_STDIN_CLOSE=0 \
    SSL_CERT_FILE="$PKI/ca.pem" SSL_CERT_DIR=/nonexistent \
    obfs4proxy -enableLogging -logLevel DEBUG
line=$(wait_line obfs4 '^CMETHOD meek_lite socks5 ') || die "obfs4proxy gave no meek_lite CMETHOD"
socks=${line##* }
wait_line obfs4 '^CMETHODS DONE' 30 >/dev/null || die "obfs4proxy: no CMETHODS DONE"

# meek_lite queues SOCKS bytes and drops what it has not sent yet when the
# SOCKS side closes (its Write returns before the POST), so the session
# waits for the ORPort end's last byte, which comes only after every
# upstream byte (--up-ack).
t0=$(date +%s.%N)
if flow lite "$socks" --args "url=$URL" --bytes "$UP" --down "$DOWN" \
    --up-ack --sessions 2 --timeout "$(secs 300)"; then
	ok "meek_lite -> meek-server: 2 interleaved sessions complete ($(elapsed "$t0") s)"
else
	fail "meek_lite -> meek-server: 2 interleaved sessions"
	tail -n 20 "$TMPD/state/obfs4proxy.log"
fi
check "meek_lite: SHA-256 both ways equal at the SOCKS and ORPort ends" \
    match lite "$TMPD/orport.rec"
check "meek_lite: meek-server ran both sessions classic (no extension session)" \
    [ "$(extensions "$TMPD/server.log")" = 0 ]
check "meek_lite: meek-server saw the two sessions" \
    [ "$(grep -c 'session .*: new' "$TMPD/server.log")" = 2 ]
stop obfs4

# 2. meek-client --mode classic.
start_bg classic "$MEEK_CLIENT" --listen 127.0.0.1:0 --mode classic \
    --url "$URL" --ca "$PKI/ca.pem" --log "$TMPD/classic.log"
t0=$(date +%s.%N)
if flow cl "$classic_ADDR" --bytes "$UP" --down "$DOWN" --sessions 2 \
    --timeout "$(secs 300)"; then
	ok "meek-client --mode classic: 2 interleaved sessions complete ($(elapsed "$t0") s)"
else
	fail "meek-client --mode classic: 2 interleaved sessions"
fi
check "--mode classic: SHA-256 both ways equal at the SOCKS and ORPort ends" \
    match cl "$TMPD/orport.rec"
check "--mode classic: client log says 'mode classic' for each session" \
    mode_only "$TMPD/classic.log" classic 2
check "--mode classic: meek-server saw no extension session" \
    [ "$(extensions "$TMPD/server.log")" = 0 ]

# 3. auto against a server with the extension disabled.
start_bg auto0 "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$server0_PORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/auto0.log"
t0=$(date +%s.%N)
if flow a0 "$auto0_ADDR" --bytes "$UP" --down "$DOWN" --sessions 2 \
    --timeout "$(secs 300)"; then
	ok "meek-client (auto) -> meek-server --max-ext 0: 2 interleaved sessions complete ($(elapsed "$t0") s)"
else
	fail "meek-client (auto) -> meek-server --max-ext 0: 2 interleaved sessions"
fi
check "--max-ext 0: SHA-256 both ways equal at the SOCKS and ORPort ends" \
    match a0 "$TMPD/orport.rec"
check "--max-ext 0: client log says 'mode classic' for each session" \
    mode_only "$TMPD/auto0.log" classic 2
check "--max-ext 0: meek-server accepted no extension session" \
    [ "$(extensions "$TMPD/server0.log")" = 0 ]

# 4. mode= in the SOCKS arguments overrides --mode classic.
if flow arg "$classic_ADDR" --args "mode=stream" --bytes 1M --down 4M \
    --timeout "$(secs 300)"; then
	ok "--mode classic with SOCKS args mode=stream: session complete"
else
	fail "--mode classic with SOCKS args mode=stream"
fi
check "mode=stream: SHA-256 both ways equal at the SOCKS and ORPort ends" \
    match arg "$TMPD/orport.rec"
check "mode=stream overrides --mode classic: 'mode stream' in the client log" \
    [ "$(count_mode "$TMPD/classic.log" stream)" = 1 ]
check "mode=stream: meek-server accepted the extension for that session" \
    [ "$(extensions "$TMPD/server.log")" = 1 ]

finish
