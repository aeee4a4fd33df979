#!/usr/bin/env bash
# meek-c's protocol extension through every reflector (doc/protocol.md:
# "meek-reflect, the PHP relay and the nginx examples forward X-Meek-Ext
# both ways and pass streamed responses through without buffering").
# A fake meek-server and a probe (ext_peer.py) stand at the two ends, so
# only the reflectors are under test:
#   classic POST unchanged; X-Meek-Ext both ways; a 1 MiB body up and back
#   (Content-Length) and 1 MiB down chunked; a streamed response whose
#   first frame must reach the probe before the fake sends the next one
#   (the fake waits for the probe to say it got the first; a buffering hop
#   shows as the first frame arriving only after the fake's release wait);
#   a classic POST on the same connection after the stream.
# Paths: meek-reflect (plain and TLS); nginx front (front.conf's settings)
# -> meek-reflect; nginx as the reflector (reflector.conf's); php -S (with
# curl if PHP has it, and without); nginx -> php-fpm.  A buffering nginx
# must be caught by the probe (the check checks itself), and meek-reflect's
# --max-streams must hold: an empty answer at once for a poll past it, an open goes classic, a
# slot comes free when its client leaves; --max-streams 0: no extension.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/rlib.sh"
PY=${PYTHON:-python3}
require "$PY" nginx php curl openssl "$FPM"
require_built "$MEEK_REFLECT"
make_certs
PEER="$MEEK_SRCDIR/tests/reflector/ext_peer.py"
WAIT=8          # the fake's wait for the probe's release, seconds

start_bg fake "$PY" "$PEER" serve --release-wait "$WAIT" \
    --record "$TMPD/fake.rec"
FAKE=127.0.0.1:$fake_PORT

# probe NAME URL [ARGS...]: one check per path; the probe's own lines are
# shown indented.
probe() {
	local name=$1 url=$2
	shift 2
	check "$name: extension requests pass intact and unbuffered" \
	    run_shown "$TMPD/probe_$name.log" 300 "$PY" "$PEER" probe --url "$url" \
	    --control "$FAKE" --release-wait "$WAIT" --name "$name" "$@"
}

# 1. meek-reflect, plain and TLS.
start_bg reflect "$MEEK_REFLECT" --listen 127.0.0.1:0 --disable-tls \
    --url "http://$FAKE/" --log-level debug --log "$TMPD/reflect.log"
probe reflect "http://127.0.0.1:$reflect_PORT/"
start_bg treflect "$MEEK_REFLECT" --listen 127.0.0.1:0 \
    --cert "$PKI/ec.pem" --key "$PKI/ec.key" --url "http://$FAKE/" \
    --log "$TMPD/treflect.log"
probe reflect-tls "https://localhost:$treflect_PORT/" --ca "$PKI/ca.pem"

RURL="http://127.0.0.1:$reflect_PORT/"
head -c 70000 /dev/urandom >"$TMPD/70k"
head -c $((16777215 + 4096 + 1)) /dev/zero >"$TMPD/toobig"
code=$(post "$RURL" bigclassic-001 "$TMPD/70k")
check "meek-reflect: a classic body over 64 KiB is still 413 (got $code)" \
    [ "$code" = 413 ]
code=$(post "$RURL" bigext-000001 "$TMPD/70k" -H 'X-Meek-Ext: 1; op=up')
check "meek-reflect: a 70000-byte extension body passes (got $code)" \
    eval '[ "$code" = 200 ] && cmp -s "$TMPD/70k" "$TMPD/post.body"'
# With "Expect: 100-continue" (curl's default for this size): a body sent
# whole into the 413 would meet a reset instead of the answer.
code=$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' \
    -H 'X-Session-Id: bigext-000002' -H 'X-Meek-Ext: 1; op=up' \
    -H 'Expect: 100-continue' --data-binary "@$TMPD/toobig" "$RURL" \
    2>>"$TMPD/curl.err")
check "meek-reflect: an extension body over the largest frame + 4 KiB is 413 (got $code)" \
    [ "$code" = 413 ]
check "meek-reflect logged the streamed pass-through" \
    grep -q 'bytes up, .* (op stream, streamed)' "$TMPD/reflect.log"

