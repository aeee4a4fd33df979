#!/usr/bin/env bash
# --user: started as root, meek-server binds, then runs as the user (real,
# effective and saved uid and gid, no supplementary groups) and still
# serves a meek session; an unknown user is refused.  Needs root (else
# skipped, unless CI).
. "$(dirname "$0")/../integration/lib.sh"
. "$MEEK_SRCDIR/tests/operator/olib.sh"
require curl
require_built "$MEEK_SERVER" "$MEEK_ECHO"
if [ "$(id -u)" != 0 ]; then
	is_ci && die "--user test needs root under CI"
	echo "SKIP - --user needs root"
	exit 77
fi
user=nobody
uid=$(id -u "$user") || die "no user $user"
gid=$(id -g "$user")

# The log directory must stay writable only for the log opened as root.
start_echo_server --disable-tls --user "$user"
st=/proc/$server_PID/status
check "uid is $user's ($uid) everywhere" \
    eval '[ "$(awk "/^Uid:/ { print \$2, \$3, \$4, \$5 }" "$st")" = "$uid $uid $uid $uid" ]'
check "gid is $user's ($gid) everywhere" \
    eval '[ "$(awk "/^Gid:/ { print \$2, \$3, \$4, \$5 }" "$st")" = "$gid $gid $gid $gid" ]'
check "no root group left" \
    eval '! awk "/^Groups:/" "$st" | grep -qw 0'
session_check "a meek session works after dropping privileges" \
    "http://127.0.0.1:$server_PORT/" privdrop-sess-01 2000
check "the drop is logged" grep -q "running as user $user" "$TMPD/server.log"
check "an unknown --user is refused" \
    eval '! "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls --orport "$echo_ADDR" --user no-such-user-h12 >/dev/null 2>&1'
finish
