#!/usr/bin/env bash
# tests/ext/go-meek/build.sh OUTDIR: builds Go meek 0.37's meek-client and
# meek-server (pinned by go.mod and go.sum next to this script) into
# OUTDIR/go-meek-client and OUTDIR/go-meek-server, offline: the modules come
# from Go's module cache, which `./setup.sh test` fills (go mod download).
# Nothing is written into the source tree.  GOCACHE is OUTDIR/gocache unless
# MEEK_GOCACHE is set.  Exits 0 when built; else prints one line saying why
# (the last lines of go's output on stderr) and exits 77 (nothing to build
# with: the caller skips, or fails under CI).
set -u
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
command -v go >/dev/null 2>&1 || { echo "go is not installed"; exit 77; }
gov=$(go env GOVERSION 2>/dev/null)
maj=${gov#go}
min=${maj#*.}
maj=${maj%%.*}
min=${min%%[!0-9]*}
if [ "${maj:-0}" -lt 1 ] || { [ "$maj" = 1 ] && [ "${min:-0}" -lt 24 ]; }; then
	echo "$gov is older than go1.24 (tests/ext/go-meek/go.mod)"
	exit 77
fi
mkdir -p "$out" || exit 99
for p in meek-server meek-client; do
	if ! GOFLAGS=-mod=readonly GOPROXY=off GOTOOLCHAIN=local \
	    GOCACHE=${MEEK_GOCACHE:-$out/gocache} \
	    go -C "$here" build -o "$out/go-$p" \
	    "git.torproject.org/pluggable-transports/meek.git/$p" >"$out/gobuild.log" 2>&1; then
		tail -n 5 "$out/gobuild.log" >&2
		echo "Go meek 0.37 is not in the Go module cache (run ./setup.sh test, or: go -C tests/ext/go-meek mod download)"
		exit 77
	fi
done
echo "built Go meek 0.37 (meek-client, meek-server) with $gov"
