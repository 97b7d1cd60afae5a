#!/bin/bash
# The fresh-machine check: does the README's first command work on a Debian 12 that has
# nothing but a minimal base, make and git? Builds (or reuses) a debootstrap minbase root,
# unpacks a clean copy of it, clones the committed HEAD into it and runs `make deps demo`
# there, as root, in one invocation — exactly as a new user would.
#
#   tests/fresh/fresh-check.sh [COMMAND]        (default: make deps demo)
#
# Environment:
#   STROWGER_FRESH_CACHE  where the pristine root tarball is kept (default
#                         /var/cache/strowger-fresh; delete it to debootstrap anew)
#   STROWGER_FRESH_KEEP   1: keep the unpacked root after the run (for a look inside)
#
# Only what is committed is checked (the clone is of HEAD). The Debian mirror is the one apt
# on this machine already uses; no host name is written here. The mounts live in a private
# mount namespace, so they vanish with it whatever happens. Prints one closing line,
# "fresh: 1 passed, 0 failed" or "fresh: 0 passed, 1 failed", and exits 0 only on a pass.
set -u
set -o pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
CACHE=${STROWGER_FRESH_CACHE:-/var/cache/strowger-fresh}
CMD=${1:-make deps demo}
T0=$(date +%s)

say() { echo "fresh: $*"; }
verdict() {
	say "$1 after $(( $(date +%s) - T0 )) s"
	if [ "$2" = 0 ]; then echo "fresh: 1 passed, 0 failed"; else echo "fresh: 0 passed, 1 failed"; fi
	exit "$2"
}
fail() { say "error: $*" >&2; verdict "FAIL" 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap, chroot, mounts)"
export PATH=$PATH:/usr/sbin:/sbin
for tool in debootstrap:debootstrap unshare:util-linux git:git; do
	command -v "${tool%%:*}" >/dev/null 2>&1 ||
		fail "${tool%%:*} not found: apt-get install ${tool#*:}"
done
commit=$(git -C "$ROOT" rev-parse HEAD) || fail "$ROOT is not a git checkout"
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes are not part of the check (it clones HEAD $commit)"

# The Debian archives apt uses here, as "URI suite component" from apt's own view of its
# sources (origin Debian only, so a third-party repository never leaks into the root).
sources=$(apt-cache policy 2>/dev/null | awk '
	/^ *[0-9]+ (https?|file):/ { uri = $2; split($3, sc, "/"); suite = sc[1]; comp = sc[2]; next }
	/^ *release / && uri != "" { if ($0 ~ /o=Debian,/) print uri, suite, comp; uri = "" }' | sort -u)
mirror=$(echo "$sources" | awk '$2 == "bookworm" { print $1; exit }')
[ -n "$mirror" ] || fail "apt on this machine has no Debian bookworm archive in its lists (apt-get update?)"

# ------------------------------------------------------------------ the pristine root (cached)
mkdir -p "$CACHE" || fail "cannot create $CACHE"
TARBALL=$CACHE/bookworm-minbase.tar
exec 9>"$CACHE/.lock"
flock 9
if [ ! -s "$TARBALL" ]; then
	say "debootstrap --variant=minbase bookworm (cached in $TARBALL)"
	tmp=$(mktemp -d "$CACHE/.tmp.XXXXXX")
	if ! debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
		tail -20 "$CACHE/debootstrap.log" >&2
		rm -rf "$tmp"
		fail "debootstrap failed (log: $CACHE/debootstrap.log)"
	fi
	tar -C "$tmp/root" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL" || { rm -rf "$tmp"; fail "cannot write $TARBALL"; }
	rm -rf "$tmp"
	say "debootstrap done after $(( $(date +%s) - T0 )) s"
fi
flock -u 9

# ------------------------------------------------------------------ a clean copy, the clone
WORK=$(mktemp -d /var/tmp/strowger-fresh.XXXXXX) || fail "mktemp"
cleanup() { [ "${STROWGER_FRESH_KEEP:-0}" = 1 ] && say "kept $WORK/root" || rm -rf "$WORK"; }
trap cleanup EXIT
R=$WORK/root
mkdir "$R" && tar -C "$R" -xf "$TARBALL" || fail "cannot unpack $TARBALL"
echo "$sources" | awk '{ print "deb", $1, $2, $3 }' >"$R/etc/apt/sources.list"
rm -f "$R"/etc/apt/sources.list.d/*
cp -L /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
# An apt proxy configured on this machine applies inside too.
apt-config dump 2>/dev/null | grep -iE '^Acquire::(https?|ftp)::Proxy ' >"$R/etc/apt/apt.conf.d/90host-proxy" || rm -f "$R/etc/apt/apt.conf.d/90host-proxy"
git clone -q --no-hardlinks "$ROOT" "$R/root/strowger" && git -C "$R/root/strowger" checkout -q "$commit" ||
	fail "cannot clone $ROOT at $commit"

# ------------------------------------------------------------------ inside: make, git, the command
say "in a clean bookworm root: apt-get install make git; then '$CMD' at $commit"
# shellcheck disable=SC2016
unshare --mount --propagation private bash -c '
	set -e
	R=$1; CMD=$2
	mount -t proc proc "$R/proc"
	mount --rbind /sys "$R/sys"
	mount --rbind /dev "$R/dev"
	mount -t tmpfs tmpfs "$R/dev/shm"
	mount -t tmpfs tmpfs "$R/tmp"
	exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
		LANG=C.UTF-8 CI="${CI:-}" WERROR="${WERROR:-}" /bin/bash -c "
		set -e
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends make git >/dev/null
		cd /root/strowger
		echo \"fresh: running: $CMD\"
		$CMD"
' fresh "$R" "$CMD"
rc=$?
[ "$rc" = 0 ] && verdict "PASS: '$CMD' on a clean root" 0
verdict "FAIL: '$CMD' on a clean root exited $rc" 1
