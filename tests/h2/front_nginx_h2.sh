#!/usr/bin/env bash
# No tor runs here (tests/h2/tor_h2.sh runs tor through this front).
# meek-client over HTTP/2 through nginx (issue 19):
#   meek-client (Chrome's hello, ALPN h2, http/1.1) -> nginx front with
#     http2 on its TLS listener (contrib/nginx/front.conf's shape, SNI
#     localhost, Host meek.test) -> HTTP/1.1 -> meek-reflect --disable-tls
#     -> meek-server --disable-tls -> ORPort (meek-test-echo --source).
# Four meek-clients at once, --mode classic, stream, poll and auto, each
# with two interleaved sessions of 64 MiB down and 16 MiB up: every byte
# intact (SHA-256 both ways at both ends), the mode expected in each log,
# and each client's log names the HTTP/2 connection.  The front's access
# log: every request HTTP/2.0, and each extension session (its requests
# carry X-Meek-Ext) used one connection ($connection) for all of its
# requests, the upstream POSTs and the downloads together.
TEST_DIR=tests/h2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../reflector/rlib.sh"
. "$(dirname "$0")/../ext/xlib.sh"
reflect_chain

# nginx_front's server blocks, with http2 on the listener, and an access
# log of the protocol, the connection and the session of each request.
# keepalive_requests (nginx's cap of requests per HTTP/2 connection,
# 1000 by default; past it nginx sends GOAWAY) is raised so that a
# session's requests all fit one connection: a classic session of 64 MiB
# makes more than 1000 (tests/h2/faults_h2.sh tests the GOAWAYs).
nginx_start front "$NPORT" "
	upstream meek_reflector {
		server 127.0.0.1:$reflect_PORT;
		keepalive 32;
	}
	keepalive_requests 100000;
	$(tls_vhost "$NPORT" localhost "
		location / {
			return 404;
		}" "http2 default_server")
	$(tls_vhost "$NPORT" meek.test "client_max_body_size 1100k;
		$(nginx_loc meek_reflector "
			$FRONT_LOC
			proxy_set_header Host \$host;")" http2)" \
    '$server_protocol $connection $http_x_session_id $status "$http_x_meek_ext"'
ALOG=$front_DIR/logs/access.log

RUN_MODES="classic stream poll auto" run_modes "nginx h2 front" \
    --url "https://meek.test/" --front "localhost:$NPORT" --ca "$PKI/ca.pem" \
    --log-level info

for m in classic stream poll auto; do
	check "--mode $m: the client's log names the HTTP/2 connection to the front" \
	    grep -q "HTTP/2 connection to front localhost$" \
	    "$TMPD/client_$m.log"
done
check "meek-server accepted the extension for the 6 extension sessions" \
    [ "$(grep -c 'extension 1, modes' "$TMPD/server.log")" = 6 ]
check "meek-server saw 8 sessions" \
    [ "$(grep -c 'session .*: new' "$TMPD/server.log")" = 8 ]

# The access log: "PROTO CONN SID STATUS "EXT"".
reqs=$(wc -l <"$ALOG")
log "   front: $reqs requests; by protocol: $(awk '{print $1}' "$ALOG" |
    sort | uniq -c | tr -s ' \n' ' ')"
check "the front's log shows HTTP/2.0 requests only (and some)" \
    awk '$1 != "HTTP/2.0" { bad = 1 } END { exit bad || NR < 100 }' "$ALOG"
# A session's last download may end 400 (the session closed under it) or
# 499 (the client left it); no request fails at the front or behind it.
awk '$4 != 200 { print "   not 200: " $0 }' "$ALOG" | head -n 20
check "no request answered 5xx" \
    awk '$4 >= 500 { bad = 1 } END { exit bad }' "$ALOG"
# Per session: its connections, and whether it is an extension session.
awk '{ ext[$3] = ext[$3] || ($5 != "\"-\""); n[$3]++;
       if (!((($3) SUBSEP ($2)) in seen)) { seen[$3, $2] = 1; c[$3]++ } }
     END { for (s in n) printf "%s %s %d %d\n", s,
                 ext[s] ? "extension" : "classic", c[s], n[s] }' \
    "$ALOG" >"$TMPD/per_session"
sed 's/^\(....\)[^ ]* /   session \1...: /; s/$/ (connections, requests)/' \
    "$TMPD/per_session"
check "the log has 6 extension sessions and 2 classic ones" \
    [ "$(grep -c ' extension ' "$TMPD/per_session")" = 6 \
    -a "$(grep -c ' classic ' "$TMPD/per_session")" = 2 ]
check "each extension session used one connection for all its requests" \
    awk '$2 == "extension" && $3 != 1 { bad = 1 } END { exit bad }' \
    "$TMPD/per_session"
finish