# 2. --max-streams.
start_bg lreflect "$MEEK_REFLECT" --listen 127.0.0.1:0 --disable-tls \
    --max-streams 1 --url "http://$FAKE/" --log "$TMPD/lreflect.log"
check "meek-reflect --max-streams 1: limits hold" \
    run_shown "$TMPD/limits.log" 120 "$PY" "$PEER" limits \
    --url "http://127.0.0.1:$lreflect_PORT/" --control "$FAKE" \
    --release-wait "$WAIT"
stop lreflect
start_bg zreflect "$MEEK_REFLECT" --listen 127.0.0.1:0 --disable-tls \
    --max-streams 0 --url "http://$FAKE/" --log "$TMPD/zreflect.log"
: >"$TMPD/empty"
curl -sS --max-time 60 -D "$TMPD/zhead" -o /dev/null -H 'Expect:' \
    -H 'X-Session-Id: zeroopen-0001' \
    -H 'X-Meek-Ext: 1; op=open; modes=stream,poll; body=1048576' \
    --data-binary "@$TMPD/empty" "http://127.0.0.1:$zreflect_PORT/" \
    2>>"$TMPD/curl.err"
check "meek-reflect --max-streams 0: an open goes on as classic" \
    eval 'grep -q "^HTTP/1.1 200" "$TMPD/zhead" && ! grep -qi "^X-Meek-Ext" "$TMPD/zhead" && grep -q "^classic zeroopen-0001 ext=- " "$TMPD/fake.rec"'
stop zreflect

# 3. nginx front (contrib/nginx/front.conf's settings) -> meek-reflect, and
# nginx as the reflector (contrib/nginx/reflector.conf's).
NPORT=$(free_port) || die "no free port for nginx"
nginx_start front "$NPORT" "
	upstream meek_reflector {
		server 127.0.0.1:$reflect_PORT;
		keepalive 32;
	}
	upstream meek_server {
		server $FAKE;
		keepalive 32;
	}
	$(front_vhost "$NPORT" meek.test meek_reflector "proxy_set_header Host \$host;")
	$(front_vhost "$NPORT" nginx.test meek_server)
	$(tls_vhost "$NPORT" buffering.test "client_max_body_size 1100k;
		location / {
			proxy_pass http://meek_reflector;
			proxy_http_version 1.1;
			proxy_set_header Connection \"\";
			proxy_buffering on;
			proxy_ignore_headers X-Accel-Buffering;
		}")"
probe front "https://localhost:$NPORT/" --host meek.test --ca "$PKI/ca.pem"
probe nginx "https://localhost:$NPORT/" --host nginx.test --ca "$PKI/ca.pem"
probe buffering "https://localhost:$NPORT/" --host buffering.test \
    --ca "$PKI/ca.pem" --only stream --expect-buffered

# 4. The PHP relay: php -S (as configured, with curl when PHP has it; and
# -n: no extensions, the socket path), then nginx + php-fpm.
WWW=$TMPD/www
mkdir -p "$WWW"
cp "$MEEK_SRCDIR/contrib/php/index.php" "$WWW/index.php" || die "no index.php"
for mode in ini bare; do
	flags=()
	[ "$mode" = bare ] && flags=(-n)
	PPORT=$(free_port) || die "no free port for php -S"
	spawn "php_$mode" env MEEK_SERVER_URL="http://$FAKE/" \
	    PHP_CLI_SERVER_WORKERS=4 php "${flags[@]}" -S "127.0.0.1:$PPORT" -t "$WWW"
	wait_port "$PPORT" "php_$mode" || die "php -S did not start"
	php_track "php_$mode"
	curl_note=$(php "${flags[@]}" -r 'echo function_exists("curl_init") ? "curl" : "socket";')
	probe "php-$mode-$curl_note" "http://127.0.0.1:$PPORT/"
	php_stop "php_$mode"
done

WPORT=$(free_port) || die "no free port for nginx"
php_fpm_front web "$WPORT" "$WWW" "http://$FAKE/" 4
probe php-fpm "http://127.0.0.1:$WPORT/"

finish
