#!/usr/bin/env bash
# The ClientHello meek-client sends (doc/fingerprint.md): TLS 1.2, an AEAD
# suite first (AES-GCM with AES-NI, ChaCha20 without), SNI = the front,
# ALPN offering only http/1.1 (what we speak).  tests/field/hello.py
# captures it on a loopback listener and dissects it.
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
first=$(grep -m1 -E '^  [0-9a-f]{4} ' "$TMPD/hello.txt" | awk '{ print $2 }')
if grep -qw aes /proc/cpuinfo 2>/dev/null; then
	check "AES-NI: AES-GCM first (got $first)" eval '[[ $first == *AES_128_GCM* ]]'
else
	check "no AES-NI: ChaCha20 first (got $first)" eval '[[ $first == *CHACHA20* ]]'
fi
finish
