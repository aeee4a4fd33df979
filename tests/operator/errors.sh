#!/usr/bin/env bash
# Every error about a file or a socket names the path or the address and
# the system error: --log (all three programs), TOR_PT_STATE_LOCATION (client
# and server, ENV-ERROR to tor), a listen address already in use (all
# three), SSL_CERT_FILE and --ca that cannot be read (an error, not a
# fall-back to the system bundle; client, reflector, server's --fallback)
# and no bundle found (every path searched); and --check takes a whole torrc Bridge
# line and says what is wrong with a bad url=.  (--cert/--key, reload and
# --stats: tests/operator/cert_state.sh.)
. "$(dirname "$0")/../integration/lib.sh"
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}
require python3
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_REFLECT"

# says NAME REGEX CMD...: CMD fails and its output matches REGEX.
says() {
	local name=$1 re=$2 out rc
	shift 2
	out=$("$@" </dev/null 2>&1) && rc=0 || rc=$?
	if [ "$rc" != 0 ] && grep -Eq -- "$re" <<<"$out"; then
		ok "$name"
	else
		fail "$name (exit $rc): $(tail -n 2 <<<"$out")"
	fi
}

nolog=$TMPD/no-such-dir/x.log
says "meek-server --log: path and reason" "cannot open log file $nolog: No such file or directory" \
    "$MEEK_SERVER" --listen 127.0.0.1:0 --orport 127.0.0.1:9 --disable-tls --log "$nolog"
says "meek-client --log: path and reason" "cannot open log file $nolog: No such file or directory" \
    "$MEEK_CLIENT" --listen 127.0.0.1:0 --url http://127.0.0.1:9/ --log "$nolog"
says "meek-reflect --log: path and reason" "cannot open log file $nolog: No such file or directory" \
    "$MEEK_REFLECT" --listen 127.0.0.1:0 --url http://127.0.0.1:9/ --disable-tls --log "$nolog"

: >"$TMPD/a-file"
state=$TMPD/a-file/state
says "meek-client TOR_PT_STATE_LOCATION: ENV-ERROR with path and reason" \
    "^ENV-ERROR cannot create TOR_PT_STATE_LOCATION $state: Not a directory" \
    env TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_CLIENT_TRANSPORTS=meek \
    TOR_PT_STATE_LOCATION="$state" "$MEEK_CLIENT"
says "meek-server TOR_PT_STATE_LOCATION: ENV-ERROR with path and reason" \
    "^ENV-ERROR cannot create TOR_PT_STATE_LOCATION $state: Not a directory" \
    env TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_SERVER_TRANSPORTS=meek \
    TOR_PT_SERVER_BINDADDR=meek-127.0.0.1:0 TOR_PT_ORPORT=127.0.0.1:9 \
    TOR_PT_STATE_LOCATION="$state" "$MEEK_SERVER" --disable-tls

