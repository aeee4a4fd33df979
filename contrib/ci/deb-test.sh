#!/usr/bin/env bash
# contrib/ci/deb-test.sh: build the Debian packages from a copy of the tree
# (the source tree is never written), install them, run each program's
# --help (every file they put in /usr/bin), and remove them again.  As root, missing build dependencies are
# installed with apt-get.  Environment: DEB_TEST_KEEP=1 keeps the work dir
# (its path is printed) with the .deb files.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" -eq 0 ] || { echo "deb-test: installing packages needs root" >&2; exit 1; }

builddeps=(build-essential dpkg-dev debhelper dh-autoreconf libbearssl-dev check pkg-config openssl)
missing=()
for p in "${builddeps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "== deb-test: installing ${missing[*]}"
	# A mirror mid-sync fails one index now and then; apt-get install says
	# precisely what is still missing if it matters.
	apt-get update -qq || echo "deb-test: apt-get update reported errors; trying anyway" >&2
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/meek-deb.XXXXXX")
installed_here=()
cleanup() {
	if [ ${#installed_here[@]} -gt 0 ]; then
		apt-get -o DPkg::Lock::Timeout=300 purge -y -qq "${installed_here[@]}" >/dev/null || true
	fi
	if [ -n "${DEB_TEST_KEEP:-}" ]; then echo "deb-test: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# Copy the sources, leaving out VCS data, build dirs and anything an
# in-tree build or package build made (dh_autoreconf regenerates configure
# and build-aux/).
# Not git ls-files: a too-wide .gitignore pattern would silently drop sources.
ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
W=$T/meek-c-$ver
mkdir -p "$W"
(cd "$src" && tar --exclude=./.git --exclude='./build*' --exclude=./autom4te.cache \
    --exclude='*.o' --exclude='*.a' --exclude=.deps --exclude=.dirstamp \
    --exclude='*.log' --exclude='*.trs' --exclude='*.deb' \
    --exclude=./config.status --exclude=./config.h --exclude=./stamp-h1 --exclude=./Makefile \
    --exclude=./meek-client --exclude=./meek-server --exclude=./meek-reflect \
    --exclude=./debian/tmp --exclude=./debian/.debhelper --exclude=./debian/meek-c-client --exclude=./debian/meek-c-server \
    --exclude=./debian/files --exclude='./debian/*.substvars' --exclude=./debian/debhelper-build-stamp \
    -cf - .) | tar -xf - -C "$W"

echo "== deb-test: dpkg-buildpackage in $W"
(cd "$W" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1) || {
	tail -n 60 "$T/build.log" >&2
	echo "deb-test: dpkg-buildpackage failed (log above)" >&2
	exit 1
}
grep -E '^(PASS|FAIL|ERROR|SKIP|# (TOTAL|PASS|FAIL|ERROR)):' "$T/build.log" || true

debs=("$T"/meek-c-*_"$ver"_*.deb)
debs=($(printf '%s\n' "${debs[@]}" | grep -v -- '-dbgsym_'))
[ ${#debs[@]} -ge 2 ] || { echo "deb-test: expected two packages, got: ${debs[*]}" >&2; exit 1; }
for d in "${debs[@]}"; do
	echo "== $(basename "$d"): $(dpkg-deb -f "$d" Depends)"
	dpkg-deb -c "$d" | awk '{print "   " $NF}'
done

for d in "${debs[@]}"; do
	p=$(dpkg-deb -f "$d" Package)
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		installed_here+=("$p")
done
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${debs[@]}" >/dev/null

# Every program the packages ship (meek-reflect too, once it exists).
contents=$(for d in "${debs[@]}"; do dpkg-deb -c "$d"; done)
progs=$(sed -n 's|.* \./usr/bin/\(.*\)$|\1|p' <<<"$contents" | sort)
[ -n "$progs" ] || { echo "deb-test: the packages ship no program" >&2; exit 1; }
status=0
for prog in $progs; do
	if out=$("/usr/bin/$prog" --help 2>&1) && echo "$out" | grep -q "^Usage: $prog"; then
		echo "ok: /usr/bin/$prog --help"
	else
		echo "FAIL: /usr/bin/$prog --help:"; echo "$out"; status=1
	fi
	# Checked in the packages, not on disk: container images often tell dpkg
	# to skip /usr/share/man.
	grep -q " \./usr/share/man/man1/$prog\.1\.gz$" <<<"$contents" ||
		{ echo "FAIL: no man page for $prog in the packages"; status=1; }
done

if [ ${#installed_here[@]} -gt 0 ]; then
	apt-get -o DPkg::Lock::Timeout=300 purge -y -qq "${installed_here[@]}" >/dev/null
	for p in "${installed_here[@]}"; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$'; then
			echo "FAIL: $p is still installed"; status=1
		fi
	done
	installed_here=()
	for prog in $progs; do
		[ ! -e "/usr/bin/$prog" ] || { echo "FAIL: /usr/bin/$prog left behind"; status=1; }
	done
fi
[ $status -eq 0 ] && echo "deb-test: packages build, install, run and remove"
exit $status
