#!/bin/bash
# hostile_reject.sh (issue 16, point 2): every worker of a TLS meek-server
# (defaults: 16 + 64) is held by a lawfully slow body and --queue 64 more
# connections wait, so the next connection is rejected; that ONE connection
# drips a ClientHello, a byte every 0.8 s.  The server closes it at once
# (the accept thread never handshakes), and once the workers are free an
# honest HTTPS request is answered in < 2 s while the attack goes on.
. "$(dirname "$0")/hostile_lib.sh" || exit 99
make_cert
start_echo orport
start_tls_server meek "$orport_ADDR"
run_py reject "$HDIR/hostile.py" reject "$meek_PORT" "$meek_PID" \
    --tls --attack-tls --ca "$TMPD/cert.pem" --workers 80 --queue 64 \
    --interval 0.8 --secs "$HOSTILE_SECS" --bound "$BOUND" --fd-slack 200
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
finish
