#!/bin/bash
# fault_certs.sh: meek-client against a TLS meek-server whose certificate is
# signed by another CA, names another host, or has expired.  The handshake
# must fail, the SOCKS connection end, and no payload reach the ORPort (its
# echo server sees no connection at all).  A correct certificate is the
# positive control.
. "$(dirname "$0")/lib.sh" || exit 99
[ -x "$MEEK_CLIENT" ] || { echo "FAIL - not built: $MEEK_CLIENT" >&2; exit 99; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP - no openssl" >&2; exit 77; }

D=$TMPD/pki
mkdir -p "$D/new"
: >"$D/index.txt"
echo 1000 >"$D/serial"
cat >"$D/ca.cnf" <<CNF
[ ca ]
default_ca = ca_here
[ ca_here ]
database = $D/index.txt
new_certs_dir = $D/new
serial = $D/serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
CNF
q() { "$@" >>"$TMPD/openssl.log" 2>&1 || die "openssl failed: $*"; }
for ca in ca1 ca2; do
	q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/$ca.key" -out "$D/$ca.pem" -days 30 -subj "/CN=hardening $ca" \
	    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
done
# leaf NAME CN START END: an EC leaf for CN signed by ca1 (openssl ca so that
# the validity can lie in the past: this openssl x509 has no -not_before).
leaf() {
	q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/$1.key" -out "$D/$1.csr" -subj "/CN=$2" \
	    -addext "subjectAltName=DNS:$2"
	q openssl ca -batch -config "$D/ca.cnf" -cert "$D/ca1.pem" -keyfile "$D/ca1.key" \
	    -in "$D/$1.csr" -out "$D/$1.pem" -notext -startdate "$3" -enddate "$4"
}
NOW=$(date -u +%Y%m%d%H%M%SZ)
SOON=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
leaf good localhost "$NOW" "$SOON"
leaf wrongname wrong-name.example "$NOW" "$SOON"
leaf expired localhost 20200101000000Z 20210101000000Z
openssl x509 -in "$D/expired.pem" -noout -dates | tr '\n' ' '; echo

# case_start NAME CERT CA: a TLS meek-server with CERT, its own counting
# echo ORPort, a meek-client trusting CA.
case_start() {
	local name=$1 cert=$2 ca=$3
	start_echo "orport_$name" --count "$TMPD/count_$name"
	local oaddr="orport_${name}_ADDR"
	start_bg "srv_$name" "$MEEK_SERVER" --listen 127.0.0.1:0 --orport "${!oaddr}" \
	    --cert "$D/$cert.pem" --key "$D/$cert.key"
	local sport="srv_${name}_PORT"
	start_bg "cli_$name" "$MEEK_CLIENT" --listen 127.0.0.1:0 \
	    --url "https://localhost:${!sport}/" --ca "$D/$ca.pem"
}

# case_stop NAME: stops the case's processes.
case_stop() {
	stop "cli_$1"
	stop "srv_$1"
	stop "orport_$1"
}

# The positive control first, then the three failing cases side by side:
# each waits for meek-client to give up on its own server (about 20 s), and
# they share nothing.
case_start control good ca1
run_py control "$HDIR/client_abuse.py" socks_echo "$cli_control_PORT"
case_stop control

BAD="wrong_ca:good:ca2 wrong_name:wrongname:ca1 expired:expired:ca1"
for c in $BAD; do
	IFS=: read -r name cert ca <<<"$c"
	case_start "$name" "$cert" "$ca"
done
for c in $BAD; do
	name=${c%%:*}
	cport="cli_${name}_PORT"
	spawn "py_$name" "$PY" "$HDIR/client_abuse.py" no_payload "${!cport}" 60
done
for c in $BAD; do
	name=${c%%:*}
	pidvar="py_${name}_PID"
	wait "${!pidvar}"
	rc=$?
	sed -E "s/^(ok   - |FAIL - )/\1$name: /" "$TMPD/py_$name.out" >"$TMPD/py_$name.lines"
	count_lines "$TMPD/py_$name.lines"
	grep -v -E '^(ok   - |FAIL - )' "$TMPD/py_$name.out"
	if [ "$rc" -ne 0 ] && ! grep -q '^FAIL - ' "$TMPD/py_$name.out"; then
		fail "$name exited $rc"
	fi
done
sleep 1
for c in $BAD; do
	name=${c%%:*}
	read -r conns bytes <"$TMPD/count_$name"
	if [ "$conns" = 0 ] && [ "$bytes" = 0 ]; then
		ok "$name: the ORPort saw no connection and no payload"
	else
		fail "$name: the ORPort saw $conns connection(s), $bytes byte(s)"
	fi
	if grep -qiE 'cert|trust|name|expired|valid' "$TMPD/cli_$name.err"; then
		ok "$name: meek-client logged a certificate error"
	else
		log "note: no certificate wording in meek-client's log:"
		tail -n 5 "$TMPD/cli_$name.err"
	fi
	case_stop "$name"
done
finish
