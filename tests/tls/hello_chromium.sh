#!/usr/bin/env bash
# Our ClientHello (src/shared/tlshello.c) against Debian's chromium, live:
# a headless Chromium loads a loopback page that fetches https:// and opens
# wss:// WebSockets to two loopback listeners, which keep its ClientHellos;
# tests/tls/hello-tool gives ours, and so does meek-client (its default
# hello, which is chrome, and --hello chrome-ws).  chrome and meek-client's
# default must match Chromium's https hello, chrome-ws its wss one:
# JA4, extension set, cipher / group / signature / ALPN lists, GREASE
# positions, key shares, fixed extension bodies, ECH GREASE lengths, and a
# different extension order per connection.  When Chromium changes, the
# comparison prints a diff of the two dissections.
. "$(dirname "$0")/../integration/lib.sh"
require python3 chromium
HELLO_TOOL=${HELLO_TOOL:-$MEEK_BUILDDIR/tests/tls/hello-tool}
require_built "$HELLO_TOOL"
CAP=$MEEK_SRCDIR/tests/tls/hellocap.py
N=4

log "$(chromium --version 2>/dev/null | grep -m1 -i chromium)"
if timeout 200 python3 "$CAP" chromium chromium "$TMPD" "$N" >"$TMPD/chromium.out" 2>&1; then
	ok "$(tail -n1 "$TMPD/chromium.out")"
else
	sed 's/^/   /' "$TMPD/chromium.out"
	tail -n 20 "$TMPD/chromium.log" 2>/dev/null | sed 's/^/   chromium: /'
	die "no ClientHello from chromium"
fi
timeout 120 python3 "$CAP" tool "$HELLO_TOOL" "$TMPD" "$N" >"$TMPD/tool.out" 2>&1 \
    || { cat "$TMPD/tool.out"; die "hello-tool failed"; }

compare() {
	python3 "$CAP" compare "$TMPD/$1" "$TMPD/$2" >"$TMPD/cmp.out" 2>&1
	replay "$TMPD/cmp.out"
}
compare ours-chrome chromium-https
compare ours-chrome-ws chromium-wss

if [ -x "$MEEK_CLIENT" ] && "$MEEK_CLIENT" --help 2>&1 | grep -q -- --hello; then
	# "default": meek-client without --hello (the chrome profile: ALPN
	# h2,http/1.1 and ALPS, Chromium's https hello).
	for p in default chrome chrome-ws; do
		what="meek-client --hello $p"
		[ "$p" = default ] && what="meek-client (default hello)"
		if timeout 120 python3 "$CAP" meek "$MEEK_CLIENT" "$TMPD" "$p" >"$TMPD/meek.out" 2>&1; then
			ok "$what sent a ClientHello"
			[ "$p" = chrome-ws ] && ref=chromium-wss || ref=chromium-https
			compare "meek-$p" "$ref"
		else
			cat "$TMPD/meek.out"
			fail "$what sent no ClientHello"
		fi
	done
else
	log "meek-client has no --hello option yet: compared the builder (hello-tool) only"
fi
log "--- one hello of each (the order is per connection):"
python3 "$CAP" dissect "$TMPD/chromium-https-1.hex" "$TMPD/ours-chrome-1.hex" \
    "$TMPD/chromium-wss-1.hex" "$TMPD/ours-chrome-ws-1.hex" | grep -E '^==|JA4:|order: '
finish
