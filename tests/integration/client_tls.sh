#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# meek-client -> meek-server over TLS with the test CA: bulk data both ways,
# concurrent sessions, SOCKS4/4a, PT args overriding flags; and the cases
# that must fail closed (untrusted CA, wrong name), where no payload may
# reach the ORPort.
. "$(dirname "$0")/lib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

ECHO_REC=$TMPD/echo.rec start_echo_server --cert "$PKI/rsa.pem" \
    --key "$PKI/rsa.key"
URL="https://localhost:$server_PORT/"
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --url "$URL" \
    --ca "$PKI/ca.pem" --log "$TMPD/client.log"

# socks_ok DESC TIMEOUT ARGS...: meek-test-socks must pass.
n=0
socks_ok() {
	local desc=$1 secs=$2
	shift 2
	n=$((n + 1))
	log "-- $desc"
	if timeout $((secs + 60)) "$MEEK_SOCKS" --timeout "$secs" "$@" \
	    >"$TMPD/socks.$n.log" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
	fi
	sed 's/^/   /' "$TMPD/socks.$n.log"
}
# socks_fails DESC ARGS...: meek-test-socks must not get its bytes back.
socks_fails() {
	local desc=$1
	shift
	n=$((n + 1))
	log "-- $desc"
	if timeout 180 "$MEEK_SOCKS" --timeout 90 "$@" >"$TMPD/socks.$n.log" 2>&1; then
		fail "$desc"
	else
		ok "$desc"
	fi
	sed 's/^/   /' "$TMPD/socks.$n.log"
}

socks_ok "SOCKS5: 10 MiB each way, checksums match" 600 \
    --socks "$client_ADDR" --bytes 10M
socks_ok "SOCKS5: 8 interleaved sessions x 1 MiB" 600 \
    --socks "$client_ADDR" --bytes 1M --sessions 8 --piece 4096
socks_ok "SOCKS4a: 1 MiB each way" 300 \
    --socks "$client_ADDR" --socks4a --bytes 1M
socks_ok "SOCKS4 (as tor speaks it): 1 MiB each way" 300 \
    --socks "$client_ADDR" --socks4 --bytes 1M

# PT args override the flags: a client whose --url points nowhere.
start_bg client2 "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:1/" --ca "$PKI/ca.pem" --log "$TMPD/client2.log"
socks_ok "SOCKS5 args url= override --url" 300 \
    --socks "$client2_ADDR" --args "url=$URL" --bytes 1M
socks_ok "SOCKS4 USERID args url= override --url" 300 \
    --socks "$client2_ADDR" --socks4 --args "url=$URL" --bytes 256K
socks_ok "fronted args: url=https://meek.test/ front=localhost:$server_PORT" 300 \
    --socks "$client2_ADDR" --args "url=https://meek.test/;front=localhost:$server_PORT" \
    --bytes 1M
# An IP-literal url: no SNI, the certificate's iPAddress name 127.0.0.1
# matches (BearSSL's own client said cert-name-mismatch; Go accepts it).
socks_ok "url=https://127.0.0.1:PORT/ with a certificate for IP:127.0.0.1" 300 \
    --socks "$client2_ADDR" --args "url=https://127.0.0.1:$server_PORT/" --bytes 256K
socks_ok "hello=chrome-ws: 64 KiB" 300 \
    --socks "$client2_ADDR" --args "url=$URL;hello=chrome-ws" --bytes 64K
socks_ok "utls=HelloFirefox_Auto maps onto Chrome's hello: 64 KiB" 300 \
    --socks "$client2_ADDR" --args "url=$URL;utls=HelloFirefox_Auto" --bytes 64K
check "utls=HelloFirefox_Auto: the log says Chrome's hello is sent instead" \
    grep -q "utls=HelloFirefox_Auto is not a Chrome hello: sending Chrome's (hello=chrome) instead" "$TMPD/client2.log"
# meek-server's TLS 1.2 has no ALPN: hello=chrome (h2, http/1.1) falls
# back to HTTP/1.1 there.
socks_ok "hello=chrome against a front without h2 (HTTP/1.1): 64 KiB" 300 \
    --socks "$client2_ADDR" --args "url=$URL;hello=chrome" --bytes 64K
check "hello=chrome without h2 at the front: no HTTP/2 connection" \
    eval "! grep -q 'HTTP/2 connection' '$TMPD/client2.log'"
pad=$(head -c 300 /dev/zero | tr '\0' p)
socks_ok "args longer than 255 bytes (split into user and password)" 300 \
    --socks "$client2_ADDR" --args "front=localhost:$server_PORT;url=${URL}?pad=$pad" --bytes 64K
stop client2
start_bg client3 env SSL_CERT_FILE="$PKI/ca.pem" "$MEEK_CLIENT" \
    --listen 127.0.0.1:0 --url "$URL" --log "$TMPD/client3.log"
socks_ok "SSL_CERT_FILE=test CA, no --ca: 64 KiB" 300 \
    --socks "$client3_ADDR" --bytes 64K

# --- fail closed: a separate ORPort so that any arrival is visible.
start_bg negecho "$MEEK_ECHO" --listen 127.0.0.1:0 --record "$TMPD/negecho.rec"
start_bg negserver "$MEEK_SERVER" --listen 127.0.0.1:0 \
    --orport "$negecho_ADDR" --cert "$PKI/other.pem" --key "$PKI/other.key" \
    --log-level debug --log "$TMPD/negserver.log"
start_bg negserver2 "$MEEK_SERVER" --listen 127.0.0.1:0 \
    --orport "$negecho_ADDR" --cert "$PKI/nameonly.pem" --key "$PKI/nameonly.key" \
    --log-level debug --log "$TMPD/negserver2.log"

start_bg wrongca "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$negserver_PORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/wrongca.log"
start_bg wrongname "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$negserver2_PORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/wrongname.log"
# Each waits for its meek-client to give up (about 20 s): side by side,
# reported in order (socks_fails numbers its log $n + 1 in the subshell).
socks_fails "certificate from an untrusted CA: no data through" \
    --socks "$wrongca_ADDR" --bytes 1000 >"$TMPD/fails.ca.out" 2>&1 &
f_ca=$!
n=$((n + 1))
socks_fails "certificate for another name (front.test, dialled localhost): no data through" \
    --socks "$wrongname_ADDR" --bytes 1000 >"$TMPD/fails.name.out" 2>&1 &
f_name=$!
n=$((n + 1))
wait "$f_ca"
replay "$TMPD/fails.ca.out"
wait "$f_name"
replay "$TMPD/fails.name.out"

# Let any late request land before looking.
sleep 2
check "untrusted CA / wrong name: the ORPort never saw a connection" \
    eval '! grep -q "^CONNECT" "$TMPD/negecho.rec" 2>/dev/null'
check "untrusted CA / wrong name: meek-server created no session" \
    eval '! grep -q "session .*: new\|bytes up" "$TMPD/negserver.log" "$TMPD/negserver2.log"'
check "untrusted CA: the client reached meek-server and broke off the TLS handshake" \
    grep -q "TLS handshake failed" "$TMPD/negserver.log"
check "wrong name: the client reached meek-server and broke off the TLS handshake" \
    grep -q "TLS handshake failed" "$TMPD/negserver2.log"

finish
