#!/usr/bin/env bash
# meek-client's HTTP/2 opening against Debian's chromium, live: a loopback
# TLS listener (tests/h2/h2cap.py, ALPN h2) keeps the frames each client
# sends up to its first HEADERS.  A headless Chromium loads a page from it,
# then meek-client (default hello, front = the listener) carries a SOCKS
# session through it.  meek-client's SETTINGS (ids, values, order), its
# connection WINDOW_UPDATE, the frames before the first HEADERS, that
# HEADERS' priority (flag, exclusive, dependency, weight) and its
# pseudo-header order must be Chromium's, and its header names lower case.
# The regular headers differ by design (Chromium's GET of a page, meek's
# POST with X-Session-Id): only their case is checked.  Both openings are
# printed side by side, so when Chromium changes the output shows what moved.
TEST_DIR=tests/h2
. "$(dirname "$0")/../integration/lib.sh"
require chromium openssl
# Debian's interpreter when present: it has python3-hpack.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
require "$PY"
if ! "$PY" -c 'import hpack' 2>/dev/null; then
	is_ci && die "$PY has no hpack module (Debian: python3-hpack)"
	echo "SKIP - $PY has no hpack module (Debian: python3-hpack)" >&2
	exit 77
fi
require_built "$MEEK_CLIENT" "$MEEK_SOCKS"
CAP=$MEEK_SRCDIR/tests/h2/h2cap.py
make_certs

# h2cap NAME FILE: a capture listener writing $TMPD/FILE.json (sets NAME_PORT).
h2cap() {
	start_bg "$1" "$PY" "$CAP" listen "$PKI/rsa.pem" "$PKI/rsa.key" "$TMPD/$2.json"
}
# wait_request FILE: waits until $TMPD/FILE.json holds a connection that
# sent a request or negotiated no h2.
wait_request() {
	wait_grep "$TMPD/$1.json" '"kind": "\(h2-request\|not-h2\)"' 90
}

# --- Chromium: the flags of tests/tls/hellocap.py (loopback only: localhost
# is 127.0.0.1, every other name fails, the rest goes to a closed port);
# --dump-dom prints the page and exits.
log "$(chromium --version 2>/dev/null | grep -m1 -i chromium)"
h2cap cap1 chromium
timeout -k 10 150 chromium --headless=new --no-sandbox --user-data-dir="$TMPD/ch" \
    --ignore-certificate-errors --no-first-run --no-default-browser-check \
    --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --disable-domain-reliability --disable-breakpad \
    --disable-client-side-phishing-detection --no-pings --metrics-recording-only \
    --disable-features=OptimizationHints,MediaRouter,Translate,DnsOverHttps \
    "--host-resolver-rules=MAP localhost 127.0.0.1, MAP * ~NOTFOUND" \
    --proxy-server=http://127.0.0.1:9 "--proxy-bypass-list=localhost;127.0.0.1" \
    --dump-dom "https://localhost:$cap1_PORT/" >"$TMPD/chromium.dom" 2>"$TMPD/chromium.log"
rc=$?
check "chromium loaded the page over the listener's HTTP/2 (exit $rc)" \
    grep -q h2cap-page "$TMPD/chromium.dom"
wait_request chromium || die "no request from chromium"
stop cap1
rm -rf "$TMPD/ch"
if "$PY" "$CAP" show "$TMPD/chromium.json" >"$TMPD/chromium.show"; then
	ok "chromium sent an HTTP/2 request"
	sed 's/^/   chromium: /' "$TMPD/chromium.show"
else
	cat "$TMPD/chromium.show" "$TMPD/chromium.json"
	die "chromium sent no HTTP/2 request"
fi

# --- meek-client, default hello, a SOCKS session through it.
h2cap cap2 meek-client
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --url https://meek.test/ \
    --front "localhost:$cap2_PORT" --ca "$PKI/ca.pem" --log "$TMPD/client.log"
spawn socks timeout 120 "$MEEK_SOCKS" --socks "$client_ADDR" --bytes 100 --timeout 60
check "meek-client connected to the listener" wait_request meek-client
stop socks
stop client
stop cap2
"$PY" "$CAP" compare "$TMPD/chromium.json" "$TMPD/meek-client.json" >"$TMPD/cmp.out" 2>&1
replay "$TMPD/cmp.out"
finish
