# Helpers shared by the meek-reflect / PHP relay / scale-out tests (sourced
# after tests/integration/lib.sh, bash).
MEEK_REFLECT=${MEEK_REFLECT:-$MEEK_BUILDDIR/meek-reflect}

# start_extor_server SUFFIX ARGS...: meek-test-echo "extorSUFFIX" as a
# fake Extended ORPort (cookie $TMPD/cookieSUFFIX, its record in
# $TMPD/extorSUFFIX.rec), then meek-server "serverSUFFIX" on 127.0.0.1 in
# front of it with ARGS, its log in $TMPD/serverSUFFIX.log.
start_extor_server() {
	local s=$1 addrvar="extor${1}_ADDR"
	shift
	start_bg "extor$s" "$MEEK_ECHO" --listen 127.0.0.1:0 --extor \
	    --cookie "$TMPD/cookie$s" --record "$TMPD/extor$s.rec"
	start_bg "server$s" "$MEEK_SERVER" --listen 127.0.0.1:0 \
	    --extorport "${!addrvar}" --auth-cookie "$TMPD/cookie$s" "$@" \
	    --log "$TMPD/server$s.log"
}

# reflect_chain: the App Engine-style chain's back end for tests/ext and
# tests/h2 (sourced after tests/ext/xlib.sh): what it needs (nginx for
# the front, the programs, the test PKI), the ORPort end orport
# (meek-test-echo --source), meek-server --disable-tls (debug log
# $TMPD/server.log, X-Forwarded-For trusted from 127.0.0.1) and
# meek-reflect --disable-tls --xff in front of it; sets reflect_PORT, and
# NPORT to a free port for the nginx front.
reflect_chain() {
	require nginx openssl
	require_built "$MEEK_SERVER" "$MEEK_CLIENT" "$MEEK_REFLECT" \
	    "$MEEK_ECHO" "$MEEK_SOCKS"
	make_certs
	NPORT=$(free_port) || die "no free port for nginx"
	start_source orport
	start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
	    --orport "$orport_ADDR" --meek-ip-from 127.0.0.1 --log-level debug \
	    --log "$TMPD/server.log"
	start_bg reflect "$MEEK_REFLECT" --listen 127.0.0.1:0 --disable-tls \
	    --xff --url "http://127.0.0.1:$server_PORT/" --log "$TMPD/reflect.log"
}

# tls_vhost PORT NAME DIRECTIVES [default_server]: prints an nginx server
# for NAME on 127.0.0.1:PORT over TLS (the test PKI's RSA leaf) with
# DIRECTIVES inside.
tls_vhost() {
	cat <<-EOF
	server {
			listen 127.0.0.1:$1 ssl${4:+ $4};
			server_name $2;
			ssl_certificate $PKI/rsa.pem;
			ssl_certificate_key $PKI/rsa.key;
			$3
		}
	EOF
}

# FRONT_LOC: contrib/nginx/front.conf's settings for the proxied location,
# beyond nginx_loc's.
FRONT_LOC="proxy_set_header X-Forwarded-For \$remote_addr;
			$NGINX_BUFS
			proxy_read_timeout 120s;
			proxy_send_timeout 120s;
			gzip off;"

# front_vhost PORT NAME UPSTREAM [DIRECTIVES]: front.conf's fronted host: a
# tls_vhost for NAME (bodies up to 1100k) whose location / passes to
# UPSTREAM with FRONT_LOC and DIRECTIVES.
front_vhost() {
	tls_vhost "$1" "$2" "client_max_body_size 1100k;
		$(nginx_loc "$3" "${4:-}
			$FRONT_LOC")"
}

# nginx_front NAME PORT REFLECT_PORT [DIRECTIVES [LOC_DIRECTIVES]]:
# contrib/nginx/front.conf's shape as nginx NAME on 127.0.0.1:PORT: the
# front's own name localhost is an ordinary site (404; DIRECTIVES added),
# and Host meek.test goes to meek-reflect on 127.0.0.1:REFLECT_PORT
# (LOC_DIRECTIVES added to its location).
nginx_front() {
	nginx_start "$1" "$2" "
	upstream meek_reflector {
		server 127.0.0.1:$3;
		keepalive 32;
	}
	$(tls_vhost "$2" localhost "${4:-}
		location / {
			return 404;
		}" default_server)
	$(front_vhost "$2" meek.test meek_reflector "${5:-}
			proxy_set_header Host \$host;")"
}

# drain URL SID WANT BACK [curl args...]: polls session SID at URL with
# empty POSTs (at most 200, 50 ms apart), each answer appended to BACK,
# until BACK has WANT bytes.
drain() {
	local url=$1 sid=$2 want=$3 back=$4 i
	shift 4
	: >"$TMPD/empty"
	for i in $(seq 200); do
		[ "$(fsize "$back")" -ge "$want" ] && break
		post "$url" "$sid" "$TMPD/empty" "$@" >/dev/null
		cat "$TMPD/post.body" >>"$back"
		sleep 0.05
	done
}

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

# socks_timed NAME ADDR DESC ARGS...: socks_run, reported as "DESC intact"
# with its time in seconds, or as the failure DESC.
socks_timed() {
	local name=$1 addr=$2 desc=$3 t0
	shift 3
	t0=$(date +%s)
	if socks_run "$name" "$addr" "$@"; then
		ok "$desc intact ($(( $(date +%s) - t0 )) s)"
	else
		fail "$desc"
	fi
}

# useraddr_after REC BEFORE: the first USERADDR line of REC after its
# first BEFORE ones.
useraddr_after() {
	grep '^USERADDR' "$1" | sed -n "$(($2 + 1))p"
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
