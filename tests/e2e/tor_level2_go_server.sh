#!/bin/bash
# tor_level2_go_server.sh: tor_level2.sh with our meek-client against Go meek
# 0.37's meek-server behind the nginx front (automake's TESTS cannot pass
# arguments).
exec bash "$(dirname "$0")/tor_level2.sh" go_server
