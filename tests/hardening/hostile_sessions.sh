#!/bin/bash
# hostile_sessions.sh (issue 16, points 4 and 8): the session table and the
# extension places against one source (127.0.0.2) while an honest client
# (127.0.0.1) keeps starting new sessions.
#  1. Fresh X-Session-Ids over one keep-alive connection, 247 in 3 s and
#     more for the rest of the attack, under a 256-descriptor limit (hard
#     and soft): --max-per-source 32 stops the attacker, every honest new
#     session gets 200 in < 2 s, descriptors stay under the limit and the
#     log says --max-sessions was lowered to fit them.
#  2. The same with no per-source cap: the table fills at the lowered
#     --max-sessions, never the descriptors: accept() keeps working and
#     every honest request is answered (503) in < 2 s.
#  3. 64 empty op=open POSTs: with --max-ext-per-source 8 an
#     honest open still gets the extension at once; without it (0) the
#     places of the opens that never go on free within a few seconds
#     (SESSION_OPEN_MS, 8 s) and an honest open gets the extension.
. "$(dirname "$0")/hostile_lib.sh" || exit 99
SECS=$(( HOSTILE_SECS < 12 ? HOSTILE_SECS : 12 ))
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}
start_echo orport
SMALL="--threads 8 --max-ext 8 --queue 16"
# Workers and the server's own threads (accept, poller, reaper, signals,
# main): a fixed set whatever the attack.
MAXT=$((8 + 8 + 12))

lowfd() { start_bg "$1" bash -c 'ulimit -n 256 && exec "$@"' sh \
    "$MEEK_SERVER" --disable-tls --listen 127.0.0.1:0 \
    --orport "$orport_ADDR" "${@:2}"; }

lowfd capped $SMALL --max-per-source 32 --log-level debug \
    --log "$TMPD/capped.log"
check "capped: runs under ulimit -n 256" \
    grep -q '^Max open files *256 *256' "/proc/$capped_PID/limits"
check "capped: the log says --max-sessions was lowered to the descriptors" \
    grep -q -- '--max-sessions 10000 lowered to [0-9]*: .*descriptors' \
    "$TMPD/capped.log"
run_py flood-capped "$HDIR/hostile_sess.py" flood "$capped_PORT" \
    "$capped_PID" --sessions 247 --secs "$SECS" --bound "$BOUND" \
    --max-ok 32 --max-fds 256 --max-threads "$MAXT"
check "capped: the attacker's sessions past 32 were refused (503)" \
    grep -q 'max-per-source reached' "$TMPD/capped.log"
check "capped: accept() never ran out of descriptors" \
    eval '! grep -q "Too many open files" "$TMPD/capped.log"'
if alive capped; then ok "capped: meek-server still running"; else fail "capped: meek-server died"; fi
stop capped

lowfd open_table $SMALL --max-per-source 0 --log "$TMPD/open_table.log"
max=$(sed -n 's/.*--max-sessions 10000 lowered to \([0-9]*\).*/\1/p' \
    "$TMPD/open_table.log" | head -n1)
check "uncapped: --max-sessions lowered (${max:-none})" [ -n "$max" ]
run_py flood-uncapped "$HDIR/hostile_sess.py" flood "$open_table_PORT" \
    "$open_table_PID" --sessions 247 --secs "$SECS" --bound "$BOUND" \
    --accept 200,503 --max-ok "${max:-1}" --max-fds 256 --max-threads "$MAXT"
check "uncapped: accept() never ran out of descriptors" \
    eval '! grep -q "Too many open files" "$TMPD/open_table.log"'
if alive open_table; then ok "uncapped: meek-server still running"; else fail "uncapped: meek-server died"; fi
stop open_table

start_server opens "$orport_ADDR" --max-ext-per-source 8 --log-level debug \
    --log "$TMPD/opens.log"
run_py open-capped "$HDIR/hostile_sess.py" open "$opens_PORT" "$opens_PID" \
    --opens 64 --honest-ext --secs $((3 * HOSTILE_SLOW + 2)) \
    --ext-within $((3 * HOSTILE_SLOW + 2)) --every 0.3
check "opens: the attacker's opens past 8 stayed classic" \
    grep -q 'max-ext-per-source reached' "$TMPD/opens.log"
stop opens

start_server opens0 "$orport_ADDR" --max-ext-per-source 0 --log-level debug \
    --log "$TMPD/opens0.log"
# 8 s for the open to expire, the reaper's second, and the slow build.
W=$((8 + 4 * HOSTILE_SLOW))
run_py open-uncapped "$HDIR/hostile_sess.py" open "$opens0_PORT" \
    "$opens0_PID" --opens 64 --honest-ext --secs $((W + 2)) \
    --ext-within "$W" --every 0.5
check "opens0: the opens filled --max-ext first" \
    grep -q -- '--max-ext reached' "$TMPD/opens0.log"
stop opens0
finish
