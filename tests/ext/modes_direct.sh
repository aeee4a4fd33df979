#!/usr/bin/env bash
# No tor runs here (tests that start tor give it TestingTorNetwork 1 and a loopback DirAuthority: tests/e2e/testnet.sh).
# Protocol extension 1, directly over TLS: meek-client -> meek-server (test
# certificate) -> ORPort (meek-test-echo --source).  --mode stream, --mode
# poll and auto, each with two interleaved sessions of 64 MiB down and
# 16 MiB up, all at once: every byte intact (SHA-256 both ways at both
# ends) and the mode expected in each client's log.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/xlib.sh"
require openssl
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"
make_certs

start_source orport
start_server server

run_modes "direct TLS" --url "https://localhost:$server_PORT/" \
    --ca "$PKI/ca.pem"
check "meek-server accepted the extension for the 6 sessions" \
    [ "$(grep -c 'extension 1, modes' "$TMPD/server.log")" = 6 ]

finish
