#!/usr/bin/env bash
# meek-c: one command from a fresh Debian/Ubuntu machine to a running demo or
# a full test run.
#
#   ./setup.sh demo   install what is missing, build, run `make demo`
#   ./setup.sh test   install what is missing, build, run every test
#                     (make check, then the unit tests under ASan+UBSan and TSan)
#   ./setup.sh build  install what is missing and build only
#
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact apt-get line is printed and the script stops.
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
what=${1:-demo}
jobs=$(nproc 2>/dev/null || echo 2)

packages=(build-essential autoconf automake pkg-config libbearssl-dev check
	tor nginx php-cli php-fpm curl openssl obfs4proxy tinyproxy dante-server
	python3 iproute2 clang libclang-rt-14-dev)

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
	build build
	status=0
	make -C build -j"$jobs" check || status=1
	read -r p1 f1 < <(summary build)
	echo "== unit tests under ASan+UBSan"
	build build-asan --enable-sanitizers=address,undefined
	CK_TIMEOUT_MULTIPLIER=4 make -C build-asan check TESTS=tests/unit/check_all || status=1
	read -r p2 f2 < <(summary build-asan)
	echo "== unit tests under TSan"
	build build-tsan --enable-sanitizers=thread
	CK_TIMEOUT_MULTIPLIER=8 make -C build-tsan check TESTS=tests/unit/check_all || status=1
	read -r p3 f3 < <(summary build-tsan)
	for d in build build-asan build-tsan; do
		[ -f "$d/test-suite.log" ] && grep -q '^# FAIL: [1-9]\|^# ERROR: [1-9]' "$d/test-suite.log" &&
			cat "$d/test-suite.log"
	done
	echo "test programs: $((p1 + p2 + p3)) passed, $((f1 + f2 + f3)) failed"
	exit $status
	;;
*)
	echo "usage: $0 demo|test|build" >&2
	exit 2
	;;
esac
