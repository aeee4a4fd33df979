#!/bin/bash
# run-fuzz.sh: build every libFuzzer harness and run it (called by `make fuzz`).
#
# Environment (make fuzz passes them):
#   MEEK_SRCDIR   top source dir          MEEK_BUILDDIR  top build dir (config.h)
#   FUZZ_CC       clang                   FUZZ_SECONDS   seconds per harness (30)
#   FUZZ_ONLY     space-separated harness names to restrict to (optional)
#   FUZZ_JOBS     harnesses fuzzed at once (default 1)
#   BEARSSL_CFLAGS / BEARSSL_LIBS
#   NGHTTP2_CFLAGS / NGHTTP2_LIBS (default: pkg-config libnghttp2)
#
# The library sources are compiled into the harnesses (not libmeek.a) so that
# the sanitizers and the coverage instrumentation cover them; a harness of
# a program's module (harness_src below: e.g. fuzz_h2sess, meek-client's
# src/client/h2sess.c) gets that module's sources the same way, linked into
# it alone.  Everything is
# written under $MEEK_BUILDDIR/tests/fuzz: binaries, the object files, and a
# scratch copy of each seed corpus the fuzzer may grow (the source tree is
# never written).  Before fuzzing, every seed and every input under
# tests/fuzz/regressions/<name>/ is replayed.  Exit status 1 if any harness
# crashed (the crashing input is kept in .../artifacts/<name>/: add it to
# tests/fuzz/regressions/<name>/ once fixed).
set -u

SRC=${MEEK_SRCDIR:?}
BLD=${MEEK_BUILDDIR:?}
CC=${FUZZ_CC:-clang}
SECS=${FUZZ_SECONDS:-30}
OUT=$BLD/tests/fuzz
NAMES="http_request_head http_response_head http_body socks ptargs pt_env url
proxy extor tls_pem frames decoy_target tls_server_hello tls_encrypted_extensions tls_certificate
tls_certificate_verify tls_new_session_ticket tls12_server_key_exchange tls_record tlshello
tlsclient h2sess"
[ -n "${FUZZ_ONLY:-}" ] && NAMES=$FUZZ_ONLY
# Every module of libmeek (src/shared/*.c: none has a main()).
LIBSRC=$(cd "$SRC/src/shared" && for f in *.c; do printf '%s ' "${f%.c}"; done)
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
-Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2
-I$SRC/src -I$SRC -I$BLD ${BEARSSL_CFLAGS:-}
${NGHTTP2_CFLAGS-$(pkg-config --cflags libnghttp2 2>/dev/null)}"
LIBS="${BEARSSL_LIBS:--lbearssl} -lbrotlidec
${NGHTTP2_LIBS:-$(pkg-config --libs libnghttp2 2>/dev/null || echo -lnghttp2)} -lpthread"

# harness_src NAME: the sources outside src/shared that harness NAME needs
# (paths under the source dir), one a line; nothing for most harnesses.
harness_src() {
	case $1 in
	h2sess) echo src/client/h2sess.c ;;
	esac
}
# harness_obj PATH: the object file of such a source (src/client/h2sess.c:
# $OUT/obj/src/client/h2sess.o; libmeek's objects are $OUT/obj/*.o).
harness_obj() { local p=${1%.c}; echo "$OUT/obj/$p.o"; }

command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found" >&2; exit 1; }
[ -f "$BLD/config.h" ] || { echo "fuzz: no config.h in $BLD (configure first)" >&2; exit 1; }
mkdir -p "$OUT/obj" || exit 1

# Library objects: instrumented for coverage, not linked with libFuzzer's main.
for m in $LIBSRC; do
	o=$OUT/obj/$m.o
	stale=0
	[ -f "$o" ] || stale=1
	for f in "$SRC/src/shared/"*.[ch] "$BLD/config.h"; do
		[ "$stale" = 1 ] && break
		[ "$f" -nt "$o" ] && stale=1
	done
	if [ "$stale" = 1 ]; then
		echo "  CC(fuzz) src/shared/$m.c"
		# shellcheck disable=SC2086
		$CC $CFLAGS -fsanitize=fuzzer-no-link,address,undefined \
		    -c -o "$o" "$SRC/src/shared/$m.c" || exit 1
	fi
done

