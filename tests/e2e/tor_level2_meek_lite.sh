#!/bin/bash
# tor_level2_meek_lite.sh: tor_level2.sh with Debian's obfs4proxy (meek_lite)
# as the client transport against our meek-server (automake's TESTS cannot
# pass arguments).
exec bash "$(dirname "$0")/tor_level2.sh" meek_lite
