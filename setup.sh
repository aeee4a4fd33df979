#!/usr/bin/env bash
# meek-c: one command from a fresh Debian/Ubuntu machine to a running demo or
# a full test run.
#
#   ./setup.sh demo   install what is missing, build, run `make demo`
#   ./setup.sh test   install what is missing, build, run every test
#                     (make check in a plain, an ASan+UBSan and a TSan build,
#                     fuzzers, Debian packages, a mipsel cross build,
#                     make distcheck, musl builds for amd64 and mipsel)
#   ./setup.sh build  install what is missing and build only
#
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact apt-get line is printed and the script stops.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
what=${1:-demo}
jobs=$(nproc 2>/dev/null || echo 2)
# make check runs this many tests at once: most of them wait on timers,
# sockets and other processes rather than the CPU (CHECK_JOBS overrides).
check_jobs=${CHECK_JOBS:-$((jobs * 3))}

packages=(build-essential autoconf automake pkg-config libbearssl-dev check
	debhelper dh-autoreconf
	tor nginx php-cli php-fpm php-curl curl openssl obfs4proxy tinyproxy dante-server
	python3 iproute2 clang libclang-rt-14-dev libbrotli-dev libnghttp2-dev chromium gnutls-bin
	python3-h2 python3-hpack)

install_missing() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	# clang's runtime package is versioned: accept any installed libclang-rt-*-dev.
	if [[ " ${missing[*]} " == *" libclang-rt-14-dev "* ]] &&
	   dpkg-query -W -f='${Package} ${Status}\n' 'libclang-rt-*-dev' 2>/dev/null | grep -q 'install ok installed'; then
		missing=("${missing[@]/libclang-rt-14-dev}")
	fi
	missing=($(printf '%s\n' "${missing[@]}" | sed '/^$/d'))
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "meek-c needs these Debian packages; run as root:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "== installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Packages may start their system services; our tests never use them.
	for s in tor nginx tinyproxy danted php8.2-fpm; do
		if command -v systemctl >/dev/null && systemctl is-active --quiet "$s" 2>/dev/null; then
			systemctl stop "$s" || true
		elif command -v service >/dev/null && service "$s" status >/dev/null 2>&1; then
			service "$s" stop >/dev/null 2>&1 || true
		fi
	done
}

# Python's cryptography >= 47 (ML-KEM) for tests/tls: the ML-KEM
# cross-check and the scripted hostile TLS server.  Debian 12's
# python3-cryptography (38) is too old, so it comes from PyPI.  Test peers
# only: the programs never use Python.
install_python_peers() {
	python3 -c 'from cryptography.hazmat.primitives.asymmetric import mlkem' 2>/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: tests/tls needs Python cryptography >= 47: pip install 'cryptography>=47'" >&2
		return 0
	fi
	echo "== installing Python cryptography >= 47 (PyPI) for tests/tls"
	python3 -m pip --version >/dev/null 2>&1 || apt-get install -y -qq python3-pip >/dev/null
	python3 -m pip install -q 'cryptography>=47' 2>/dev/null ||
		python3 -m pip install -q --break-system-packages 'cryptography>=47' ||
		echo "setup: could not install cryptography >= 47: tests/tls will say why they skip" >&2
}

# Go meek 0.37 (the reference meek-client and meek-server) for
# tests/ext/go_meek.sh, from the Go module proxy into Go's module cache,
# pinned by tests/ext/go-meek/go.mod and go.sum; the test builds it offline.
# Test peer only.
install_go_peers() {
	if ! command -v go >/dev/null 2>&1; then
		echo "setup: go is not installed: tests/ext/go_meek.sh and tests/tls/interop_go.sh will say why they skip" >&2
		return 0
	fi
	echo "== downloading Go meek 0.37 (Go module proxy) for tests/ext/go_meek.sh"
	GOFLAGS=-mod=readonly GOTOOLCHAIN=local go -C tests/ext/go-meek mod download ||
		echo "setup: could not download Go meek 0.37: tests/ext/go_meek.sh will say why it skips" >&2
}

