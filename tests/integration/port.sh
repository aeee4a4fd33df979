# port.sh: free TCP ports on 127.0.0.1 for programs that cannot report the
# port they bound (nginx, tor, tinyproxy, dante, php).  Sourced (bash) by
# tests/integration/lib.sh and tests/e2e/testnet.sh.
#
# Tests run in parallel (make -jN check, and CI checks several build dirs at
# once), so a port must stay free between the pick and the program's bind:
# - it is drawn below the kernel's ephemeral range (ip_local_port_range),
#   which outgoing connections and binds to port 0 use: nothing but an
#   explicit bind can take it meanwhile;
# - it is reserved in a directory every test shares ($MEEK_PORT_DIR, a
#   subdirectory per port holding the reserving shell's PID): no two tests
#   pick the same one.  A reservation ends with its test (port_release at
#   exit; one whose PID is gone counts as free).

MEEK_PORT_DIR=${MEEK_PORT_DIR:-${TMPDIR:-/tmp}/meek-test-ports}

# port_in_use PORT: 0 when a TCP socket on this machine has PORT as its
# local port (listening, connected or in TIME_WAIT).
port_in_use() {
	if command -v ss >/dev/null 2>&1; then
		[ -n "$(ss -HtanO "( sport = :$1 )" 2>/dev/null)" ]
	else
		grep -qi ":$(printf '%04X' "$1") " /proc/net/tcp /proc/net/tcp6 2>/dev/null
	fi
}

# port_pick: prints a port from 10000 up to the ephemeral range that no
# socket uses, reserved for this test shell ($$).
port_pick() {
	local p tries=0 low=10000 top owner
	top=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ "${top:-0}" -gt 12000 ] 2>/dev/null || top=32768
	mkdir -p "$MEEK_PORT_DIR" 2>/dev/null && chmod 1777 "$MEEK_PORT_DIR" 2>/dev/null
	while [ $tries -lt 500 ]; do
		tries=$((tries + 1))
		p=$((low + (RANDOM * 32768 + RANDOM) % (top - low)))
		port_in_use "$p" && continue
		if ! mkdir "$MEEK_PORT_DIR/$p" 2>/dev/null; then
			# Reserved: free again once its test has ended (it is
			# retried on a later draw, never taken in this one, so
			# that two shells reclaiming it cannot both get it).
			owner=$(cat "$MEEK_PORT_DIR/$p/pid" 2>/dev/null)
			if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
				rm -rf "$MEEK_PORT_DIR/$p"
			fi
			continue
		fi
		echo $$ >"$MEEK_PORT_DIR/$p/pid"
		echo "$p"
		return 0
	done
	echo "port_pick: no free port found" >&2
	return 1
}

# port_release: ends this test shell's reservations (at exit).
port_release() {
	local d
	[ -d "$MEEK_PORT_DIR" ] || return 0
	for d in "$MEEK_PORT_DIR"/*/pid; do
		[ -f "$d" ] && [ "$(cat "$d" 2>/dev/null)" = $$ ] && rm -rf "${d%/pid}"
	done
	return 0
}
