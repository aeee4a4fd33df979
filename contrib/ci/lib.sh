# contrib/ci/lib.sh: what cross-test.sh and musl-test.sh share (sourced by
# both, bash).  Each function takes the calling script's name (NAME:
# cross-test, musl-test) for the prefix of its messages.

# ci_install NAME ARCH PKG...: installs the PKGs that are not installed (as
# root; otherwise says what to run and exits 1), after adding the foreign
# architecture ARCH (empty: none) to dpkg if it is missing.  The caller
# exports DEBIAN_FRONTEND=noninteractive.
ci_install() {
	local name=$1 foreign=$2 p missing=()
	shift 2
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" -eq 0 ] || { echo "$name: as root, run: apt-get install ${missing[*]}" >&2; exit 1; }
	if [ -n "$foreign" ] && ! dpkg --print-foreign-architectures | grep -qx "$foreign"; then
		dpkg --add-architecture "$foreign"
	fi
	echo "== $name: installing ${missing[*]}"
	# A mirror mid-sync fails one index now and then; apt-get install then
	# says precisely what is still missing if it matters.
	apt-get update -qq || echo "$name: apt-get update reported errors; trying anyway" >&2
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ci_source_copy SRC TOP LOG: copies the source tree SRC to TOP (without
# .git, debian/ and any build products) and regenerates it there with
# autoreconf -fi, its output in LOG (shown, then exit 1, when it fails).
# A VPATH build straight from SRC would let automake's rebuild rules rewrite
# its Makefile.in whenever an include.am is newer: from the copy, nothing
# is written into the source tree.
ci_source_copy() {
	local src=$1 top=$2 log=$3
	mkdir -p "$top"
	(cd "$src" && tar --exclude=./.git --exclude='./build*' --exclude=./autom4te.cache \
	    --exclude='*.o' --exclude='*.a' --exclude=.deps --exclude=.dirstamp \
	    --exclude='*.log' --exclude='*.trs' --exclude=./debian \
	    --exclude=./config.status --exclude=./Makefile --exclude=./config.h --exclude=./stamp-h1 \
	    --exclude=./meek-client --exclude=./meek-server --exclude=./meek-reflect \
	    -cf - .) | tar -xf - -C "$top"
	(cd "$top" && autoreconf -fi >"$log" 2>&1) || { cat "$log" >&2; exit 1; }
}

# ci_failed_tests OUT: the names of the tests that failed or erred in
# OUT (the output of check_all), one a line, sorted.
ci_failed_tests() {
	sed -n 's/^[^:]*:[0-9]*:[FE]:[^:]*:\([^:]*\):.*/\1/p' "$1" | sort -u
}

# ci_soerr_probe FILE: writes to FILE the C source of a program that exits
# 0 when a refused non-blocking connect reads as ECONNREFUSED through
# getsockopt(SO_ERROR), 1 when it does not, 2 when the connect did not start.
# Known emulator bug, proved by this probe rather than assumed: qemu-user up
# to at least 7.2 hands the host's errno value through getsockopt(SO_ERROR)
# untranslated, so a refused non-blocking connect reads as 111 (x86's
# ECONNREFUSED) where MIPS expects 146.  Only net_dial_refused depends on it.
ci_soerr_probe() {
	cat >"$1" <<'PROBE'
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof a, el = sizeof(int);
	int l = socket(AF_INET, SOCK_STREAM, 0), s, e = 0;
	struct pollfd p;
	bind(l, (void *)&a, sizeof a);
	getsockname(l, (void *)&a, &al);
	close(l); /* nothing listens on that port now */
	s = socket(AF_INET, SOCK_STREAM, 0);
	fcntl(s, F_SETFL, O_NONBLOCK);
	if (connect(s, (void *)&a, sizeof a) == 0 || errno != EINPROGRESS)
		return 2;
	p.fd = s; p.events = POLLOUT;
	poll(&p, 1, 10000);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el);
	return e == ECONNREFUSED ? 0 : 1;
}
PROBE
}
