#!/usr/bin/env bash
# The client's TLS engine against GnuTLS (Debian's gnutls-serv in --echo
# mode), driven by tests/tls/tls-probe (tlsclient, two connections in one
# process, a line sent and echoed on each): TLS 1.3 with RSA-PSS and ECDSA,
# AES-GCM and ChaCha20-Poly1305, a HelloRetryRequest (P-384 only), ticket
# resumption; TLS 1.2 (ECDHE_RSA, ECDHE_ECDSA with AES-256-GCM, extended
# master secret, session-id resumption without tickets); and, where the
# GnuTLS build has brotli, a CompressedCertificate (RFC 8879).  Both sides'
# views are checked: tls-probe's line and gnutls-serv's report.
. "$(dirname "$0")/../integration/lib.sh"
require gnutls-serv openssl
PROBE=$MEEK_BUILDDIR/tests/tls/tls-probe
require_built "$PROBE"
make_certs

# gnutls-serv cannot bind to one address (it listens on 0.0.0.0 and ::):
# each server runs with its client in a network namespace of its own,
# which has nothing but a loopback interface.
if unshare -n true 2>/dev/null; then
	NS=(unshare -n)
elif unshare -rn true 2>/dev/null; then
	NS=(unshare -rn)
else
	echo "SKIP - no network namespace (unshare -n): gnutls-serv would listen on every address"
	exit 77
fi
command -v ip >/dev/null 2>&1 || { echo "SKIP - ip (iproute2) is missing"; exit 77; }

# In the namespace: loopback up, gnutls-serv on 127.0.0.1:4433 (the only
# address there), then tls-probe; gnutls-serv is killed by its PID.
PAIR='
ip link set lo up || exit 99
out=$1 probe=$2 ca=$3 send=$4
shift 4
gnutls-serv --echo -a -p 4433 "$@" >"$out" 2>&1 </dev/null &
g=$!
i=0
until (exec 3<>/dev/tcp/127.0.0.1/4433) 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $g 2>/dev/null; then
		echo "gnutls-serv did not start"; kill $g 2>/dev/null; exit 99
	fi
	sleep 0.1
done
"$probe" "$ca" 127.0.0.1 4433 localhost 2 "$send"
rc=$?
kill $g 2>/dev/null
wait $g 2>/dev/null
exit $rc
'

# gcase NAME CERT GNUTLS_ARGS...: gnutls-serv, then tls-probe (2 connections).
gcase() {
	local name=$1 cert=$2 rc
	shift 2
	timeout 200 "${NS[@]}" bash -c "$PAIR" gnutls-pair "$TMPD/$name.srv" "$PROBE" \
	    "$PKI/ca.pem" "meek-c $name $RANDOM" --x509certfile "$PKI/$cert.pem" \
	    --x509keyfile "$PKI/$cert.key" "$@" >"$TMPD/$name.probe" 2>"$TMPD/$name.probe.err"
	rc=$?
	sed 's/^/   /' "$TMPD/$name.probe"
	check "$name: tls-probe: both connections echoed (rc $rc)" [ "$rc" = 0 ]
	check "$name: tls-probe: 2 x echoed=yes" \
	    [ "$(grep -c 'echoed=yes' "$TMPD/$name.probe")" = 2 ]
}
probe() { # NAME N REGEX
	local got
	got=$(grep -cE -- "$3" "$TMPD/$1.probe")
	check "$1: client: $2 x /$3/ (got $got)" [ "$got" = "$2" ]
}
srv() { # NAME N REGEX
	local got
	got=$(grep -cE -- "$3" "$TMPD/$1.srv")
	check "$1: gnutls-serv: $2 x /$3/ (got $got)" [ "$got" = "$2" ]
}

gcase t13-rsa rsa
probe t13-rsa 2 '^conn .: version=TLS1\.3 suite=0x1301 group=0x001d '
probe t13-rsa 1 '^conn 2: .* resumed=yes '
srv t13-rsa 2 '^- Version: TLS1\.3'
srv t13-rsa 1 '^- Server Signature: RSA-PSS-RSAE-SHA256'
srv t13-rsa 1 'This is a resumed session'

gcase t13-ecdsa-chacha ec --priority 'NORMAL:-CIPHER-ALL:+CHACHA20-POLY1305'
probe t13-ecdsa-chacha 2 '^conn .: version=TLS1\.3 suite=0x1303 '
srv t13-ecdsa-chacha 1 '^- Server Signature: ECDSA-SECP256R1-SHA256'

gcase t13-hrr-p384 ec --priority 'NORMAL:-GROUP-ALL:+GROUP-SECP384R1:-CIPHER-ALL:+AES-256-GCM'
probe t13-hrr-p384 2 '^conn .: version=TLS1\.3 suite=0x1302 group=0x0018 .*hrr=yes'

gcase t12-rsa rsa --priority 'NORMAL:-VERS-TLS1.3'
probe t12-rsa 2 '^conn .: version=TLS1\.2 suite=0xc02f .* ems=yes'
srv t12-rsa 2 '^- Version: TLS1\.2'

gcase t12-ecdsa-aes256 ec --priority 'NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM'
probe t12-ecdsa-aes256 2 '^conn .: version=TLS1\.2 suite=0xc02c .* ems=yes'

gcase t12-sessionid ec --noticket --priority 'NORMAL:-VERS-TLS1.3'
probe t12-sessionid 1 '^conn 2: version=TLS1\.2 .* resumed=yes '
srv t12-sessionid 1 'This is a resumed session'

# CompressedCertificate: gnutls-serv offers it only when its GnuTLS was
# built with brotli (Debian 12's 3.7.9 says "Unknown compression method").
gcase t13-compress rsa --compress-cert brotli
if grep -q 'Unknown compression method' "$TMPD/t13-compress.srv"; then
	echo "SKIP (part) - this gnutls-serv ($(gnutls-serv --version | head -n1)) has no brotli: CompressedCertificate not exercised here"
else
	probe t13-compress 2 '^conn .: version=TLS1\.3 '
fi
finish
