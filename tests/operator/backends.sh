#!/usr/bin/env bash
# Several ORPort backends (--orport twice): 20 sessions spread over both,
# every session's bytes arrive on one connection of one backend (the
# echo backends record the SHA-256 of each connection's bytes), and a
# session that makes several requests stays on its backend.
. "$(dirname "$0")/../integration/lib.sh"
. "$MEEK_SRCDIR/tests/operator/olib.sh"
require curl sha256sum
require_built "$MEEK_SERVER" "$MEEK_ECHO"

start_bg b1 "$MEEK_ECHO" --listen 127.0.0.1:0 --record "$TMPD/b1.rec"
start_bg b2 "$MEEK_ECHO" --listen 127.0.0.1:0 --record "$TMPD/b2.rec"
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$b1_ADDR" --orport "$b2_ADDR" --log "$TMPD/server.log"
BASE="http://127.0.0.1:$server_PORT/"

for i in $(seq 20); do
	sid=$(printf 'backend-session-%04d' "$i")
	head -c $((500 + i * 37)) /dev/urandom >"$TMPD/a.$i"
	head -c $((300 + i * 11)) /dev/urandom >"$TMPD/b.$i"
	meek_roundtrip "$BASE" "$sid" "$TMPD/a.$i" "$TMPD/oa.$i" \
	    || fail "session $i: first payload did not echo"
	meek_roundtrip "$BASE" "$sid" "$TMPD/b.$i" "$TMPD/ob.$i" \
	    || fail "session $i: second payload did not echo"
	cat "$TMPD/a.$i" "$TMPD/b.$i" | sha256sum | cut -d' ' -f1 >"$TMPD/h.$i"
done
# Closing meek-server closes the ORPort connections: CLOSE lines follow.
stop server
for i in $(seq 100); do
	c=$(cat "$TMPD/b1.rec" "$TMPD/b2.rec" 2>/dev/null | grep -c '^CLOSE')
	[ "$c" -ge 20 ] && break
	sleep 0.1
done
n1=$(grep -c '^CONNECT' "$TMPD/b1.rec")
n2=$(grep -c '^CONNECT' "$TMPD/b2.rec")
log "backend 1: $n1 connections, backend 2: $n2"
check "20 ORPort connections in all" [ $((n1 + n2)) = 20 ]
check "both backends got sessions" eval '[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]'
all=0
for i in $(seq 20); do
	h=$(cat "$TMPD/h.$i")
	c1=$(grep -c "^CLOSE .* $h\$" "$TMPD/b1.rec")
	c2=$(grep -c "^CLOSE .* $h\$" "$TMPD/b2.rec")
	[ $((c1 + c2)) = 1 ] && all=$((all + 1))
done
check "each of 20 sessions' bytes whole on one backend ($all)" [ "$all" = 20 ]
check "--orport repeated with --extorport is refused" \
    eval '! "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls --orport 127.0.0.1:1 --orport 127.0.0.1:2 --extorport 127.0.0.1:3 --auth-cookie /dev/null >/dev/null 2>&1'
finish
