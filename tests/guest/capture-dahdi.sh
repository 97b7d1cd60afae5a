#!/bin/bash
# Not a test: records what DAHDI reports about the guest's looped spans (/proc/dahdi/N, the
# sysfs span attributes, dahdi_scan, dahdi_cfg -t) into $STROWGER_RESULTS/cap, the source of
# the fixtures under tests/unit/fixtures/dahdi/ (guest-*). Run it as a suite:
#   tests/guest/run.sh --build build tests/guest/capture-dahdi.sh
set -u
O=$STROWGER_RESULTS/cap
mkdir -p "$O"
for f in /proc/dahdi/[0-9]*; do cat "$f" >"$O/proc-${f##*/}.txt"; done
for d in /sys/bus/dahdi_spans/devices/*; do
	for a in "$d"/*; do
		[ -f "$a" ] && [ "${a##*/}" != uevent ] && { echo "== ${a##*/}"; cat "$a" 2>&1; }
	done >"$O/sys-${d##*/}.txt"
done
dahdi_scan >"$O/dahdi_scan.txt" 2>&1
dahdi_cfg -t -vv -c /etc/dahdi/system.conf >"$O/dahdi_cfg-t.txt" 2>&1
echo "rc=$?" >>"$O/dahdi_cfg-t.txt"
echo "PASS capture" >>"$STROWGER_RESULTS/results.txt"
