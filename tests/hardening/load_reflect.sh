#!/usr/bin/env bash
# Load: 200 concurrent meek sessions x 1 MiB each way through
# meek-client -> meek-reflect (TLS) -> meek-server -> echo, every session's
# bytes checked with SHA-256 by meek-test-socks: zero bytes lost or
# corrupted.  The RSS of meek-reflect and meek-server stays bounded.
. "$(dirname "$0")/../integration/lib.sh"
require openssl
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_REFLECT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs
SESSIONS=${LOAD_SESSIONS:-200}
BYTES=${LOAD_BYTES:-1M}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

start_bg echo "$MEEK_ECHO" --listen 127.0.0.1:0
start_bg server "$MEEK_SERVER" --disable-tls --listen 127.0.0.1:0 \
    --orport "$echo_ADDR" --log "$TMPD/server.log"
start_bg reflect "$MEEK_REFLECT" --listen 127.0.0.1:0 \
    --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" \
    --url "http://127.0.0.1:$server_PORT/" --queue 256 --log "$TMPD/reflect.log"
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$reflect_PORT/" --ca "$PKI/ca.pem" \
    --log "$TMPD/client.log"

r0=$(rss_kb "$reflect_PID"); s0=$(rss_kb "$server_PID")
log "-- $SESSIONS sessions x $BYTES each way, all at once"
if timeout 1500 "$MEEK_SOCKS" --socks "$client_ADDR" --sessions "$SESSIONS" \
    --bytes "$BYTES" --timeout 1400 >"$TMPD/socks.log" 2>&1; then
	ok "$SESSIONS sessions x $BYTES each way: every byte back, in order, once"
else
	fail "$SESSIONS sessions x $BYTES each way"
fi
good=$(grep -ci 'ok' "$TMPD/socks.log" || true)
log "   sessions reported ok: $good of $SESSIONS"
tail -n 3 "$TMPD/socks.log" | sed 's/^/   /'
r1=$(rss_kb "$reflect_PID"); s1=$(rss_kb "$server_PID")
log "   RSS meek-reflect ${r0} -> ${r1} KiB, meek-server ${s0} -> ${s1} KiB"
# Sanitizer builds carry shadow memory: the bound is for real builds.
if grep -q '^SAN_CFLAGS = -fsanitize' "$MEEK_BUILDDIR/Makefile" 2>/dev/null; then
	ok "RSS reported (sanitizer build: no bound)"
else
	check "meek-reflect RSS bounded (< 128 MiB after the load)" [ "$r1" -lt 131072 ]
	check "meek-server RSS bounded (< 128 MiB after the load)" [ "$s1" -lt 131072 ]
fi
if kill -0 "$reflect_PID" 2>/dev/null && kill -0 "$server_PID" 2>/dev/null; then
	ok "meek-reflect and meek-server still running"
else
	fail "a server died under load"
fi
finish
