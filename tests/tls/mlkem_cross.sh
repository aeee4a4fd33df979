#!/bin/bash
# shared/mlkem against python cryptography's ML-KEM-768 (OpenSSL): keys
# from the same seed, encapsulation both ways, implicit rejection of a
# modified ciphertext and the encapsulation-key modulus check, in random
# rounds (tests/tls/mlkem_cross.py).  Skips (77) without python3 or without
# a cryptography that has ML-KEM (PyPI cryptography >= 47 on OpenSSL 3.5).
. "${MEEK_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

require python3
TOOL=$MEEK_BUILDDIR/tests/tls/mlkem-tool
require_built "$TOOL"

MLKEM_TOOL_ERR=$TMPD/mlkem-tool.err python3 "$MEEK_SRCDIR/tests/tls/mlkem_cross.py" \
	"$TOOL" "${MLKEM_CROSS_ROUNDS:-50}" >"$TMPD/cross.log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
	cat "$TMPD/cross.log"
	exit 77
fi
replay "$TMPD/cross.log"
check "mlkem_cross.py exits 0" [ "$rc" -eq 0 ]
finish
