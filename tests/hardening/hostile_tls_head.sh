#!/bin/bash
# hostile_tls_head.sh (issue 16, point 1): 80 connections finish the TLS
# handshake, then drip a request head, one byte every 10 s, against a TLS
# meek-server with the default workers.  An honest HTTPS request is
# answered in < 2 s during the attack; threads and descriptors bounded.
. "$(dirname "$0")/hostile_lib.sh" || exit 99
make_cert
start_echo orport
start_tls_server meek "$orport_ADDR"
run_py tls-head "$HDIR/hostile.py" tls-head "$meek_PORT" "$meek_PID" \
    --tls --attack-tls --ca "$TMPD/cert.pem" --conns 80 --interval 10 \
    --secs "$HOSTILE_SECS" --bound "$BOUND"
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
