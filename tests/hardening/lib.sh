# shellcheck shell=bash
# Shared helpers for the hardening tests (sourced, bash).
#
# Each test gets a private temporary directory under the build tree, starts
# its programs with start_bg (which records each PID), and on exit kills only
# the PIDs it recorded.  Ports come from the programs' "LISTEN ip:port"
# lines; everything is on 127.0.0.1.  Every wait is bounded.
#
# Environment: MEEK_BUILDDIR / MEEK_SRCDIR (AM_TESTS_ENVIRONMENT under make
# check; else $PWD and this script's directory); MEEK_SERVER / MEEK_CLIENT
# override the programs; MEEK_KEEP_TMP=1 keeps the temporary directory.

set -u

MEEK_BUILDDIR=${MEEK_BUILDDIR:-$PWD}
MEEK_SRCDIR=${MEEK_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MEEK_SERVER=${MEEK_SERVER:-$MEEK_BUILDDIR/meek-server}
MEEK_CLIENT=${MEEK_CLIENT:-$MEEK_BUILDDIR/meek-client}
HDIR=$MEEK_SRCDIR/tests/hardening
# Debian's interpreter when present (stdlib only is needed).
if [ -z "${PYTHON3:-}" ] && [ -x /usr/bin/python3 ]; then PYTHON3=/usr/bin/python3; fi
PY=${PYTHON3:-python3}
TEST_NAME=$(basename "$0" .sh)
START_TIMEOUT=${START_TIMEOUT:-60}

PIDS=()
FAILED=0
CHECKS=0

log() { printf '%s\n' "$*"; }
ok() { CHECKS=$((CHECKS + 1)); printf 'ok   - %s\n' "$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); printf 'FAIL - %s\n' "$*"; }
die() { printf 'FAIL - %s (giving up)\n' "$*"; FAILED=$((FAILED + 1)); exit 1; }

command -v "$PY" >/dev/null 2>&1 || { echo "SKIP - no python3" >&2; exit 77; }
[ -x "$MEEK_SERVER" ] || { echo "FAIL - not built: $MEEK_SERVER" >&2; exit 99; }

mkdir -p "$MEEK_BUILDDIR/tests/hardening" || exit 99
TMPD=$(mktemp -d "$MEEK_BUILDDIR/tests/hardening/tmp.$TEST_NAME.XXXXXX") || exit 99

cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ "$rc" -eq 0 ] && [ "$FAILED" -ne 0 ]; then
		rc=1
	fi
	# A sanitizer build (--enable-sanitizers) reports on stderr.
	for i in "$TMPD"/*.err; do
		[ -s "$i" ] || continue
		if grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|WARNING: ThreadSanitizer' "$i"; then
			echo "FAIL - sanitizer report in $(basename "$i")"
			grep -m5 -E 'ERROR: |runtime error:|WARNING: ThreadSanitizer' "$i"
			[ "$rc" -eq 0 ] && rc=1
		fi
	done
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
		[ "${MEEK_KEEP_TMP:-0}" = 1 ] || rm -rf "$TMPD"
	else
		echo "--- $TEST_NAME failed (rc=$rc, $FAILED failed check(s)); logs kept in $TMPD"
		for i in "$TMPD"/*.err "$TMPD"/*.log; do
			[ -s "$i" ] || continue
			echo "--- tail of $i"
			tail -n 30 "$i"
		done
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

finish() {
	if [ "$FAILED" -ne 0 ]; then
		echo "$TEST_NAME: $FAILED of $CHECKS checks failed"
		exit 1
	fi
	echo "$TEST_NAME: all $CHECKS checks passed"
	exit 0
}

# spawn NAME CMD...: background CMD, stdout in $TMPD/NAME.out, stderr in
# $TMPD/NAME.err; records the PID in PIDS and NAME_PID.
spawn() {
	local name=$1
	shift
	"$@" </dev/null >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	PIDS+=("$!")
	printf -v "${name}_PID" '%s' "$!"
}

# start_bg NAME CMD...: spawn, then wait for "LISTEN ip:port"; sets
# NAME_ADDR and NAME_PORT.
start_bg() {
	local name=$1 pidvar="${1}_PID" line="" i
	spawn "$@"
	for i in $(seq $((START_TIMEOUT * 10))); do
		line=$(grep -E -m1 '^LISTEN [0-9.]+:[0-9]+$' "$TMPD/$name.out" 2>/dev/null)
		[ -n "$line" ] && break
		if ! kill -0 "${!pidvar}" 2>/dev/null; then
			tail -n 20 "$TMPD/$name.err" >&2
			die "$name exited before printing LISTEN"
		fi
		sleep 0.1
	done
	[ -n "$line" ] || die "$name printed no LISTEN line within ${START_TIMEOUT}s"
	printf -v "${name}_ADDR" '%s' "${line#LISTEN }"
	printf -v "${name}_PORT" '%s' "${line##*:}"
	log "started $name (pid ${!pidvar}) on ${line#LISTEN }"
}

# stop NAME [SIGNAL]: kills a process started here and waits for it.
stop() {
	local pidvar="${1}_PID" sig=${2:-TERM} i
	local pid=${!pidvar:-}
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

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
# checker wrote to FILE.
count_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok   - "*) ok "${line#ok   - }" ;;
		"FAIL - "*) fail "${line#FAIL - }" ;;
		esac
	done <"$1"
}

# run_py DESC SCRIPT ARGS...: runs a python3 checker that prints its own
# "ok   - " / "FAIL - " lines; they are counted here.
run_py() {
	local desc=$1 out rc line
	shift
	out=$("$PY" "$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok   - "*) ok "${line#ok   - }" ;;
		"FAIL - "*) fail "${line#FAIL - }" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <<<"$out"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL - ' <<<"$out"; then
		fail "$desc exited $rc"
	fi
}
