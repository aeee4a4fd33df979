#!/usr/bin/env bash
# meek-server against real curl: POSTs echo through the ORPort, sessions are
# separate, idle sessions expire, every bad request gets its status while a
# live session keeps working; over TLS (test CA) and with --disable-tls.
. "$(dirname "$0")/lib.sh"
require curl openssl sha256sum split
require_built "$MEEK_SERVER" "$MEEK_ECHO"
make_certs

# curl_meek BASEURL SID INFILE OUTFILE [curl args...]: one meek POST;
# prints the status code, the body goes to OUTFILE.
curl_meek() {
	local base=$1 sid=$2 in=$3 out=$4
	shift 4
	curl -sS --max-time 60 "${CURL_TLS[@]}" -o "$out" -w '%{http_code}' \
	    -H "X-Session-Id: $sid" -H 'Content-Type: application/octet-stream' \
	    -H 'Expect:' --data-binary "@$in" "$@" "$base"
}

# roundtrip BASEURL SID INFILE: sends INFILE in <=60000-byte POSTs, then
# polls with empty POSTs until as many bytes came back (bounded); returns
# 0 when the bytes that came back equal INFILE.
roundtrip() {
	local base=$1 sid=$2 in=$3 dir code i want got
	dir=$(mktemp -d "$TMPD/rt.XXXXXX")
	: >"$dir/back"
	: >"$dir/empty"
	split -b 60000 -d -a 4 "$in" "$dir/piece."
	for piece in "$dir"/piece.*; do
		code=$(curl_meek "$base" "$sid" "$piece" "$dir/resp")
		if [ "$code" != 200 ]; then
			echo "POST of a piece got status $code" >&2
			return 1
		fi
		cat "$dir/resp" >>"$dir/back"
	done
	want=$(fsize "$in")
	for i in $(seq 600); do
		got=$(fsize "$dir/back")
		[ "$got" -ge "$want" ] && break
		code=$(curl_meek "$base" "$sid" "$dir/empty" "$dir/resp")
		if [ "$code" != 200 ]; then
			echo "empty POST got status $code" >&2
			return 1
		fi
		cat "$dir/resp" >>"$dir/back"
		[ -s "$dir/resp" ] || sleep 0.1
	done
	got=$(fsize "$dir/back")
	if [ "$got" != "$want" ] || ! cmp -s "$in" "$dir/back"; then
		echo "session $sid: sent $want bytes, got back $got (differ)" >&2
		return 1
	fi
	return 0
}

# status BASEURL [curl args...]: prints the status code of one request.
status() {
	local base=$1
	shift
	curl -sS --max-time 60 "${CURL_TLS[@]}" -o "$TMPD/status.body" \
	    -w '%{http_code}' "$@" "$base"
}

# raw_status PORT FILE: sends FILE as raw bytes (over TLS when TLS=1),
# prints the status code of the first response line.
raw_status() {
	local port=$1 file=$2 line="" fd i pid
	if [ "$TLS" = 1 ]; then
		rm -f "$TMPD/raw.in" "$TMPD/raw.out"
		mkfifo "$TMPD/raw.in"
		timeout 120 openssl s_client -quiet -connect "127.0.0.1:$port" \
		    -servername front.test -CAfile "$PKI/ca.pem" \
		    <"$TMPD/raw.in" >"$TMPD/raw.out" 2>"$TMPD/raw.err" &
		pid=$!
		PIDS+=("$pid")
		exec {fd}>"$TMPD/raw.in"
		cat "$file" >&$fd
		for i in $(seq 600); do
			line=$(head -n1 "$TMPD/raw.out" 2>/dev/null)
			case "$line" in *$'\r' | *" "*" "*) break ;; esac
			kill -0 "$pid" 2>/dev/null || { line=$(head -n1 "$TMPD/raw.out"); break; }
			sleep 0.1
		done
		exec {fd}>&-
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	else
		exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
		cat "$file" >&$fd
		IFS= read -r -t 60 line <&$fd
		exec {fd}>&-
	fi
	line=${line%$'\r'}
	case "$line" in
	HTTP/1.[01]\ [0-9][0-9][0-9]*) echo "${line:9:3}" ;;
	*) echo "no-status:${line:0:40}" ;;
	esac
}

