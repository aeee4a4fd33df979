# Helpers for the meek-server operator tests (sourced after
# tests/integration/lib.sh, bash).

# meek_roundtrip URL SID FILE OUT [curl args...]: sends FILE as one meek
# POST with X-Session-Id SID, then polls with empty POSTs until OUT holds
# as many bytes as FILE (or 300 polls).  Returns 0 when OUT equals FILE.
meek_roundtrip() {
	local url=$1 sid=$2 in=$3 out=$4 i want
	shift 4
	want=$(fsize "$in")
	: >"$out"
	: >"$TMPD/empty.body"
	curl -sS --max-time 60 -o "$out.part" -H "X-Session-Id: $sid" \
	    -H 'Expect:' "$@" --data-binary "@$in" "$url" >/dev/null 2>&1
	cat "$out.part" >>"$out" 2>/dev/null
	for i in $(seq 300); do
		[ "$(fsize "$out")" -ge "$want" ] && break
		curl -sS --max-time 60 -o "$out.part" -H "X-Session-Id: $sid" \
		    -H 'Expect:' "$@" --data-binary "@$TMPD/empty.body" \
		    "$url" >/dev/null 2>&1
		cat "$out.part" >>"$out" 2>/dev/null
		sleep 0.05
	done
	cmp -s "$in" "$out"
}

# session_check DESC URL SID BYTES [curl args...]: checks (as DESC) that
# BYTES random bytes sent as session SID come back whole (meek_roundtrip;
# the files are $TMPD/SID.in and $TMPD/SID.out).
session_check() {
	local desc=$1 url=$2 sid=$3
	head -c "$4" /dev/urandom >"$TMPD/$sid.in"
	shift 4
	check "$desc" meek_roundtrip "$url" "$sid" "$TMPD/$sid.in" \
	    "$TMPD/$sid.out" "$@"
}
