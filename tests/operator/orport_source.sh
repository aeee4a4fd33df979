#!/usr/bin/env bash
# 20,000 sessions with --orport-source over 4 loopback addresses: every
# session's first POST gets 200 (no ORPort dial fails for lack of local
# ports), the ORPort sees the connections spread evenly over the 4 source
# addresses, and meek-server's memory per session is reported.  The
# counters (--stats) show the 20,000 sessions.  meek-server and the
# ORPort stand-in each need N + 500 file descriptors: raised with ulimit;
# when the hard limit is lower (a container without CAP_SYS_RESOURCE) the
# test runs with as many sessions as it allows (at least 4,000) and says
# so, else it is skipped (failed under CI).
. "$(dirname "$0")/../integration/lib.sh"
require python3
require_built "$MEEK_SERVER"
N=${MANY_SESSIONS:-20000}
PY=$MEEK_SRCDIR/tests/operator/many_sessions.py

if ! ulimit -n $((N + 500)) 2>/dev/null; then
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] && hard=$((N + 500))
	n2=$(( (hard - 500) / 4 * 4 ))
	if [ "$n2" -lt 4000 ]; then
		is_ci && die "file descriptor hard limit $hard is too low"
		echo "SKIP - file descriptor hard limit $hard is too low"
		exit 77
	fi
	ulimit -n "$hard" || die "cannot raise ulimit -n to $hard"
	log "NOTE: fd hard limit $hard < $((N + 500)): running $n2 sessions instead of $N"
	N=$n2
fi

start_bg orport python3 "$PY" hold "$TMPD/sources"
start_bg server "$MEEK_SERVER" --listen 127.0.0.1:0 --disable-tls \
    --orport "$orport_ADDR" --orport-source 127.0.1.4/30 \
    --max-sessions $((N + 1000)) --max-per-source 0 \
    --session-timeout 3600 --turnaround 0 \
    --stats "$TMPD/stats.prom" --log "$TMPD/server.log"

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
rss0=$(rss "$server_PID")
t0=$(date +%s)
python3 "$PY" drive "http://127.0.0.1:$server_PORT/" "$N" 8 >"$TMPD/drive.out" \
    2>"$TMPD/drive.err"
t1=$(date +%s)
cat "$TMPD/drive.out"
rss1=$(rss "$server_PID")
ok200=$(awk '$1 == "STATUS" && $2 == 200 { print $3 }' "$TMPD/drive.out")
check "all $N session POSTs got 200 (got ${ok200:-0}) in $((t1 - t0)) s" \
    [ "${ok200:-0}" = "$N" ]
check "no request failed" grep -qx 'ERRORS 0' "$TMPD/drive.out"
check "no ORPort dial failed" \
    eval '! grep -q "cannot reach the ORPort" "$TMPD/server.log"'

for i in $(seq 300); do
	total=$(awk '{ s += $2 } END { print s + 0 }' "$TMPD/sources" 2>/dev/null)
	[ "${total:-0}" -ge "$N" ] && break
	sleep 0.1
done
cat "$TMPD/sources"
check "the ORPort holds $N connections (${total:-0})" [ "${total:-0}" = "$N" ]
check "4 source addresses used" [ "$(wc -l <"$TMPD/sources")" = 4 ]
check "sources are 127.0.1.4-7" \
    eval '[ "$(cut -d" " -f1 "$TMPD/sources" | tr "\n" " ")" = "127.0.1.4 127.0.1.5 127.0.1.6 127.0.1.7 " ]'
check "spread evenly ($((N / 4)) each)" \
    eval '! awk -v w=$((N / 4)) "\$2 != w { bad = 1 } END { exit !bad }" "$TMPD/sources"'

per=$(( (rss1 - rss0) * 1024 / N ))
log "meek-server RSS: ${rss0} KiB idle, ${rss1} KiB with $N sessions:" \
    "about $per bytes per session"

kill -USR1 "$server_PID"
for i in $(seq 200); do
	grep -q 'meek_server_sessions_open '"$N" "$TMPD/stats.prom" 2>/dev/null && break
	sleep 0.1
done
check "--stats shows $N open sessions" \
    grep -qx "meek_server_sessions_open $N" "$TMPD/stats.prom"
check "--stats shows $N sessions created" \
    grep -qx "meek_server_sessions_created_total $N" "$TMPD/stats.prom"
check "--stats shows $N bytes up" \
    grep -qx "meek_server_bytes_up_total $N" "$TMPD/stats.prom"
finish
