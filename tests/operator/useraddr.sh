#!/usr/bin/env bash
# USERADDR behind proxies: X-Forwarded-For chains of 1-3 hops with
# --trusted-proxies N give the client's address (the Nth entry from the
# right, whatever the client itself put in front); a chain shorter than N
# falls back to the TCP peer; --meek-ip-from trusts Meek-IP only from those
# peers; with neither option both headers are ignored (the peer's address,
# logged once).  The fake Extended ORPort (meek-test-echo --extor) records
# USERADDR.
. "$(dirname "$0")/../integration/lib.sh"
. "$MEEK_SRCDIR/tests/operator/olib.sh"
require curl
require_built "$MEEK_SERVER" "$MEEK_ECHO"

rec=$TMPD/extor.rec
start_bg extor "$MEEK_ECHO" --listen 127.0.0.1:0 --extor \
    --cookie "$TMPD/cookie" --record "$rec"

n=0
# expect SERVERNAME WANT [curl args...]: one new session through server
# SERVERNAME; its ExtORPort USERADDR must be WANT.
expect() {
	local name=$1 want=$2 port line
	shift 2
	port="${name}_PORT"
	n=$((n + 1))
	head -c 300 /dev/urandom >"$TMPD/in.$n"
	meek_roundtrip "http://127.0.0.1:${!port}/" "useraddr-sess-$n" \
	    "$TMPD/in.$n" "$TMPD/out.$n" "$@" || fail "session $n: no echo"
	line=$(grep '^USERADDR' "$rec" | tail -n1)
	check "$name, $*: USERADDR $want (got '${line#USERADDR }')" \
	    [ "$line" = "USERADDR $want TRANSPORT meek" ]
}

start_srv() {
	local name=$1
	shift
	start_bg "$name" "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
	    --extorport "$extor_ADDR" --auth-cookie "$TMPD/cookie" \
	    --log "$TMPD/$name.log" "$@"
}

# One proxy (nginx appends $remote_addr): the last entry is the client's.
start_srv p1 --trusted-proxies 1
expect p1 198.51.100.1:1 -H 'X-Forwarded-For: 198.51.100.1'
expect p1 198.51.100.1:1 -H 'X-Forwarded-For: 6.6.6.6, 198.51.100.1'
expect p1 127.0.0.1:1
# Meek-IP needs --meek-ip-from, whatever --trusted-proxies says.
expect p1 127.0.0.1:1 -H 'Meek-IP: 192.0.2.44'

# CDN then nginx: two entries are ours.
start_srv p2 --trusted-proxies 2
expect p2 203.0.113.5:1 -H 'X-Forwarded-For: 203.0.113.5, 198.51.100.9'
expect p2 203.0.113.5:1 \
    -H 'X-Forwarded-For: 6.6.6.6,203.0.113.5 , 198.51.100.9'
expect p2 127.0.0.1:1 -H 'X-Forwarded-For: 198.51.100.9'
expect p2 '[2001:db8::7]:1' -H 'X-Forwarded-For: 2001:db8::7, 198.51.100.9'

# Three hops.
start_srv p3 --trusted-proxies 3
expect p3 203.0.113.6:1 \
    -H 'X-Forwarded-For: 7.7.7.7, 203.0.113.6, 198.51.100.2, 198.18.1.1'
expect p3 203.0.113.6:1 \
    -H 'X-Forwarded-For: 203.0.113.6, 198.51.100.2, 198.18.1.1'

# Default: neither header is trusted (any client could choose its USERADDR
# and so tor's per-address limits and geoip); the log says so once.
start_srv p0
expect p0 127.0.0.1:1 -H 'X-Forwarded-For: 6.6.6.6, 203.0.113.5'
expect p0 127.0.0.1:1 -H 'Meek-IP: 192.0.2.44'
expect p0 127.0.0.1:1 -H 'Meek-IP: 192.0.2.45' -H 'X-Forwarded-For: 6.6.6.7'
check "p0: the log says once that the headers were ignored" \
    [ "$(grep -c 'X-Forwarded-For ignored' "$TMPD/p0.log")" = 1 ]
check "p0: the ignored values are not logged" \
    eval '! grep -q "192\.0\.2\.4[45]\|6\.6\.6\.[67]" "$TMPD/p0.log"'

# --meek-ip-from: our reflectors only.
start_srv m1 --meek-ip-from 198.18.0.0/15 --meek-ip-from 192.0.2.1
expect m1 127.0.0.1:1 -H 'Meek-IP: 192.0.2.44'
start_srv m2 --meek-ip-from 198.18.0.0/15 --meek-ip-from 127.0.0.0/8 \
    --trusted-proxies 1
expect m2 192.0.2.44:1 -H 'Meek-IP: 192.0.2.44' \
    -H 'X-Forwarded-For: 203.0.113.5'
expect m2 203.0.113.5:1 -H 'X-Forwarded-For: 203.0.113.5'
# --meek-ip-from alone: X-Forwarded-For is not trusted.
start_srv m3 --meek-ip-from 127.0.0.0/8
expect m3 127.0.0.1:1 -H 'X-Forwarded-For: 203.0.113.5'
expect m3 192.0.2.46:1 -H 'Meek-IP: 192.0.2.46'
check "m3: nothing said about ignored headers when trusting some" \
    eval '! grep -q "X-Forwarded-For ignored" "$TMPD/m3.log"'

# --orport-source with the Extended ORPort: our own dial from a loopback
# source address, then the same SAFE_COOKIE exchange.
start_srv s1 --orport-source 127.0.1.8/30 --meek-ip-from 127.0.0.0/8
expect s1 192.0.2.45:1 -H 'Meek-IP: 192.0.2.45'

check "bad --meek-ip-from is refused" \
    eval '! "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls --orport 127.0.0.1:1 --meek-ip-from 198.18.0.0/33 >/dev/null 2>&1'
check "no ExtORPort authentication failed" \
    eval '! grep -q "^AUTHFAIL" "$rec"'
finish
