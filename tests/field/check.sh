#!/usr/bin/env bash
# meek-client --check (issue 11): one verdict line per step for a good
# bridge line and for each way a line goes wrong, with real nginx fronts:
# a dead port, a certificate for another name, a certificate from an
# unknown CA, a certificate not yet valid (future notBefore: a router with
# a wrong clock), an expired one, a 403 from the front, and a plain web
# page that is not meek-server.  Exit 0 only when a meek-server answered.
. "$(dirname "$0")/../integration/lib.sh"
require nginx openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO"
make_certs

# Two leaves with unusual dates (openssl ca can set any validity).
dated_cert future rsa 20990101000000Z 21000101000000Z
dated_cert expired rsa 20000101000000Z 20010101000000Z

start_echo_server --disable-tls

NGX=$TMPD/nginx
for v in DEAD GOOD NAME UNK FUT EXP P403 WEB; do
	printf -v "$v" '%s' "$(free_port)" || die "no free port"
done
meek_loc="location / { proxy_pass http://127.0.0.1:$server_PORT; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
srv() { # port cert body
	printf 'server { listen 127.0.0.1:%s ssl; ssl_certificate %s/%s.pem; ssl_certificate_key %s/%s.key; %s }\n' \
	    "$1" "$PKI" "$2" "$PKI" "$2" "$3"
}
nginx_start nginx "$WEB" "
	$(srv "$GOOD" rsa "$meek_loc")
	$(srv "$NAME" nameonly "$meek_loc")
	$(srv "$UNK" other "$meek_loc")
	$(srv "$FUT" future "$meek_loc")
	$(srv "$EXP" expired "$meek_loc")
	$(srv "$P403" rsa "return 403;")
	$(srv "$WEB" rsa "default_type text/html; return 200 '<html><body>hello</body></html>';")"

# check NAME PORT WANT_RC REGEX...: runs --check on url=https://meek.test/
# front=localhost:PORT and expects the exit code and every line REGEX.
run_check() {
	local name=$1 port=$2 want=$3
	shift 3
	client_check "$name" "$want" \
	    --check "url=https://meek.test/ front=localhost:$port"
	check_lines "$name" "$@"
}
run_check good "$GOOD" 0 '^  resolve +ok ' '^  connect +ok ' '^  tls +ok ' \
    '^  post +ok .*HTTP 200' '^  meek +ok +meek-server answered' '^verdict: OK'
run_check dead "$DEAD" 1 '^  connect +FAIL .*class tcp-refused' '^verdict: FAIL'
run_check wrong-name "$NAME" 1 '^  tls +FAIL .*class cert-name-mismatch'
run_check unknown-ca "$UNK" 1 '^  tls +FAIL .*class cert-unknown-ca'
run_check not-yet-valid "$FUT" 1 \
    '^  tls +FAIL .*valid from 2099-01-01.*clock looks wrong.*class cert-not-yet-valid'
run_check expired "$EXP" 1 '^  tls +FAIL .*expired on 2001-01-01.*class cert-expired'
run_check http-403 "$P403" 1 '^  tls +ok ' '^  post +FAIL .*HTTP 403 \(class http-403'
run_check web-page "$WEB" 1 '^  post +ok ' '^  meek +FAIL +not meek-server: a web page answered \(Content-Type text/html'

# targets= with a dead pair and a good one: one line per pair, exit 0.
client_check targets 0 --utls HelloChrome_Auto \
    --check "targets=https://meek.test/|localhost:$DEAD+localhost:$GOOD"
check "targets: both pairs listed" [ "$(grep -c '^pair ' "$TMPD/check.targets")" = 2 ]
check "targets: verdict 1 of 2" grep -q '^verdict: OK (1 of 2' "$TMPD/check.targets"
check "--utls HelloChrome_Auto maps onto Chrome's hello without a note" \
    eval '! grep -q "not a Chrome hello" "$TMPD/check.targets"'
client_check utls 0 --utls HelloFirefox_Auto \
    --check "url=https://meek.test/ front=localhost:$GOOD"
check "--utls HelloFirefox_Auto: the note says Chrome's hello is sent" \
    grep -q 'note: --utls HelloFirefox_Auto is not a Chrome hello' "$TMPD/check.utls"

# A session through the front whose certificate is not valid yet: the
# client says the clock looks wrong and keeps retrying every 5 s instead of
# giving up (routers boot with a wrong clock until NTP has run).
start_bg client "$MEEK_CLIENT" --listen 127.0.0.1:0 --ca "$PKI/ca.pem" \
    --url https://meek.test/ --front "localhost:$FUT" --log "$TMPD/client.log" \
    --log-level debug
timeout 60 "$MEEK_SOCKS" --socks "$client_ADDR" --bytes 100 --timeout 14 \
    >"$TMPD/socks.log" 2>&1
check "client log: the clock looks wrong, retrying until it is right" \
    grep -q 'cert-not-yet-valid: certificate not yet valid (valid from 2099-01-01.*clock looks wrong); retrying every 5 s until the clock is right' "$TMPD/client.log"
check "client log: still retrying after 10 s (3 tries or more)" \
    [ "$(grep -c 'failed (cert-not-yet-valid' "$TMPD/client.log")" -ge 3 ]
check "client log: the session did not give up" \
    eval '! grep -q "giving up" "$TMPD/client.log"'
finish
