#!/bin/sh
# Install every Debian package Strowger needs to build, test and run the guest tier.
# Non-interactive and idempotent; waits while another process holds the dpkg/apt lock.
set -u
if [ "$(id -u)" != 0 ]; then
	echo "make deps: must run as root (apt-get install); try: sudo make deps" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT

apt_retry() {
	i=0
	while [ $i -lt 120 ]; do
		if apt-get -o DPkg::Lock::Timeout=60 "$@" >"$log" 2>&1; then return 0; fi
		if grep -qE 'Could not get lock|Unable to lock|is locked by another process|Unable to acquire' "$log"; then
			echo "make deps: apt is locked by another process, waiting..." >&2
			sleep 5; i=$((i + 1)); continue
		fi
		cat "$log" >&2; return 1
	done
	cat "$log" >&2; return 1
}

# Build: compiler, pkg-config and the telephony libraries.
BUILD_PKGS="build-essential pkg-config libinih-dev dahdi-source libtonezone-dev libpri-dev
	libspandsp-dev libsofia-sip-ua-dev libsystemd-dev libsrtp2-dev libnss3-dev libsqlite3-dev
	libmicrohttpd-dev"
# Tests: Criterion, SIP peers (SIPp; baresip, an SRTP peer; Kamailio, a load balancer; socat
# carries SIPp over TLS, dnsmasq serves the SRV records of the DNS tests), the
# qemu guest that runs the real DAHDI driver ("dahdi" for dahdi_cfg; naming dahdi-source too
# keeps apt from building dahdi-dkms), debootstrap and git for the fresh-machine check
# (tests/fresh/fresh-check.sh), sqlite3 and curl to check CDRs and metrics, chromium
# (headless) to load the status page, tshark to read the SIP trace's pcap files.
TEST_PKGS="libcriterion-dev sip-tester baresip-core kamailio socat dnsmasq-base dahdi qemu-system-x86 busybox-static kmod cpio xz-utils iproute2
	debootstrap git sqlite3 curl chromium tshark"

have_all() {
	for p in $BUILD_PKGS $TEST_PKGS "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || return 1
	done
}

# Kernel headers for the guest kernel: the ABI bookworm's linux-image-amd64 points at.
# The package lists are needed to know it, so update first unless everything is present.
KV=$(sh tests/guest/kernel-version.sh 2>/dev/null || true)
if [ -n "$KV" ] && have_all "linux-headers-$KV"; then
	echo "make deps: all packages present (guest kernel $KV)"
	exit 0
fi
echo "make deps: apt-get update"
apt_retry update || exit 1
KV=$(sh tests/guest/kernel-version.sh) || { echo "make deps: cannot tell the guest kernel version" >&2; exit 1; }
echo "make deps: installing packages (guest kernel $KV)"
# shellcheck disable=SC2086
apt_retry install -y --no-install-recommends $BUILD_PKGS $TEST_PKGS "linux-headers-$KV" || exit 1
echo "make deps: done"
