#!/usr/bin/env bash
# No tor runs here.
# meek-client over HTTP/2 (issue 19) against a faulty front: meek-client
# (Chrome's hello, ALPN h2) -> tests/h2/h2front.py (TLS, ALPN h2 only, the
# h2 library; forwards each stream as an HTTP/1.1 request) -> meek-server
# --disable-tls -> ORPort (meek-test-echo --source).  One front per client,
# so that each front's log counts one session's faults.
#  (a) GOAWAY then a TCP reset (SO_LINGER 0) at least KILLS (20) times
#      during a session of 32 MiB each way, --mode stream and --mode poll:
#      once after a number of response bytes (the reset right after the
#      GOAWAY, streams cut), once after a number of requests (the reset
#      when the covered streams end, or after 2 s).  Every byte intact,
#      nothing lost or duplicated (SHA-256 both ways), no stall.
#  (b) RST_STREAM (INTERNAL_ERROR and CANCEL in turn) in the middle of a
#      response, on every 5th stream, and on the first 8 downloads (op=stream
#      or op=poll responses): extension sessions (stream, poll) stay
#      intact.  A classic session (--mode classic) whose 10th stream is
#      reset: the classic policy (src/client/httpc.c) gives up rather
#      than resend, so the session either ends cleanly (its SOCKS
#      connection closed, what arrived a prefix at both ends, a "session
#      ...: ended:" warning) or, had the reset cut nothing, completes
#      intact; never a hang.  A second classic session then completes.
#      Each client classes the resets "stream-reset", never blocking.
#  (c) SETTINGS_INITIAL_WINDOW_SIZE 1024 and DATA frames of 1024 bytes at
#      most from the front: 8 MiB up and 8 MiB down intact, stream and poll,
#      and the front's h2 library saw no flow-control or protocol error.
#  (d) GOAWAY whose last_stream_id leaves out the request just received
#      (never forwarded: RFC 9113 6.8), then the reset once the rest ends:
#      the client must send it again on a new connection, in every mode,
#      classic included (the body never reached meek-server: the policy's
#      first case), 8 MiB each way intact.
# Needs python3 with the h2 module (Debian: python3-h2) and openssl.
TEST_DIR=tests/h2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../ext/xlib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"

# A python3 that has h2 (Debian's python3-h2 goes to /usr/bin/python3,
# which may not be the python3 first in PATH).
PY=
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1 &&
	    "$p" -c 'import h2.connection, hyperframe.frame' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	if is_ci; then
		echo "FAIL - python3 with the h2 module (python3-h2) missing under CI" >&2
		exit 1
	fi
	echo "SKIP - python3 with the h2 module (python3-h2) missing" >&2
	exit 77
fi
H2FRONT=$MEEK_SRCDIR/tests/h2/h2front.py
make_certs

KILLS=20
start_source orport
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$orport_ADDR" --log-level debug --log "$TMPD/server.log"

# front NAME ARGS...: an h2front.py to meek-server with the fault ARGS,
# its log in $TMPD/NAME.flog.
front() {
	local name=$1
	shift
	start_bg "$name" "$PY" "$H2FRONT" --listen 127.0.0.1:0 \
	    --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" --backend "$server_ADDR" \
	    --log "$TMPD/$name.flog" "$@"
}

# client NAME FRONT MODE: meek-client "client_NAME" in MODE through the
# front FRONT (url https://meek.test/, the front's name localhost), debug
# log $TMPD/client_NAME.log.
client() {
	local port="${2}_PORT"
	start_bg "client_$1" "$MEEK_CLIENT" --listen 127.0.0.1:0 --mode "$3" \
	    --hello chrome --url https://meek.test/ --front "localhost:${!port}" \
	    --ca "$PKI/ca.pem" --log-level debug --log "$TMPD/client_$1.log"
}

# nlines FILE REGEX: how many lines of FILE match REGEX (grep -E).
nlines() {
	grep -c -E -- "$2" "$1" 2>/dev/null || true
}

# settled NAME: waits until the ORPort end has every byte of each session
# of flow NAME (meek-test-socks ends once its last byte is in meek-client's
# hands, the upload may still be under way): the fronts' counts are then
# those of the whole transfer.
settled() {
	local s
	for s in $(seeds "$1"); do
		wait_rec "$TMPD/orport.rec" "^DONE [0-9]+ seed=$s " >/dev/null ||
		    return 0
	done
}

