#!/usr/bin/env bash
# SIGHUP reloads --cert/--key: openssl s_client sees the new certificate's
# serial while a meek session over TLS keeps moving bytes before, during
# and after the reload; a broken certificate on SIGHUP keeps the old one.
. "$(dirname "$0")/../integration/lib.sh"
. "$MEEK_SRCDIR/tests/operator/olib.sh"
require curl openssl
require_built "$MEEK_SERVER" "$MEEK_ECHO"
make_certs

cp "$PKI/rsa.pem" "$TMPD/cert.pem"
cp "$PKI/rsa.key" "$TMPD/key.pem"
start_echo_server --cert "$TMPD/cert.pem" --key "$TMPD/key.pem"
BASE="https://127.0.0.1:$server_PORT/"

serial() {
	openssl s_client -connect "127.0.0.1:$server_PORT" \
	    -servername localhost </dev/null 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null
}
want_old=$(openssl x509 -noout -serial -in "$PKI/rsa.pem")
want_new=$(openssl x509 -noout -serial -in "$PKI/ec.pem")
check "before: s_client sees the first serial ($want_old)" \
    [ "$(serial)" = "$want_old" ]

# A live session moving bytes in the background all along.
: >"$TMPD/live.count"
(
	for i in $(seq 30); do
		head -c 2000 /dev/urandom >"$TMPD/live.in"
		meek_roundtrip "$BASE" live-session-000001 "$TMPD/live.in" \
		    "$TMPD/live.out" --cacert "$PKI/ca.pem" || exit 1
		echo "$i" >>"$TMPD/live.count"
	done
) &
live=$!
for i in $(seq 300); do
	[ "$(wc -l <"$TMPD/live.count" 2>/dev/null || echo 0)" -ge 5 ] && break
	sleep 0.1
done

cp "$PKI/ec.pem" "$TMPD/cert.pem.new"
cp "$PKI/ec.key" "$TMPD/key.pem.new"
mv "$TMPD/key.pem.new" "$TMPD/key.pem"
mv "$TMPD/cert.pem.new" "$TMPD/cert.pem"
kill -HUP "$server_PID"
check "SIGHUP reload logged" \
    wait_grep "$TMPD/server.log" 'SIGHUP: certificate and key reloaded' 10
check "after SIGHUP: s_client sees the new serial ($want_new)" \
    [ "$(serial)" = "$want_new" ]
check "the live session kept moving through the reload" wait "$live"
check "30 round trips done" [ "$(wc -l <"$TMPD/live.count")" = 30 ]
check "the server is still running" kill -0 "$server_PID"

# A broken certificate: SIGHUP keeps the current one.
printf 'not a certificate\n' >"$TMPD/cert.pem"
kill -HUP "$server_PID"
check "a failed SIGHUP reload is logged" \
    wait_grep "$TMPD/server.log" 'SIGHUP: certificate reload failed' 10
check "after a failed reload the new serial stays" [ "$(serial)" = "$want_new" ]
session_check "a new session works after the failed reload" \
    "$BASE" after-session-0001 700 --cacert "$PKI/ca.pem"
finish
