#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Protocol extension 1 through the PHP relay for ordinary web hosting:
#   meek-client -> nginx -> php-fpm running contrib/php/index.php
#     (MEEK_SERVER_URL as a fastcgi_param) -> meek-server --disable-tls
#     -> ORPort (meek-test-echo --source).
# --mode stream, --mode poll and auto, each with two interleaved sessions of
# 64 MiB down and 16 MiB up, all at once: every byte intact (SHA-256 both
# ways at both ends) and the mode expected in each client's log.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../reflector/rlib.sh"
. "$(dirname "$0")/xlib.sh"
require php nginx "$FPM"
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"

start_source orport
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$orport_ADDR" --log-level debug --log "$TMPD/server.log"
SURL="http://127.0.0.1:$server_PORT/"
WWW=$TMPD/www
mkdir -p "$WWW"
cp "$MEEK_SRCDIR/contrib/php/index.php" "$WWW/index.php" || die "no index.php"

# php-fpm behind nginx.  Each extension session holds a worker for its
# stream or held poll and uses another for its uploads: 6 sessions need 12,
# with room to spare.
NPORT=$(free_port) || die "no free port for nginx"
php_fpm_front web "$NPORT" "$WWW" "$SURL" 20

run_modes "nginx + php-fpm relay" --url "http://127.0.0.1:$NPORT/"
check "meek-server accepted the extension for the 6 sessions (header forwarded both ways)" \
    [ "$(grep -c 'extension 1, modes' "$TMPD/server.log")" = 6 ]

finish
