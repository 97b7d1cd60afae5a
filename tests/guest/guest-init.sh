#!/bin/bash
# PID 1 of the guest once the initramfs has switched to the host's root (read-only 9p +
# tmpfs overlay): load DAHDI, configure the looped spans, run the suite, power off.
# Started by the /init that tests/guest/run.sh writes into the initramfs; the kernel command
# line gives STROWGER_ROOT and STROWGER_RESULTS, $STROWGER_RESULTS/guest.env the rest.
# Everything printed here goes to the serial console (the host keeps it as console.log).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C LC_ALL=C TERM=dumb
set -u
R=$STROWGER_RESULTS
T_USER=$(cut -d' ' -f1 /proc/uptime)
echo "=== guest userspace up at ${T_USER}s (kernel $(uname -r))"

# shellcheck source=/dev/null
. "$R/guest.env"
[ -n "${STROWGER_GW_BIN:-}" ] || unset STROWGER_GW_BIN
export STROWGER_ROOT STROWGER_BUILD STROWGER_RESULTS STROWGER_SUITE STROWGER_GUEST_TESTS \
	STROWGER_TEST_TIMEOUT STROWGER_GUEST_DEADLINE STROWGER_DEMO_TESTS ${STROWGER_GW_BIN:+STROWGER_GW_BIN} \
	STROWGER_SOAK_SECS STROWGER_SOAK_SEED STROWGER_SOAK_QUICK_RESTORE

T_DAHDI=
T_TESTS_END=

finish() {
	local t_end
	t_end=$(cut -d' ' -f1 /proc/uptime)
	{
		echo "GUEST_USERSPACE=$T_USER"
		echo "GUEST_DAHDI=${T_DAHDI:-}"
		echo "GUEST_TESTS_END=${T_TESTS_END:-}"
		echo "GUEST_END=$t_end"
	} >"$R/timing.env"
	dmesg >"$R/dmesg.txt" 2>/dev/null
	echo "=== guest done at ${t_end}s"
	echo "done" >"$R/done"
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

setup_fail() {
	echo "FAIL dahdi-setup: $*" | tee -a "$R/results.txt"
	dmesg | tail -20 | sed 's/^/  | /'
	finish
}

ip link set lo up || echo "guest: cannot bring lo up"
hostname strowger-guest 2>/dev/null
# No tmpfs over /tmp: the results share or the VM cache may live under the host's /tmp.
# The overlay's tmpfs upper layer already makes every path writable.

M=$STROWGER_DAHDI_MODULES
insmod "$M/dahdi.ko" auto_assign_spans=1 || setup_fail "insmod dahdi.ko failed"
insmod "$M/dahdi_dynamic.ko" || setup_fail "insmod dahdi_dynamic.ko failed"
insmod "$M/dahdi_dynamic_loc.ko" || setup_fail "insmod dahdi_dynamic_loc.ko failed"
# DAHDI's own software echo canceller, attached to some channels by spans.sh
insmod "$M/dahdi_echocan_mg2.ko" || setup_fail "insmod dahdi_echocan_mg2.ko failed"

. "$STROWGER_ROOT/tests/guest/spans.sh"
why=$(spans_setup 2>&1) || setup_fail "$(echo "$why" | tr '\n' ' ')"
[ -n "$why" ] && echo "$why"
T_DAHDI=$(cut -d' ' -f1 /proc/uptime)
spans=(/proc/dahdi/[0-9]*)
echo "=== DAHDI configured at ${T_DAHDI}s: ${#spans[@]} spans"
for s in $(seq 1 "$SPANS_COUNT"); do head -1 "/proc/dahdi/$s"; done

cd "$STROWGER_ROOT" || setup_fail "no $STROWGER_ROOT"
bash "$STROWGER_SUITE"
T_TESTS_END=$(cut -d' ' -f1 /proc/uptime)
finish
