#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# meek-server with --extorport against meek-test-echo --extor (a fake tor
# Extended ORPort written from the spec): SAFE_COOKIE succeeds, USERADDR is
# Meek-IP (--meek-ip-from 127.0.0.0/8), else the X-Forwarded-For entry
# before our one trusted proxy (--trusted-proxies 2), else the peer
# (127.0.0.1), always with port 1; TRANSPORT is meek; bytes then echo through.
. "$(dirname "$0")/lib.sh"
require curl
require_built "$MEEK_SERVER" "$MEEK_ECHO"

rec=$TMPD/extor.rec
start_bg extor "$MEEK_ECHO" --listen 127.0.0.1:0 --extor \
    --cookie "$TMPD/cookie" --record "$rec"
check "fake ExtORPort wrote a 64-byte cookie" [ "$(fsize "$TMPD/cookie")" = 64 ]
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --extorport "$extor_ADDR" --auth-cookie "$TMPD/cookie" \
    --meek-ip-from 127.0.0.0/8 --trusted-proxies 2 \
    --log-level debug --log "$TMPD/server.log"
BASE="http://127.0.0.1:$server_PORT/"

# session SID WANT [curl header args...]: one session; sends 1000 bytes,
# polls until they are back, then checks the USERADDR line recorded for
# the connection meek-server made for it.
n=0
session() {
	local sid=$1 want=$2 i before after line
	shift 2
	before=$(grep -c '^USERADDR' "$rec" 2>/dev/null)
	head -c 1000 /dev/urandom >"$TMPD/in.$sid"
	: >"$TMPD/back.$sid"
	: >"$TMPD/empty"
	curl -sS --max-time 60 -o "$TMPD/resp" -H "X-Session-Id: $sid" \
	    -H 'Expect:' "$@" --data-binary "@$TMPD/in.$sid" "$BASE" >/dev/null
	cat "$TMPD/resp" >>"$TMPD/back.$sid"
	for i in $(seq 300); do
		[ "$(fsize "$TMPD/back.$sid")" -ge 1000 ] && break
		curl -sS --max-time 60 -o "$TMPD/resp" -H "X-Session-Id: $sid" \
		    -H 'Expect:' "$@" --data-binary "@$TMPD/empty" "$BASE" >/dev/null
		cat "$TMPD/resp" >>"$TMPD/back.$sid"
		sleep 0.05
	done
	check "session $sid: bytes echo back through the ExtORPort" \
	    cmp -s "$TMPD/in.$sid" "$TMPD/back.$sid"
	after=$(grep -c '^USERADDR' "$rec" 2>/dev/null)
	check "session $sid: exactly one new ExtORPort connection" \
	    [ "$after" = $((before + 1)) ]
	line=$(grep '^USERADDR' "$rec" | tail -n1)
	check "session $sid: recorded '$line', want 'USERADDR $want TRANSPORT meek'" \
	    [ "$line" = "USERADDR $want TRANSPORT meek" ]
}

session meekip-0000000001 "203.0.113.7:1" -H 'Meek-IP: 203.0.113.7' \
    -H 'X-Forwarded-For: 198.51.100.1, 198.51.100.2'
session xff-0000000000002 "198.51.100.1:1" \
    -H 'X-Forwarded-For: 198.51.100.1, 198.51.100.2'
session xffsp-00000000003 "198.51.100.9:1" \
    -H 'X-Forwarded-For:   198.51.100.9 ,192.0.2.1'
session peer-000000000004 "127.0.0.1:1"
session v6-00000000000005 "[2001:db8::5]:1" -H 'Meek-IP: 2001:db8::5'

check "no ExtORPort authentication failed" \
    eval '! grep -q "^AUTHFAIL" "$rec"'

# A wrong cookie: meek-server must not get a session through.
stop server
printf '! Extended ORPort Auth Cookie !\n%s' \
    "$(head -c 32 /dev/zero | tr '\0' x)" >"$TMPD/badcookie"
start_bg server2 "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --extorport "$extor_ADDR" --auth-cookie "$TMPD/badcookie" \
    --log-level debug --log "$TMPD/server2.log"
before=$(grep -c '^USERADDR' "$rec")
head -c 100 /dev/urandom >"$TMPD/bad.in"
got=0
for i in 1 2 3 4 5; do
	code=$(curl -sS --max-time 60 -o "$TMPD/bad.resp" -w '%{http_code}' \
	    -H 'X-Session-Id: badcookie-0001' -H 'Expect:' \
	    --data-binary "@$TMPD/bad.in" "http://127.0.0.1:$server2_PORT/" 2>/dev/null)
	log "wrong cookie: POST got status $code"
	[ "$code" = 200 ] && got=$((got + $(fsize "$TMPD/bad.resp")))
	: >"$TMPD/bad.in"
	sleep 0.2
done
check "wrong cookie: meek-server checked the server hash and stopped before sending its own" \
    grep -q '^AUTHFAIL [0-9]* no-client-hash' "$rec"
check "wrong cookie: no USERADDR accepted" [ "$(grep -c '^USERADDR' "$rec")" = "$before" ]
check "wrong cookie: no payload came back ($got bytes in 200 replies)" [ "$got" = 0 ]

finish
