#!/usr/bin/env bash
# Real meek sessions (no tor: the SOCKS driver and the echo tool) through
# nginx as the TLS front to meek-server (--disable-tls behind it), with the
# client's own TLS engine:
#  - a front that speaks TLS 1.3 only: data intact both ways, and nginx's
#    log ($ssl_protocol $ssl_curve $ssl_cipher) shows TLSv1.3 on every meek
#    request;
#  - a front that speaks TLS 1.2 only (the same hello, the server picks
#    1.2): data intact, nginx logs TLSv1.2 with an ECDHE group.
# nginx's OpenSSL 3.0 does not know X25519MLKEM768, so it picks X25519
# from our shares (tests/tls/interop_go.sh proves the hybrid).
. "$(dirname "$0")/../integration/lib.sh"
require nginx openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

ECHO_REC=$TMPD/echo.rec start_echo_server --disable-tls

NGX=$TMPD/nginx
P13=$(free_port) || die "no free port for nginx"
P12=$(free_port) || die "no free port for nginx"
loc=$(nginx_loc "127.0.0.1:$server_PORT" "proxy_read_timeout 300s;")
nginx_start nginx "$P13" "
	ssl_certificate $PKI/ec.pem;
	ssl_certificate_key $PKI/ec.key;
	server {
		listen 127.0.0.1:$P13 ssl;
		server_name localhost;
		ssl_protocols TLSv1.3;
		$loc
	}
	server {
		listen 127.0.0.1:$P12 ssl;
		server_name localhost;
		ssl_protocols TLSv1.2;
		ssl_certificate $PKI/rsa.pem;
		ssl_certificate_key $PKI/rsa.key;
		$loc
	}" "\$server_port \$ssl_protocol \$ssl_curve \$ssl_cipher \$ssl_session_reused \$host \$status \$request_method"
wait_port "$P12" nginx || die "nginx did not start"
log "nginx: TLS 1.3 only on 127.0.0.1:$P13, TLS 1.2 only on 127.0.0.1:$P12"

# session NAME PORT BYTES SESSIONS: a meek-client through that front.
session() {
	local name=$1 port=$2 bytes=$3 n=$4
	start_bg "c_$name" "$MEEK_CLIENT" --listen 127.0.0.1:0 \
	    --url "https://meek.test/" --front "localhost:$port" --ca "$PKI/ca.pem" \
	    --log "$TMPD/client.$name.log"
	local v="c_${name}_ADDR"
	check "$name: $n sessions x $bytes each way intact through nginx" \
	    run_shown "$TMPD/socks.$name.log" 600 "$MEEK_SOCKS" --socks "${!v}" \
	    --bytes "$bytes" --sessions "$n" --timeout 400
	stop "c_$name"
}
session tls13 "$P13" 4M 2
session tls12 "$P12" 1M 1

A=$NGX/logs/access.log
n13=$(grep -c "^$P13 .* meek.test 200 POST\$" "$A")
n12=$(grep -c "^$P12 .* meek.test 200 POST\$" "$A")
log "nginx access log (first lines of each front):"
grep "^$P13 " "$A" | head -n 3 | sed 's/^/   /'
grep "^$P12 " "$A" | head -n 3 | sed 's/^/   /'
log "   reused sessions: $(grep -c "^$P13 [^ ]* [^ ]* [^ ]* r " "$A") of $n13 (1.3), $(grep -c "^$P12 [^ ]* [^ ]* [^ ]* r " "$A") of $n12 (1.2)"
check "TLS 1.3 front: meek POSTs answered 200 (got $n13)" [ "$n13" -gt 0 ]
check "TLS 1.3 front: every meek request on TLSv1.3" \
    [ "$(grep -c "^$P13 TLSv1\.3 [^ ]* TLS_AES_128_GCM_SHA256 " "$A")" = "$(grep -c "^$P13 " "$A")" ]
check "TLS 1.3 front: the group is X25519 (nginx's OpenSSL has no X25519MLKEM768)" \
    eval "[ \$(grep -c '^$P13 TLSv1\\.3 X25519 ' '$A') = \$(grep -c '^$P13 ' '$A') ]"
check "TLS 1.2 front: meek POSTs answered 200 (got $n12)" [ "$n12" -gt 0 ]
check "TLS 1.2 front: every meek request on TLSv1.2 with ECDHE-RSA AES-GCM" \
    [ "$(grep -cE "^$P12 TLSv1\.2 (X25519|prime256v1|secp384r1) ECDHE-RSA-AES(128|256)-GCM-SHA(256|384) " "$A")" = "$(grep -c "^$P12 " "$A")" ]
check "nginx: no TLS errors in its error log" \
    eval "! grep -qiE 'SSL_do_handshake|bad record|decrypt|alert' '$NGX/logs/error.log'"
finish
