#!/bin/bash
# Running the gateway as a service:
#   1. `make install` lays out the programs, the manual pages, the example configuration and
#      the systemd unit under PREFIX;
#   2. every manual page renders without a groff warning, and strowger.conf(5) has the keys;
#   3. `systemd-analyze verify` finds nothing wrong with the unit, and its offline security
#      review rates it "OK" (exposure below 5);
#   4. the daemon speaks systemd's notify protocol (Type=notify) to a real listener on
#      NOTIFY_SOCKET: READY=1 once its spans are up, RELOADING=1 then READY=1 on SIGHUP,
#      STOPPING=1 on SIGTERM.
# needs: strowger strowgerctl man/confman
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger strowgerctl man/confman

# 1. install
d=$T_LOGDIR/root
t_run install 120 make -s -C "$STROWGER_ROOT" BUILD="$STROWGER_BUILD" install \
	PREFIX="$d/usr" SYSCONFDIR="$d/etc" || { t_tail install; t_fail "make install failed (status $T_RC)"; }
for f in usr/sbin/strowger usr/sbin/strowgerctl usr/share/man/man8/strowger.8 \
	usr/share/man/man8/strowgerctl.8 usr/share/man/man5/strowger.conf.5 \
	usr/share/doc/strowger/strowger.conf.example etc/strowger/strowger.conf \
	usr/lib/systemd/system/strowger.service; do
	[ -s "$d/$f" ] || t_fail "make install did not write $f"
done
"$d/usr/sbin/strowger" --version | grep -q '^strowger ' || t_fail "the installed daemon does not run"
grep -q "^ExecStart=$d/usr/sbin/strowger -c $d/etc/strowger/strowger.conf$" \
	"$d/usr/lib/systemd/system/strowger.service" || t_fail "the unit's ExecStart has the wrong paths"

# 2. manual pages
for m in "$d"/usr/share/man/man*/*; do
	w=$(groff -man -ww -z "$m" 2>&1) || t_fail "groff cannot render $m"
	[ -z "$w" ] || t_fail "$(basename "$m"): $w"
done
for key in control_socket echocancel_taps fax_timeout proxy strip; do
	grep -q "^\.B $key\b" "$d/usr/share/man/man5/strowger.conf.5" ||
		t_fail "strowger.conf(5) does not describe $key"
done

# 3. the unit
unit=$d/usr/lib/systemd/system/strowger.service
v=$(systemd-analyze verify --man=no "$unit" 2>&1) || t_fail "systemd-analyze verify failed: $v"
[ -z "$v" ] || t_fail "systemd-analyze verify: $v"
exposure=$(systemd-analyze security --offline=yes "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for strowger.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || t_fail "systemd-analyze security gave no exposure level"
awk -v e="$exposure" 'BEGIN { exit !(e < 5.0) }' || t_fail "the unit's exposure is $exposure (want < 5)"
t_log "unit: verify clean, exposure $exposure"

# 4. the notify protocol: a datagram socket like systemd's, every message logged
sock=$T_LOGDIR/notify.sock
t_start notify python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
t0 = time.monotonic()
while True:
    m = s.recv(4096).decode()
    print("%.3f %s" % (time.monotonic() - t0, m.replace("\n", " | ")), flush=True)
' "$sock"
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || t_fail "the notify listener did not start"

export NOTIFY_SOCKET=$sock
gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
unset NOTIFY_SOCKET
t_wait_log notify "READY=1 \| STATUS=running: [0-9]+ spans" 20 || { t_tail gw 20; t_fail "no READY=1"; }
grep -q "span 2: up, 31 of 31 channels open" "$T_LOGDIR/gw.log" ||
	t_fail "READY=1 came before the spans were open"
kill -HUP "$GW_PID"
t_wait_log gw "reload done" 10 || t_fail "SIGHUP: no reload"
t_wait_log notify "RELOADING=1" 5 || t_fail "SIGHUP: no RELOADING=1"
[ "$(grep -c 'READY=1' "$T_LOGDIR/notify.log")" = 2 ] || { sleep 1;
	[ "$(grep -c 'READY=1' "$T_LOGDIR/notify.log")" = 2 ] || t_fail "no READY=1 after the reload"; }
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_wait_log notify "STOPPING=1" 5 || t_fail "SIGTERM: no STOPPING=1"
t_log "$(tr '\n' ';' <"$T_LOGDIR/notify.log")"
t_pass
