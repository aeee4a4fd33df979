#!/usr/bin/env bash
# tests/ext/go-meek/build.sh OUTDIR: builds Go meek 0.37's meek-client and
# meek-server (pinned by go.mod and go.sum next to this script) into
# OUTDIR/go-meek-client and OUTDIR/go-meek-server, offline: the modules come
# from Go's module cache, which `./setup.sh test` fills (go mod download).
# Nothing is written into the source tree.  GOCACHE is OUTDIR/gocache unless
# MEEK_GOCACHE is set.  Exits 0 when built; else prints one line saying why
# (no go, a Go older than go.mod's 1.24, modules not in the cache: go's own
# last line; the last lines of its output on stderr) and exits 77 (the
# caller skips, or fails under CI).
set -u
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
command -v go >/dev/null 2>&1 || { echo "go is not installed"; exit 77; }
mkdir -p "$out" || exit 99
# go.mod's go line (1.24) is the version rule: with GOTOOLCHAIN=local an
# older Go refuses it, and its own words are the reason given.
for p in meek-server meek-client; do
	if ! GOFLAGS=-mod=readonly GOPROXY=off GOTOOLCHAIN=local \
	    GOCACHE=${MEEK_GOCACHE:-$out/gocache} \
	    go -C "$here" build -o "$out/go-$p" \
	    "git.torproject.org/pluggable-transports/meek.git/$p" >"$out/gobuild.log" 2>&1; then
		tail -n 5 "$out/gobuild.log" >&2
		echo "Go meek 0.37 could not be built ($(tail -n 1 "$out/gobuild.log")); its modules come from ./setup.sh test, or: go -C tests/ext/go-meek mod download"
		exit 77
	fi
done
gov=$(go env GOVERSION 2>/dev/null)
echo "built Go meek 0.37 (meek-client, meek-server) with $gov"
