#!/bin/bash
# tor_level1_meek_lite.sh: tor_level1.sh with Debian's obfs4proxy (meek_lite,
# Go crypto/tls) as the client transport against our meek-server's own TLS
# (automake's TESTS cannot pass arguments).
exec bash "$(dirname "$0")/tor_level1.sh" meek_lite
