#!/bin/bash
# Every tor here is started by tests/e2e/testnet.sh with TestingTorNetwork 1 and a loopback DirAuthority.
# demo.sh: shows meek-c carrying Tor traffic, start to finish, on this machine
# only. Run it as `make demo` (after a build) or directly:
#   MEEK_BUILDDIR=/path/to/build tests/e2e/demo.sh
# It builds a private Tor network on 127.0.0.1 (authority, exit relay, bridge
# with meek-server behind an nginx front, client with meek-client), fetches a
# page and 10 MiB through it, prints timings, and stops everything it started.
# MEEK_DEMO_MIB=N changes the size of the big fetch; MEEK_E2E_KEEP=1 keeps
# the logs.

. "$(dirname "$0")/testnet.sh" || exit 99
set -u

TN_BUDGET=${MEEK_DEMO_BUDGET:-400}
MIB=${MEEK_DEMO_MIB:-10}
TN_QUIET_INIT=1
TN_NO_DEBUG_LOG=1   # 10 MiB through the bridge would write ~100 MB of debug log
tn_init demo

step=0
steps=7
say_step() {
	step=$((step + 1))
	printf '\n[%d/%d] %s\n' "$step" "$steps" "$*"
}
note() { printf '      %s\n' "$*"; }
secs() { # nanoseconds -> "12.3"
	printf '%d.%d' $(($1 / 1000000000)) $(($1 / 100000000 % 10))
}
now() { date +%s%N; }

# follow FILE ERE PREFIX: prints lines of FILE matching ERE not printed yet.
declare -A seen_lines
follow() {
	local n=${seen_lines[$1]:-0} total
	[ -f "$1" ] || return 0
	total=$(wc -l <"$1")
	if [ "$total" -gt "$n" ]; then
		tail -n +"$((n + 1))" "$1" | head -n "$((total - n))" |
		    grep -E -- "$2" | sed "s/^.*\] /      $3/"
		seen_lines[$1]=$total
	fi
}

# await SECS WHY TORS FILE ERE PREFIX CMD...: until CMD passes, shows
# FILE's new ERE lines (follow), fails when one of TORS (space-separated
# names) has exited, checks the transports, and gives up with WHY after
# SECS.
await() {
	local deadline why=$2 tors=$3 file=$4 ere=$5 prefix=$6 n
	deadline=$(tn_deadline "$1")
	shift 6
	until "$@"; do
		follow "$file" "$ere" "$prefix"
		for n in $tors; do tn_alive "$n" || tn_fail "$n exited"; done
		tn_check_transports
		[ "$(now)" -lt "$deadline" ] || tn_fail "$why"
		sleep 0.2
	done
}

cat <<EOF
meek-c demo: Tor traffic through meek, on 127.0.0.1 only.

  curl -> tor client -SOCKS-> meek-client =HTTPS=> nginx front -HTTP-> meek-server
       -Extended ORPort-> tor bridge -> relays -> exit -> web server

  meek-client wraps Tor's bytes in HTTPS POSTs. The TLS handshake names the
  front (SNI "localhost"); the HTTP Host header names the real destination
  (meek.test): that is domain fronting. nginx plays the CDN.
  Every tor here runs with TestingTorNetwork and a local directory authority:
  nothing contacts the public Tor network.
  Work directory: $TN_DIR
EOF

[ -x "$MEEK_SERVER" ] || tn_fail "no meek-server at $MEEK_SERVER: run make first"
[ -x "$MEEK_CLIENT" ] || tn_fail "no meek-client at $MEEK_CLIENT: run make first"
USE_NGINX=1
command -v nginx >/dev/null 2>&1 || USE_NGINX=0

say_step "Throwaway TLS certificates (openssl)"
tn_certs
note "CA $(openssl x509 -in "$TN_CA" -noout -subject | sed 's/^subject=//')"
note "server certificate for localhost, meek.test, 127.0.0.1"

say_step "Web server (python3 -m http.server)"
tn_ports TN_HTTP TN_PT TN_FRONT
mkdir -p "$TN_DIR/www"
printf 'Hello from a web server reached through Tor and meek-c.\n' >"$TN_DIR/www/hello.txt"
tn_http_server $((MIB * 1024 * 1024))
note "http://127.0.0.1:$TN_HTTP/ serves hello.txt and a $MIB MiB random file"

say_step "Private Tor network: directory authority, exit relay, bridge"
tn_authority
tn_exit "$TN_HTTP"
if [ $USE_NGINX = 1 ]; then
	tn_bridge \
	    "ServerTransportPlugin meek exec $MEEK_SERVER --disable-tls --log $TN_DIR/bridge/pt-meek-server.log" \
	    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"
else
	tn_bridge \
	    "ServerTransportPlugin meek exec $MEEK_SERVER --cert $TN_CERT --key $TN_KEY --log $TN_DIR/bridge/pt-meek-server.log" \
	    "ServerTransportListenAddr meek 127.0.0.1:$TN_PT"
fi
T0=$(now)
tn_start auth
tn_start exit
tn_start bridge
tn_wait_log "$TN_DIR/bridge/notice.log" "Registered server transport 'meek'" 60 \
    "bridge registered meek" bridge