# run_suite LABEL: the checks against the server started by start_server.
run_suite() {
	local label=$1 base=$BASE live=live0123456789abcdef code
	log "== $label: $base"

	head -c 100000 /dev/urandom >"$TMPD/a.bin"
	head -c 70000 /dev/urandom >"$TMPD/b.bin"
	check "$label: 100000 bytes echo back through POSTs" \
	    roundtrip "$base" sessionA-$RANDOM$RANDOM "$TMPD/a.bin"

	# Two sessions interleaved: each must get exactly its own bytes.
	head -c 50000 /dev/urandom >"$TMPD/s1.bin"
	head -c 50000 /dev/urandom >"$TMPD/s2.bin"
	local s1=mix1-$RANDOM$RANDOM s2=mix2-$RANDOM$RANDOM
	: >"$TMPD/s1.back"
	: >"$TMPD/s2.back"
	: >"$TMPD/empty"
	curl_meek "$base" "$s1" "$TMPD/s1.bin" "$TMPD/r1" >/dev/null
	curl_meek "$base" "$s2" "$TMPD/s2.bin" "$TMPD/r2" >/dev/null
	cat "$TMPD/r1" >>"$TMPD/s1.back"
	cat "$TMPD/r2" >>"$TMPD/s2.back"
	for i in $(seq 300); do
		[ "$(fsize "$TMPD/s1.back")" -ge 50000 ] \
		    && [ "$(fsize "$TMPD/s2.back")" -ge 50000 ] && break
		curl_meek "$base" "$s2" "$TMPD/empty" "$TMPD/r2" >/dev/null
		curl_meek "$base" "$s1" "$TMPD/empty" "$TMPD/r1" >/dev/null
		cat "$TMPD/r1" >>"$TMPD/s1.back"
		cat "$TMPD/r2" >>"$TMPD/s2.back"
		sleep 0.05
	done
	check "$label: two interleaved sessions never mix" \
	    eval 'cmp -s "$TMPD/s1.bin" "$TMPD/s1.back" && cmp -s "$TMPD/s2.bin" "$TMPD/s2.back"'

	# A live session that must keep answering between the bad requests.
	head -c 3000 /dev/urandom >"$TMPD/live.bin"
	alive() {
		roundtrip "$base" "$live" "$TMPD/live.bin"
	}
	check "$label: live session answers" alive

	code=$(status "$base" -H 'Expect:' --data-binary "@$TMPD/live.bin")
	check "$label: POST without X-Session-Id -> 400 (got $code)" [ "$code" = 400 ]
	check "$label: live session still answers" alive

	code=$(status "$base" -H 'Expect:' -H 'X-Session-Id: 1234567' \
	    --data-binary "@$TMPD/live.bin")
	check "$label: 7-char X-Session-Id -> 400 (got $code)" [ "$code" = 400 ]
	check "$label: live session still answers" alive

	head -c 70000 /dev/urandom >"$TMPD/big.bin"
	code=$(status "$base" -H 'X-Session-Id: bigbody-0123456789' \
	    --data-binary "@$TMPD/big.bin")
	check "$label: 70000-byte body -> 413 (got $code)" [ "$code" = 413 ]
	check "$label: live session still answers" alive

	code=$(status "$base" -H 'X-Session-Id: bighead-0123456789' \
	    -H "X-Pad: $(head -c 9000 /dev/zero | tr '\0' a)" \
	    --data-binary "@$TMPD/live.bin")
	check "$label: 9000-byte header block -> 431 (got $code)" [ "$code" = 431 ]
	check "$label: live session still answers" alive

	code=$(status "$base")
	check "$label: GET / -> 200 (got $code)" [ "$code" = 200 ]
	check "$label: GET / has a body" grep -qi '[a-z]' "$TMPD/status.body"
	code=$(curl -sS --max-time 60 "${CURL_TLS[@]}" -o /dev/null \
	    -w '%{content_type}' "$base")
	check "$label: GET / is text/* (got '$code')" eval '[[ "$code" == text/* ]]'
	code=$(status "${base}x")
	check "$label: GET /x -> 404 (got $code)" [ "$code" = 404 ]
	code=$(status "$base" -X PUT -H 'X-Session-Id: put-0123456789' \
	    --data-binary "@$TMPD/live.bin")
	check "$label: PUT -> 405 (got $code)" [ "$code" = 405 ]
	check "$label: live session still answers" alive

	# Chunked request body: accepted and echoed like any other.
	local chunked=chunked-$RANDOM$RANDOM
	head -c 20000 /dev/urandom >"$TMPD/c.bin"
	: >"$TMPD/c.back"
	code=$(curl_meek "$base" "$chunked" "$TMPD/c.bin" "$TMPD/c.resp" \
	    -H 'Transfer-Encoding: chunked')
	cat "$TMPD/c.resp" >>"$TMPD/c.back"
	for i in $(seq 300); do
		[ "$(fsize "$TMPD/c.back")" -ge 20000 ] && break
		curl_meek "$base" "$chunked" "$TMPD/empty" "$TMPD/c.resp" >/dev/null
		cat "$TMPD/c.resp" >>"$TMPD/c.back"
		sleep 0.05
	done
	check "$label: chunked POST -> 200 (got $code)" [ "$code" = 200 ]
	check "$label: chunked body echoed intact" cmp -s "$TMPD/c.bin" "$TMPD/c.back"

	printf 'BAD REQUEST LINE WITH TOO MANY PARTS\r\nHost: x\r\n\r\n' >"$TMPD/bad.req"
	code=$(raw_status "$PORT" "$TMPD/bad.req")
	check "$label: malformed request line -> 400 (got $code)" [ "$code" = 400 ]
	check "$label: live session still answers" alive

	printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' >"$TMPD/h2.req"
	code=$(raw_status "$PORT" "$TMPD/h2.req")
	check "$label: HTTP/2 preface -> 505 (got $code)" [ "$code" = 505 ]
	check "$label: live session still answers" alive

	code=$(curl -sS --max-time 60 "${CURL_TLS[@]}" -o /dev/null -o /dev/null \
	    -w '%{num_connects} %{http_code}\n' \
	    -H 'X-Session-Id: keepalive-0123' -d '' "$base" "$base" | tr '\n' ' ')
	check "$label: keep-alive: two requests on one connection ($code)" \
	    [ "$code" = "1 200 0 200 " ]
}

