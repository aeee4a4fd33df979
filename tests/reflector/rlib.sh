# Helpers shared by the meek-reflect / PHP relay / scale-out tests (sourced
# after tests/integration/lib.sh, bash).
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}

# nginx_start NAME PORT HTTP_BODY: writes $TMPD/NAME/nginx.conf with its own
# pid, logs and temp paths around HTTP_BODY (the inside of http {}), starts
# nginx in the foreground as the current user and waits for PORT.  Sets
# NAME_DIR.
nginx_start() {
	local name=$1 port=$2 body=$3 dir=$TMPD/$1 user_line=""
	mkdir -p "$dir/logs" "$dir/tmp"
	[ "$(id -u)" = 0 ] && user_line="user root root;"
	cat >"$dir/nginx.conf" <<-EOF
	$user_line
	worker_processes 1;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log info;
	events { worker_connections 512; }
	http {
		access_log $dir/logs/access.log;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
	$body
	}
	EOF
	spawn "$name" nginx -p "$dir" -c "$dir/nginx.conf" \
	    -e "$dir/logs/error.log" -g 'daemon off;'
	wait_port "$port" "$name" || { tail -n 20 "$dir/logs/error.log" >&2;
	    die "nginx $name did not start"; }
	printf -v "${name}_DIR" '%s' "$dir"
	log "started nginx $name on 127.0.0.1:$port"
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
