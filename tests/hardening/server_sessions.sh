#!/bin/bash
# server_sessions.sh: 10,000 distinct session ids against --max-sessions
# 1000: exactly 1000 accepted, the rest answered 503, memory bounded (RSS
# before/after printed).
. "$(dirname "$0")/lib.sh" || exit 99

TOTAL=${SESSIONS_TOTAL:-10000}
LIMIT=${SESSIONS_LIMIT:-1000}
# 1000 sessions hold 1000 ORPort sockets on each side.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
# ThreadSanitizer shadows every byte with several more, ASan adds redzones
# and a quarantine: the memory bound grows with them.
if grep -q 'fsanitize=[a-z,]*thread' "$MEEK_BUILDDIR/config.log" 2>/dev/null; then
	export RSS_FACTOR=8
elif grep -q 'fsanitize' "$MEEK_BUILDDIR/config.log" 2>/dev/null; then
	export RSS_FACTOR=3
fi
start_echo orport
# One source opens them all: no per-source cap here.
start_server meek "$orport_ADDR" --max-sessions "$LIMIT" --max-per-source 0
run_py sessions "$HDIR/server_abuse.py" sessions "$meek_PORT" "$meek_PID" "$TOTAL" "$LIMIT"
run_py echo "$HDIR/server_abuse.py" post "$meek_PORT" "hardening-over-the-limit" 503 \
    "one more new session while full"
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
