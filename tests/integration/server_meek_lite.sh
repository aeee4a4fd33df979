#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Interop: Debian's obfs4proxy as a managed meek_lite client (the Go
# implementation tor users run) -> our meek-server over TLS -> echo.
# 10 MiB each way must come back intact, with and without front=.
. "$(dirname "$0")/lib.sh"
require obfs4proxy openssl
require_built "$MEEK_SERVER" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

start_bg echo "$MEEK_ECHO" --listen 127.0.0.1:0 --record "$TMPD/echo.rec"
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$echo_ADDR" \
    --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" --log "$TMPD/server.log"

mkdir -p "$TMPD/state"
# obfs4proxy reads the managed-proxy environment; Go's TLS trusts
# SSL_CERT_FILE, so the test CA is its only root.  Its stdin stays open (a
# FIFO this shell holds), and it is killed by PID at the end.
STDIN_OPEN=1 spawn obfs4 env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_CLIENT_TRANSPORTS=meek_lite \
    TOR_PT_STATE_LOCATION="$TMPD/state" \
    TOR_PT_EXIT_ON_STDIN_CLOSE=0 \
    SSL_CERT_FILE="$PKI/ca.pem" SSL_CERT_DIR=/nonexistent \
    obfs4proxy -enableLogging -logLevel DEBUG
line=$(wait_line obfs4 '^CMETHOD meek_lite socks5 ') || die "obfs4proxy gave no meek_lite CMETHOD"
socks=${line##* }
log "obfs4proxy: $line"
check "obfs4proxy finished its CMETHODs" wait_line obfs4 '^CMETHODS DONE' 30

log "10 MiB each way: meek_lite url=https://localhost:$server_PORT/"
if timeout 900 "$MEEK_SOCKS" --socks "$socks" \
    --args "url=https://localhost:$server_PORT/" \
    --bytes 10M --timeout 600 >"$TMPD/socks1.log" 2>&1; then
	ok "meek_lite -> meek-server: 10 MiB each way intact"
else
	fail "meek_lite -> meek-server: 10 MiB each way"
fi
cat "$TMPD/socks1.log"

log "fronted: url=https://meek.test/ front=localhost:$server_PORT, 2 sessions x 1 MiB"
if timeout 600 "$MEEK_SOCKS" --socks "$socks" \
    --args "url=https://meek.test/;front=localhost:$server_PORT" \
    --bytes 1M --sessions 2 --timeout 300 >"$TMPD/socks2.log" 2>&1; then
	ok "meek_lite with front=localhost:PORT (Host meek.test): intact"
else
	fail "meek_lite with front=localhost:PORT (Host meek.test)"
fi
cat "$TMPD/socks2.log"

check "echo server saw one ORPort connection per session (3)" \
    [ "$(grep -c '^CONNECT' "$TMPD/echo.rec")" = 3 ]
if [ "$FAILED" -ne 0 ]; then
	echo "--- tail of obfs4proxy.log"
	tail -n 30 "$TMPD/state/obfs4proxy.log"
fi

finish
