#!/usr/bin/env bash
# contrib/php/index.php, the relay for ordinary web hosting, in front of a
# meek-server with a fake Extended ORPort:
#  1. meek-client (http url) -> php -S (the built-in server, MEEK_SERVER_URL
#     in its environment) -> meek-server;
#  2. meek-client -> nginx -> php-fpm (MEEK_SERVER_URL as a fastcgi_param)
#     -> meek-server.
# 2 MiB each way must come back intact (php -S serves one request at a
# time: sizes stay moderate).  The relay's Meek-IP must reach USERADDR: a
# curl bound to 127.0.0.3 posts through each path, and USERADDR must say
# 127.0.0.3:1 although meek-server's own peer is 127.0.0.1.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/rlib.sh"
require php nginx curl "$FPM"
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"

rec=$TMPD/extor.rec
start_extor_server "" --disable-tls --meek-ip-from 127.0.0.1
SURL="http://127.0.0.1:$server_PORT/"
WWW=$TMPD/www
mkdir -p "$WWW"
cp "$MEEK_SRCDIR/contrib/php/index.php" "$WWW/index.php" || die "no index.php"

# relay_checks NAME URL: the checks common to both ways of running PHP.
relay_checks() {
	local name=$1 url=$2 code line before
	code=$(curl -sS --max-time 60 -o "$TMPD/page" -w '%{http_code}' "$url")
	check "$name: GET answers 200 (got $code)" [ "$code" = 200 ]
	check "$name: GET is the harmless page" \
	    grep -q 'happy little web server' "$TMPD/page"
	head -c 100 /dev/urandom >"$TMPD/small"
	code=$(post "$url" short "$TMPD/small")
	check "$name: a short X-Session-Id is refused (got $code)" [ "$code" = 400 ]

	start_bg "client_$name" "$MEEK_CLIENT" --listen 127.0.0.1:0 \
	    --url "$url" --log "$TMPD/client_$name.log"
	local addrvar="client_${name}_ADDR"
	before=$(useraddr_count "$rec")
	socks_timed "socks_$name" "${!addrvar}" \
	    "$name: meek-client -> PHP relay -> meek-server: 2 MiB each way" \
	    --bytes 2M --timeout 1100
	line=$(useraddr_after "$rec" "$before")
	check "$name: meek-client's session has USERADDR 127.0.0.1:1 (got '$line')" \
	    [ "$line" = "USERADDR 127.0.0.1:1 TRANSPORT meek" ]
	stop "client_$name"

	# From another loopback address: only Meek-IP can carry it.
	head -c 1000 /dev/urandom >"$TMPD/in"
	before=$(useraddr_count "$rec")
	code=$(post "$url" "meekip-$name-00001" "$TMPD/in" --interface 127.0.0.3)
	check "$name: POST from 127.0.0.3 answers 200 (got $code)" [ "$code" = 200 ]
	cat "$TMPD/post.body" >"$TMPD/back"
	line=$(wait_useraddr "$rec" "$before")
	check "$name: the relay's Meek-IP reached USERADDR (got '$line')" \
	    [ "$line" = "USERADDR 127.0.0.3:1 TRANSPORT meek" ]
	drain "$url" "meekip-$name-00001" 1000 "$TMPD/back" --interface 127.0.0.3
	check "$name: 1000 bytes echoed back through the relay" \
	    cmp -s "$TMPD/in" "$TMPD/back"
}

# 1. php -S
PPORT=$(free_port) || die "no free port for php -S"
# A stream or long-poll of meek-c's extension holds a php -S worker.
spawn phps env MEEK_SERVER_URL="$SURL" PHP_CLI_SERVER_WORKERS=4 \
    php -S "127.0.0.1:$PPORT" -t "$WWW"
wait_port "$PPORT" phps || die "php -S did not start"
php_track phps
log "php -S listens on 127.0.0.1:$PPORT"
relay_checks phps "http://127.0.0.1:$PPORT/"
php_stop phps

# 2. nginx + php-fpm on a unix socket in the temp dir, as the current user.
NPORT=$(free_port) || die "no free port for nginx"
php_fpm_front web "$NPORT" "$WWW" "$SURL" 4
relay_checks fpm "http://127.0.0.1:$NPORT/"

# meek-server gone: the relay answers 502.
stop server
head -c 100 /dev/urandom >"$TMPD/small"
code=$(post "http://127.0.0.1:$NPORT/" gone-0000000001 "$TMPD/small")
check "meek-server stopped: the relay answers 502 (got $code)" [ "$code" = 502 ]

finish
