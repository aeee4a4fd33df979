# Helpers for the protocol extension tests (tests/ext, sourced after
# tests/integration/lib.sh, bash).
#
# The ORPort end is meek-test-echo --source and the SOCKS end
# meek-test-socks --down (tests/tools/tststream.h): each session sends a
# header and U bytes, gets D bytes of a known stream, both ends check every
# byte in place, and the echo's record holds, per session (by seed), the
# SHA-256 of what it read and sent, to be matched with the SOCKS side's.
#
# Timing: the only timed assertions are the ones the issue asks for (the
# 1 s ends); they and the generous waits are multiplied by TIME_FACTOR:
# MEEK_TIME_FACTOR when set, else 10 in a ThreadSanitizer build, 4 in
# another sanitizer build, 1 otherwise.
#
# Sizes: the issue's (64 MiB down, 16 MiB up per session...) unless
# MEEK_EXT_SCALE=N divides them (a slow sanitizer run may use it).
MEEK_RELAY=${MEEK_RELAY:-$MEEK_BUILDDIR/tests/tools/meek-test-relay}
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}

if [ -n "${MEEK_TIME_FACTOR:-}" ]; then
	TIME_FACTOR=$MEEK_TIME_FACTOR
elif grep -q 'fsanitize=[a-z,]*thread' "$MEEK_BUILDDIR/config.log" 2>/dev/null; then
	TIME_FACTOR=10
elif grep -q 'fsanitize' "$MEEK_BUILDDIR/config.log" 2>/dev/null; then
	TIME_FACTOR=4
else
	TIME_FACTOR=1
fi
SCALE=${MEEK_EXT_SCALE:-1}

# mib N: N MiB divided by SCALE, in bytes.
mib() {
	echo $(($1 * 1048576 / SCALE))
}

# secs N: N seconds times TIME_FACTOR.
secs() {
	echo $(($1 * TIME_FACTOR))
}

# flow NAME SOCKSADDR ARGS...: one meek-test-socks --down run (ARGS give
# --bytes, --down, --sessions...), bounded by its own --timeout (pass one)
# plus a margin; its lines go to $TMPD/NAME.log and are shown indented.
# Returns its status.
flow() {
	local name=$1 addr=$2 rc
	shift 2
	timeout $(( $(secs 600) + 120 )) "$MEEK_SOCKS" --socks "$addr" "$@" \
	    >"$TMPD/$name.log" 2>&1
	rc=$?
	sed "s/^/   [$name] /" "$TMPD/$name.log"
	# The tool's own sanitizer reports (lib.sh's cleanup only reads
	# *.err files).
	if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' \
	    "$TMPD/$name.log"; then
		echo "   [$name] sanitizer report in meek-test-socks"
		rc=1
	fi
	return $rc
}

# flow_bg NAME SOCKSADDR ARGS...: flow in the background; flow_wait NAME
# then gives its status.
flow_bg() {
	local name=$1
	flow "$@" >"$TMPD/$name.show" 2>&1 &
	printf -v "flow_${name}_PID" '%s' "$!"
}
flow_wait() {
	local pidvar="flow_${1}_PID" rc
	wait "${!pidvar}"
	rc=$?
	cat "$TMPD/$1.show"
	return $rc
}

# seeds NAME: the seeds of the sessions in meek-test-socks log NAME.
seeds() {
	sed -n 's/^session [0-9]*: [A-Z]*.* seed=\([0-9a-f]*\) .*/\1/p' \
	    "$TMPD/$1.log"
}

# field LINE KEY: the value of KEY=value in LINE.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

