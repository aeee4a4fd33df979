#!/bin/bash
# hostile_tls_hello.sh (issue 16, point 1): 80 TCP connections each drip a
# TLS ClientHello, one byte every 10 s, against a TLS meek-server with the
# default 16 + 64 workers.  An honest HTTPS request is answered in < 2 s
# during the attack; the server's threads and descriptors stay bounded.
. "$(dirname "$0")/hostile_lib.sh" || exit 99
make_cert
start_echo orport
start_tls_server meek "$orport_ADDR"
run_py tls-hello "$HDIR/hostile.py" tls-hello "$meek_PORT" "$meek_PID" \
    --tls --ca "$TMPD/cert.pem" --conns 80 --interval 10 \
    --secs "$HOSTILE_SECS" --bound "$BOUND"
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