build() { # build DIR [configure args...]
	local dir=$1; shift
	[ -x configure ] || ./autogen.sh >/dev/null
	mkdir -p "$dir"
	( cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } && make -j"$jobs" )
}

summary() { # summary DIR: sum the automake test logs into one closing line
	local pass fail
	pass=$(grep -h '^# PASS:' "$1"/test-suite.log 2>/dev/null | awk '{s+=$3} END {print s+0}')
	fail=$(grep -hE '^# (FAIL|ERROR|XPASS):' "$1"/test-suite.log 2>/dev/null | awk '{s+=$3} END {print s+0}')
	echo "$pass $fail"
}

install_missing
case "$what" in
build)
	build build
	;;
demo)
	build build
	make -C build demo
	;;
test)
	install_python_peers
	install_go_peers
	# One Go build cache for the Go test peers of every build (and distcheck).
	export MEEK_GOCACHE=${MEEK_GOCACHE:-$top/build/gocache}
	status=0 pass=0 fail=0
	# stage NAME CMD...: a stage that is not a test suite counts as one test.
	stage() {
		local name=$1 t0=$SECONDS; shift
		echo "== $name"
		if "$@"; then pass=$((pass + 1)); echo "== $name: ok ($((SECONDS - t0)) s)"
		else fail=$((fail + 1)); status=1; echo "== $name: FAILED ($((SECONDS - t0)) s)"; fi
	}
	# checks NAME DIR [configure args...]: build DIR, then the whole make
	# check in it; every test program counts (a failed build counts as one
	# failure).
	checks() {
		local name=$1 dir=$2 rc=0 p f t0=$SECONDS; shift 2
		echo "== $name"
		if ! ( build "$dir" "$@" ); then
			fail=$((fail + 1)); status=1
			echo "== $name: FAILED to build ($((SECONDS - t0)) s)"
			return 0
		fi
		rm -f "$dir"/test-suite.log
		make -C "$dir" -j"$check_jobs" check || rc=1
		read -r p f < <(summary "$dir")
		[ $rc = 0 ] || [ "$f" != 0 ] || f=1
		pass=$((pass + p)); fail=$((fail + f))
		echo "== $name: $p passed, $f failed ($((SECONDS - t0)) s)"
		if [ "$f" != 0 ]; then
			status=1
			grep -h -A40 '^FAIL\|^ERROR' "$dir"/test-suite.log 2>/dev/null | head -300
			echo "== $name: the failed checks (each test's FAIL lines):"
			grep -h -B2 -A6 '^FAIL - ' "$dir"/test-suite.log 2>/dev/null | head -120
		fi
	}
	checks "make check" build
	# Sanitized programs run several times slower: Check's per-test
	# timeouts grow with CK_TIMEOUT_MULTIPLIER, the scripts' bounds are
	# generous already.
	CK_TIMEOUT_MULTIPLIER=4 checks "ASan+UBSan: make check" \
		build-asan --enable-sanitizers=address,undefined
	CK_TIMEOUT_MULTIPLIER=8 checks "TSan: make check" \
		build-tsan --enable-sanitizers=thread
	stage "fuzz every parser for 30 s" make -C build fuzz FUZZ_SECONDS=30 FUZZ_JOBS="$jobs"
	stage "Debian packages build, install, run" bash contrib/ci/deb-test.sh
	stage "mipsel cross build, unit tests under qemu" bash contrib/ci/cross-test.sh mipsel
	# The release tarball (what contrib/openwrt/Makefile builds): it builds
	# in a fresh VPATH dir with a read-only source tree and passes make
	# check there.
	stage "make distcheck" make -C build -j"$check_jobs" distcheck
	stage "musl (the OpenWrt way): amd64 static+dynamic, unit tests, a session" \
		bash contrib/ci/musl-test.sh amd64
	stage "musl mipsel under qemu: static+dynamic, unit tests, a session" \
		bash contrib/ci/musl-test.sh mipsel
	echo "all: $pass passed, $fail failed"
	exit $status
	;;
*)
	echo "usage: $0 demo|test|build" >&2
	exit 2
	;;
esac