# wait_rec REC REGEX [SECS]: waits until the echo record has a line
# matching REGEX; prints it.
wait_rec() {
	local rec=$1 re=$2 s=${3:-$(secs 60)} i line
	for i in $(seq $((s * 10))); do
		line=$(grep -E -m1 -- "$re" "$rec" 2>/dev/null)
		if [ -n "$line" ]; then
			printf '%s\n' "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# match NAME REC: every session of meek-test-socks log NAME is OK and its
# counts and SHA-256 both ways equal what the ORPort end (record REC) read
# and sent.  Prints one line per session.
match() {
	local name=$1 rec=$2 line seed e up down upsha downsha rc=0 n=0
	while IFS= read -r line; do
		case "$line" in session\ *) ;; *) continue ;; esac
		n=$((n + 1))
		seed=$(field "$line" seed)
		case "$line" in
		*": OK "*) ;;
		*) echo "   $name: not OK: $line"; rc=1; continue ;;
		esac
		e=$(wait_rec "$rec" "^DONE [0-9]+ seed=$seed ") || {
			echo "   $name: seed $seed: the ORPort end never got every byte"
			rc=1
			continue
		}
		up=$(field "$line" up)
		down=$(field "$line" down)
		upsha=$(field "$line" upsha)
		downsha=$(field "$line" downsha)
		if [ "${up%/*}" = "$(field "$e" up)" ] && [ "${up#*/}" = "${up%/*}" ] \
		    && [ "$upsha" = "$(field "$e" upsha)" ] \
		    && [ "$(field "$e" upbad)" = - ] \
		    && [ "${down%/*}" = "$(field "$e" down)" ] \
		    && [ "${down#*/}" = "${down%/*}" ] \
		    && [ "$downsha" = "$(field "$e" downsha)" ]; then
			echo "   $name: seed $seed: up ${up%/*} sha256 ${upsha:0:16}..., down ${down%/*} sha256 ${downsha:0:16}...: same at both ends"
		else
			echo "   $name: seed $seed: MISMATCH"
			echo "     socks: $line"
			echo "     echo:  $e"
			rc=1
		fi
	done <"$TMPD/$name.log"
	[ "$n" -gt 0 ] || { echo "   $name: no session lines"; rc=1; }
	return $rc
}

# modes LOG: the "session <sid>: mode X" lines of a meek-client log, as
# "<sid> X" lines in order.
modes() {
	sed -n 's/.*session \([^ :]*\): mode \([a-z]*\)$/\1 \2/p' "$1"
}

# count_mode LOG MODE: how many sessions of LOG ran in MODE.
count_mode() {
	modes "$1" | awk -v m="$2" '$2 == m' | wc -l
}

# mode_only LOG MODE N: LOG has exactly N session mode lines, all MODE, and
# no fallback.
mode_only() {
	local log=$1 mode=$2 n=$3 all fb
	all=$(modes "$log" | wc -l)
	fb=$(grep -c 'falling back' "$log")
	[ "$all" = "$n" ] && [ "$(count_mode "$log" "$mode")" = "$n" ] \
	    && [ "$fb" = 0 ] && return 0
	echo "   $log: $all mode lines ($(modes "$log" | awk '{print $2}' | tr '\n' ' ')), $fb fallback line(s); wanted $n x $mode"
	return 1
}

# classic_only LOG N: meek-server's debug log LOG shows N new sessions and
# no extension session among them.
classic_only() {
	local n x
	n=$(grep -c 'session .*: new' "$1")
	x=$(grep -c 'extension 1, modes' "$1")
	[ "$n" = "$2" ] && [ "$x" = 0 ] && return 0
	echo "   $1: $n new sessions ($2 wanted), $x with the extension"
	return 1
}

# start_source NAME: meek-test-echo --source with record $TMPD/NAME.rec.
start_source() {
	start_bg "$1" "$MEEK_ECHO" --listen 127.0.0.1:0 --source \
	    --record "$TMPD/$1.rec"
}

# start_server NAME ARGS...: meek-server over TLS (the test PKI's RSA
# certificate) to the ORPort end $orport_ADDR, debug log $TMPD/NAME.log,
# with ARGS added; sets NAME_ADDR and NAME_PORT.
start_server() {
	local name=$1
	shift
	start_bg "$name" "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$orport_ADDR" \
	    --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" --log-level debug \
	    --log "$TMPD/$name.log" "$@"
}

# pt_client NAME TRANSPORT CMD...: starts CMD as tor starts a managed
# client transport (TOR_PT_* for TRANSPORT, a state dir, stdin held open,
# the test CA in SSL_CERT_FILE for Go peers) and waits for its CMETHOD;
# sets NAME_SOCKS to the SOCKS address.
pt_client() {
	local name=$1 transport=$2 line
	shift 2
	mkdir -p "$TMPD/$name.state"
	STDIN_OPEN=1 spawn "$name" env TOR_PT_MANAGED_TRANSPORT_VER=1 \
	    TOR_PT_CLIENT_TRANSPORTS="$transport" \
	    TOR_PT_STATE_LOCATION="$TMPD/$name.state" \
	    TOR_PT_EXIT_ON_STDIN_CLOSE=0 \
	    SSL_CERT_FILE="$PKI/ca.pem" SSL_CERT_DIR=/nonexistent "$@"
	line=$(wait_line "$name" "^CMETHOD $transport socks5 ") ||
	    die "$name gave no $transport CMETHOD"
	printf -v "${name}_SOCKS" '%s' "${line##* }"
	wait_line "$name" '^CMETHODS DONE' 30 >/dev/null || die "$name: no CMETHODS DONE"
}

