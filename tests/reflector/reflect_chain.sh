#!/usr/bin/env bash
# The whole App Engine-style chain on loopback:
#   meek-client -> nginx front (TLS, SNI localhost, routes Host meek.test)
#     -> meek-reflect --disable-tls --xff -> meek-server --disable-tls
#     -> Extended ORPort (meek-test-echo --extor).
# 10 MiB each way must come back intact, and USERADDR must be the client's
# address as the front saw it (127.0.0.1) carried in X-Forwarded-For and
# then Meek-IP: nginx connects to meek-reflect from 127.0.0.2 (proxy_bind),
# so a USERADDR of 127.0.0.1:1 can only have come through the header.
# Then: a direct POST to meek-reflect with X-Forwarded-For 203.0.113.7 gives
# USERADDR 203.0.113.7:1; with meek-server gone, meek-reflect answers 502.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/rlib.sh"
require nginx curl openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_REFLECT" "$MEEK_ECHO" \
    "$MEEK_SOCKS"
make_certs

rec=$TMPD/extor.rec
start_extor_server "" --disable-tls --meek-ip-from 127.0.0.1
start_bg reflect "$MEEK_REFLECT" --listen 127.0.0.1:0 --disable-tls --xff \
    --url "http://127.0.0.1:$server_PORT/" --log-level debug \
    --log "$TMPD/reflect.log"

NPORT=$(free_port) || die "no free port for nginx"
# contrib/nginx/front.conf's shape, with test names, paths and ports.
nginx_front front "$NPORT" "$reflect_PORT" "ssl_protocols TLSv1.2 TLSv1.3;" \
    "proxy_bind 127.0.0.2;"

code=$(curl -sS --max-time 60 --cacert "$PKI/ca.pem" -o "$TMPD/page" \
    -w '%{http_code}' -H 'Host: meek.test' "https://localhost:$NPORT/")
check "GET through the front reaches meek-reflect's page (got $code)" \
    [ "$code" = 200 ]
code=$(curl -sS --max-time 60 --cacert "$PKI/ca.pem" -o /dev/null \
    -w '%{http_code}' "https://localhost:$NPORT/")
check "the front's own name is an ordinary site (404, got $code)" \
    [ "$code" = 404 ]

start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://meek.test/" --front "localhost:$NPORT" --ca "$PKI/ca.pem" \
    --log "$TMPD/client.log"
before=$(useraddr_count "$rec")
socks_timed socks "$client_ADDR" \
    "client -> front -> reflect -> server: 10 MiB each way" --bytes 10M \
    --timeout 1100
line=$(useraddr_after "$rec" "$before")
check "USERADDR via X-Forwarded-For -> Meek-IP: '$line'" \
    [ "$line" = "USERADDR 127.0.0.1:1 TRANSPORT meek" ]
check "no USERADDR is nginx's own source address 127.0.0.2" \
    eval '! grep -q "^USERADDR 127.0.0.2" "$rec"'

# Direct to meek-reflect, as a front that appends to X-Forwarded-For would.
head -c 1000 /dev/urandom >"$TMPD/in"
RURL="http://127.0.0.1:$reflect_PORT/"
before=$(useraddr_count "$rec")
code=$(post "$RURL" xffdirect-0000001 "$TMPD/in" \
    -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.7')
check "direct POST with X-Forwarded-For: 200 (got $code)" [ "$code" = 200 ]
cat "$TMPD/post.body" >"$TMPD/back"
line=$(wait_useraddr "$rec" "$before")
check "direct POST: USERADDR '$line' is the last X-Forwarded-For entry" \
    [ "$line" = "USERADDR 203.0.113.7:1 TRANSPORT meek" ]
drain "$RURL" xffdirect-0000001 1000 "$TMPD/back"
check "direct POST: 1000 bytes echoed back through meek-reflect" \
    cmp -s "$TMPD/in" "$TMPD/back"
check "a POST without X-Session-Id is refused" \
    [ "$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' -H 'Expect:' \
    --data-binary "@$TMPD/in" "$RURL")" = 400 ]

# meek-server goes away: meek-reflect answers 502, directly and through
# the front.
stop server
# Its ExtORPort connections close with it; the echo's CLOSE line counts
# what arrived there.
check "the ExtORPort end read exactly 10485760 bytes of the session" \
    wait_grep "$rec" '^CLOSE [0-9]* 10485760 '
code=$(post "$RURL" xffdirect-0000002 "$TMPD/in")
check "meek-server stopped: direct POST gets 502 (got $code)" [ "$code" = 502 ]
code=$(post "https://localhost:$NPORT/" frontpost-000003 "$TMPD/in" \
    --cacert "$PKI/ca.pem" -H 'Host: meek.test')
check "meek-server stopped: POST through the front gets 502 (got $code)" \
    [ "$code" = 502 ]
check "meek-reflect is still running" kill -0 "$reflect_PID"
check "meek-reflect logged the upstream failure" \
    grep -q 'meek-server failed' "$TMPD/reflect.log"

finish
