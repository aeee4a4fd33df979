#!/usr/bin/env bash
# meek-server --fallback: GET /, random paths, HEAD and a POST without a
# session id get the decoy's bytes (nginx serving a small static site),
# byte for byte as nginx answers them directly, while a meek session keeps
# working; then the same with --require-header (a POST with a valid
# session id but without the secret goes to the decoy too).  The counters
# (--stats) move as this traffic says.
. "$(dirname "$0")/../integration/lib.sh"
. "$MEEK_SRCDIR/tests/reflector/rlib.sh"
. "$MEEK_SRCDIR/tests/operator/olib.sh"
require curl nginx
require_built "$MEEK_SERVER" "$MEEK_ECHO"

site=$TMPD/site
mkdir -p "$site/blog"
printf '<html><body>Welcome to a small site</body></html>\n' >"$site/index.html"
printf 'post one\n' >"$site/blog/one.html"
head -c 300000 /dev/urandom >"$site/big.bin"   # streamed, larger than 64 KiB
dport=$(free_port) || die "no free port"
nginx_start decoy "$dport" "
	server {
		listen 127.0.0.1:$dport;
		root $site;
		server_tokens off;
	}"
DECOY="http://127.0.0.1:$dport"

start_bg echo "$MEEK_ECHO" --listen 127.0.0.1:0
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$echo_ADDR" --fallback "$DECOY/" --stats "$TMPD/stats.prom" \
    --log-level debug --log "$TMPD/server.log"
BASE="http://127.0.0.1:$server_PORT"

# same_as_decoy DESC CURLARGS... : the status line, the headers nginx
# sends (without Date, which ticks) and the body match a direct request.
same_as_decoy() {
	local desc=$1 base=$2
	shift 2
	curl -sS --max-time 60 -D "$TMPD/d.h" -o "$TMPD/d.b" "$@" "$DECOY$PATHQ" \
	    >/dev/null 2>&1
	curl -sS --max-time 60 -D "$TMPD/m.h" -o "$TMPD/m.b" "$@" "$base$PATHQ" \
	    >/dev/null 2>&1
	grep -v -i '^date:' "$TMPD/d.h" | tr -d '\r' | sort >"$TMPD/d.hs"
	grep -v -i '^date:' "$TMPD/m.h" | tr -d '\r' | sort >"$TMPD/m.hs"
	check "$desc: same status and headers as the decoy" \
	    cmp -s "$TMPD/d.hs" "$TMPD/m.hs"
	if [ "${HEADREQ:-0}" = 1 ]; then
		# curl -I writes the head as the body: Date ticks there too.
		grep -v -i '^date:' "$TMPD/d.b" | tr -d '\r' | sort >"$TMPD/d.b2"
		grep -v -i '^date:' "$TMPD/m.b" | tr -d '\r' | sort >"$TMPD/m.b2"
		mv "$TMPD/d.b2" "$TMPD/d.b"
		mv "$TMPD/m.b2" "$TMPD/m.b"
	fi
	check "$desc: same body as the decoy" cmp -s "$TMPD/d.b" "$TMPD/m.b"
	if ! cmp -s "$TMPD/d.hs" "$TMPD/m.hs"; then
		diff "$TMPD/d.hs" "$TMPD/m.hs" | head -20
	fi
}

probes() {
	local base=$1
	shift
	PATHQ=/ same_as_decoy "GET /" "$base" "$@"
	PATHQ=/blog/one.html same_as_decoy "GET /blog/one.html" "$base" "$@"
	PATHQ=/no/such/$RANDOM same_as_decoy "GET of a random path (404)" "$base" "$@"
	PATHQ=/big.bin same_as_decoy "GET of a 300 KB file" "$base" "$@"
	HEADREQ=1 PATHQ=/ same_as_decoy "HEAD /" "$base" -I "$@"
	PATHQ=/ same_as_decoy "POST without a session id" "$base" \
	    --data-binary 'hello' "$@"
	PATHQ=/ same_as_decoy "POST with a short session id" "$base" \
	    -H 'X-Session-Id: abc' --data-binary 'hello' "$@"
	PATHQ=/ same_as_decoy "OPTIONS /" "$base" -X OPTIONS "$@"
}

probes "$BASE"
head -c 5000 /dev/urandom >"$TMPD/s1.in"
check "a meek session works beside the decoy" \
    meek_roundtrip "$BASE/" decoy-session-0001 "$TMPD/s1.in" "$TMPD/s1.out"