# front_sane NAME WHAT: the front's log shows HTTP/2 connections (ALPN h2)
# and no error (a protocol or flow-control error by the client, a
# Content-Length that is not the body's, a client without h2).
front_sane() {
	local f=$TMPD/$1.flog n e
	n=$(nlines "$f" '^CONN [0-9]+ open alpn=h2 ')
	e=$(nlines "$f" '^ERROR ')
	[ "$n" -ge 1 ] && [ "$e" = 0 ] && return 0
	echo "   $1: $n h2 connection(s), $e error line(s):"
	grep '^ERROR ' "$f" | head -n 5 | sed 's/^/     /'
	return 1
}

# show_client NAME: a few of the client's lines about the faults.
show_client() {
	local f=$TMPD/client_$1.log
	log "   client_$1: $(nlines "$f" 'resumed after') 'resumed after', $(nlines "$f" -i 'goaway') GOAWAY, $(nlines "$f" -i 'rst_stream|stream reset|reset') reset line(s); e.g.:"
	grep -i -E 'goaway|rst_stream|reset|resumed after|ended' "$f" |
	    head -n 4 | cut -c1-200 | sed 's/^/     /'
}

# ext_checks NAME MODE WHAT: the usual checks of one extension session
# (flow NAME, client_NAME, front_NAME).
ext_checks() {
	check "$3: SHA-256 both ways equal at the SOCKS and ORPort ends" \
	    match "$1" "$TMPD/orport.rec"
	check "$3: no stall (downstream gaps under $(secs 15) s)" \
	    no_stall "$1" "$(secs 15)"
	check "$3: client log says 'mode $2', no fallback" \
	    mode_only "$TMPD/client_$1.log" "$2" 1
	check "$3: the front saw HTTP/2 only and no client error" \
	    front_sane "front_$1"
	check "$3: the server never ended the session (no RESET frame)" \
	    eval "! grep -q 'ended by the server' '$TMPD/client_$1.log'"
}

# stream_reset_classed NAME WHAT: client NAME's log classes the front's
# RST_STREAMs as stream-reset (an HTTP/2 frame inside TLS: the front's
# word, never taken for blocking), and nothing there looks like blocking.
stream_reset_classed() {
	local f=$TMPD/client_$1.log
	check "$2: the client classed the resets 'stream-reset' ($(nlines "$f" 'failed \(stream-reset')), never 'looks like blocking'" \
	    eval "grep -q 'failed (stream-reset' '$f' && ! grep -q 'looks like blocking' '$f'"
}

# --- (a) GOAWAY and TCP resets, 32 MiB each way -------------------------
SIZE=$(mib 32)
# Each connection is killed after KB response bytes: the 32 MiB down need
# more than SIZE / KB connections.
KB=$((SIZE / (KILLS + 10)))
# Each connection gets a GOAWAY after GN requests: uploads go in bodies of
# 64 KiB at most (meek-client's default), so SIZE / 64 KiB requests or more.
GN=$((SIZE / 65536 / (KILLS + 10)))
[ "$GN" -ge 1 ] || GN=1
log "-- (a) $((SIZE / 1048576)) MiB each way; kill after $KB response bytes, GOAWAY after $GN requests"
for m in stream poll; do
	front "front_kill_$m" --kill-every-bytes "$KB"
	client "kill_$m" "front_kill_$m" "$m"
	front "front_goaway_$m" --goaway-every "$GN"
	client "goaway_$m" "front_goaway_$m" "$m"
done
t0=$(date +%s.%N)
for f in kill goaway; do
	for m in stream poll; do
		a="client_${f}_${m}_ADDR"
		flow_bg "${f}_$m" "${!a}" --bytes "$SIZE" --down "$SIZE" \
		    --timeout "$(secs 600)"
	done
done
for f in kill goaway; do
	for m in stream poll; do
		n=${f}_$m
		if flow_wait "$n"; then
			ok "(a) $f, --mode $m: the session survived, every byte intact"
		else
			fail "(a) $f, --mode $m: the session did not survive intact"
		fi
		settled "$n"
		fl=$TMPD/front_$n.flog
		k=$(nlines "$fl" '^KILL ')
		g=$(nlines "$fl" '^GOAWAY ')
		c=$(nlines "$fl" '^CONN [0-9]+ closed by the client.*after our GOAWAY')
		log "   front_$n: $(nlines "$fl" '^CONN [0-9]+ open') connections, $g GOAWAY, $k TCP resets, $c closed by the client after a GOAWAY, $(nlines "$fl" '^STREAM .* end=conn-closed') streams cut, $(nlines "$fl" '^REFUSED ') streams opened after a GOAWAY"
		if [ "$f" = kill ]; then
			check "(a) $f, --mode $m: the front sent GOAWAY then reset the connection $k times (>= $KILLS)" \
			    test "$k" -ge "$KILLS" -a "$g" -ge "$k"
		else
			# The reset comes once the streams end; a client that
			# closes the drained connection first may beat it.
			check "(a) $f, --mode $m: the front sent $g GOAWAYs, then reset ($k) or saw closed ($c) the connection (>= $KILLS)" \
			    test "$g" -ge "$KILLS" -a $((k + c)) -ge "$KILLS"
		fi
		ext_checks "$n" "$m" "(a) $f, --mode $m"
		show_client "$n"
	done
