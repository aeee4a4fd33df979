#!/usr/bin/env bash
# The client's TLS engine against a hostile server (tests/tls/hostile.py, a
# scripted TLS 1.3 peer): a bad CertificateVerify, a bad Finished, a
# certificate for another name, an expired one, one from an unknown CA, a
# truncated ServerHello, an oversized and a misordered handshake message, a
# second HelloRetryRequest, a HelloRetryRequest that would change nothing
# (no key_share, no cookie: the client must send illegal_parameter, RFC 8446
# 4.1.4), a key share for a group not offered, a TLS 1.2
# ServerHello with the downgrade sentinel, a corrupted record, a brotli
# CompressedCertificate with a wrong uncompressed_length, a CertificateVerify
# naming ML-DSA (offered as Chrome does, not verifiable with BearSSL), a
# fatal alert instead of a ServerHello.  Each must
# fail closed: `--check` names its failure class, a managed meek-client
# (as tor runs it) reports `STATUS TRANSPORT=meek TYPE=front-failure
# FRONT=... FAILURE=<class>`, the server never sees application data, and
# nothing crashes (in a sanitizer build, lib.sh fails the test on any
# report in the logs).  The "ok", "hrr", "hrr-cookie" (a HelloRetryRequest
# with a cookie only, as openssl s_server -stateless sends: the second hello
# keeps its key shares) and "compressed" (a brotli CompressedCertificate,
# RFC 8879) modes must succeed (controls: the same server does complete
# handshakes).
. "$(dirname "$0")/../integration/lib.sh"
require openssl python3
require_built "$MEEK_CLIENT"
python3 -c 'import cryptography.hazmat.primitives.ciphers.aead, cryptography.x509' \
    2>/dev/null || {
	if is_ci; then die "python3 cryptography is missing"; fi
	echo "SKIP - python3 cryptography (Debian python3-cryptography) is missing"
	exit 77
}
make_certs
HOSTILE=$MEEK_SRCDIR/tests/tls/hostile.py

# An expired EC leaf for localhost (openssl ca sets any validity).
dated_cert expired ec 20000101000000Z 20010101000000Z

# name  hostile-mode  certificate  class  reason (ERE, case-insensitive)
CASES="
ok                ok                ec        -                   -
hrr               hrr               rsa       -                   -
hrr-cookie        hrr-cookie        ec        -                   -
compressed        compressed        rsa       -                   -
bad-cv            bad-cv            ec        tls                 CertificateVerify
bad-finished      bad-finished      rsa       tls                 Finished
wrong-name        ok                nameonly  cert-name-mismatch  name
expired           ok                expired   cert-expired        expired
unknown-ca        ok                other     cert-unknown-ca     CA|trusted
truncated         truncated         ec        tls                 closed the connection mid-handshake
oversized         oversized         ec        tls                 too large|length|overflow
misordered        misordered        ec        tls                 unexpected
hrr-twice         hrr-twice         ec        tls                 second HelloRetryRequest
hrr-nochange      hrr-nochange      ec        tls                 malformed ServerHello|would not change
group-not-offered group-not-offered ec        tls                 group
downgrade         downgrade         ec        tls                 downgrade
bad-record        bad-record        ec        tls                 record
compressed-bad    compressed-bad    ec        tls                 CompressedCertificate
mldsa             mldsa             ec        tls                 ML-DSA|0x0905|signature
alert             alert             ec        tls-alert           alert from peer: handshake.failure
"

# One hostile server per case (its own port, so each front's STATUS line
# is its own and the 30 s rate limit of the reports never merges two).
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	start_bg "h_${name//-/_}" python3 "$HOSTILE" --cert "$PKI/$cert.pem" \
	    --key "$PKI/$cert.key" --mode "$mode" --accepts 200
done <<<"$CASES"
hport() { local v="h_${1//-/_}_PORT"; printf '%s' "${!v}"; }