# Keep-alive: a decoy answer, then a meek request on the same connection.
head -c 1000 /dev/urandom >"$TMPD/s2.in"
curl -sS --max-time 60 -o "$TMPD/ka.decoy" "$BASE/blog/one.html" \
    --next -o "$TMPD/ka.meek" -H 'X-Session-Id: decoy-session-0002' \
    -H 'Expect:' --data-binary "@$TMPD/s2.in" "$BASE/" >/dev/null 2>&1
check "keep-alive: decoy answer then meek on one connection" \
    cmp -s "$TMPD/ka.decoy" "$site/blog/one.html"

# Counters: 8 probes and the keep-alive one are 9 decoy requests; the meek
# traffic moved 6000 bytes up and down in at least 2 requests.
kill -USR1 "$server_PID"
for i in $(seq 100); do
	grep -q 'stats: ' "$TMPD/server.log" && break
	sleep 0.1
done
check "SIGUSR1 logs the counters" grep -q 'stats: sessions' "$TMPD/server.log"
check "the counter log line has no address" \
    eval '! grep "stats: " "$TMPD/server.log" | grep -q "127\.0\.0\.1"'
stop server
prom=$TMPD/stats.prom
val() { awk -v k="$1" '$1 == k { print $2 }' "$prom"; }
check "--stats file written" [ -s "$prom" ]
log "$(grep -v '^#' "$prom")"
check "decoy requests counted (9)" [ "$(val meek_server_decoy_requests_total)" = 9 ]
check "bytes up counted (6000)" [ "$(val meek_server_bytes_up_total)" = 6000 ]
check "bytes down counted (5000 echoed at least)" \
    [ "$(val meek_server_bytes_down_total)" -ge 5000 ]
check "sessions created counted (2)" [ "$(val meek_server_sessions_created_total)" = 2 ]
check "no 5xx" [ "$(val meek_server_responses_5xx_total)" = 0 ]
reqs=$(val meek_server_requests_total)
check "requests counted ($reqs >= 11)" [ "${reqs:-0}" -ge 11 ]

# --require-header: without the secret even a good meek POST is decoy.
start_bg server2 "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$echo_ADDR" --fallback "$DECOY" \
    --require-header 'X-Meek-Secret=s3cr3t' \
    --log-level debug --log "$TMPD/server2.log"
BASE2="http://127.0.0.1:$server2_PORT"
probes "$BASE2" -H 'X-Meek-Secret: s3cr3t'
probes "$BASE2"
PATHQ=/ same_as_decoy "meek POST without the secret" "$BASE2" \
    -H 'X-Session-Id: decoy-session-0003' --data-binary 'hello'
PATHQ=/ same_as_decoy "meek POST with a wrong secret" "$BASE2" \
    -H 'X-Meek-Secret: nope' -H 'X-Session-Id: decoy-session-0004' \
    --data-binary 'hello'
check "a meek session with the secret works" \
    meek_roundtrip "$BASE2/" decoy-session-0005 "$TMPD/s1.in" "$TMPD/s5.out" \
    -H 'X-Meek-Secret: s3cr3t'
check "the secret never reaches the decoy" \
    eval '! grep -qi "s3cr3t" "$decoy_DIR/logs/access.log"'

# An https decoy, checked against the CA in SSL_CERT_FILE.
make_certs
sport=$(free_port) || die "no free port"
nginx_start sdecoy "$sport" "
	server {
		listen 127.0.0.1:$sport ssl;
		ssl_certificate $PKI/rsa.pem;
		ssl_certificate_key $PKI/rsa.key;
		root $site;
		server_tokens off;
	}"
SSL_CERT_FILE=$PKI/ca.pem start_bg server4 "$MEEK_SERVER" \
    --listen 127.0.0.1:0 --disable-tls --orport "$echo_ADDR" \
    --fallback "https://localhost:$sport/" --log "$TMPD/server4.log"
DECOY="https://localhost:$sport"
PATHQ=/ same_as_decoy "https decoy: GET /" "http://127.0.0.1:$server4_PORT" \
    --cacert "$PKI/ca.pem"
PATHQ=/big.bin same_as_decoy "https decoy: GET of a 300 KB file" \
    "http://127.0.0.1:$server4_PORT" --cacert "$PKI/ca.pem"
PATHQ=/nope same_as_decoy "https decoy: GET of a random path" \
    "http://127.0.0.1:$server4_PORT" --cacert "$PKI/ca.pem"

# Without --fallback the short page stays.
start_bg server3 "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$echo_ADDR" --log "$TMPD/server3.log"
check "without --fallback GET / is the short page" \
    [ "$(curl -sS --max-time 60 "http://127.0.0.1:$server3_PORT/")" = "I'm just a happy little web server." ]
finish
