#!/usr/bin/env bash
# meek-reflect terminating TLS itself (--cert/--key) and forwarding to an
# https meek-server it verifies with --ca (the test CA):
#   meek-client -> https meek-reflect -> https meek-server -> ExtORPort echo.
# Four sessions of 10 MiB each way run at once, so their requests
# interleave on meek-reflect's workers and kept-alive upstream connections.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/rlib.sh"
require curl openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_REFLECT" "$MEEK_ECHO" \
    "$MEEK_SOCKS"
make_certs

rec=$TMPD/extor.rec
start_extor_server "" --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" \
    --meek-ip-from 127.0.0.1
start_bg reflect "$MEEK_REFLECT" --listen 127.0.0.1:0 \
    --cert "$PKI/ec.pem" --key "$PKI/ec.key" \
    --url "https://localhost:$server_PORT/" --ca "$PKI/ca.pem" \
    --log-level debug --log "$TMPD/reflect.log"

code=$(curl -sS --max-time 60 --cacert "$PKI/ca.pem" -o "$TMPD/page" \
    -w '%{http_code}' "https://localhost:$reflect_PORT/")
check "meek-reflect serves its page over TLS (got $code)" [ "$code" = 200 ]

# A meek-reflect that does not trust meek-server's CA must not forward.
start_bg badreflect "$MEEK_REFLECT" --listen 127.0.0.1:0 \
    --cert "$PKI/ec.pem" --key "$PKI/ec.key" \
    --url "https://localhost:$server_PORT/" --ca "$PKI/other-ca.pem" \
    --log "$TMPD/badreflect.log"
head -c 100 /dev/urandom >"$TMPD/in"
before=$(useraddr_count "$rec")
code=$(post "https://localhost:$badreflect_PORT/" wrongca-00000001 \
    "$TMPD/in" --cacert "$PKI/ca.pem")
check "meek-server's certificate from an untrusted CA: 502 (got $code)" \
    [ "$code" = 502 ]
check "no session reached the ExtORPort through it" \
    [ "$(useraddr_count "$rec")" = "$before" ]
stop badreflect

start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$reflect_PORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/client.log"
before=$(useraddr_count "$rec")
t0=$(date +%s)
if socks_run socks "$client_ADDR" --bytes 10M --sessions 4 --timeout 1100; then
	ok "client -> TLS reflect -> TLS server: 4 sessions x 10 MiB each way intact ($(( $(date +%s) - t0 )) s)"
else
	fail "client -> TLS reflect -> TLS server: 4 sessions x 10 MiB each way"
fi
check "4 ExtORPort connections, one per session" \
    [ "$(useraddr_count "$rec")" = $((before + 4)) ]
check "every USERADDR is the client's 127.0.0.1:1 (Meek-IP from the peer)" \
    eval '[ "$(grep "^USERADDR" "$rec" | grep -vc "^USERADDR 127.0.0.1:1 TRANSPORT meek$")" = 0 ]'
# meek-reflect's debug log has one line per forwarded request with the
# session id's prefix: the sessions interleaved when the id changes more
# often than the 3 times of one session after another.
switches=$(sed -n 's/.* DEBUG session \([^ ]*\): [0-9]* bytes up.*/\1/p' \
    "$TMPD/reflect.log" | awk 'NR > 1 && $0 != prev { n++ } { prev = $0 }
    END { print n + 0 }')
check "the four sessions' requests interleaved ($switches session switches)" \
    [ "$switches" -gt 3 ]

finish
