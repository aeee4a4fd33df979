#!/usr/bin/env bash
# meek-client in the field (issue 11), with test fronts we control
# (tests/field/front.py: plain HTTP, forwards to meek-server):
#  1. a front that starts failing (403) in the middle of a session: the
#     next request goes to the other url/front pair of targets= and the
#     session goes on intact;
#  2. a front that forwards a body to meek-server and then drops the
#     connection without answering: in classic mode meek-client must not
#     resend it, so the ORPort sees every byte exactly once, and the
#     session ends with a log line saying why.
. "$(dirname "$0")/../integration/lib.sh"
require python3
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO"
FDIR=$MEEK_SRCDIR/tests/field

start_bg echo "$MEEK_ECHO" --listen 127.0.0.1:0 --record "$TMPD/echo.rec"
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$echo_ADDR" \
    --disable-tls --session-timeout 5 --log "$TMPD/server.log"
for f in A B; do
	: >"$TMPD/$f.log"
	echo ok >"$TMPD/$f.mode"
	start_bg "front$f" python3 "$FDIR/front.py" "$TMPD/$f.mode" \
	    "$server_ADDR" "$TMPD/$f.log"
done
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --url http://127.0.0.1:1/ \
    --log "$TMPD/client.log" --log-level debug

# 1. The front in use starts answering 403 between two steps.
args="targets=http://meek.test/|127.0.0.1:${frontA_PORT}+127.0.0.1:${frontB_PORT}"
# The front that carried step 1's bytes turns to 403, and only it: the
# client's polls go on meanwhile, and a front they reach during the flip
# must not be flipped as well (a slow machine widened that race).
flip="u=\$(grep -l '^ok 20000' $TMPD/A.log $TMPD/B.log | head -n 1); u=\${u##*/}; u=\${u%.log}; echo 403 >$TMPD/\$u.mode; echo \$u >$TMPD/flipped; wc -l <$TMPD/\$u.log >$TMPD/\$u.before; true"
log "-- $args; the front in use turns to 403 after step 1"
if timeout 300 python3 "$FDIR/drive.py" "$client_ADDR" "$args" 20000 3 "$flip" \
    >"$TMPD/drive1.log" 2>&1; then
	ok "session went on intact after its front failed (3 steps echoed)"
else
	fail "session did not survive the failing front"
fi
sed 's/^/   /' "$TMPD/drive1.log"
used=$(cat "$TMPD/flipped" 2>/dev/null)
other=A
[ "$used" = A ] && other=B
check "exactly one front served step 1 (front $used)" [ -n "$used" ]
check "front $used answered 403 after the flip" grep -q '^403 ' "$TMPD/$used.log"
check "front $other carried the session after the flip" grep -q '^ok [1-9]' "$TMPD/$other.log"
check "client log names the 403 of front $used" \
    grep -q "front 127.0.0.1:$(eval echo \$front${used}_PORT) failed (http-403" "$TMPD/client.log"
check "client log: moved to the other front" grep -q 'now using front' "$TMPD/client.log"

# 2. A front that drops the connection after forwarding a body.
echo ok >"$TMPD/A.mode"
echo drop >"$TMPD/B.mode"
args="url=http://meek.test/;front=127.0.0.1:${frontB_PORT}"
log "-- $args; the front drops the connection after forwarding each body"
timeout 300 python3 "$FDIR/drive.py" "$client_ADDR" "$args" 5000 1 \
    >"$TMPD/drive2.log" 2>&1
rc=$?
sed 's/^/   /' "$TMPD/drive2.log"
check "the session ended instead of resending (driver rc $rc, want 2)" [ "$rc" = 2 ]
check "client log says the body is not resent" \
    grep -q 'is not resent without the lossless extension' "$TMPD/client.log"
check "front B forwarded the 5000-byte body exactly once" \
    [ "$(grep -c '^drop 5000$' "$TMPD/B.log")" = 1 ]
# meek-server closes the ORPort connection after --session-timeout 5.
id=$(grep '^CONNECT' "$TMPD/echo.rec" | tail -n 1 | awk '{ print $2 }')
for i in $(seq 200); do
	grep -q "^CLOSE $id " "$TMPD/echo.rec" && break
	sleep 0.1
done
last=$(grep "^CLOSE $id " "$TMPD/echo.rec")
log "ORPort: $last"
check "the ORPort read exactly 5000 bytes on that connection (no byte twice)" \
    [ "$(echo "$last" | awk '{ print $3 }')" = 5000 ]
finish
