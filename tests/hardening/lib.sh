# shellcheck shell=bash
# Shared helpers for the hardening tests (sourced, bash): the integration
# tests' library (tests/integration/lib.sh: temporary directory, start_bg,
# stop, cleanup that kills only our PIDs, sanitizer reports, finish) plus
# what only these tests use: the python3 ORPort stand-in, a plain-HTTP
# meek-server, and python3 checkers that print their own ok/FAIL lines.
#
# Environment: as tests/integration/lib.sh (MEEK_BUILDDIR defaults to $PWD
# here); PYTHON3 picks the interpreter.

MEEK_BUILDDIR=${MEEK_BUILDDIR:-$PWD}
MEEK_SRCDIR=${MEEK_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_DIR=tests/hardening
. "$MEEK_SRCDIR/tests/integration/lib.sh" || exit 99
# These tests were written without pipefail: `cmd | grep -q` is a test of
# grep's answer, not of a writer grep stopped reading.
set +o pipefail

HDIR=$MEEK_SRCDIR/tests/hardening
# Debian's interpreter when present (stdlib only is needed).
if [ -z "${PYTHON3:-}" ] && [ -x /usr/bin/python3 ]; then PYTHON3=/usr/bin/python3; fi
PY=${PYTHON3:-python3}

command -v "$PY" >/dev/null 2>&1 || { echo "SKIP - no python3" >&2; exit 77; }
require_built "$MEEK_SERVER"

# alive NAME: 0 while the process runs.
alive() {
	local pidvar="${1}_PID"
	kill -0 "${!pidvar}" 2>/dev/null
}

# start_echo NAME [ARGS]: the python3 ORPort stand-in (echo.py).
start_echo() {
	local name=$1
	shift
	start_bg "$name" "$PY" "$HDIR/echo.py" "$@"
}

# start_server NAME ORPORT_ADDR [ARGS]: standalone plain-HTTP meek-server.
start_server() {
	local name=$1 orport=$2
	shift 2
	start_bg "$name" "$MEEK_SERVER" --disable-tls --listen 127.0.0.1:0 \
	    --orport "$orport" "$@"
}

# count_lines FILE: counts the "ok   - " / "FAIL - " lines a background
# checker wrote to FILE (replay, without echoing the other lines).
count_lines() {
	tally quiet <"$1"
}

# run_py DESC SCRIPT ARGS...: runs a python3 checker that prints its own
# "ok   - " / "FAIL - " lines; they are counted here.
run_py() {
	local desc=$1 rc
	shift
	run_tally "$PY" "$@"
	rc=$?
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL - ' <<<"$TALLY_OUT"; then
		fail "$desc exited $rc"
	fi
}
