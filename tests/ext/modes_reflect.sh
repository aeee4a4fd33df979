#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Protocol extension 1 through the App Engine-style chain:
#   meek-client -> nginx front (TLS, SNI localhost, Host meek.test,
#     contrib/nginx/front.conf's shape) -> meek-reflect --disable-tls
#     -> meek-server --disable-tls -> ORPort (meek-test-echo --source).
# --mode stream, --mode poll and auto, each with two interleaved sessions of
# 64 MiB down and 16 MiB up, all at once: every byte intact (SHA-256 both
# ways at both ends), the mode expected in each client's log, and the
# extension headers forwarded both ways (meek-server saw the opens).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../reflector/rlib.sh"
. "$(dirname "$0")/xlib.sh"
reflect_chain

# contrib/nginx/front.conf, with test names, paths and ports, and a body
# limit that lets 1 MiB extension bodies through.
nginx_front front "$NPORT" "$reflect_PORT"

run_modes "front + meek-reflect" --url "https://meek.test/" \
    --front "localhost:$NPORT" --ca "$PKI/ca.pem"
check "meek-server accepted the extension for the 6 sessions (header forwarded both ways)" \
    [ "$(grep -c 'extension 1, modes' "$TMPD/server.log")" = 6 ]

finish
