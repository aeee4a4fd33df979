#!/usr/bin/env bash
# Domain fronting through a real nginx: meek-client connects to the front
# (TCP, SNI and certificate name "localhost"), while its HTTP Host header
# names meek.test, which is never resolved.  nginx routes by Host:
# meek.test is proxied to meek-server (--disable-tls), any other Host gets
# 421.  The nginx access log shows each request's SNI next to its Host.
. "$(dirname "$0")/lib.sh"
require nginx curl openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

ECHO_REC=$TMPD/echo.rec start_echo_server --disable-tls

NGX=$TMPD/nginx
NPORT=$(free_port) || die "no free port for nginx"
nginx_start nginx "$NPORT" "
	ssl_certificate $PKI/rsa.pem;
	ssl_certificate_key $PKI/rsa.key;
	server {
		listen 127.0.0.1:$NPORT ssl default_server;
		server_name front.test localhost;
		return 421;
	}
	server {
		listen 127.0.0.1:$NPORT ssl;
		server_name meek.test;
		$(nginx_loc "127.0.0.1:$server_PORT" "$NGINX_BUFS
			proxy_read_timeout 300s;")
	}" "\$ssl_server_name \$host \$status \$request_method"
log "nginx listens on 127.0.0.1:$NPORT"

# The routing itself, seen with curl (SNI localhost in both cases).
CURL=(curl -sS --max-time 60 --cacert "$PKI/ca.pem" -o "$TMPD/body" -w '%{http_code}')
code=$("${CURL[@]}" -H 'Host: meek.test' "https://localhost:$NPORT/")
check "curl SNI localhost, Host meek.test -> meek-server's page (got $code)" [ "$code" = 200 ]
code=$("${CURL[@]}" -H 'Host: other.test' "https://localhost:$NPORT/")
check "curl SNI localhost, Host other.test -> 421 (got $code)" [ "$code" = 421 ]
code=$("${CURL[@]}" "https://localhost:$NPORT/")
check "curl SNI localhost, Host localhost -> 421 (got $code)" [ "$code" = 421 ]

start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://meek.test/" --front "localhost:$NPORT" --ca "$PKI/ca.pem" \
    --log "$TMPD/client.log"
log "-- meek-client --url https://meek.test/ --front localhost:$NPORT (port from the front, as Go)"
check "fronted via flags: 2 sessions x 4 MiB each way intact" \
    run_shown "$TMPD/socks1.log" 900 "$MEEK_SOCKS" --socks "$client_ADDR" \
    --bytes 4M --sessions 2 --timeout 600

# The same through PT args, on a client whose flags point elsewhere.
start_bg client2 "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:1/" --ca "$PKI/ca.pem" --log "$TMPD/client2.log"
# front=HOST:PORT as Go's meek-client and meek_lite take it (the front
# replaces the url's host:port), so the Host header is exactly meek.test.
log "-- args url=https://meek.test/;front=localhost:$NPORT"
check "fronted via PT args: 1 MiB each way intact" \
    run_shown "$TMPD/socks2.log" 600 "$MEEK_SOCKS" --socks "$client2_ADDR" \
    --args "url=https://meek.test/;front=localhost:$NPORT" --bytes 1M \
    --timeout 300

check "nginx log: meek POSTs arrived with SNI localhost and Host meek.test" \
    grep -q '^localhost meek.test 200 POST$' "$NGX/logs/access.log"
check "nginx log: no POST ever carried SNI meek.test (the hidden name)" \
    eval '! grep -q "^meek.test " "$NGX/logs/access.log"'

# A Host that nginx does not route to meek-server: the client gets 421
# (meek retries non-200 answers after 30 s), so no byte may come back and
# no new ORPort connection may appear.
before=$(grep -c '^CONNECT' "$TMPD/echo.rec")
log "-- args url=https://other.test/;front=localhost:$NPORT (must fail)"
if timeout 120 "$MEEK_SOCKS" --socks "$client2_ADDR" \
    --args "url=https://other.test/;front=localhost:$NPORT" --bytes 1000 \
    --timeout 20 >"$TMPD/socks3.log" 2>&1; then
	fail "Host other.test must not reach meek-server"
else
	ok "Host other.test: no bytes came back"
fi
sed 's/^/   /' "$TMPD/socks3.log"
check "nginx answered 421 to Host other.test" \
    grep -q '^localhost other.test 421 POST$' "$NGX/logs/access.log"
check "no ORPort connection for Host other.test" \
    [ "$(grep -c '^CONNECT' "$TMPD/echo.rec")" = "$before" ]

finish
