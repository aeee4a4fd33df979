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

builddeps=(build-essential dpkg-dev debhelper dh-autoreconf libbearssl-dev libbrotli-dev libnghttp2-dev check pkg-config openssl
	apparmor)  # apparmor: apparmor_parser compiles tor's profile with our include
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
status=0
for d in "${debs[@]}"; do
	dep=$(dpkg-deb -f "$d" Depends)
	echo "== $(basename "$d"): $dep"
	dpkg-deb -c "$d" | awk '{print "   " $NF}'
	# ${shlibs:Depends}: meek-client links libnghttp2 (HTTP/2), the
	# server's programs do not.
	case $(dpkg-deb -f "$d" Package) in
	meek-c-client) grep -Eq '(^|, )libnghttp2-[0-9]+( |,|$)' <<<"$dep" ||
		{ echo "FAIL: meek-c-client does not depend on libnghttp2"; status=1; } ;;
	*) ! grep -q libnghttp2 <<<"$dep" ||
		{ echo "FAIL: $(dpkg-deb -f "$d" Package) depends on libnghttp2"; status=1; } ;;
	esac
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

# The operator's set-up as shipped: the certbot hook places a certificate,
# the systemd unit's own command line runs as its user with its umask and
# state directory (made as systemd would: no systemd in CI), and another
# user (node_exporter's place: nobody) reads the --stats file.  Loopback
# only: the unit's 0.0.0.0:443 becomes 127.0.0.1:PORT.
operator_test() {
	local ex=/usr/share/doc/meek-c-server/examples unit hook cmd user umask_ state mode
	local made_user=0 made_dir=0 pid="" port i rc=0 line
	unit=$(zcat -f "$ex/meek-server.service"* 2>/dev/null) || { echo "FAIL: no unit in $ex"; return 1; }
	hook=$(ls "$ex"/meek-server-deploy-hook* | head -n 1)
	user=$(sed -n 's/^User=//p' <<<"$unit")
	umask_=$(sed -n 's/^UMask=//p' <<<"$unit")
	state=$(sed -n 's/^StateDirectory=//p' <<<"$unit")
	mode=$(sed -n 's/^StateDirectoryMode=//p' <<<"$unit")
	cmd=$(sed -n '/^ExecStart=/,/[^\\]$/p' <<<"$unit" | sed 's/^ExecStart=//; s/\\$//' | tr '\n' ' ')
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cmd=${cmd/0.0.0.0:443/127.0.0.1:$port}
	[ -n "$user" ] && [ -n "$state" ] && [ -n "$cmd" ] || { echo "FAIL: cannot read the unit"; return 1; }
	id "$user" >/dev/null 2>&1 || { adduser --system --group --no-create-home "$user" >/dev/null; made_user=1; }
	[ -e /etc/meek-server ] || made_dir=1
	mkdir -p "$T/live"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	    -subj /CN=localhost -keyout "$T/live/privkey.pem" -out "$T/live/fullchain.pem" >/dev/null 2>&1
	if RENEWED_LINEAGE=$T/live MEEK_SERVICE= sh "$hook"; then
		echo "ok: the certbot hook placed the certificate: $(stat -c '%U:%G %a' /etc/meek-server)" \
		    "$(stat -c '%n %U %a' /etc/meek-server/fullchain.pem /etc/meek-server/privkey.pem | tr '\n' ' ')"
	else
		echo "FAIL: the certbot hook failed"; rc=1
	fi
	install -d -o "$user" -g "$user" -m "${mode:-0755}" "/var/lib/$state"
	# The unit's command line, as its user, with its umask; an ORPort need
	# not answer for a GET and the counters.
	(umask "${umask_:-0022}"; exec setpriv --reuid="$user" --regid="$user" --init-groups \
	    $cmd) >"$T/op.out" 2>"$T/op.err" </dev/null &
	pid=$!
	for i in $(seq 300); do grep -q '^LISTEN ' "$T/op.out" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if grep -q '^LISTEN ' "$T/op.out"; then
		echo "ok: the unit's command line runs as $user: $(head -n 1 "$T/op.out")"
	else
		echo "FAIL: the unit's command line did not start as $user:"; cat "$T/op.err"; rc=1
	fi
	line=$(curl -sk --max-time 20 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/" || true)
	[ "$line" = 200 ] && echo "ok: TLS with the hook's certificate (GET / -> 200)" ||
		{ echo "FAIL: GET / over TLS gave '$line'"; rc=1; }
	statsf=$(grep -o -- '--stats [^ ]*' <<<"$cmd" | cut -d' ' -f2)
	for i in $(seq 300); do [ -s "$statsf" ] && break; sleep 0.1; done
	if setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$statsf" 2>/dev/null | grep -q '^meek_server_sessions_open '; then
		echo "ok: nobody reads $statsf ($(stat -c '%U %a' "$statsf"))"
	else
		echo "FAIL: nobody cannot read the --stats file $statsf"; ls -la "$(dirname "$statsf")"; cat "$T/op.err"; rc=1
	fi
	# A renewal: the hook signals the running server, the one this test
	# started (MEEK_PIDFILE: no systemctl, no pkill of other processes).
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 \
	    -subj /CN=localhost -keyout "$T/live/privkey.pem" -out "$T/live/fullchain.pem" >/dev/null 2>&1
	echo "$pid" >"$T/meek-server.pid"
	RENEWED_LINEAGE=$T/live MEEK_SERVICE= MEEK_PIDFILE=$T/meek-server.pid sh "$hook" ||
		{ echo "FAIL: the hook failed on renewal"; rc=1; }
	for i in $(seq 100); do grep -q 'SIGHUP: certificate and key reloaded' "$T/op.err" && break; sleep 0.1; done
	grep -q 'SIGHUP: certificate and key reloaded' "$T/op.err" && echo "ok: renewal reloaded by the running server" ||
		{ echo "FAIL: no reload after the hook's SIGHUP"; cat "$T/op.err"; rc=1; }
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	rm -rf "/var/lib/$state"
	[ $made_dir = 0 ] || rm -rf /etc/meek-server
	[ $made_user = 0 ] || deluser --system "$user" >/dev/null 2>&1 || true
	return $rc
}
operator_test || status=1

# Debian's tor may execute the programs under its AppArmor profile: the
# packages add their abstraction to the profile's local include (only where
# tor's profile is installed), and the whole profile must still compile.
aa_local=/etc/apparmor.d/local/system_tor
if [ -f /etc/apparmor.d/system_tor ]; then
	for p in meek-c-client meek-c-server; do
		if [ -f "/etc/apparmor.d/abstractions/$p" ] &&
		    grep -qxF "include if exists <abstractions/$p>" "$aa_local"; then
			echo "ok: $aa_local includes abstractions/$p"
		else
			echo "FAIL: $aa_local lacks abstractions/$p"; status=1
		fi
	done
	grep -q '/usr/bin/meek-client Pix' /etc/apparmor.d/abstractions/meek-c-client &&
	    grep -q '/usr/bin/meek-server Pix' /etc/apparmor.d/abstractions/meek-c-server ||
		{ echo "FAIL: the abstractions do not let tor execute /usr/bin/meek-*"; status=1; }
	if command -v apparmor_parser >/dev/null; then
		# -Q: compile only, never load into the kernel.
		if out=$(apparmor_parser -Q -K -T /etc/apparmor.d/system_tor 2>&1); then
			echo "ok: apparmor_parser compiles system_tor with the includes"
		else
			echo "FAIL: apparmor_parser on system_tor: $out"; status=1
		fi
	else
		echo "deb-test: apparmor_parser not installed: the profile was not compiled"
	fi
else
	echo "deb-test: tor's AppArmor profile is not installed: include not checked"
fi

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
	if [ -f "$aa_local" ] && grep -q 'abstractions/meek-c-' "$aa_local"; then
		echo "FAIL: purge left the include in $aa_local"; status=1
	fi
fi
[ $status -eq 0 ] && echo "deb-test: packages build, install, run and remove"
exit $status
