#!/bin/bash
# Every tor here is started by tests/e2e/testnet.sh with TestingTorNetwork 1 and a loopback DirAuthority.
# tor_h2.sh: tests/e2e/tor_level2.sh with http2 on the nginx front's TLS
# listener (issue 19): tor end to end, meek-client speaking HTTP/2 to the
# front (automake's TESTS cannot pass arguments).
exec bash "$(dirname "$0")/../e2e/tor_level2.sh" h2
