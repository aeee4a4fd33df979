# Helpers shared by the meek-reflect / PHP relay / scale-out tests (sourced
# after tests/integration/lib.sh, bash).
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}

# php-fpm: PHP_FPM, else Debian's versioned or plain name.
FPM=${PHP_FPM:-$(command -v php-fpm8.2 || command -v php-fpm || echo php-fpm8.2)}

# php_fpm_front NAME PORT WWW SURL CHILDREN: the PHP relay for ordinary web
# hosting: php-fpm (FPM, a static pool of CHILDREN workers with no time
# limit, on a unix socket in $TMPD/fpm, as the current user) running
# WWW/index.php, behind nginx NAME on 127.0.0.1:PORT with the settings
# contrib/php/index.php's header lists (MEEK_SERVER_URL SURL as a
# fastcgi_param, no buffering, no gzip).
php_fpm_front() {
	local name=$1 port=$2 www=$3 surl=$4 children=$5 fdir=$TMPD/fpm i
	local user_lines="" root_flag=()
	mkdir -p "$fdir"
	if [ "$(id -u)" = 0 ]; then
		user_lines="user = root
group = root"
		root_flag=(-R)
	fi
	cat >"$fdir/php-fpm.conf" <<-EOF
	[global]
	pid = $fdir/php-fpm.pid
	error_log = $fdir/error.log
	daemonize = no

	[meek]
	$user_lines
	listen = $fdir/fpm.sock
	listen.mode = 0600
	listen.backlog = 128
	pm = static
	pm.max_children = $children
	request_terminate_timeout = 0
	catch_workers_output = yes
	php_admin_value[max_execution_time] = 0
	EOF
	spawn fpm "$FPM" -F -y "$fdir/php-fpm.conf" "${root_flag[@]}"
	for i in $(seq $((START_TIMEOUT * 10))); do
		[ -S "$fdir/fpm.sock" ] && break
		kill -0 "$fpm_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$fdir/fpm.sock" ] || { cat "$TMPD/fpm.err" "$fdir/error.log" >&2;
	    die "php-fpm did not start"; }
	log "php-fpm listens on $fdir/fpm.sock"
	nginx_start "$name" "$port" "
	server {
		listen 127.0.0.1:$port;
		root $www;
		client_max_body_size 1100k;
		location / {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $www/index.php;
			fastcgi_param SCRIPT_NAME /index.php;
			fastcgi_param MEEK_SERVER_URL $surl;
			fastcgi_pass unix:$fdir/fpm.sock;
			fastcgi_buffering off;
			fastcgi_read_timeout 120s;
			fastcgi_send_timeout 120s;
			gzip off;
		}
	}"
}

# useraddr_count REC: USERADDR lines in a meek-test-echo record so far.
useraddr_count() {
	grep -c '^USERADDR' "$1" 2>/dev/null || true
}

# wait_useraddr REC BEFORE [SECS]: waits until REC has more than BEFORE
# USERADDR lines, prints the newest.
wait_useraddr() {
	local rec=$1 before=$2 secs=${3:-$START_TIMEOUT} i
	for i in $(seq $((secs * 10))); do
		if [ "$(useraddr_count "$rec")" -gt "$before" ]; then
			grep '^USERADDR' "$rec" | tail -n1
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# post URL SID FILE [curl args...]: one meek POST; prints the HTTP status
# and leaves the body in $TMPD/post.body.
post() {
	local url=$1 sid=$2 file=$3
	shift 3
	curl -sS --max-time 60 -o "$TMPD/post.body" -w '%{http_code}' \
	    -H "X-Session-Id: $sid" -H 'Expect:' \
	    -H 'Content-Type: application/octet-stream' "$@" \
	    --data-binary "@$file" "$url" 2>>"$TMPD/curl.err"
}

# socks_run NAME ADDR ARGS...: runs meek-test-socks against ADDR with a
# bounded time, output in $TMPD/NAME.log (shown indented); returns its
# status.
socks_run() {
	local name=$1 addr=$2
	shift 2
	run_shown "$TMPD/$name.log" 1200 "$MEEK_SOCKS" --socks "$addr" "$@"
}

# php_track NAME: php -S with PHP_CLI_SERVER_WORKERS forks workers that
# outlive their parent; records them (by pid) so cleanup and php_stop end
# them too.  Call once its port is open.
php_track() {
	local pidvar="${1}_PID" kids
	kids=$(pgrep -P "${!pidvar}" 2>/dev/null | tr '\n' ' ')
	printf -v "${1}_KIDS" '%s' "$kids"
	# shellcheck disable=SC2206
	PIDS+=($kids)
}

# php_stop NAME: stops a php -S started with spawn and php_track.
php_stop() {
	local kidsvar="${1}_KIDS"
	stop "$1"
	# shellcheck disable=SC2086
	[ -n "${!kidsvar:-}" ] && kill -TERM ${!kidsvar} 2>/dev/null
	return 0
}
