#!/bin/bash
# fault_orport.sh: the ORPort refuses (500, the server keeps serving) or dies
# in the middle of a session (500, the session is dropped: the same id later
# opens a new ORPort connection).
. "$(dirname "$0")/lib.sh" || exit 99

# A port nothing listens on: bind, learn it, close.
DEAD=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_server refusing "127.0.0.1:$DEAD"
run_py refused "$HDIR/server_abuse.py" refused "$refusing_PORT"
if alive refusing; then ok "meek-server survives a refusing ORPort"; else fail "meek-server died"; fi
stop refusing

start_echo orport --count "$TMPD/count1"
PORT=$orport_PORT
start_server meek "$orport_ADDR"
SID=hardening-orport-dies-$$
run_py echo "$HDIR/server_abuse.py" echo "$meek_PORT" "$SID"
stop orport KILL
sleep 1
run_py post "$HDIR/server_abuse.py" post "$meek_PORT" "$SID" 500 \
    "request on a session whose ORPort died"
# The ORPort comes back on the same port: the old session must be gone, so
# the same id opens a new connection.
start_echo orport2 --port "$PORT" --count "$TMPD/count2"
run_py echo "$HDIR/server_abuse.py" echo "$meek_PORT" "$SID"
read -r conns _ <"$TMPD/count2"
if [ "$conns" = 1 ]; then
	ok "the session was dropped: the same id opened a new ORPort connection"
else
	fail "ORPort connections after restart: $conns (want 1)"
fi
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
