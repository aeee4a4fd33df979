# shellcheck shell=bash
# Shared by the hostile_*.sh tests (issue 16): lib.sh, a TLS certificate,
# a TLS meek-server, and the honest request's time bound.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 99
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}
# Each attack lasts this long (the drip intervals are the issue's).
HOSTILE_SECS=${HOSTILE_SECS:-25}
# The honest request must be answered within 2 s during an attack.  A
# sanitizer build runs everything 4-8x slower (a TLS handshake, the python
# attackers competing for the same 2 cores): ASan+UBSan x2, TSan x3.
HOSTILE_SLOW=1
if grep -q 'fsanitize=[a-z,]*thread' "$MEEK_BUILDDIR/config.log" 2>/dev/null; then
	HOSTILE_SLOW=3
elif grep -q 'fsanitize' "$MEEK_BUILDDIR/config.log" 2>/dev/null; then
	HOSTILE_SLOW=2
fi
BOUND=$((2 * HOSTILE_SLOW))
# Hundreds of attacking sockets on the python side.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

# make_cert: $TMPD/cert.pem and $TMPD/key.pem for "localhost" (EC P-256).
make_cert() {
	command -v openssl >/dev/null 2>&1 || { echo "SKIP - no openssl"; exit 77; }
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" -days 2 \
	    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
	    >/dev/null 2>&1 || { echo "SKIP - openssl cannot make a certificate"; exit 77; }
}

# start_tls_server NAME ORPORT_ADDR [ARGS]: standalone TLS meek-server with
# the defaults (16 workers + 64 extension workers, queue 64).
start_tls_server() {
	local name=$1 orport=$2
	shift 2
	start_bg "$name" "$MEEK_SERVER" --listen 127.0.0.1:0 \
	    --cert "$TMPD/cert.pem" --key "$TMPD/key.pem" \
	    --orport "$orport" "$@"
}