# The harnesses' own module objects (harness_src), instrumented the same
# way; rebuilt when the source, a header of its directory or of src/shared,
# or config.h is newer.
for n in $NAMES; do
	for s in $(harness_src "$n"); do
		o=$(harness_obj "$s")
		stale=0
		[ -f "$o" ] || stale=1
		for f in "$SRC/$s" "$SRC/$(dirname "$s")/"*.h "$SRC/src/shared/"*.h "$BLD/config.h"; do
			[ "$stale" = 1 ] && break
			[ "$f" -nt "$o" ] && stale=1
		done
		if [ "$stale" = 1 ]; then
			echo "  CC(fuzz) $s"
			mkdir -p "$(dirname "$o")" || exit 1
			# shellcheck disable=SC2086
			$CC $CFLAGS -fsanitize=fuzzer-no-link,address,undefined \
			    -c -o "$o" "$SRC/$s" || exit 1
		fi
	done
done

for n in $NAMES; do
	b=$OUT/fuzz_$n
	extra=
	for s in $(harness_src "$n"); do extra="$extra $(harness_obj "$s")"; done
	newer=
	# shellcheck disable=SC2086
	[ ! -f "$b" ] || newer=$(find "$OUT/obj" -maxdepth 1 -newer "$b" -name '*.o' 2>/dev/null;
	    for o in $extra; do [ "$o" -nt "$b" ] && echo "$o"; done)
	if [ ! -f "$b" ] || [ "$SRC/tests/fuzz/fuzz_$n.c" -nt "$b" ] ||
	    [ "$SRC/tests/fuzz/fuzz_common.h" -nt "$b" ] ||
	    [ "$SRC/tests/fuzz/fuzz_keys.h" -nt "$b" ] || [ -n "$newer" ]; then
		echo "  CCLD(fuzz) tests/fuzz/fuzz_$n"
		objs=$extra
		for m in $LIBSRC; do objs="$objs $OUT/obj/$m.o"; done
		# shellcheck disable=SC2086
		$CC $CFLAGS -fsanitize=fuzzer,address,undefined -o "$b" \
		    "$SRC/tests/fuzz/fuzz_$n.c" $objs $LIBS || exit 1
	fi
done

[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# FUZZ_JOBS=N: N lanes of harnesses at once (one core each), each lane this
# same script on its share of the names; the build above is shared.
if [ "${FUZZ_JOBS:-1}" -gt 1 ] && [ -z "${FUZZ_LANE:-}" ]; then
	lanes=() i=0 st=0 pids=()
	for n in $NAMES; do
		lanes[i % FUZZ_JOBS]+="$n "
		i=$((i + 1))
	done
	for l in "${lanes[@]}"; do
		FUZZ_LANE=1 FUZZ_ONLY="$l" bash "$0" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || st=1
	done
	exit $st
fi

status=0
summary=
for n in $NAMES; do
	b=$OUT/fuzz_$n
	work=$OUT/work/$n
	art=$OUT/artifacts/$n
	rm -rf "$work"
	mkdir -p "$work/corpus" "$art" || exit 1
	[ -d "$SRC/tests/fuzz/corpus/$n" ] &&
	    cp "$SRC/tests/fuzz/corpus/$n/"* "$work/corpus/" 2>/dev/null
	# Replay the regressions first: each must run clean.
	regs=
	if [ -d "$SRC/tests/fuzz/regressions/$n" ]; then
		regs=$(find "$SRC/tests/fuzz/regressions/$n" -type f ! -name '*.md' | sort)
	fi
	if [ -n "$regs" ]; then
		# shellcheck disable=SC2086
		if ! "$b" -runs=1 $regs >"$work/replay.log" 2>&1; then
			echo "FAIL: fuzz_$n: a regression input crashes (see $work/replay.log)"
			tail -30 "$work/replay.log"
			status=1
			summary="$summary
fuzz_$n: REGRESSION FAILED"
			continue
		fi
	fi
	echo "  FUZZ fuzz_$n for ${SECS}s"
	"$b" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$art/" "$work/corpus" >"$work/fuzz.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$work/fuzz.log" | tail -1)
	ncorp=$(find "$work/corpus" -type f | wc -l)
	if [ "$rc" != 0 ]; then
		echo "FAIL: fuzz_$n exited $rc; artifacts in $art:"
		ls "$art"
		grep -m1 -A25 'ERROR: \|runtime error' "$work/fuzz.log"
		status=1
		summary="$summary
fuzz_$n: CRASH (execs ${execs:-?}), see $art and $work/fuzz.log"
	else
		summary="$summary
fuzz_$n: ok, ${execs:-?} execs, ${cov:-cov: ?}, corpus $ncorp, regressions $(echo "$regs" | grep -c .)"
	fi
done
echo "fuzz summary:$summary"
exit $status
