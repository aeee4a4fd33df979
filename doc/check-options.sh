#!/bin/sh
# Fails when an option printed by a program's --help is missing from its
# man page (like tor's checkOptionDocs), or a documented option is unknown.
srcdir=${MEEK_SRCDIR:-$(dirname "$0")/..}
builddir=${MEEK_BUILDDIR:-.}
status=0
for prog in meek-client meek-reflect meek-server; do
	bin="$builddir/$prog"
	man="$srcdir/doc/$prog.1"
	[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
	opts=$("$bin" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	[ -n "$opts" ] || { echo "FAIL: $prog --help lists no options"; status=1; }
	for o in $opts; do
		if ! sed 's/\\-/-/g' "$man" | grep -q -- "^\.B[IR]* *$o\b\|^\.It Fl ${o#--}\|$o"; then
			echo "FAIL: $prog: $o is in --help but not in doc/$prog.1"
			status=1
		fi
	done
	for o in $(sed -n 's/\\-/-/g; s/^\.TP//; s/^\.B \(--[a-z0-9-]*\).*/\1/p' "$man" | sort -u); do
		echo "$opts" | grep -qx -- "$o" || { echo "FAIL: $prog: doc/$prog.1 documents $o, which --help lacks"; status=1; }
	done
	[ $status -eq 0 ] && echo "ok: $prog: $(echo "$opts" | wc -l) options documented"
done
exit $status