note "bridge's tor launched meek-server on 127.0.0.1:$TN_PT"
if [ $USE_NGINX = 1 ]; then
	tn_nginx_front "$TN_FRONT" "$TN_PT"
	note "nginx front on 127.0.0.1:$TN_FRONT: TLS for localhost, Host meek.test -> meek-server"
	URL="https://meek.test/"
	FRONT="localhost:$TN_FRONT"
else
	note "(nginx not installed: meek-server does TLS itself, no front)"
	URL="https://localhost:$TN_PT/"
	FRONT=
fi
note "waiting for the authority's first consensus (votes every few seconds)..."
net_ready() { # the same conditions as tn_wait_network
	grep -q 'current consensus contains exit nodes' "$TN_DIR/bridge/notice.log" &&
	    grep -Eq "$TN_ENOUGH_DIRINFO" "$TN_DIR/bridge/notice.log" &&
	    grep -Eq "$TN_HAS_CONSENSUS" "$TN_DIR/exit/notice.log"
} 2>/dev/null
await 150 "no consensus with exits" "auth exit bridge" \
    "$TN_DIR/bridge/notice.log" 'Bootstrapped|current consensus' "bridge: " \
    net_ready
follow "$TN_DIR/bridge/notice.log" 'Bootstrapped|consensus' "bridge: "
T_NET=$(($(now) - T0))
note "network ready after $(secs $T_NET) s"

say_step "Tor client through meek-client"
FP=$(tn_bridge_fp)
tn_client \
    "Bridge meek 127.0.0.1:2 $FP url=$URL${FRONT:+ front=$FRONT}" \
    "ClientTransportPlugin meek exec $MEEK_CLIENT --log $TN_DIR/client/pt-meek-client.log --ca $TN_CA"
note "Bridge meek 127.0.0.1:2 ${FP:0:8}... url=$URL${FRONT:+ front=$FRONT}"
T0=$(now)
tn_start client
client_ready() {
	grep -q 'Bootstrapped 100%' "$TN_DIR/client/notice.log" 2>/dev/null
}
await 120 "client did not bootstrap" client \
    "$TN_DIR/client/notice.log" 'Bootstrapped' "client: " client_ready
follow "$TN_DIR/client/notice.log" 'Bootstrapped' "client: "
T_BOOT=$(($(now) - T0))
note "bootstrapped in $(secs $T_BOOT) s"

say_step "A page through Tor"
note "curl --socks5-hostname 127.0.0.1:$TN_SOCKS http://127.0.0.1:$TN_HTTP/hello.txt"
tn_fetch "http://127.0.0.1:$TN_HTTP/hello.txt" "$TN_DIR/hello.txt" 60 ||
    tn_fail "fetch failed"
sed 's/^/      > /' "$TN_DIR/hello.txt"

say_step "$MIB MiB through Tor"
T0=$(now)
tn_spawn curl curl -sS --fail --socks5-hostname "127.0.0.1:$TN_SOCKS" --max-time 240 \
    -o "$TN_DIR/big.bin" "http://127.0.0.1:$TN_HTTP/$TN_PAGE"
total=$((MIB * 1024 * 1024))
last=$T0
while tn_alive curl; do
	t=$(now)
	if [ $((t - last)) -ge 2000000000 ]; then
		got=$(stat -c %s "$TN_DIR/big.bin" 2>/dev/null || echo 0)
		el=$(( (t - T0) / 1000000 ))
		[ $el -gt 0 ] || el=1
		awk -v g="$got" -v m="$MIB" -v ms="$el" 'BEGIN {
			printf "      %5.1f MiB of %d MiB  %6.2f MiB/s\n",
			    g / 1048576, m, g / 1048576 / (ms / 1000) }'
		last=$t
	fi
	sleep 0.2
done
wait "$(tn_pid curl)" || tn_fail "curl failed: $(cat "$TN_DIR/curl.out")"
T_BIG=$(($(now) - T0))
GOT=$(sha256sum <"$TN_DIR/big.bin" | awk '{ print $1 }')
[ "$GOT" = "$TN_PAGE_SHA" ] || tn_fail "the $MIB MiB file arrived damaged"
MS=$((T_BIG / 1000000))
[ $MS -gt 0 ] || MS=1
RATE=$(awk -v b=$total -v ms=$MS 'BEGIN { printf "%.2f", b / 1048576 / (ms / 1000) }')
note "$MIB MiB in $(secs $T_BIG) s ($RATE MiB/s), sha256 matches"

say_step "Checks"
tn_check_loopback | sed 's/^\[[^]]*\] /      /'
if [ $USE_NGINX = 1 ]; then
	read -r NREQ IN OUT < <(awk '/host=meek.test "POST/ {
		n++; sub("in=", "", $(NF-1)); sub("out=", "", $NF); i += $(NF-1); o += $NF }
		END { printf "%d %.1f %.1f\n", n, i / 1048576, o / 1048576 }' "$TN_DIR/nginx/access.log")
	note "the front saw $NREQ meek POSTs (SNI localhost, Host meek.test): $IN MiB up, $OUT MiB down"
fi

printf '\nSummary\n'
printf '  %-42s %6s s\n' "private network ready (first consensus)" "$(secs $T_NET)" \
    "client bootstrap through meek" "$(secs $T_BOOT)"
printf '  %-42s %6s s  (%s MiB/s)\n' "$MIB MiB through Tor over meek" "$(secs $T_BIG)" "$RATE"
printf '\nStopping everything this demo started (by PID)...'
TN_DONE_MSG=" done."
exit 0