# 1. --check: one line per step; the tls step names the class.
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	port=$(hport "$name")
	timeout 120 "$MEEK_CLIENT" --ca "$PKI/ca.pem" \
	    --check "url=https://localhost:$port/" >"$TMPD/$name.check" \
	    2>"$TMPD/$name.check.err"
	rc=$?
	sed 's/^/   /' "$TMPD/$name.check"
	if [ "$cls" = - ]; then
		check "$name: --check exit 0 (got $rc)" [ "$rc" = 0 ]
		check "$name: tls ok, the request answered" \
		    grep -qE '^  post +ok .*HTTP 200' "$TMPD/$name.check"
	else
		check "$name: --check exit 1 (got $rc)" [ "$rc" = 1 ]
		check "$name: tls FAIL ... (class $cls)" \
		    grep -qE "^  tls +FAIL .*\\(class $cls\\)\$" "$TMPD/$name.check"
		check "$name: the reason says /$why/" \
		    grep -qiE "^  tls +FAIL .*($why)" "$TMPD/$name.check"
		check "$name: no post step" \
		    eval "! grep -qE '^  (post|meek) ' '$TMPD/$name.check'"
	fi
done <<<"$CASES"

# 2. Managed, as tor runs it: one SOCKS session per case (all at once);
# each bent front must get its STATUS line with the class.
managed_client meek
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	timeout 200 "$MEEK_SOCKS" --socks "$pt_SOCKS" \
	    --args "url=https://localhost:$(hport "$name")/" --bytes 1000 \
	    --timeout 90 >"$TMPD/socks.$name.log" 2>&1 &
	PIDS+=("$!")
	printf -v "socks_${name//-/_}_PID" '%s' "$!"
done <<<"$CASES"
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	[ "$cls" != - ] || continue
	front="FRONT=\"localhost:$(hport "$name")\""
	# First any report for this front, then its class.
	wait_line pt "^STATUS TRANSPORT=meek TYPE=front-failure $front FAILURE=" 120 \
	    >/dev/null 2>&1
	check "$name: managed: STATUS ... $front FAILURE=$cls" \
	    grep -q "^STATUS TRANSPORT=meek TYPE=front-failure $front FAILURE=$cls MESSAGE=" \
	    "$TMPD/pt.out"
done <<<"$CASES"
# The controls complete their handshakes: whatever else goes wrong after
# (hostile.py is not meek-server), never a TLS or certificate class.
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	[ "$cls" = - ] || continue
	check "$name: managed: no TLS or certificate failure for the control front" \
	    eval "! grep -qE 'FRONT=\"localhost:$(hport "$name")\" FAILURE=(tls|cert)' '$TMPD/pt.out'"
done <<<"$CASES"
grep '^STATUS TRANSPORT=meek' "$TMPD/pt.out" | sed 's/^/   /'
stop pt
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	stop "socks_${name//-/_}"
	stop "h_${name//-/_}"
done <<<"$CASES"

# 3. The servers' view: no application data on any bent connection; the
# controls completed and answered at least once.
while read -r name mode cert cls why; do
	[ -n "$name" ] || continue
	f=$TMPD/h_${name//-/_}.err
	conns=$(grep -c '^conn ' "$f")
	if [ "$cls" = - ]; then
		check "$name: server: handshakes completed and answered ($(grep -c 'result handshake completed' "$f") of $conns)" \
		    grep -q 'result handshake completed and answered app_data=yes' "$f"
	else
		check "$name: server: no application data on any of $conns connections" \
		    eval "[ $conns -gt 0 ] && ! grep -q 'app_data=yes' '$f'"
	fi
	check "$name: server: no Python traceback" eval "! grep -q Traceback '$f'"
done <<<"$CASES"
# RFC 8446 4.1.4: a HelloRetryRequest that would not change the ClientHello
# is answered with illegal_parameter.
check "hrr-nochange: server: the client sent illegal_parameter" \
    grep -q 'changing nothing; got alert illegal_parameter app_data=no' "$TMPD/h_hrr_nochange.err"
check "hrr-nochange: server: never another alert" \
    eval "! grep -E 'got alert' '$TMPD/h_hrr_nochange.err' | grep -qv illegal_parameter"
check "meek-client (check and managed): no crash report" \
    eval "! grep -lE 'AddressSanitizer|runtime error|ThreadSanitizer|Segmentation' $TMPD/*.check.err $TMPD/pt.err"
finish