# start_server NAME EXTRA-ARGS...: an echo ORPort and a meek-server on it.
start_server() {
	local name=$1
	shift
	start_bg "${name}_echo" "$MEEK_ECHO" --listen 127.0.0.1:0 \
	    --record "$TMPD/${name}_echo.rec"
	local addr_var="${name}_echo_ADDR"
	start_bg "$name" "$MEEK_SERVER" --listen 127.0.0.1:0 \
	    --orport "${!addr_var}" --log-level debug \
	    --log "$TMPD/$name.log" "$@"
	local port_var="${name}_PORT"
	PORT=${!port_var}
}

# --- TLS, RSA certificate
start_server tls --cert "$PKI/rsa.pem" --key "$PKI/rsa.key"
TLS=1
CURL_TLS=(--cacert "$PKI/ca.pem" --resolve "front.test:$PORT:127.0.0.1")
BASE="https://front.test:$PORT/"
run_suite "TLS"

code=$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' \
    --resolve "front.test:$PORT:127.0.0.1" "https://front.test:$PORT/" 2>/dev/null)
check "TLS: curl without the test CA refuses the certificate (got $code)" [ "$code" = 000 ]

# --- TLS, EC certificate: one echo round trip is enough.
start_server tlsec --cert "$PKI/ec.pem" --key "$PKI/ec.key"
CURL_TLS=(--cacert "$PKI/ca.pem" --resolve "front.test:$PORT:127.0.0.1")
head -c 10000 /dev/urandom >"$TMPD/ec.bin"
check "TLS (EC certificate): echo round trip" \
    roundtrip "https://front.test:$PORT/" ec-$RANDOM$RANDOM "$TMPD/ec.bin"

# --- plain HTTP
start_server plain --disable-tls
TLS=0
CURL_TLS=()
BASE="http://127.0.0.1:$PORT/"
run_suite "plain"

# --- session expiry: --session-timeout 2
start_server expiry --disable-tls --session-timeout 2
BASE="http://127.0.0.1:$PORT/"
rec="$TMPD/expiry_echo.rec"
sid=expire-$RANDOM$RANDOM
head -c 5000 /dev/urandom >"$TMPD/e1.bin"
check "expiry: first round trip" roundtrip "$BASE" "$sid" "$TMPD/e1.bin"
check "expiry: one ORPort connection so far" [ "$(grep -c '^CONNECT' "$rec")" = 1 ]
# Leave bytes in the ORPort that nobody collects, then stay idle.
head -c 3000 /dev/urandom >"$TMPD/e2.bin"
curl -sS --max-time 60 -o "$TMPD/e2.resp" -H "X-Session-Id: $sid" \
    -H 'Expect:' --data-binary "@$TMPD/e2.bin" "$BASE" >/dev/null
# (On a very slow machine the session may already have expired before
# that POST; then it made a new one: follow whichever connection is last.)
conn=$(grep -c '^CONNECT' "$rec")
expected_close=no
log "waiting (up to 90 s) for meek-server to cull the idle session"
for i in $(seq 900); do
	if grep -q "^CLOSE $conn " "$rec"; then
		expected_close=yes
		break
	fi
	sleep 0.1
done
check "expiry: idle session culled, ORPort connection closed" [ "$expected_close" = yes ]
head -c 4000 /dev/urandom >"$TMPD/e3.bin"
check "expiry: same id afterwards starts a fresh session (old bytes gone)" \
    roundtrip "$BASE" "$sid" "$TMPD/e3.bin"
check "expiry: a new ORPort connection was made for it" \
    [ "$(grep -c '^CONNECT' "$rec")" = $((conn + 1)) ]

finish
