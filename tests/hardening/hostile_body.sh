#!/bin/bash
# hostile_body.sh (issue 16, point 3): 80 connections send a complete head
# with Content-Length: 65536, then a body byte every 4 s: first straight to
# a TLS meek-server (defaults: 16 + 64 workers), then through a meek-reflect
# (defaults) in front of a meek-server.  An honest request is answered in
# < 2 s during each attack; threads and descriptors of every program stay
# bounded.
. "$(dirname "$0")/hostile_lib.sh" || exit 99
SECS=$(( HOSTILE_SECS < 20 ? HOSTILE_SECS : 20 ))
[ -x "$MEEK_REFLECT" ] || die "not built: $MEEK_REFLECT"
make_cert
start_echo orport
start_tls_server meek "$orport_ADDR"
run_py body-server "$HDIR/hostile.py" body "$meek_PORT" "$meek_PID" \
    --tls --attack-tls --ca "$TMPD/cert.pem" --conns 80 --interval 4 \
    --secs "$SECS" --bound "$BOUND"
if alive meek; then ok "meek-server still running"; else fail "meek-server died"; fi
start_server plain "$orport_ADDR"
start_bg reflect "$MEEK_REFLECT" --listen 127.0.0.1:0 --disable-tls \
    --url "http://127.0.0.1:$plain_PORT/"
run_py body-reflect "$HDIR/hostile.py" body "$reflect_PORT" "$reflect_PID" \
    --also-pid "$plain_PID" --conns 80 --interval 4 \
    --secs "$SECS" --bound "$BOUND"
if alive reflect; then ok "meek-reflect still running"; else fail "meek-reflect died"; fi
if alive plain; then ok "meek-server behind it still running"; else fail "meek-server behind meek-reflect died"; fi
finish
