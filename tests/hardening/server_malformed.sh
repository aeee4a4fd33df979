#!/bin/bash
# server_malformed.sh: oversized header and body, broken chunked encoding,
# pipelined requests, HTTP/1.0, half-closed sockets.
. "$(dirname "$0")/lib.sh" || exit 99

start_echo orport
start_server meek "$orport_ADDR"
run_py malformed "$HDIR/server_abuse.py" malformed "$meek_PORT"
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
