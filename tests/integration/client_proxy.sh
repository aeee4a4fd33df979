#!/usr/bin/env bash
# meek-client through real upstream proxies: tinyproxy (HTTP CONNECT) and
# dante (SOCKS5), by --proxy and by TOR_PT_PROXY in managed mode; and fail
# closed: with the proxy down or unusable, no connection may go directly to
# the server.
. "$(dirname "$0")/lib.sh"
require tinyproxy danted openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

ECHO_REC=$TMPD/echo.rec start_echo_server --cert "$PKI/rsa.pem" \
    --key "$PKI/rsa.key"
URL="https://localhost:$server_PORT/"

# --- tinyproxy, foreground, own config; only CONNECT to meek-server's port.
TPORT=$(free_port) || die "no free port for tinyproxy"
{
	echo "Port $TPORT"
	echo "Listen 127.0.0.1"
	echo "Timeout 600"
	echo "MaxClients 100"
	echo "Allow 127.0.0.1"
	echo "ConnectPort $server_PORT"
	echo "LogLevel Info"
	echo "PidFile \"$TMPD/tinyproxy.pid\""
	echo "LogFile \"$TMPD/tinyproxy.log\""
	echo "DisableViaHeader Yes"
	if [ "$(id -u)" = 0 ]; then
		echo "User root"
		echo "Group root"
	fi
} >"$TMPD/tinyproxy.conf"
: >"$TMPD/tinyproxy.log"
spawn tinyproxy tinyproxy -d -c "$TMPD/tinyproxy.conf"
wait_port "$TPORT" tinyproxy || die "tinyproxy did not start"
log "tinyproxy listens on 127.0.0.1:$TPORT"

# --- dante, foreground, own config, no authentication.
DPORT=$(free_port) || die "no free port for danted"
{
	echo "logoutput: $TMPD/danted.log"
	echo "internal: 127.0.0.1 port = $DPORT"
	echo "external: 127.0.0.1"
	echo "clientmethod: none"
	echo "socksmethod: none"
	if [ "$(id -u)" = 0 ]; then
		echo "user.privileged: root"
		echo "user.unprivileged: root"
	fi
	printf 'client pass {\n\tfrom: 127.0.0.1/32 to: 0.0.0.0/0\n\tlog: connect disconnect error\n}\n'
	printf 'socks pass {\n\tfrom: 127.0.0.1/32 to: 0.0.0.0/0\n\tcommand: connect\n\tlog: connect disconnect error\n}\n'
} >"$TMPD/danted.conf"
spawn danted danted -f "$TMPD/danted.conf" -p "$TMPD/danted.pid" -N 1
wait_port "$DPORT" danted || die "danted did not start"
log "danted listens on 127.0.0.1:$DPORT"

n=0
# socks_run ADDR BYTES [args...]: 0 when meek-test-socks passed.
socks_run() {
	local addr=$1 bytes=$2
	shift 2
	n=$((n + 1))
	run_shown "$TMPD/socks.$n.log" 600 "$MEEK_SOCKS" --socks "$addr" \
	    --bytes "$bytes" --timeout "${SOCKS_TIMEOUT:-300}" "$@"
}

# via_proxy NAME PROXY DESC: meek-client NAME with --proxy PROXY; 2
# sessions x 2 MiB must come back intact through it.
via_proxy() {
	local addrvar="${1}_ADDR"
	start_bg "$1" "$MEEK_CLIENT" --listen 127.0.0.1:0 --url "$URL" \
	    --ca "$PKI/ca.pem" --proxy "$2" --log "$TMPD/$1.log"
	check "--proxy $3: 2 sessions x 2 MiB intact" \
	    socks_run "${!addrvar}" 2M --sessions 2
}

# --- HTTP CONNECT through tinyproxy (--proxy)
via_proxy client_http "http://127.0.0.1:$TPORT" http://tinyproxy
check "tinyproxy carried the CONNECTs to meek-server" \
    grep -q "Request (file descriptor [0-9]*): CONNECT localhost:$server_PORT HTTP/1.1" \
    "$TMPD/tinyproxy.log"

# --- SOCKS5 through dante (--proxy)
via_proxy client_socks "socks5://127.0.0.1:$DPORT" socks5://dante
check "dante passed connections to meek-server's port" \
    grep -q "pass([0-9]*): tcp/connect \[: .* -> .* 127\.0\.0\.1\.$server_PORT\$" "$TMPD/danted.log"

# --- managed mode: TOR_PT_PROXY
STDIN_OPEN=1 spawn managed env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_CLIENT_TRANSPORTS=meek TOR_PT_STATE_LOCATION="$TMPD/state" \
    TOR_PT_EXIT_ON_STDIN_CLOSE=1 TOR_PT_PROXY="http://127.0.0.1:$TPORT" \
    "$MEEK_CLIENT" --ca "$PKI/ca.pem" --log "$TMPD/managed.log"
