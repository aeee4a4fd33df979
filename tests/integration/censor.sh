#!/usr/bin/env bash
# What a censor does to a front, reproduced on loopback by
# tests/integration/censor.py, and the class meek-client gives each one in
# --check, in its log and (managed) in tor's STATUS lines: reset after the
# TLS ClientHello (reset-after-hello), a black hole after connect
# (blackhole), a reset after the request (reset-after-request), a block
# page instead of meek-server (block-page) and a certificate from another
# CA, as a TLS-intercepting middlebox shows (cert-unknown-ca, with its
# hint).
. "$(dirname "$0")/lib.sh"
require python3 openssl
require_built "$MEEK_CLIENT" "$MEEK_SOCKS"
make_certs

for m in reset-hello blackhole reset-request block-page; do
	start_bg "c_${m//-/_}" python3 "$MEEK_SRCDIR/tests/integration/censor.py" "$m" \
	    "$PKI/rsa.pem" "$PKI/rsa.key"
done
# The middlebox's own CA: a self-signed certificate for localhost that the
# client's --ca does not contain.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$TMPD/mitm.key" \
    -out "$TMPD/mitm.pem" >/dev/null 2>&1 || die "openssl: no middlebox certificate"
start_bg c_other_ca python3 "$MEEK_SRCDIR/tests/integration/censor.py" other-ca \
    "$TMPD/mitm.pem" "$TMPD/mitm.key"

# check_class NAME PORT STEP CLASS [HINT]: --check names the class and the
# hint (an ERE; default: this looks like blocking).
check_class() {
	local name=$1 port=$2 step=$3 cls=$4 hint=${5:-this looks like blocking}
	timeout 120 "$MEEK_CLIENT" --ca "$PKI/ca.pem" \
	    --check "url=https://localhost:$port/ front=localhost:$port" \
	    >"$TMPD/check.$name" 2>&1
	sed 's/^/   /' "$TMPD/check.$name"
	check "--check $name: the $step step fails with class $cls" \
	    grep -Eq "^  $step +FAIL .*\(class $cls\)" "$TMPD/check.$name"
	check "--check $name: it says $hint" \
	    grep -Eq "^  $step +FAIL .*$hint" "$TMPD/check.$name"
	check "--check $name: verdict FAIL" grep -q '^verdict: FAIL' "$TMPD/check.$name"
}
check_class reset-hello "$c_reset_hello_PORT" tls reset-after-hello
check_class blackhole "$c_blackhole_PORT" tls blackhole
check_class reset-request "$c_reset_request_PORT" post reset-after-request
check_class block-page "$c_block_page_PORT" meek block-page
check_class other-ca "$c_other_ca_PORT" tls cert-unknown-ca \
    "unknown CA.* \(a TLS-intercepting middlebox looks like this\)"

# Managed, as tor runs it: each failure reaches tor as a STATUS line with
# its class, and as a PT LOG line with the hint.
managed_client meek_lite
for p in "$c_reset_hello_PORT" "$c_blackhole_PORT" "$c_reset_request_PORT" \
    "$c_block_page_PORT" "$c_other_ca_PORT"; do
	# Each session fails (the front never works): only the reports count.
	timeout 100 "$MEEK_SOCKS" --socks "$pt_SOCKS" \
	    --args "url=https://localhost:$p/;front=localhost:$p" \
	    --bytes 1K --timeout 60 >>"$TMPD/socks.log" 2>&1 &
	PIDS+=("$!")
done
want() { # want PORT CLASS: bounded wait for the STATUS line
	local i
	for i in $(seq 900); do
		grep -q "^STATUS TRANSPORT=meek TYPE=front-failure FRONT=\"localhost:$1\" FAILURE=$2 " \
		    "$TMPD/pt.out" && return 0
		sleep 0.1
	done
	return 1
}
check "STATUS FAILURE=reset-after-hello for the front that resets after the hello" \
    want "$c_reset_hello_PORT" reset-after-hello
check "STATUS FAILURE=reset-after-request for the front that resets after the request" \
    want "$c_reset_request_PORT" reset-after-request
check "STATUS FAILURE=blackhole for the front that never answers" \
    want "$c_blackhole_PORT" blackhole
check "STATUS FAILURE=block-page for the front that answers with a web page" \
    want "$c_block_page_PORT" block-page
check "STATUS FAILURE=cert-unknown-ca for the front with another CA's certificate" \
    want "$c_other_ca_PORT" cert-unknown-ca
check "a PT LOG line says the reset after the hello looks like blocking" \
    grep -q "^LOG SEVERITY=warning MESSAGE=\".*front localhost:$c_reset_hello_PORT failed (reset-after-hello: .*this looks like blocking" "$TMPD/pt.out"
check "a PT LOG line says the block page looks like blocking" \
    grep -q "^LOG SEVERITY=warning MESSAGE=\".*front localhost:$c_block_page_PORT failed (block-page: .*this looks like blocking" "$TMPD/pt.out"
check "a PT LOG line says another CA's certificate looks like a middlebox" \
    grep -q "^LOG SEVERITY=warning MESSAGE=\".*front localhost:$c_other_ca_PORT failed (cert-unknown-ca: .*(a TLS-intercepting middlebox looks like this)" "$TMPD/pt.out"
grep -E '^(STATUS|LOG) .*FAILURE=|failed \(' "$TMPD/pt.out" | sed 's/^/   /' | head -n 12
finish