# flow_checked NAME WHAT SOCKSADDR LOG FLOW_ARGS...: a flow (FLOW_ARGS give
# --bytes, --down, --sessions...; a --timeout is added), reported as "WHAT:
# sessions complete" with its time (on failure the last lines of LOG, a
# peer's own log), then its sessions matched byte for byte against the
# echo record $TMPD/orport.rec.
flow_checked() {
	local name=$1 what=$2 addr=$3 plog=$4 t0
	shift 4
	t0=$(date +%s.%N)
	if flow "$name" "$addr" "$@" --timeout "$(secs 300)"; then
		ok "$what: sessions complete ($(elapsed "$t0") s)"
	else
		fail "$what: sessions"
		[ -f "$plog" ] && tail -n 20 "$plog"
	fi
	check "$what: SHA-256 both ways equal at the SOCKS and ORPort ends" \
	    match "$name" "$TMPD/orport.rec"
}

# elapsed T0: seconds since T0 (date +%s.%N).
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# run_modes PATH CLIENT_ARGS...: the issue's first test on one path.  Three
# meek-clients (--mode stream, --mode poll, auto; RUN_MODES lists others,
# e.g. "classic stream poll auto") with CLIENT_ARGS, each
# running RUN_SESSIONS (2) interleaved sessions of RUN_UP (16 MiB) up and
# RUN_DOWN (64 MiB) down at once against the one server behind the path
# (the echo record $TMPD/orport.rec): every byte intact at both ends
# (SHA-256 both ways), no stall, and each client's log shows the mode
# expected (auto: stream, or AUTO_MODE) for each session, with no fallback.
run_modes() {
	local path=$1 m t0 want modes=${RUN_MODES:-stream poll auto}
	shift
	for m in $modes; do
		start_bg "client_$m" "$MEEK_CLIENT" --listen 127.0.0.1:0 \
		    --mode "$m" "$@" --log "$TMPD/client_$m.log"
	done
	t0=$(date +%s.%N)
	for m in $modes; do
		local addrvar="client_${m}_ADDR"
		flow_bg "$m" "${!addrvar}" --bytes "${RUN_UP:-$(mib 16)}" \
		    --down "${RUN_DOWN:-$(mib 64)}" --sessions "${RUN_SESSIONS:-2}" \
		    --timeout "$(secs 600)"
	done
	for m in $modes; do
		if flow_wait "$m"; then
			ok "$path, --mode $m: ${RUN_SESSIONS:-2} interleaved sessions complete"
		else
			fail "$path, --mode $m: ${RUN_SESSIONS:-2} interleaved sessions"
		fi
	done
	log "   all clients ($modes) done in $(elapsed "$t0") s"
	for m in $modes; do
		check "$path, --mode $m: SHA-256 both ways equal at the SOCKS and ORPort ends" \
		    match "$m" "$TMPD/orport.rec"
		check "$path, --mode $m: no session stalled (downstream gaps under $(secs 15) s)" \
		    no_stall "$m" "$(secs 15)"
		want=$m
		[ "$m" = auto ] && want=${AUTO_MODE:-stream}
		check "$path, --mode $m: client log says 'mode $want' for each session, no fallback" \
		    mode_only "$TMPD/client_$m.log" "$want" "${RUN_SESSIONS:-2}"
	done
}

# no_stall NAME SECS: no session of meek-test-socks log NAME waited more
# than SECS between two downstream reads (a stalled session, e.g. a window
# that is never acknowledged, waits for the 50 s end of its stream).
no_stall() {
	local name=$1 lim=$2 line g rc=0
	while IFS= read -r line; do
		case "$line" in session\ *) ;; *) continue ;; esac
		g=$(field "$line" maxgap)
		if ! awk -v g="$g" -v l="$lim" 'BEGIN { exit !(g != "" && g < l) }'; then
			echo "   $name: seed $(field "$line" seed): waited ${g:-?} s for downstream bytes (limit $lim s)"
			rc=1
		fi
	done <"$TMPD/$name.log"
	return $rc
}
