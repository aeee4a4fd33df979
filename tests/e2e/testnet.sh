# testnet.sh: a private Tor network on 127.0.0.1 for meek's end-to-end tests.
# Source it from bash; it defines tn_* functions and TN_* variables.
#
# Rule zero (tests/e2e/README.md):
# every tor started here carries `TestingTorNetwork 1` and a DirAuthority on
# 127.0.0.1, so it never contacts the public network; nothing binds or dials
# outside 127.0.0.0/8; the system tor service and /etc/tor are never used
# (tor gets --defaults-torrc and -f pointing into the test directory).
#
# Life cycle:
#   tn_init NAME            temp dir, EXIT trap, tool checks
#   tn_port                 a free TCP port below the kernel's ephemeral range
#   tn_authority / tn_exit  write torrcs (and keys) for a full network
#   tn_bridge LINES...      write the bridge torrc (extra torrc lines as args)
#   tn_client LINES...      write the client torrc
#   tn_start NAME           start tor NAME; its PID is recorded
#   tn_wait_log ...         bounded wait for a log line, polling every 0.2 s
#   tn_check_loopback       every TCP/UDP socket of everything we started is on 127/8
# The EXIT trap kills only processes this file started (recorded PIDs, their
# descendants, and the transports tor reports as spawned), never by name.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
# Variables set here (TN_CA, TN_PAGE_SHA, ...) are for the sourcing script.
# shellcheck disable=SC2034

. "$(dirname "${BASH_SOURCE[0]}")/../integration/port.sh" || exit 99

TN_PIDS=()                  # "name:pid:starttime" of everything we started
TN_PORTS=" "                # ports handed out so far
TN_NAME=
TN_DIR=
TN_T0=

# ---- messages ---------------------------------------------------------------

tn_elapsed() {
	local now
	now=$(date +%s%N)
	printf '%d.%d' $(( (now - TN_T0) / 1000000000 )) \
	    $(( (now - TN_T0) / 100000000 % 10 ))
}

tn_say() {
	printf '[%s %6ss] %s\n' "$TN_NAME" "$(tn_elapsed)" "$*"
}

tn_fail() {
	printf '[%s %6ss] FAIL: %s\n' "$TN_NAME" "$(tn_elapsed)" "$*" >&2
	exit 1
}

# tn_skip WHY: a missing external program skips the test (77), except under
# CI (CI set and not 0/false/no, as in tests/integration/lib.sh): fail.
tn_skip() {
	case "${CI:-}" in
	"" | 0 | false | no | False | FALSE) ;;
	*)
		printf '[%s] FAIL (CI): %s\n' "$TN_NAME" "$*" >&2
		exit 1
		;;
	esac
	printf '[%s] SKIP: %s\n' "$TN_NAME" "$*" >&2
	exit 77
}

# ---- set-up -----------------------------------------------------------------

# tn_init NAME: creates TN_DIR (mode 0700) and installs the cleanup trap.
# Finds the build dir: MEEK_BUILDDIR, else $PWD when it holds meek-server
# (make check runs from the top build dir), else the source tree.
tn_init() {
	TN_NAME=$1
	TN_T0=$(date +%s%N)
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	MEEK_SRCDIR=${MEEK_SRCDIR:-$(cd "$here/../.." && pwd)}
	if [ -z "${MEEK_BUILDDIR:-}" ]; then
		if [ -e "$PWD/meek-server" ] || [ -e "$PWD/config.status" ]; then
			MEEK_BUILDDIR=$PWD
		else
			MEEK_BUILDDIR=$MEEK_SRCDIR
		fi
	fi
	MEEK_SERVER=${MEEK_SERVER:-$MEEK_BUILDDIR/meek-server}
	MEEK_CLIENT=${MEEK_CLIENT:-$MEEK_BUILDDIR/meek-client}

	local t
	for t in tor tor-gencert ss ps openssl curl python3 sha256sum; do
		command -v "$t" >/dev/null 2>&1 || tn_skip "$t not installed"
	done
	TN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/meek-e2e-$TN_NAME.XXXXXX") ||
	    { echo "mktemp failed" >&2; exit 99; }
	chmod 700 "$TN_DIR"
	: >"$TN_DIR/empty-torrc"
	# A sanitizer build (--enable-sanitizers) reports into files here:
	# tor passes its environment on to the transports it launches, whose
	# stderr no test reads.  tn_cleanup fails the test on any report.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$TN_DIR/sanitizer"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$TN_DIR/sanitizer"
	export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$TN_DIR/sanitizer"
	trap tn_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	trap 'exit 141' PIPE
	[ -n "${TN_QUIET_INIT:-}" ] || tn_say "working directory $TN_DIR"
}