done
log "   (a) done in $(elapsed "$t0") s"

# --- (b) RST_STREAM mid-response --------------------------------------------
BSIZE=$(mib 8)
RSTDL=8
log "-- (b) RST_STREAM mid-response, $((BSIZE / 1048576)) MiB each way: on every 5th stream; on the first $RSTDL downloads"
for m in stream poll; do
	front "front_rst_$m" --rst-stream-every 5
	client "rst_$m" "front_rst_$m" "$m"
	front "front_rstdl_$m" --rst-stream-every 1 --rst-match "op=$m" \
	    --max-faults "$RSTDL"
	client "rstdl_$m" "front_rstdl_$m" "$m"
done
front front_rst_classic --rst-stream-every 10 --max-faults 1
client rst_classic front_rst_classic classic
t0=$(date +%s.%N)
for n in rst_stream rst_poll rstdl_stream rstdl_poll; do
	a="client_${n}_ADDR"
	flow_bg "$n" "${!a}" --bytes "$BSIZE" --down "$BSIZE" \
	    --timeout "$(secs 600)"
done
flow_bg rst_classic "$client_rst_classic_ADDR" --bytes "$(mib 2)" \
    --down "$(mib 2)" --allow-cut --timeout "$(secs 120)"
for n in rst_stream rst_poll rstdl_stream rstdl_poll; do
	m=${n#*_}
	case $n in
	rst_*) what="(b) every 5th stream, --mode $m" want=3 ;;
	*) what="(b) the first $RSTDL op=$m responses, --mode $m" want=$RSTDL ;;
	esac
	if flow_wait "$n"; then
		ok "$what: the session survived the resets, every byte intact"
	else
		fail "$what: the session did not survive the resets intact"
	fi
	settled "$n"
	fl=$TMPD/front_$n.flog
	r=$(nlines "$fl" '^RST ')
	log "   front_$n: $r RST_STREAM ($(nlines "$fl" '^RST .*INTERNAL_ERROR') INTERNAL_ERROR, $(nlines "$fl" '^RST .*CANCEL') CANCEL), $(nlines "$fl" '^RST .*after [1-9][0-9]* body bytes') after part of a body, $(nlines "$fl" "^RST .*op=(stream|poll)") on a download; $(nlines "$fl" '^CONN [0-9]+ open') connection(s)"
	check "$what: the front reset $r streams mid-response (>= $want)" \
	    [ "$r" -ge "$want" ]
	ext_checks "$n" "$m" "$what"
	stream_reset_classed "$n" "$what"
	show_client "$n"
done

flow_wait rst_classic
rc_ok=$?
cl=$(grep '^session 0:' "$TMPD/rst_classic.log")
seed=$(field "$cl" seed)
fl=$TMPD/front_rst_classic.flog
log "   front_rst_classic: $(grep '^RST ' "$fl" | cut -c1-120)"
check "(b) --mode classic: the front reset a stream mid-response" \
    grep -q '^RST ' "$fl"
sleep 1
case "$cl" in
*": CUT "*)
	check "(b) --mode classic: the session ended, its SOCKS connection closed, every byte it got was right" \
	    [ "$rc_ok" = 0 ]
	check "(b) --mode classic: the client logged why the session ended" \
	    grep -q -E 'session [^ ]*: ended: ' "$TMPD/client_rst_classic.log"
	grep -E 'session [^ ]*: ended: ' "$TMPD/client_rst_classic.log" |
	    head -n 2 | cut -c1-200 | sed 's/^/     /'
	stream_reset_classed rst_classic "(b) --mode classic"
	check "(b) --mode classic: every upstream byte that reached the ORPort was right (a prefix)" \
	    eval '[ -n "$seed" ] && ! grep -q "^BADUP [0-9]* seed=$seed " "$TMPD/orport.rec"'
	;;
*": OK "*)
	log "   the classic session completed: the reset must have cut nothing"
	check "(b) --mode classic: SHA-256 both ways equal at the SOCKS and ORPort ends" \
	    match rst_classic "$TMPD/orport.rec"
	;;
