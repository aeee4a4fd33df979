# Shared helpers for the integration tests (sourced, bash).
#
# Every test gets a private temporary directory under the build tree, starts
# its programs with start_bg (which records each PID), and on exit kills only
# the PIDs it recorded.  Ports come from the programs' "LISTEN ip:port" lines
# or from free_port.  Every wait is bounded; the bounds are generous because
# the tests must pass on a slow, loaded machine.
#
# Environment: MEEK_BUILDDIR (abs_top_builddir) and MEEK_SRCDIR
# (abs_top_srcdir), set by `make check`; MEEK_SERVER / MEEK_CLIENT override
# the programs under test; CI=true turns a missing external program into a
# failure instead of a skip; MEEK_KEEP_TMP=1 keeps the temporary directory.

set -u
set -o pipefail
# Test helpers in Python are imported from the source tree: never write
# __pycache__ into it (distcheck makes it read-only, and it would not be
# source anyway).
export PYTHONDONTWRITEBYTECODE=1

if [ -z "${MEEK_BUILDDIR:-}" ]; then
	echo "MEEK_BUILDDIR is not set (run through make check or set it)" >&2
	exit 99
fi
MEEK_SRCDIR=${MEEK_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MEEK_SERVER=${MEEK_SERVER:-$MEEK_BUILDDIR/meek-server}
MEEK_CLIENT=${MEEK_CLIENT:-$MEEK_BUILDDIR/meek-client}
MEEK_ECHO=${MEEK_ECHO:-$MEEK_BUILDDIR/tests/tools/meek-test-echo}
MEEK_SOCKS=${MEEK_SOCKS:-$MEEK_BUILDDIR/tests/tools/meek-test-socks}
TEST_NAME=$(basename "$0" .sh)
. "$MEEK_SRCDIR/tests/integration/port.sh" || exit 99

# How long start_bg waits for a LISTEN line, and other waits, in seconds.
START_TIMEOUT=${START_TIMEOUT:-60}

PIDS=()
FAILED=0
CHECKS=0

log() { printf '%s\n' "$*"; }
ok() { CHECKS=$((CHECKS + 1)); printf 'ok   - %s\n' "$*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); printf 'FAIL - %s\n' "$*"; }
die() { printf 'FAIL - %s (giving up)\n' "$*"; FAILED=$((FAILED + 1)); exit 1; }
# check DESC CMD...: runs CMD, reports ok/FAIL with DESC.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

is_ci() {
	case "${CI:-}" in
	"" | 0 | false | no | False | FALSE) return 1 ;;
	*) return 0 ;;
	esac
}

# require PROG...: every external program the test needs.  Missing: skip
# (77), or fail under CI.
require() {
	local p missing=""
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if is_ci; then
		echo "FAIL - required program(s) missing under CI:$missing" >&2
		exit 1
	fi
	echo "SKIP - required program(s) missing:$missing" >&2
	exit 77
}

# require_built FILE...: programs of this tree; missing is always a failure
# (make check builds them).
require_built() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || { echo "FAIL - not built: $f" >&2; exit 99; }
	done
}

# TEST_DIR: the suite's directory under the build tree (a library that
# sources this one may set it first).
TEST_DIR=${TEST_DIR:-tests/integration}
mkdir -p "$MEEK_BUILDDIR/$TEST_DIR" || exit 99
TMPD=$(mktemp -d "$MEEK_BUILDDIR/$TEST_DIR/tmp.$TEST_NAME.XXXXXX") || exit 99

