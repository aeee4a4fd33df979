#!/usr/bin/env bash
# The certificate in use and the --stats file, as an operator meets them:
# a certificate that expires within 14 days is logged; a failed reload
# names the file and the system error, is reported again (SIGUSR1 here;
# every 10 minutes otherwise) until a reload succeeds; --cert/--key that
# cannot be read at start name the path and the reason; the --stats file is
# 0644 under umask 077 (node_exporter runs as another user), and a --stats
# path that cannot be written is named with the reason.
. "$(dirname "$0")/../integration/lib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_ECHO"

# wait_log FILE REGEX: bounded wait for a line in FILE.
wait_log() {
	local i
	for i in $(seq 300); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" -days 3 -subj /CN=localhost \
    >/dev/null 2>&1 || die "openssl could not make a certificate"

# At start: an unreadable key names the path and the system error.
"$MEEK_SERVER" --listen 127.0.0.1:0 --orport 127.0.0.1:9 --cert "$TMPD/cert.pem" \
    --key "$TMPD/missing.key" >"$TMPD/start.out" 2>"$TMPD/start.err" </dev/null
check "missing --key at start: exit status 1" [ $? = 1 ]
check "missing --key at start: the error names the path and the system error" \
    grep -q -- "--key $TMPD/missing.key: cannot read the key file: No such file or directory" "$TMPD/start.err"

start_bg echo "$MEEK_ECHO" --listen 127.0.0.1:0
mkdir -p "$TMPD/stats"
(umask 077; exec "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$echo_ADDR" \
    --cert "$TMPD/cert.pem" --key "$TMPD/key.pem" --log "$TMPD/server.log" \
    --stats "$TMPD/stats/meek-server.prom") >"$TMPD/server.out" 2>"$TMPD/server.err" </dev/null &
server_PID=$!
PIDS+=("$server_PID")
wait_line server '^LISTEN ' >/dev/null || die "meek-server did not start"

check "a certificate expiring in 3 days is logged with its date" \
    wait_log "$TMPD/server.log" 'WARN the certificate in use expires in [23]\.[0-9] days \([0-9]{4}-[0-9]{2}-[0-9]{2} '
check "--stats file written" wait_log "$TMPD/stats/meek-server.prom" '^meek_server_sessions_open '
check "--stats file is 0644 under umask 077" [ "$(stat -c %a "$TMPD/stats/meek-server.prom")" = 644 ]

mv "$TMPD/key.pem" "$TMPD/key.pem.away"
kill -HUP "$server_PID"
check "a failed SIGHUP reload names the file and the system error" \
    wait_log "$TMPD/server.log" 'SIGHUP: certificate reload failed, keeping the old one: cannot read the key file: No such file or directory'
kill -USR1 "$server_PID"
check "the failure is reported again until a reload succeeds" \
    wait_log "$TMPD/server.log" 'certificate reload still failing after [0-9]+ s, serving the old certificate: cannot read the key file: No such file or directory'
mv "$TMPD/key.pem.away" "$TMPD/key.pem"
kill -HUP "$server_PID"
check "a successful reload ends the failure" \
    wait_log "$TMPD/server.log" 'certificate reload succeeded again'
check "the server still runs" kill -0 "$server_PID"
stop server

start_bg server2 "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "$echo_ADDR" \
    --disable-tls --log "$TMPD/server2.log" --stats "$TMPD/nodir/meek-server.prom"
check "an unwritable --stats path is named with the system error" \
    wait_log "$TMPD/server2.log" "WARN --stats $TMPD/nodir/meek-server.prom: cannot create the --stats file: No such file or directory"
finish