# A port something else holds (this test's own listener).
spawn holder python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("LISTEN 127.0.0.1:%d" % s.getsockname()[1], flush=True); time.sleep(300)'
held=$(wait_line holder '^LISTEN ') || die "no port holder"
held=${held#LISTEN }
says "meek-server --listen in use: the address and the reason" "$held: address already in use" \
    "$MEEK_SERVER" --listen "$held" --orport 127.0.0.1:9 --disable-tls
says "meek-client --listen in use: the address and the reason" "$held: address already in use" \
    "$MEEK_CLIENT" --listen "$held" --url http://127.0.0.1:9/
says "meek-reflect --listen in use: the address and the reason" "$held: address already in use" \
    "$MEEK_REFLECT" --listen "$held" --url http://127.0.0.1:9/ --disable-tls
stop holder

# Port 443 as an unprivileged user (what Debian's tor meets): the address
# and "permission denied".  Needs root to switch users, and a kernel that
# keeps ports below 1024 privileged.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
    [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 443 ]; then
	says "meek-server on 127.0.0.1:443 as nobody: the address and permission denied" \
	    "127\.0\.0\.1:443: permission denied" \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$MEEK_SERVER" --listen 127.0.0.1:443 --orport 127.0.0.1:9 --disable-tls
else
	log "not root, no setpriv or port 443 unprivileged here: the permission-denied case is not checked"
fi

says "SSL_CERT_FILE unreadable: an error naming it (no fall-back)" \
    "cannot load trust anchors from $TMPD/none.pem \(SSL_CERT_FILE\): .*No such file or directory" \
    env SSL_CERT_FILE="$TMPD/none.pem" "$MEEK_CLIENT" --listen 127.0.0.1:0 --url https://127.0.0.1:9/
says "--ca unreadable: an error naming it" \
    "cannot load trust anchors from $TMPD/none.pem \(--ca\): .*No such file or directory" \
    "$MEEK_CLIENT" --ca "$TMPD/none.pem" --listen 127.0.0.1:0 --url https://127.0.0.1:9/
# meek-reflect and meek-server's https --fallback: the same messages (one
# helper, src/shared/trust.c).
says "meek-reflect --ca unreadable: path, (--ca) and the reason" \
    "cannot load trust anchors from $TMPD/none.pem \(--ca\): cannot open file: No such file or directory" \
    "$MEEK_REFLECT" --listen 127.0.0.1:0 --url https://127.0.0.1:9/ --disable-tls --ca "$TMPD/none.pem"
says "meek-reflect SSL_CERT_FILE unreadable: path, (SSL_CERT_FILE) and the reason" \
    "cannot load trust anchors from $TMPD/none.pem \(SSL_CERT_FILE\): cannot open file: No such file or directory" \
    env SSL_CERT_FILE="$TMPD/none.pem" "$MEEK_REFLECT" --listen 127.0.0.1:0 --url https://127.0.0.1:9/ --disable-tls
says "meek-server --fallback, SSL_CERT_FILE unreadable: path, (SSL_CERT_FILE) and the reason" \
    "--fallback: cannot load trust anchors from $TMPD/none.pem \(SSL_CERT_FILE\): cannot open file: No such file or directory" \
    env SSL_CERT_FILE="$TMPD/none.pem" "$MEEK_SERVER" --listen 127.0.0.1:0 --orport 127.0.0.1:9 \
    --disable-tls --fallback https://127.0.0.1:9/

# No bundle anywhere: every path searched is named (a private mount
# namespace hides /etc/ssl and /etc/pki; needs root and unshare).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	nobundle() { # nobundle CMD...: CMD with no system CA bundle visible
		unshare -m sh -c 'for d in /etc/ssl /etc/pki; do
			[ -d "$d" ] && { mount -t tmpfs none "$d" || exit 99; }; done
			exec env -u SSL_CERT_FILE "$@"' nobundle "$@"
	}
	searched="searched /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem, /etc/ssl/certs/ca-bundle.crt, /etc/ssl/ca-bundle.pem, /etc/pki/tls/cacert.pem"
	says "meek-client, no bundle: every path searched" "no CA bundle found \($searched\): .*or pass --ca FILE" \
	    nobundle "$MEEK_CLIENT" --listen 127.0.0.1:0 --url https://127.0.0.1:9/
	says "meek-reflect, no bundle: every path searched" "no CA bundle found \($searched\): .*or pass --ca FILE" \
	    nobundle "$MEEK_REFLECT" --listen 127.0.0.1:0 --url https://127.0.0.1:9/ --disable-tls
	says "meek-server --fallback, no bundle: every path searched" "--fallback: no CA bundle found \($searched\)" \
	    nobundle "$MEEK_SERVER" --listen 127.0.0.1:0 --orport 127.0.0.1:9 --disable-tls \
	    --fallback https://127.0.0.1:9/
else
	log "not root or no unshare: the no-bundle-found cases are not checked"
fi

fp=0123456789ABCDEF0123456789ABCDEF01234567
says "--check: a whole Bridge line with a bad url= says what is wrong" \
    "bad arguments: URL scheme is not http or https" \
    "$MEEK_CLIENT" --check "Bridge meek_lite 127.0.0.1:1 $fp url=ftp://127.0.0.1:1/ front=127.0.0.1"
says "--check: a bad port in url= is named" "bad arguments: bad port in URL" \
    "$MEEK_CLIENT" --check "url=https://127.0.0.1:99999/ front=127.0.0.1"
# A whole Bridge line to a closed loopback port: parsed, then tried.
says "--check: a whole Bridge line is parsed and its pair tried" \
    "pair 1: url http://127\.0\.0\.1:1/ front 127\.0\.0\.1 port 1" \
    "$MEEK_CLIENT" --check "Bridge meek 127.0.0.2:2 $fp url=http://127.0.0.1:1/"
finish
