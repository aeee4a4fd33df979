#!/usr/bin/env bash
# targets= with three fronts through a real nginx (issue 11): the first is
# a closed port, the second an nginx server that answers 403, the third an
# nginx server that routes Host meek.test to meek-server.  Every session
# tries the pairs in its own random order and must work; over the sessions
# the client log names both failures (with the front and the class), and
# in managed mode tor would see them as PT LOG and STATUS lines (checked in
# step 2 with a fake tor: the TOR_PT_* environment and a SOCKS driver).
. "$(dirname "$0")/../integration/lib.sh"
require nginx openssl python3
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
FDIR=$MEEK_SRCDIR/tests/field
make_certs

start_echo_server --disable-tls

NGX=$TMPD/nginx
DEAD=$(free_port) || die "no free port"
P403=$(free_port) || die "no free port"
PGOOD=$(free_port) || die "no free port"
nginx_start nginx "$P403" "
	ssl_certificate $PKI/rsa.pem;
	ssl_certificate_key $PKI/rsa.key;
	server {
		listen 127.0.0.1:$P403 ssl;
		return 403;
	}
	server {
		listen 127.0.0.1:$PGOOD ssl default_server;
		return 421;
	}
	server {
		listen 127.0.0.1:$PGOOD ssl;
		server_name meek.test;
		$(nginx_loc "127.0.0.1:$server_PORT" "$NGINX_BUFS
			proxy_read_timeout 300s;")
	}" "\$server_port \$host \$status"
wait_port "$PGOOD" nginx || die "nginx did not start"
log "fronts: localhost:$DEAD (closed), localhost:$P403 (403), localhost:$PGOOD (meek)"
TARGETS="https://meek.test/|localhost:$DEAD+localhost:$P403+localhost:$PGOOD"

# 1. Standalone, the pairs from --targets.  Each session's order is random;
# a failure is seen whenever the working pair comes after a bad one (each
# bad front has a chance of 1/2 per session), so 16 sessions miss one with
# a probability of 2^-16.
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --targets "$TARGETS" \
    --ca "$PKI/ca.pem" --log "$TMPD/client.log"
for i in $(seq 16); do
	if ! timeout 200 "$MEEK_SOCKS" --socks "$client_ADDR" --bytes 20K \
	    --timeout 120 >>"$TMPD/socks.log" 2>&1; then
		fail "session $i through targets"
	fi
done
check "16 sessions through the three fronts, every byte echoed" [ "$FAILED" = 0 ]
check "client log names the closed port (tcp-refused)" \
    grep -q "front localhost:$DEAD failed (tcp-refused" "$TMPD/client.log"
check "client log names the 403 front (http-403)" \
    grep -q "front localhost:$P403 failed (http-403" "$TMPD/client.log"
check "nginx answered 403 on the second front" \
    grep -q "^$P403 meek.test 403" "$NGX/logs/access.log"
check "nginx routed meek.test on the third front" \
    grep -q "^$PGOOD meek.test 200" "$NGX/logs/access.log"
stop client

# 2. Managed, the pairs from the bridge line's targets= (args), as tor runs
# it: the failures reach tor as LOG and STATUS lines on stdout.
managed_client meek_lite
check "STATUS TYPE=version follows VERSION" \
    grep -q '^STATUS TYPE=version IMPLEMENTATION=meek-c VERSION=' "$TMPD/pt.out"
for i in $(seq 16); do
	timeout 200 "$MEEK_SOCKS" --socks "$pt_SOCKS" --args "targets=$TARGETS" \
	    --bytes 2K --timeout 120 >>"$TMPD/socks2.log" 2>&1 ||
	    fail "managed session $i through targets="
	grep -q 'FAILURE=http-403' "$TMPD/pt.out" &&
	    grep -q 'FAILURE=tcp-refused' "$TMPD/pt.out" && break
done
sed 's/^/   /' "$TMPD/pt.out"
check "STATUS names the closed front and its class" \
    grep -q "^STATUS TRANSPORT=meek TYPE=front-failure FRONT=\"localhost:$DEAD\" FAILURE=tcp-refused MESSAGE=\"" "$TMPD/pt.out"
check "STATUS names the 403 front and its class" \
    grep -q "^STATUS TRANSPORT=meek TYPE=front-failure FRONT=\"localhost:$P403\" FAILURE=http-403 " "$TMPD/pt.out"
check "a PT LOG line (warning, CString) names the closed front" \
    grep -q "^LOG SEVERITY=warning MESSAGE=\".*front localhost:$DEAD failed (tcp-refused" "$TMPD/pt.out"
# Rate limit: one report per front and class per 30 s, however many sessions.
check "each failure reported once (rate-limited)" \
    [ "$(grep -c "FRONT=\"localhost:$DEAD\" FAILURE=tcp-refused" "$TMPD/pt.out")" = 1 ]
finish