# reap PID TENTHS: waits up to TENTHS tenths of a second for PID (already
# signalled) to exit, then kills it and collects it.
reap() {
	local i
	for i in $(seq "$2"); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

cleanup() {
	local rc=$? pid i san
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		reap "$pid" 50
	done
	port_release
	# In a sanitizer build the programs report on stderr (leaks at exit,
	# after the SIGTERM above): any report fails the test.
	san=$(grep -l -E 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|WARNING: ThreadSanitizer' \
	    "$TMPD"/*.err 2>/dev/null)
	if [ -n "$san" ]; then
		echo "FAIL - sanitizer report(s) in: $san"
		FAILED=$((FAILED + 1))
		[ "$rc" -eq 0 ] && rc=1
	fi
	if [ "$rc" -eq 0 ] && [ "$FAILED" -ne 0 ]; then
		rc=1
	fi
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

# finish: the last line of every test.
finish() {
	if [ "$FAILED" -ne 0 ]; then
		echo "$TEST_NAME: $FAILED of $CHECKS checks failed"
		exit 1
	fi
	echo "$TEST_NAME: all $CHECKS checks passed"
	exit 0
}

# tally [quiet]: reads lines on stdin and counts their "ok   - " / "FAIL - "
# lines here; prints the other lines unless told quiet.  Run it in this
# shell (a redirect, not a pipe) so that the counts stay.
tally() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok   - "*) ok "${line#ok   - }" ;;
		"FAIL - "*) fail "${line#FAIL - }" ;;
		*) [ "${1:-}" = quiet ] || printf '%s\n' "$line" ;;
		esac
	done
}

# replay FILE: prints FILE, counting its "ok   - " / "FAIL - " lines here
# (for checks run in a background subshell, whose counts stay there).
replay() {
	tally <"$1"
}

# run_tally CMD...: runs a checker that prints its own "ok   - " / "FAIL - "
# lines (both streams, kept in TALLY_OUT) and tallies them; returns its
# status.
run_tally() {
	local rc
	TALLY_OUT=$("$@" 2>&1)
	rc=$?
	tally <<<"$TALLY_OUT"
	return $rc
}

# spawn NAME CMD...: starts CMD in the background with stdout in
# $TMPD/NAME.out and stderr in $TMPD/NAME.err, records its PID (in PIDS and
# NAME_PID).  With STDIN_OPEN=1 its stdin is a FIFO this shell holds open,
# so it never sees EOF (a managed PT would exit on it).
spawn() {
	local name=$1 pid
	shift
	if [ "${STDIN_OPEN:-0}" = 1 ]; then
		mkfifo "$TMPD/$name.stdin"
		# Opening read-write never blocks and keeps a writer alive.
		exec {_fd}<>"$TMPD/$name.stdin"
		"$@" <&$_fd >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	else
		"$@" </dev/null >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	fi
	pid=$!
	PIDS+=("$pid")
	printf -v "${name}_PID" '%s' "$pid"
}

# wait_line NAME REGEX [SECS]: waits until $TMPD/NAME.out has a line
# matching REGEX (grep -E) and prints the first such line.  Fails when the
# process died first or the time ran out.
wait_line() {
	local name=$1 re=$2 secs=${3:-$START_TIMEOUT} pidvar line i
	pidvar="${name}_PID"
	for i in $(seq $((secs * 10))); do
		line=$(grep -E -m1 -- "$re" "$TMPD/$name.out" 2>/dev/null)
		if [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		if [ -n "${!pidvar:-}" ] && ! kill -0 "${!pidvar}" 2>/dev/null; then
			# It may have printed the line just before it exited.
			line=$(grep -E -m1 -- "$re" "$TMPD/$name.out" 2>/dev/null)
			if [ -n "$line" ]; then
				printf '%s\n' "$line"
				return 0
			fi
			echo "$name exited before printing /$re/" >&2
			tail -n 20 "$TMPD/$name.err" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$name printed no /$re/ within ${secs}s" >&2
	return 1
}

# start_bg NAME CMD...: spawn, then wait for "LISTEN ip:port"; sets
# NAME_ADDR (ip:port) and NAME_PORT.
start_bg() {
	local name=$1 line addr pidvar="${1}_PID"
	spawn "$@"
	line=$(wait_line "$name" '^LISTEN [0-9.]+:[0-9]+$') \
	    || die "$name did not start"
	addr=${line#LISTEN }
	printf -v "${name}_ADDR" '%s' "$addr"
	printf -v "${name}_PORT" '%s' "${addr##*:}"
	log "started $name (pid ${!pidvar}) on $addr"
}

# stop NAME [SIGNAL]: kills a process started with spawn/start_bg (SIGTERM
# unless told) and waits for it.
stop() {
	local pidvar="${1}_PID" sig=${2:-TERM}
	local pid=${!pidvar:-}
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null
	reap "$pid" 100
	return 0
}

# start_echo_server ARGS...: meek-test-echo "echo" (ECHO_REC set: it
# records there), then meek-server "server" in front of it on 127.0.0.1
# (--orport the echo, ARGS, its log in $TMPD/server.log).
start_echo_server() {
	local rec=()
	[ -n "${ECHO_REC:-}" ] && rec=(--record "$ECHO_REC")
	start_bg echo "$MEEK_ECHO" --listen 127.0.0.1:0 "${rec[@]}"
	start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$echo_ADDR" \
	    "$@" --log "$TMPD/server.log"
}

# managed_client TRANSPORT: meek-client "pt" in managed mode as tor runs it
# (TOR_PT_CLIENT_TRANSPORTS=TRANSPORT, state in $TMPD/state, stdin held
# open, --ca $PKI/ca.pem, log $TMPD/pt.log); waits for its CMETHOD line
# and sets pt_SOCKS to the SOCKS address it announced.
managed_client() {
	local line
	TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_CLIENT_TRANSPORTS=$1 \
	    TOR_PT_STATE_LOCATION=$TMPD/state STDIN_OPEN=1 \
	    spawn pt "$MEEK_CLIENT" --ca "$PKI/ca.pem" --log "$TMPD/pt.log"
	line=$(wait_line pt "^CMETHOD $1 socks5 ") || die "no CMETHOD"
	pt_SOCKS=${line##* }
}

# wait_grep FILE REGEX [SECS]: waits until FILE has a line matching REGEX
# (grep's basic syntax), at most SECS seconds; 0 when it has one.
wait_grep() {
	local i
	for i in $(seq $((${3:-$START_TIMEOUT} * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	grep -q -- "$2" "$1" 2>/dev/null
}

# port_open PORT: 0 when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_port PORT [NAME] [SECS]: waits until 127.0.0.1:PORT accepts.
wait_port() {
	local port=$1 name=${2:-} secs=${3:-$START_TIMEOUT} i pidvar
	for i in $(seq $((secs * 10))); do
		port_open "$port" && return 0
		if [ -n "$name" ]; then
			pidvar="${name}_PID"
			if ! kill -0 "${!pidvar}" 2>/dev/null; then
				echo "$name exited before listening on $port" >&2
				tail -n 20 "$TMPD/$name.err" "$TMPD/$name.out" >&2
				return 1
			fi
		fi
		sleep 0.1
	done
	echo "nothing listens on 127.0.0.1:$port after ${secs}s" >&2
	return 1
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on (for
# programs that cannot report the port they bound), reserved for this test
# until it exits (port.sh: safe when tests run in parallel).
free_port() {
	port_pick
}

# nginx_start NAME PORT HTTP_BODY [LOG_FORMAT]: the one nginx starter of
# the tests: writes $TMPD/NAME/nginx.conf with its own pid, logs and temp
# paths around HTTP_BODY (the inside of http {}; access log
# $TMPD/NAME/logs/access.log, in LOG_FORMAT when given), starts nginx in the
# foreground as the current user and waits for PORT.  Sets NAME_DIR.
nginx_start() {
	local name=$1 port=$2 body=$3 dir=$TMPD/$1 user_line="" alog
	mkdir -p "$dir/logs" "$dir/tmp"
	[ "$(id -u)" = 0 ] && user_line="user root root;"
	alog="access_log $dir/logs/access.log;"
	[ -n "${4:-}" ] && alog="log_format t '$4'; access_log $dir/logs/access.log t;"
	cat >"$dir/nginx.conf" <<-EOF
	$user_line
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log info;
	events { worker_connections 512; }
	http {
		$alog
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
	$body
	}
	EOF
	spawn "$name" nginx -p "$dir" -c "$dir/nginx.conf" \
	    -e "$dir/logs/error.log" -g 'daemon off;'
	wait_port "$port" "$name" || { tail -n 20 "$dir/logs/error.log" >&2;
	    die "nginx $name did not start"; }
	printf -v "${name}_DIR" '%s' "$dir"
	log "started nginx $name on 127.0.0.1:$port"
}

# nginx_loc UPSTREAM [DIRECTIVES]: prints an nginx location / that passes
# every request to http://UPSTREAM the way meek needs it (HTTP/1.1
# keep-alive upstream, no buffering either way), with DIRECTIVES inside.
# NGINX_BUFS: contrib/nginx's buffer sizes for such a location.
NGINX_BUFS="proxy_buffer_size 32k;
		proxy_buffers 4 32k;
		proxy_busy_buffers_size 64k;"
nginx_loc() {
	cat <<-EOF
	location / {
			proxy_pass http://$1;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_request_buffering off;
			proxy_buffering off;
			${2:-}
		}
	EOF
}

# run_shown FILE SECS CMD...: runs CMD for at most SECS seconds, its
# output (both streams) into FILE and shown indented; returns its status.
run_shown() {
	local out=$1 secs=$2 rc
	shift 2
	timeout "$secs" "$@" >"$out" 2>&1
	rc=$?
	sed 's/^/   /' "$out"
	return $rc
}

# client_check NAME WANT ARGS...: meek-client --ca $PKI/ca.pem ARGS (a
# --check run), its output in $TMPD/check.NAME and shown indented; checks
# that it exited WANT.  check_lines NAME REGEX...: each REGEX (grep -E)
# matches a line of that output.
client_check() {
	local name=$1 want=$2 rc
	shift 2
	run_shown "$TMPD/check.$name" 120 "$MEEK_CLIENT" --ca "$PKI/ca.pem" "$@"
	rc=$?
	check "$name: exit $want (got $rc)" [ "$rc" = "$want" ]
}
check_lines() {
	local name=$1 re
	shift
	for re in "$@"; do
		check "$name: /$re/" grep -qE -- "$re" "$TMPD/check.$name"
	done
}

# dated_cert NAME KEYALG START END: $PKI/NAME.pem/.key, a leaf for
# localhost (leaf.cnf's v3_leaf) from the test CA, valid from START to END
# (openssl ca's YYYYMMDDHHMMSSZ, any dates); KEYALG is rsa or ec.  Call
# after make_certs.
dated_cert() {
	(
		set -e
		cd "$PKI"
		if [ ! -e dates.cnf ]; then
			: >index.txt
			echo 1000 >serial
			cat >dates.cnf <<-EOF
			[ca]
			default_ca = c
			[c]
			database = $PKI/index.txt
			new_certs_dir = $PKI
			serial = $PKI/serial
			default_md = sha256
			policy = p
			unique_subject = no
			[p]
			commonName = supplied
			EOF
		fi
		if [ "$2" = ec ]; then
			openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
			openssl req -new -key "$1.key" -subj /CN=localhost -out "$1.csr"
		else
			openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" \
			    -subj /CN=localhost -out "$1.csr"
		fi
		openssl ca -batch -config dates.cnf -cert ca.pem -keyfile ca.key \
		    -in "$1.csr" -out "$1.pem" -notext -startdate "$3" -enddate "$4" \
		    -extfile leaf.cnf -extensions v3_leaf
	) >>"$TMPD/pki.log" 2>&1 || die "making the dated certificate $1 failed"
}

# check_targets NAME PORT PAIRS: meek-client --ca $PKI/ca.pem --check with
# PAIRS url/front pairs that all name localhost:PORT, for at most 120 s;
# its output in $TMPD/NAME.check (shown indented), its stderr in
# $TMPD/NAME.check.err; returns its status.
check_targets() {
	local targets="https://localhost:$2/|localhost:$2" i rc
	for i in $(seq 2 "$3"); do targets="$targets+localhost:$2"; done
	timeout 120 "$MEEK_CLIENT" --ca "$PKI/ca.pem" --check "targets=$targets" \
	    >"$TMPD/$1.check" 2>"$TMPD/$1.check.err"
	rc=$?
	sed 's/^/   /' "$TMPD/$1.check"
	return $rc
}

# sha FILE: the SHA-256 of FILE in hex.
sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# fsize FILE: size in bytes (0 when missing).
fsize() {
	if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi
}

# make_certs: a test PKI in $TMPD/pki (sets PKI):
#   ca.pem            the test CA
#   rsa.pem/.key      RSA-2048 leaf, SAN front.test, localhost, 127.0.0.1
#   ec.pem/.key       P-256 leaf, same names
#   nameonly.pem/.key RSA leaf for front.test only (wrong-name checks)
#   other-ca.pem      a second CA; other.pem/.key a leaf it signed (same
#                     names as rsa.pem: wrong-CA checks)
make_certs() {
	require openssl
	PKI=$TMPD/pki
	mkdir -p "$PKI"
	(
		set -e
		cd "$PKI"
		cat >ca.cnf <<-'EOF'
		[req]
		distinguished_name = dn
		[dn]
		[v3_ca]
		basicConstraints = critical,CA:TRUE
		keyUsage = critical,keyCertSign,cRLSign
		subjectKeyIdentifier = hash
		EOF
		cat >leaf.cnf <<-'EOF'
		[v3_leaf]
		basicConstraints = critical,CA:FALSE
		keyUsage = critical,digitalSignature,keyEncipherment
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:front.test,DNS:localhost,IP:127.0.0.1
		[v3_nameonly]
		basicConstraints = critical,CA:FALSE
		keyUsage = critical,digitalSignature,keyEncipherment
		extendedKeyUsage = serverAuth
		subjectAltName = DNS:front.test
		EOF
		mkca() { # name subject
			openssl req -x509 -new -newkey rsa:2048 -nodes -days 30 \
			    -keyout "$1.key" -out "$1.pem" -subj "/CN=$2" \
			    -config ca.cnf -extensions v3_ca
		}
		mkleaf() { # name keyalg ca ext
			if [ "$2" = ec ]; then
				openssl ecparam -name prime256v1 -genkey -noout \
				    -out "$1.key"
			else
				openssl genrsa -out "$1.key" 2048
			fi
			openssl req -new -key "$1.key" -subj "/CN=front.test" \
			    -config ca.cnf -out "$1.csr"
			openssl x509 -req -in "$1.csr" -CA "$3.pem" \
			    -CAkey "$3.key" -CAcreateserial -days 30 \
			    -extfile leaf.cnf -extensions "$4" -out "$1.pem"
		}
		mkca ca "meek-c test CA"
		mkca other-ca "meek-c other test CA"
		mkleaf rsa rsa ca v3_leaf
		mkleaf ec ec ca v3_leaf
		mkleaf nameonly rsa ca v3_nameonly
		mkleaf other rsa other-ca v3_leaf
	) >"$TMPD/pki.log" 2>&1 || die "making the test certificates failed (see $TMPD/pki.log)"
	log "made test PKI in $PKI"
}
