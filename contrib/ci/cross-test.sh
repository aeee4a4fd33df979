#!/usr/bin/env bash
# contrib/ci/cross-test.sh ARCH: cross-build meek-c for a Debian architecture
# (mipsel, armhf, arm64, ...; or the host's own, e.g. amd64, natively) in a
# separate build dir, run the Check unit tests under qemu-user, and print
# the stripped sizes of the programs.
#
# As root, what is missing is installed (dpkg --add-architecture ARCH;
# crossbuild-essential-ARCH, libbearssl-dev:ARCH, check:ARCH, pkgconf:ARCH,
# libatomic1:ARCH (32-bit targets need it for 64-bit atomics at run time),
# qemu-user).  qemu runs the test binary explicitly, so no binfmt
# registration is needed (containers rarely have it).  No -L/QEMU_LD_PREFIX:
# -L /usr/TRIPLET would load the cross toolchain's ld.so (libc6-ARCH-cross)
# with the multiarch libc.so.6 (libc6:ARCH, pulled in by libbearssl0:ARCH);
# when their versions differ, every pthread_create crashes.  The multiarch
# libc6:ARCH provides a consistent /lib loader and libraries.  Unit tests
# that run `openssl` through system() run the host's /bin/sh and openssl.
# Environment: CROSS_TEST_KEEP=1 keeps the build dir; CFLAGS is passed to
# configure (default -g -O2); CK_TIMEOUT_MULTIPLIER (default 10: emulation
# is slow).
set -euo pipefail
arch=${1:?usage: cross-test.sh ARCH (mipsel, armhf, arm64, amd64...)}
src=$(cd "$(dirname "$0")/../.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
export DEBIAN_FRONTEND=noninteractive
. "$src/contrib/ci/lib.sh"

build_arch=$(dpkg --print-architecture)
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null) ||
	{ echo "cross-test: unknown Debian architecture $arch" >&2; exit 2; }
cpu=$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_CPU 2>/dev/null)
native=no; [ "$arch" = "$build_arch" ] && native=yes

if [ $native = yes ]; then
	need=(build-essential autoconf automake libbearssl-dev libbrotli-dev libnghttp2-dev check pkg-config openssl)
else
	# qemu's name for the CPU: Debian's GNU CPU name except for arm64.
	case $cpu in aarch64) qcpu=aarch64 ;; i686 | i586 | i486) qcpu=i386 ;; *) qcpu=$cpu ;; esac
	need=("crossbuild-essential-$arch" "libbearssl-dev:$arch" "check:$arch"
	    "pkgconf:$arch" "libatomic1:$arch" qemu-user autoconf automake openssl)
fi
foreign=$arch; [ $native = no ] || foreign=
ci_install cross-test "$foreign" "${need[@]}"

B=$(mktemp -d "${TMPDIR:-/tmp}/meek-cross-$arch.XXXXXX")
trap '[ -n "${CROSS_TEST_KEEP:-}" ] && echo "cross-test: kept $B" || rm -rf "$B"' EXIT

# Build from a copy regenerated with autoreconf (ci_source_copy says why).
top=$B/src
ci_source_copy "$src" "$top" "$B/autoreconf.log"
mkdir -p "$B/build"
cd "$B/build"
host_args=()
[ $native = yes ] || host_args=(--host="$triplet" --build="$(dpkg-architecture -qDEB_BUILD_GNU_TYPE)")
# libbrotlidec and libnghttp2 for ARCH: not installed as libbrotli-dev:ARCH
# and libnghttp2-dev:ARCH, because a multi-arch library must have the same
# version for every architecture and bookworm-security updates brotli for
# amd64 only (it has no mipsel builds: nghttp2's next security update skews
# the same way); the target's .debs are unpacked into a private directory
# and their static libraries linked instead.
if [ $native = no ]; then
	mkdir -p "$B/deb" "$B/sysroot"
	for p in libbrotli-dev libnghttp2-dev; do
		(cd "$B/deb" && apt-get download "$p:$arch" >/dev/null 2>&1) ||
			{ echo "cross-test: apt-get download $p:$arch failed" >&2; exit 1; }
		dpkg-deb -x "$B"/deb/"$p"_*.deb "$B/sysroot"
	done
	lib=$B/sysroot/usr/lib/$triplet
	export BROTLI_CFLAGS="-I$B/sysroot/usr/include"
	export BROTLI_LIBS="$lib/libbrotlidec.a $lib/libbrotlicommon.a"
	export NGHTTP2_CFLAGS="-I$B/sysroot/usr/include"
	export NGHTTP2_LIBS="$lib/libnghttp2.a"
fi
echo "== cross-test: configure ${host_args[*]:-(native)}"
"$top/configure" -q "${host_args[@]}" CFLAGS="${CFLAGS:--g -O2}" ||
	{ tail -n 40 config.log >&2; exit 1; }
make -j"$jobs" >"$B/make.log" 2>&1 || { tail -n 40 "$B/make.log" >&2; exit 1; }
# No rule for it means configure did not find Check for this architecture.
make -j"$jobs" tests/unit/check_all >>"$B/make.log" 2>&1 || { tail -n 40 "$B/make.log" >&2; exit 1; }
! command -v file >/dev/null || file meek-server | sed 's/, BuildID[^,]*//'

echo "== cross-test: unit tests ($arch)"
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
run=()
[ $native = yes ] || run=("qemu-$qcpu")
unset QEMU_LD_PREFIX
status=0
# The unit tests create their files under the current directory and TMPDIR.
"${run[@]}" tests/unit/check_all >"$B/check_all.out" 2>&1 || status=$?
# Check's own summary, reworded: the known emulator failure below would
# otherwise read as a failed test in the CI log.
sed -n 's/^\([0-9]*\)%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)$/cross-test: Check under qemu: \2 checks, \3 failures, \4 errors (before the emulator-bug check)/p' \
    "$B/check_all.out" | tail -n 1 || true
failed=$(ci_failed_tests "$B/check_all.out")
if [ $status -ne 0 ]; then
	grep -E ':[FE]:' "$B/check_all.out" || tail -n 30 "$B/check_all.out"
fi

# qemu-user's known getsockopt(SO_ERROR) errno bug (lib.sh's ci_soerr_probe
# explains it), proved by a probe rather than assumed.
if [ $status -ne 0 ] && [ $native = no ] && [ "$failed" = net_dial_refused ]; then
	ci_soerr_probe "$B/soerr.c"
	if "$triplet-gcc" -o "$B/soerr" "$B/soerr.c" && ! "${run[@]}" "$B/soerr"; then
		echo "cross-test: KNOWN EMULATOR BUG, not a meek-c failure: $(qemu-$qcpu --version | head -n 1)"
		echo "  does not translate getsockopt(SO_ERROR) errno values, so a refused connect"
		echo "  is not ECONNREFUSED in the guest; the only failing test is net_dial_refused."
		status=0
	fi
fi
[ $status -eq 0 ] || echo "cross-test: unit tests FAILED under ${run[*]:-native} (exit $status)"

echo "== cross-test: stripped sizes ($arch, CFLAGS=${CFLAGS:--g -O2}, bytes)"
strip=strip; [ $native = yes ] || strip=$triplet-strip
for prog in meek-server meek-client meek-reflect; do
	[ -e "$prog" ] || continue
	"$strip" -o "$B/$prog.stripped" "$prog"
	needs=$(readelf -d "$prog" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
	printf '%-14s %8d  (needs: %s)\n' "$prog" "$(stat -c %s "$B/$prog.stripped")" "$needs"
done
exit $status
