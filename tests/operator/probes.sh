#!/usr/bin/env bash
# Active probes under --fallback (issue 16, points 6 and 10): requests
# meek-server itself would refuse (a 70,000-byte POST, also a meek-looking
# one, plain and chunked, a head over 8 KiB,
# a gzip transfer coding, HTTP/2.0, 65 headers, a garbage head, a long
# target beside headers near 8 KiB), an absolute-form target and CONNECT
# get what the decoy (nginx) answers to the same bytes sent to it directly:
# status, headers but Date, body, and the close; a head cut short by a
# half-close gets no answer from either.  Only origin-form targets
# reach the decoy.  Without --fallback meek-server's own answers carry a
# Server and a Date header.  A meek session works beside the probes.
. "$(dirname "$0")/../integration/lib.sh"
. "$MEEK_SRCDIR/tests/reflector/rlib.sh"
. "$MEEK_SRCDIR/tests/operator/olib.sh"
require curl nginx python3
require_built "$MEEK_SERVER" "$MEEK_ECHO"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

site=$TMPD/site
mkdir -p "$site"
printf '<html><body>a small site</body></html>\n' >"$site/index.html"
# Two server blocks on one nginx: "direct" for the probes sent to it,
# "behind" for meek-server's --fallback (its own access log).
dport=$(free_port) || die "no free port"
bport=$(free_port) || die "no free port"
nginx_start decoy "$dport" "
	log_format req '\$request';
	server {
		listen 127.0.0.1:$dport;
		root $site;
		server_tokens off;
	}
	server {
		listen 127.0.0.1:$bport;
		root $site;
		server_tokens off;
		access_log $TMPD/behind.log req;
	}"
wait_port "$bport" decoy || die "nginx second port"

start_echo_server --disable-tls --fallback "http://127.0.0.1:$bport/"

# py DESC ARGS...: probes.py prints its own ok/FAIL lines.
py() {
	local desc=$1
	shift
	run_tally "$PY" "$MEEK_SRCDIR/tests/operator/probes.py" "$@" ||
	    fail "$desc: probes.py exited $?"
}

py compare compare "$dport" "$server_PORT"
check "the absolute-form target reached the decoy as a path" \
    grep -q '^GET /latest/meta-data/ HTTP/1.1$' "$TMPD/behind.log"
check "no absolute-form target reached the decoy" \
    eval '! grep -q "169\.254\.169\.254" "$TMPD/behind.log"'
# (port 22 itself: the decoy's own port may begin with 22)
check "CONNECT did not name host:22 to the decoy" \
    eval '! grep -qE "127\.0\.0\.1:22([^0-9]|$)" "$TMPD/behind.log"'
session_check "a meek session works beside the probes" \
    "http://127.0.0.1:$server_PORT/" probe-session-0001 5000
check "meek-server still runs" kill -0 "$server_PID"

start_bg own "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$echo_ADDR" --log "$TMPD/own.log"
py own own "$own_PORT"
check "without --fallback GET / is still the short page" \
    [ "$(curl -sS --max-time 60 "http://127.0.0.1:$own_PORT/")" = "I'm just a happy little web server." ]
finish
