#!/usr/bin/env bash
# The ClientHello meek-client sends (doc/fingerprint.md): Chrome's, with
# GREASE then the TLS 1.3 suites (AES-128-GCM first with AES-NI, ChaCha20
# without, as Chrome), SNI = the front, ALPN offering h2 and http/1.1 (both
# spoken).  tests/field/hello.py captures it on a loopback listener and
# dissects it.
. "$(dirname "$0")/../integration/lib.sh"
require python3
require_built "$MEEK_CLIENT"
if timeout 120 python3 "$MEEK_SRCDIR/tests/field/hello.py" "$MEEK_CLIENT" \
    "$TMPD/hello.bin" >"$TMPD/hello.txt" 2>&1; then
	ok "ClientHello as documented in doc/fingerprint.md"
else
	fail "ClientHello differs from doc/fingerprint.md"
fi
sed 's/^/   /' "$TMPD/hello.txt"
first=$(grep -E '^  [0-9a-f]{4} ' "$TMPD/hello.txt" | grep -v GREASE | head -1 | awk '{ print $2 }')
if grep -qw aes /proc/cpuinfo 2>/dev/null; then
	check "AES-NI: AES-128-GCM first after GREASE (got $first)" eval '[[ $first == TLS_AES_128_GCM* ]]'
else
	check "no AES-NI: ChaCha20 first after GREASE (got $first)" eval '[[ $first == TLS_CHACHA20* ]]'
fi
finish