*)
	fail "(b) --mode classic: the session neither ended cleanly nor completed: ${cl:-no session line}"
	tail -n 15 "$TMPD/client_rst_classic.log"
	;;
esac
check "(b) --mode classic: client log says 'mode classic'" \
    eval '[ "$(count_mode "$TMPD/client_rst_classic.log" classic)" -ge 1 ]'
check "(b) --mode classic: the front saw HTTP/2 only and no client error" \
    front_sane front_rst_classic
# The front's one fault is spent: the same client carries a new session.
flow_checked rst_classic2 "(b) --mode classic, a second session after the reset" \
    "$client_rst_classic_ADDR" "$TMPD/client_rst_classic.log" \
    --bytes "$(mib 1)" --down "$(mib 1)"
log "   (b) done in $(elapsed "$t0") s"

# --- (c) tiny flow-control window, small DATA frames -------------------------
CSIZE=$(mib 8)
log "-- (c) SETTINGS_INITIAL_WINDOW_SIZE 1024, DATA frames <= 1024 bytes, $((CSIZE / 1048576)) MiB each way"
for m in stream poll; do
	front "front_win_$m" --initial-window 1024 --max-frame-size 1024
	client "win_$m" "front_win_$m" "$m"
done
t0=$(date +%s.%N)
for m in stream poll; do
	a="client_win_${m}_ADDR"
	flow_bg "win_$m" "${!a}" --bytes "$CSIZE" --down "$CSIZE" \
	    --timeout "$(secs 600)"
done
for m in stream poll; do
	if flow_wait "win_$m"; then
		ok "(c) --mode $m: the session completed, every byte intact"
	else
		fail "(c) --mode $m: the session did not complete intact"
	fi
	settled "win_$m"
	ext_checks "win_$m" "$m" "(c) --mode $m"
	fl=$TMPD/front_win_$m.flog
	up=$(awk '/^STREAM / { for (i = 1; i <= NF; i++) if ($i ~ /^up=/) s += substr($i, 4) } END { print s + 0 }' "$fl")
	check "(c) --mode $m: the front received at least $CSIZE request body bytes ($up)" \
	    [ "$up" -ge "$CSIZE" ]
	big=$(sed -n 's/^STREAM .* maxframe=\([0-9]*\) .*/\1/p' "$fl" |
	    sort -n | tail -n 1)
	check "(c) --mode $m: the front's DATA frames carried 1024 bytes at most (${big:-none})" \
	    test -n "$big" -a "${big:-0}" -le 1024 -a "${big:-0}" -gt 0
done
log "   (c) done in $(elapsed "$t0") s"

# --- (d) GOAWAY refusing streams ----------------------------------------------
DSIZE=$(mib 8)
DN=$((DSIZE / 65536 / 10))
[ "$DN" -ge 2 ] || DN=2
log "-- (d) GOAWAY after $DN requests, refusing the new ones, $((DSIZE / 1048576)) MiB each way"
for m in stream poll classic; do
	front "front_refuse_$m" --goaway-every "$DN" --goaway-refuse
	client "refuse_$m" "front_refuse_$m" "$m"
done
t0=$(date +%s.%N)
for m in stream poll classic; do
	a="client_refuse_${m}_ADDR"
	flow_bg "refuse_$m" "${!a}" --bytes "$DSIZE" --down "$DSIZE" \
	    --timeout "$(secs 600)"
done
for m in stream poll classic; do
	n=refuse_$m
	if flow_wait "$n"; then
		ok "(d) --mode $m: the session survived, every byte intact"
	else
		fail "(d) --mode $m: the session did not survive intact"
	fi
	settled "$n"
	fl=$TMPD/front_$n.flog
	g=$(nlines "$fl" '^GOAWAY ')
	r=$(nlines "$fl" '^REFUSED ')
	log "   front_$n: $g GOAWAY, $r streams refused (never forwarded), $(nlines "$fl" '^KILL ') TCP resets"
	check "(d) --mode $m: the front refused streams in $g GOAWAYs (>= 3)" \
	    test "$g" -ge 3 -a "$r" -ge "$g"
	check "(d) --mode $m: SHA-256 both ways equal at the SOCKS and ORPort ends" \
	    match "$n" "$TMPD/orport.rec"
	check "(d) --mode $m: the front saw HTTP/2 only and no client error" \
	    front_sane "front_$n"
	check "(d) --mode $m: client log says 'mode $m', no fallback" \
	    mode_only "$TMPD/client_$n.log" "$m" 1
	show_client "$n"
done
log "   (d) done in $(elapsed "$t0") s"

finish