line=$(wait_line managed '^CMETHOD meek socks[45] ') || die "managed meek-client gave no CMETHOD"
log "managed meek-client: $line"
check "managed: PROXY DONE printed before the CMETHOD" \
    eval '[ "$(grep -n -m1 "^PROXY DONE$" "$TMPD/managed.out" | cut -d: -f1)" -lt "$(grep -n -m1 "^CMETHOD " "$TMPD/managed.out" | cut -d: -f1)" ] 2>/dev/null'
before=$(grep -c 'CONNECT localhost:' "$TMPD/tinyproxy.log")
check "managed TOR_PT_PROXY=http://tinyproxy: 1 MiB intact" \
    socks_run "${line##* }" 1M --args "url=$URL"
check "managed: the traffic went through tinyproxy" \
    [ "$(grep -c 'CONNECT localhost:' "$TMPD/tinyproxy.log")" -gt "$before" ]
stop managed

STDIN_OPEN=1 spawn badproxy env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_CLIENT_TRANSPORTS=meek TOR_PT_STATE_LOCATION="$TMPD/state2" \
    TOR_PT_EXIT_ON_STDIN_CLOSE=1 TOR_PT_PROXY="ftp://127.0.0.1:$TPORT" \
    "$MEEK_CLIENT" --ca "$PKI/ca.pem" --log "$TMPD/badproxy.log"
check "managed: an unsupported TOR_PT_PROXY scheme gives PROXY-ERROR" \
    wait_line badproxy '^PROXY-ERROR ' 30
check "managed: no CMETHOD after PROXY-ERROR" \
    eval '! grep -q "^CMETHOD " "$TMPD/badproxy.out"'

# --- fail closed: the "server" is a recorder, so that any TCP connection
# that reaches it, direct or not, shows up.  The four cases share nothing
# but the recorder and each waits for its meek-client to give up (about
# 20 s), so they run side by side.
start_bg target "$MEEK_ECHO" --listen 127.0.0.1:0 --sink \
    --record "$TMPD/target.rec"
DEAD=$(free_port) || die "no free port"
for kind in http socks5; do
	start_bg "dead_$kind" "$MEEK_CLIENT" --listen 127.0.0.1:0 \
	    --url "https://localhost:$target_PORT/" --ca "$PKI/ca.pem" \
	    --proxy "$kind://127.0.0.1:$DEAD" --log "$TMPD/dead_$kind.log"
done
# tinyproxy refuses CONNECT to ports other than meek-server's: the client
# must not then go around it.
start_bg refused "$MEEK_CLIENT" --listen 127.0.0.1:0 \
    --url "https://localhost:$target_PORT/" --ca "$PKI/ca.pem" \
    --proxy "http://127.0.0.1:$TPORT" --log "$TMPD/refused.log"
# Managed mode with the proxy down.
STDIN_OPEN=1 spawn managed_dead env TOR_PT_MANAGED_TRANSPORT_VER=1 \
    TOR_PT_CLIENT_TRANSPORTS=meek TOR_PT_STATE_LOCATION="$TMPD/state3" \
    TOR_PT_EXIT_ON_STDIN_CLOSE=1 TOR_PT_PROXY="socks5://127.0.0.1:$DEAD" \
    "$MEEK_CLIENT" --ca "$PKI/ca.pem" --log "$TMPD/managed_dead.log"
line=$(wait_line managed_dead '^CMETHOD meek socks[45] ') || die "managed meek-client gave no CMETHOD"
# closed DESC ADDR [args...]: a SOCKS session that must not get its
# data through, in the background; closed_wait reports them in order.
CLOSED=()
closed() {
	local desc=$1 c
	shift
	# socks_run numbers its log $n + 1 in the subshell: one step here
	# per case keeps the numbers distinct.
	n=$((n + 1)); c=$n
	SOCKS_TIMEOUT=30 socks_run "$@" >"$TMPD/closed.$c.out" 2>&1 &
	CLOSED+=("$!:$c:$desc")
}
closed_wait() {
	local e pid c desc
	for e in "${CLOSED[@]}"; do
		pid=${e%%:*}; c=${e#*:}; desc=${c#*:}; c=${c%%:*}
		wait "$pid"
		local rc=$?
		cat "$TMPD/closed.$c.out"
		if [ "$rc" = 0 ]; then
			fail "$desc: data must not get through"
		else
			ok "$desc: no data through"
		fi
	done
}
closed "--proxy http:// to a dead port" "$dead_http_ADDR" 1000
closed "--proxy socks5:// to a dead port" "$dead_socks5_ADDR" 1000
closed "proxy refusing the CONNECT" "$refused_ADDR" 1000
closed "managed TOR_PT_PROXY to a dead port" "${line##* }" 1000 \
    --args "url=https://localhost:$target_PORT/"
closed_wait
sleep 2
check "fail closed: nothing ever connected to the server directly" \
    eval '! grep -q "^CONNECT" "$TMPD/target.rec" 2>/dev/null'

finish