# tn_port: prints a TCP port that nothing uses, from 10000 up to the start
# of the kernel's ephemeral range (so an outgoing connection cannot take it
# between this check and the bind), reserved for this test until it exits
# so that tests running in parallel never share one
# (tests/integration/port.sh).
tn_port() {
	local p tries=0
	while [ $tries -lt 200 ]; do
		tries=$((tries + 1))
		p=$(port_pick) || break
		case "$TN_PORTS" in *" $p "*) continue ;; esac
		if [ -n "$(ss -HtanO "( sport = :$p or dport = :$p )" 2>/dev/null)" ]; then
			continue
		fi
		TN_PORTS="$TN_PORTS$p "
		echo "$p"
		return 0
	done
	echo "tn_port: no free port found" >&2
	return 1
}

# tn_ports VAR...: assigns a fresh port to each named variable (in this shell,
# so that tn_port's bookkeeping is kept).
tn_ports() {
	local _tn_v _tn_p
	for _tn_v in "$@"; do
		_tn_p=$(tn_port) || tn_fail "no free port"
		TN_PORTS="$TN_PORTS$_tn_p "
		printf -v "$_tn_v" '%s' "$_tn_p"
	done
}

# ---- process tracking ----------------------------------------------------------

tn_starttime() {
	# field 22 of /proc/PID/stat, counted after the ")" that ends comm
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086 # split the fields on purpose
	set -- $s
	echo "${20}"
}

# tn_track NAME PID: records PID (with its start time, so that a recycled PID
# is never killed).
tn_track() {
	local st e
	# a process already gone gets a start time no live process can match
	st=$(tn_starttime "$2") || st=gone
	for e in "${TN_PIDS[@]}"; do
		[ "${e#*:}" = "$2:$st" ] && return 0
	done
	TN_PIDS+=("$1:$2:$st")
}

