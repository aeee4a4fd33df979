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
FPM=${PHP_FPM:-$(command -v php-fpm8.2 || command -v php-fpm || echo php-fpm8.2)}
require php nginx "$FPM"
require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_ECHO" "$MEEK_SOCKS"

start_source orport
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$orport_ADDR" --log-level debug --log "$TMPD/server.log"
SURL="http://127.0.0.1:$server_PORT/"
WWW=$TMPD/www
mkdir -p "$WWW"
cp "$MEEK_SRCDIR/contrib/php/index.php" "$WWW/index.php" || die "no index.php"

# php-fpm on a unix socket in the temp dir, as the current user.  Each
# extension session holds a worker for its stream or held poll and uses
# another for its uploads: 6 sessions need 12, with room to spare.
FDIR=$TMPD/fpm
mkdir -p "$FDIR"
user_lines=""
root_flag=()
if [ "$(id -u)" = 0 ]; then
	user_lines="user = root
group = root"
	root_flag=(-R)
fi
cat >"$FDIR/php-fpm.conf" <<EOT
[global]
pid = $FDIR/php-fpm.pid
error_log = $FDIR/error.log
daemonize = no

[meek]
$user_lines
listen = $FDIR/fpm.sock
listen.mode = 0600
listen.backlog = 128
pm = static
pm.max_children = 20
catch_workers_output = yes
php_admin_value[max_execution_time] = 0
EOT
spawn fpm "$FPM" -F -y "$FDIR/php-fpm.conf" "${root_flag[@]}"
for i in $(seq $((START_TIMEOUT * 10))); do
	[ -S "$FDIR/fpm.sock" ] && break
	kill -0 "$fpm_PID" 2>/dev/null || break
	sleep 0.1
done
[ -S "$FDIR/fpm.sock" ] || { cat "$TMPD/fpm.err" "$FDIR/error.log" >&2;
    die "php-fpm did not start"; }
log "php-fpm listens on $FDIR/fpm.sock"

NPORT=$(free_port) || die "no free port for nginx"
nginx_start web "$NPORT" "
	server {
		listen 127.0.0.1:$NPORT;
		root $WWW;
		client_max_body_size 1100k;
		location / {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $WWW/index.php;
			fastcgi_param SCRIPT_NAME /index.php;
			fastcgi_param MEEK_SERVER_URL $SURL;
			fastcgi_pass unix:$FDIR/fpm.sock;
			fastcgi_buffering off;
			fastcgi_read_timeout 120s;
			fastcgi_send_timeout 120s;
		}
	}"

run_modes "nginx + php-fpm relay" --url "http://127.0.0.1:$NPORT/"
check "meek-server accepted the extension for the 6 sessions (header forwarded both ways)" \
    [ "$(grep -c 'extension 1, modes' "$TMPD/server.log")" = 6 ]

finish