# tn_pid NAME: prints the recorded PID of NAME (last one started).
tn_pid() {
	local e pid=
	for e in "${TN_PIDS[@]}"; do
		[ "${e%%:*}" = "$1" ] && { pid=${e#*:}; pid=${pid%%:*}; }
	done
	echo "$pid"
}

# tn_is_ours PID STARTTIME: true if PID still is the process we recorded.
tn_is_ours() {
	local st
	st=$(tn_starttime "$1") || return 1
	[ "$st" = "$2" ]
}

# tn_alive NAME: true while NAME runs (a zombie counts as dead).
tn_alive() {
	local e n pid st
	for e in "${TN_PIDS[@]}"; do
		n=${e%%:*}; pid=${e#*:}; st=${pid#*:}; pid=${pid%%:*}
		[ "$n" = "$1" ] || continue
		tn_is_running "$pid" "$st"
		return
	done
	return 1
}

# tn_descendants PID...: prints every descendant of the given PIDs.
tn_descendants() {
	ps -e -o pid=,ppid= 2>/dev/null | awk -v roots="$*" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
		{ parent[$1] = $2 }
		END {
			do {
				grew = 0
				for (p in parent)
					if (!(p in want) && (parent[p] in want)) { want[p] = 1; out[p] = 1; grew = 1 }
			} while (grew)
			for (p in out) print p
		}'
}

# tn_adopt: records the descendants of every tracked process (the transports
# tor spawned, nginx workers) so that cleanup finds them even if their parent
# died first.
tn_adopt() {
	local e pid roots='' d known
	for e in "${TN_PIDS[@]}"; do
		pid=${e#*:}; pid=${pid%%:*}
		roots="$roots $pid"
	done
	[ -n "$roots" ] || return 0
	# shellcheck disable=SC2086 # one argument per PID
	for d in $(tn_descendants $roots); do
		known=0
		for e in "${TN_PIDS[@]}"; do
			pid=${e#*:}; pid=${pid%%:*}
			[ "$pid" = "$d" ] && { known=1; break; }
		done
		[ $known = 1 ] || tn_track "child-of-test" "$d"
	done
}

# tn_adopt_spawned: tor logs "Managed proxy at '...' has spawned with PID 'N'"
# at info level. A PT we started has TOR_PT_STATE_LOCATION inside TN_DIR in
# its environment: that identifies it even after tor died and it was
# reparented.
tn_adopt_spawned() {
	local pid
	# shellcheck disable=SC2013 # PIDs are words
	for pid in $(sed -n "s/.*has spawned with PID '\([0-9]*\)'.*/\1/p" \
	    "$TN_DIR"/*/info.log 2>/dev/null | sort -u); do
		if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null |
		    grep -q "^TOR_PT_STATE_LOCATION=$TN_DIR/"; then
			tn_track "pt" "$pid"
		fi
	done
}

# tn_spawn NAME CMD...: starts CMD in the background, stdout+stderr to
# $TN_DIR/NAME.out, records its PID.
tn_spawn() {
	local name=$1
	shift
	"$@" </dev/null >"$TN_DIR/$name.out" 2>&1 &
	tn_track "$name" $!
}

# tn_is_running PID STARTTIME: ours and not yet a zombie.
tn_is_running() {
	local state
	tn_is_ours "$1" "$2" || return 1
	state=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	state=${state##*) }
	[ "${state%% *}" != Z ]
}

# tn_cleanup: EXIT trap. Sends SIGTERM to what we recorded, SIGKILL to what
# still runs 5 s later (tor can hang in its thread-pool shutdown), reaps our
# children, keeps TN_DIR and shows log tails when the test failed.
tn_cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP PIPE
	if [ -n "$TN_DIR" ]; then
		tn_adopt_spawned
		tn_adopt
	fi
	local e pid st live=() still i
	for e in "${TN_PIDS[@]}"; do
		pid=${e#*:}; st=${pid#*:}; pid=${pid%%:*}
		if tn_is_running "$pid" "$st"; then
			kill -TERM "$pid" 2>/dev/null && live+=("$pid:$st")
		fi
	done
	for i in $(seq 50); do
		still=()
		for e in "${live[@]}"; do
			tn_is_running "${e%%:*}" "${e#*:}" && still+=("$e")
		done
		live=("${still[@]}")
		[ ${#live[@]} = 0 ] && break
		sleep 0.1
	done
	for e in "${live[@]}"; do
		if tn_is_running "${e%%:*}" "${e#*:}"; then
			echo "[$TN_NAME] $(tr '\0' ' ' <"/proc/${e%%:*}/cmdline" 2>/dev/null | cut -c1-60)(PID ${e%%:*}) ignored SIGTERM for 5 s: SIGKILL" >&2
			kill -KILL "${e%%:*}" 2>/dev/null
		fi
	done
	# reap our direct children (each has exited or been killed by now)
	for e in "${TN_PIDS[@]}"; do
		pid=${e#*:}; pid=${pid%%:*}
		wait "$pid" 2>/dev/null
	done
	port_release
	if [ -n "$TN_DIR" ] && [ $rc -le 128 ]; then
		for e in "$TN_DIR"/sanitizer.*; do
			[ -s "$e" ] || continue
			echo "[$TN_NAME] FAIL: sanitizer report in ${e#"$TN_DIR"/}:" >&2
			head -n 40 "$e" >&2
			[ $rc = 0 ] || [ $rc = 77 ] && rc=1
		done
	fi
	[ -z "${TN_DONE_MSG:-}" ] || echo "$TN_DONE_MSG"
	if [ -z "$TN_DIR" ] || [ ! -d "$TN_DIR" ]; then
		exit $rc
	fi
	if [ $rc -gt 128 ]; then
		echo "[$TN_NAME] interrupted; logs kept in $TN_DIR" >&2
	elif [ $rc != 0 ] && [ $rc != 77 ]; then
		tn_show_logs >&2
		echo "[$TN_NAME] logs kept in $TN_DIR" >&2
	elif [ -n "${MEEK_E2E_KEEP:-}" ]; then
		echo "[$TN_NAME] logs kept in $TN_DIR"
	else
		rm -rf "$TN_DIR"
	fi
	exit $rc
}

# tn_show_logs: the last lines of every log worth a look after a failure
# (tor's stdout only when its notice.log was never written: config errors).
tn_show_logs() {
	local f b
	for f in "$TN_DIR"/*/notice.log "$TN_DIR"/*/pt-*.log \
	    "$TN_DIR"/*/pt_state/*.log "$TN_DIR"/*.out "$TN_DIR"/nginx/error.log; do
		[ -s "$f" ] || continue
		b=$(basename "$f" .out)
		case $f in
		*/openssl.out | */tor-gencert.out) continue ;;
		*.out) [ -s "$TN_DIR/$b/notice.log" ] && continue ;;
		esac
		echo "---- last lines of ${f#"$TN_DIR"/} ----"
		tail -n 15 "$f"
	done
}

# ---- waiting ------------------------------------------------------------------

# tn_deadline SECONDS: prints the end of a wait of SECONDS (ns), never past
# the test's whole budget (TN_BUDGET seconds after tn_init, default 170).
tn_deadline() {
	local d=$(( $(date +%s%N) + $1 * 1000000000 ))
	local end=$(( TN_T0 + ${TN_BUDGET:-170} * 1000000000 ))
	[ $d -lt $end ] || d=$end
	echo $d
}

# tn_wait_log FILE ERE SECONDS WHAT [NAME...]: waits until FILE has a line
# matching ERE; fails after SECONDS or as soon as a named process exits.
tn_wait_log() {
	local file=$1 re=$2 secs=$3 what=$4 n
	shift 4
	local deadline
	deadline=$(tn_deadline "$secs")
	while :; do
		if [ -f "$file" ] && grep -Eq -- "$re" "$file"; then
			return 0
		fi
		for n in "$@"; do
			tn_alive "$n" || tn_fail "$n exited while waiting for $what"
		done
		tn_check_transports
		[ "$(date +%s%N)" -lt "$deadline" ] ||
		    tn_fail "no '$what' in ${file#"$TN_DIR"/} (waited up to ${secs}s, budget ${TN_BUDGET:-170}s)"
		sleep 0.2
	done
}

# tn_check_transports: fails as soon as any tor reports that a transport it
# launched died or refused its configuration (tor would just relaunch it and
# the test would time out much later with a less useful message).
TN_TRANSPORT_DIED_RE='Managed proxy .*(terminated with status|died in state)|Could not launch managed proxy|(ENV|VERSION|PROXY|SMETHOD|CMETHOD)-ERROR'
tn_check_transports() {
	local hit
	hit=$(grep -EHm1 -- "$TN_TRANSPORT_DIED_RE" "$TN_DIR"/*/notice.log 2>/dev/null | head -n 1)
	[ -z "$hit" ] || tn_fail "transport failure: ${hit#"$TN_DIR"/}"
}

# tn_wait_cmd SECONDS WHAT CMD...: waits until CMD succeeds.
tn_wait_cmd() {
	local secs=$1 what=$2
	shift 2
	local deadline
	deadline=$(tn_deadline "$secs")
	until "$@"; do
		tn_check_transports
		[ "$(date +%s%N)" -lt "$deadline" ] || tn_fail "$what not ready after ${secs}s"
		sleep 0.2
	done
}

tn_listening() {
	[ -n "$(ss -HtlnO "sport = :$1" 2>/dev/null)" ]
}

# ---- tor configuration ------------------------------------------------------------

# Lines every tor gets (rule zero). Needs TN_DIRAUTH (set by tn_authority or
# tn_bogus_authority).
tn_torrc_common() {
	local name=$1
	cat <<EOF
# written by tests/e2e/testnet.sh: private test network, never the public one
TestingTorNetwork 1
DirAuthority $TN_DIRAUTH
DataDirectory $TN_DIR/$name
PidFile $TN_DIR/$name/tor.pid
RunAsDaemon 0
SafeLogging 0
Log notice file $TN_DIR/$name/notice.log
Log info file $TN_DIR/$name/info.log
Nickname ${name//[^a-zA-Z0-9]/}
ContactInfo meek-c e2e test
ClientUseIPv6 0
ControlPort 0
EOF
}

# tn_bogus_authority: a DirAuthority on an unused loopback port (level 1: no
# consensus ever exists, the client only fetches the bridge's descriptor).
tn_bogus_authority() {
	tn_ports TN_BOGUS_PORT
	TN_DIRAUTH="bogus orport=$TN_BOGUS_PORT no-v2 v3ident=$(printf 'A%.0s' $(seq 40)) 127.0.0.1:$TN_BOGUS_PORT $(printf 'F%.0s' $(seq 40))"
}

# tn_fingerprint DATADIR ORPORT: creates the relay identity in DATADIR and
# prints its fingerprint (no spaces).
tn_fingerprint() {
	local out
	out=$(tor --defaults-torrc "$TN_DIR/empty-torrc" -f "$TN_DIR/empty-torrc" \
	    --list-fingerprint --TestingTorNetwork 1 \
	    --DirAuthority "x orport=1 127.0.0.1:1 $(printf 'f%.0s' $(seq 40))" \
	    --DataDirectory "$1" --ORPort "127.0.0.1:$2" --Log "err stderr" 2>&1) ||
	    { echo "$out" >&2; return 1; }
	echo "$out" | tail -n 1 | awk '{ $1 = ""; gsub(/ /, ""); print }'
}

# tn_authority: keys and torrc of the one directory authority; sets TN_DIRAUTH.
tn_authority() {
	local d=$TN_DIR/auth v3 fp
	tn_ports TN_AUTH_OR TN_AUTH_DIR
	mkdir -p "$d/keys"
	chmod 700 "$d"
	(cd "$d/keys" && tor-gencert --create-identity-key -m 12 \
	    -a "127.0.0.1:$TN_AUTH_DIR" --passphrase-fd 0 </dev/null \
	    >"$TN_DIR/tor-gencert.out" 2>&1) ||
	    { cat "$TN_DIR/tor-gencert.out" >&2; tn_fail "tor-gencert failed"; }
	v3=$(awk '$1 == "fingerprint" { print $2 }' "$d/keys/authority_certificate")
	fp=$(tn_fingerprint "$d" "$TN_AUTH_OR") || tn_fail "authority fingerprint"
	if [ ${#v3} != 40 ] || [ ${#fp} != 40 ]; then
		tn_fail "bad authority fingerprints '$v3' '$fp'"
	fi
	TN_DIRAUTH="auth orport=$TN_AUTH_OR no-v2 v3ident=$v3 127.0.0.1:$TN_AUTH_DIR $fp"
	{
		tn_torrc_common auth
		cat <<EOF
Address 127.0.0.1
ORPort 127.0.0.1:$TN_AUTH_OR
DirPort 127.0.0.1:$TN_AUTH_DIR
SocksPort 0
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
AssumeReachable 1
ExitRelay 0
TestingV3AuthInitialVotingInterval 5
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
V3AuthNIntervalsValid 2
TestingDirAuthVoteExit *
TestingDirAuthVoteGuard *
TestingMinExitFlagThreshold 0
EOF
	} >"$d/torrc"
}

# tn_exit HTTPPORT: torrc of the exit relay (allows 127.0.0.0/8 and the
# HTTP port; the accept for all addresses is what microdescriptor policy
# summaries count, see tor-testnet.md). DNS goes nowhere: its resolv.conf
# names 127.0.0.1 and hijack detection is off.
tn_exit() {
	local d=$TN_DIR/exit
	tn_ports TN_EXIT_OR
	mkdir -p "$d"
	chmod 700 "$d"
	echo "nameserver 127.0.0.1" >"$TN_DIR/resolv.conf"
	{
		tn_torrc_common exit
		cat <<EOF
Address 127.0.0.1
ORPort 127.0.0.1:$TN_EXIT_OR
SocksPort 0
AssumeReachable 1
ExitRelay 1
ExitPolicyRejectPrivate 0
ExitPolicy accept 127.0.0.0/8:*, accept *:$1, reject *:*
ServerDNSResolvConfFile $TN_DIR/resolv.conf
ServerDNSDetectHijacking 0
ServerDNSAllowBrokenConfig 1
EOF
	} >"$d/torrc"
}

# tn_bridge [TORRC-LINE...]: torrc of the bridge (ORPort, Extended ORPort,
# debug log for the ExtORPort exchange unless TN_NO_DEBUG_LOG is set) plus
# the given lines (the
# ServerTransportPlugin). Sets TN_BRIDGE_OR, TN_BRIDGE_EXTOR.
tn_bridge() {
	local d=$TN_DIR/bridge l
	tn_ports TN_BRIDGE_OR TN_BRIDGE_EXTOR
	mkdir -p "$d"
	chmod 700 "$d"
	{
		tn_torrc_common bridge
		[ -n "${TN_NO_DEBUG_LOG:-}" ] || echo "Log debug file $d/debug.log"
		cat <<EOF
Address 127.0.0.1
ORPort 127.0.0.1:$TN_BRIDGE_OR
ExtORPort 127.0.0.1:$TN_BRIDGE_EXTOR
SocksPort 0
BridgeRelay 1
PublishServerDescriptor 0
AssumeReachable 1
ExitRelay 0
EOF
		for l in "$@"; do echo "$l"; done
	} >"$d/torrc"
}

# tn_bridge_fp: the bridge's fingerprint (after it started).
tn_bridge_fp() {
	awk '{ print $2 }' "$TN_DIR/bridge/fingerprint" 2>/dev/null
}

# tn_client [TORRC-LINE...]: torrc of the client (SocksPort, UseBridges) plus
# the given lines (Bridge, ClientTransportPlugin). Sets TN_SOCKS.
tn_client() {
	local d=$TN_DIR/client l
	tn_ports TN_SOCKS
	mkdir -p "$d"
	chmod 700 "$d"
	{
		tn_torrc_common client
		cat <<EOF
SocksPort 127.0.0.1:$TN_SOCKS
UseBridges 1
EOF
		for l in "$@"; do echo "$l"; done
	} >"$d/torrc"
}

# tn_start NAME: starts tor with $TN_DIR/NAME/torrc (and an empty defaults
# file, so that /etc/tor is never read).
tn_start() {
	local name=$1
	if ! grep -q '^TestingTorNetwork 1$' "$TN_DIR/$name/torrc" ||
	    ! grep -q '^DirAuthority .* 127\.0\.0\.1:[0-9]' "$TN_DIR/$name/torrc"; then
		tn_fail "refusing to start $name: torrc lacks the test-network lines"
	fi
	tn_spawn "$name" tor --defaults-torrc "$TN_DIR/empty-torrc" \
	    -f "$TN_DIR/$name/torrc"
}

# tn_wait_bootstrap NAME PERCENT SECONDS: waits for "Bootstrapped PERCENT%".
tn_wait_bootstrap() {
	tn_wait_log "$TN_DIR/$1/notice.log" "Bootstrapped $2%" "$3" \
	    "$1 Bootstrapped $2%" "$1"
}

# tn_wait_network SECONDS: starts nothing; waits until the bridge holds a
# consensus with the exit in it and the microdescriptors of its relays, and
# the exit holds a consensus too. Start the client only after this: the
# bridge is the client's only directory cache (early 404s make the client
# back off for long), and an exit without a consensus refuses streams whose
# previous hop it does not know as a relay ("open a stream from unknown
# relay"), which a loaded machine showed.
TN_ENOUGH_DIRINFO='Bootstrapped (7[5-9]|[89][0-9]|100)%'
TN_HAS_CONSENSUS='current consensus (contains|has no) exit nodes'
tn_wait_network() {
	local end=$(( $(date +%s) + $1 ))
	tn_wait_log "$TN_DIR/bridge/notice.log" \
	    'current consensus contains exit nodes' "$1" \
	    "bridge has a consensus with exits" auth exit bridge
	tn_wait_log "$TN_DIR/bridge/notice.log" "$TN_ENOUGH_DIRINFO" \
	    "$(( end - $(date +%s) + 1 ))" \
	    "bridge has enough directory info" auth exit bridge
	tn_wait_log "$TN_DIR/exit/notice.log" "$TN_HAS_CONSENSUS" \
	    "$(( end - $(date +%s) + 1 ))" \
	    "exit has a consensus" auth exit bridge
}

# ---- certificates, servers ------------------------------------------------------------

# tn_certs: a throwaway CA and a leaf for DNS:localhost, DNS:meek.test,
# IP:127.0.0.1. Sets TN_CA, TN_CERT (leaf then CA), TN_KEY.
tn_certs() {
	local d=$TN_DIR/pki
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout ca.key -out ca.pem -days 2 \
		    -subj "/CN=meek-c e2e test CA" \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout leaf.key -out leaf.csr -subj "/CN=localhost" &&
		printf '%s\n' "subjectAltName=DNS:localhost,DNS:meek.test,IP:127.0.0.1" \
		    "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" \
		    "keyUsage=critical,digitalSignature" >leaf.ext &&
		openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem &&
		cat leaf.pem ca.pem >chain.pem
	) >"$TN_DIR/openssl.out" 2>&1 ||
	    { cat "$TN_DIR/openssl.out" >&2; tn_fail "openssl failed"; }
	TN_CA=$d/ca.pem
	TN_CERT=$d/chain.pem
	TN_KEY=$d/leaf.key
}

# tn_http_server BYTES: serves a file of BYTES random bytes at
# http://127.0.0.1:$TN_HTTP/$TN_PAGE; sets TN_PAGE_SHA.
tn_http_server() {
	local d=$TN_DIR/www
	mkdir -p "$d"
	TN_PAGE=page.bin
	head -c "$1" /dev/urandom >"$d/$TN_PAGE"
	TN_PAGE_SHA=$(sha256sum <"$d/$TN_PAGE" | awk '{ print $1 }')
	tn_spawn http python3 -m http.server --bind 127.0.0.1 --directory "$d" "$TN_HTTP"
	tn_wait_cmd 20 "http server on $TN_HTTP" tn_listening "$TN_HTTP"
}

# tn_nginx_front PORT UPSTREAMPORT: nginx on 127.0.0.1:PORT with TLS for the
# front name (localhost); requests with Host: meek.test go to
# 127.0.0.1:UPSTREAMPORT, sent from 127.0.0.2 so that meek-server's peer
# address differs from the X-Forwarded-For value nginx adds (127.0.0.1):
# USERADDR 127.0.0.1 then proves the header was used. Any other Host: 404.
# With TN_NGINX_HTTP2 set, http2 on the TLS listener (the front picks h2
# when the client offers it).
tn_nginx_front() {
	local d=$TN_DIR/nginx user='' h2=${TN_NGINX_HTTP2:+ http2}
	command -v nginx >/dev/null 2>&1 || tn_skip "nginx not installed"
	mkdir -p "$d/tmp"
	[ "$(id -u)" = 0 ] && user="user root;"
	cat >"$d/nginx.conf" <<EOF
# written by tests/e2e/testnet.sh
$user
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 256; }
http {
	log_format front '\$remote_addr sni=\$ssl_server_name host=\$host "\$request" \$status in=\$request_length out=\$bytes_sent';
	access_log $d/access.log front;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	ssl_certificate $TN_CERT;
	ssl_certificate_key $TN_KEY;
	upstream meek {
		server 127.0.0.1:$2;
		keepalive 8;
	}
	server {
		listen 127.0.0.1:$1 ssl$h2 default_server;
		server_name localhost;
		location / { return 404; }
	}
	server {
		listen 127.0.0.1:$1 ssl$h2;
		server_name meek.test;
		client_max_body_size 1m;
		client_body_buffer_size 128k;
		location / {
			proxy_pass http://meek;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_bind 127.0.0.2;
			proxy_buffering off;
			proxy_read_timeout 60s;
		}
	}
}
EOF
	tn_spawn nginx nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" \
	    -g "daemon off;"
	tn_wait_cmd 20 "nginx on $1" tn_listening "$1"
	tn_adopt
}

# ---- checks ---------------------------------------------------------------------

# tn_fetch URL OUT [SECONDS]: curl through the client's SocksPort, for at
# most SECONDS (default 90) and never much past the test's budget.
tn_fetch() {
	local secs=${3:-90} left
	left=$(( ($(tn_deadline "$secs") - $(date +%s%N)) / 1000000000 ))
	[ "$left" -ge 10 ] || left=10
	curl -sS --fail --socks5-hostname "127.0.0.1:$TN_SOCKS" \
	    --max-time "$left" -o "$2" "$1"
}

# tn_check_loopback: every TCP and UDP socket held by a process we started
# (tor, the transports tor spawned, nginx, the HTTP server) is bound to and
# connected with 127.0.0.0/8 only. Prints the count of sockets checked.
tn_check_loopback() {
	local e pid pids='' bad
	tn_adopt_spawned
	tn_adopt
	for e in "${TN_PIDS[@]}"; do
		pid=${e#*:}; pid=${pid%%:*}
		tn_is_ours "$pid" "${e##*:}" && pids="$pids $pid"
	done
	bad=$(ss -HtuanpO 2>/dev/null | awk -v pids="$pids" '
		BEGIN { n = split(pids, p, " "); for (i = 1; i <= n; i++) want[p[i]] = 1 }
		function host(a) {
			sub(/:[^:]*$/, "", a)          # port
			gsub(/[][]/, "", a)            # [v6]
			sub(/%.*$/, "", a)             # zone or %lo device
			sub(/^::ffff:/, "", a)         # v4-mapped
			return a
		}
		function loop(a) { return a ~ /^127\./ }
		{
			mine = 0
			s = $0
			while (match(s, /"[^"]*",pid=[0-9]+/)) {
				u = substr(s, RSTART + 1, RLENGTH - 1)
				s = substr(s, RSTART + RLENGTH)
				split(u, f, "\",pid=")
				if (f[2] in want) { mine = 1; who[f[1]]++ }
			}
			if (!mine) next
			checked++
			l = host($5); r = host($6)
			if (!loop(l) || !(loop(r) || r == "*" || r == "0.0.0.0" || r == "::"))
				print "  " $0
		}
		END {
			printf "checked %d", checked + 0 > "/dev/stderr"
			sep = " ("
			for (w in who) { printf "%s%s %d", sep, w, who[w] > "/dev/stderr"; sep = ", " }
			if (sep == ", ") printf ")" > "/dev/stderr"
			printf "\n" > "/dev/stderr"
		}' 2>"$TN_DIR/loopback.count")
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad" >&2
		tn_fail "sockets outside 127.0.0.0/8 (above)"
	fi
	TN_LOOPBACK_CHECKED=$(awk '{ print $2 }' "$TN_DIR/loopback.count")
	[ "${TN_LOOPBACK_CHECKED:-0}" -gt 0 ] ||
	    tn_fail "loopback check found none of our sockets (ss -p not working?)"
	tn_say "loopback check: $TN_LOOPBACK_CHECKED sockets, all on 127.0.0.0/8$(cut -d' ' -f3- "$TN_DIR/loopback.count" | sed 's/^./ &/')"
}
