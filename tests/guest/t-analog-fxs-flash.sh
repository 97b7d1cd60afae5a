#!/bin/bash
# Hook flash on an FXS port, on real DAHDI: the phone (pstnsim --analog --role phone) calls
# the SIP peer through port 5:1 (flash_max_ms = 600 here) and talks; it pulse-dials, which
# DAHDI times in the kernel (a busy guest can split a DTMF digit in two). A 150 ms on-hook is
# no flash (DAHDI counts up to 200 ms as a dial pulse, a fixed limit: the gateway logs the
# pulse digit 1 and ignores it, the call goes on); a 300 ms flash in the answered call
# reaches the peer as RFC 4733 event 16 (rtpprobe logs the event, once) and the call goes on
# (audio both ways after it); then a 900 ms "flash", longer than flash_max_ms but shorter
# than DAHDI's own 1250 ms, is a hang-up: the peer gets BYE and the phone, back off-hook,
# hears dial tone again.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway.conf
sed 's/^howler_after = 10$/howler_after = 10\nflash_max_ms = 600/' \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^flash_max_ms = 600$' "$conf" || t_fail "test config: no flash_max_ms in [port 5:1-8]"
# Port 5:1 is DAHDI channel 111; its phone is 135.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)

gw_start "$conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 25 --wait-first 25
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-flash.msg"
uas=$T_PID
t_run phone 60 "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1s within 3s;
	pulse 5551234; tone 1004; expect-tone 1800 2s within 8s; flash 150ms; sleep 1s;
	expect-tone 1800 1s within 3s; flash 300ms; sleep 1s;
	expect-tone 1800 1s within 3s; flash 900ms; expect-tones 350+440 1s within 5s; onhook; sleep 1s' ||
	{ t_tail phone; t_tail gw 30; t_fail "phone script failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_tail gw 20; t_fail "the peer got no BYE after the long flash (SIPp status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz from the phone on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "hook flash on port 5:1: sent as RFC 4733 event 16" 5 || t_fail "no hook flash logged"
t_wait_log probe-uas "RFC 4733 event 16 " 2 || { t_tail probe-uas; t_fail "the peer did not receive RFC 4733 event 16"; }
t_wait_log gw "port 5:1: on-hook of 15-200 ms in state (calling|connected): dial pulses \(digit 1\), no flash: ignored" 2 ||
	t_fail "the 150 ms on-hook did not come as one dial pulse"
[ "$(grep -c 'hook flash on port 5:1' "$T_LOGDIR/gw.log")" = 1 ] ||
	t_fail "the 150 ms or the 900 ms on-hook was taken for a flash (flash_max_ms = 600)"
[ "$(grep -c 'RFC 4733 event 16 ' "$T_LOGDIR/probe-uas.log")" = 1 ] ||
	{ t_tail probe-uas; t_fail "the peer did not receive event 16 exactly once"; }
t_wait_log gw "port 5:1: on-hook: the call clears" 2 || t_fail "the long flash did not clear the call"
t_wait_log gw "CALL id=1 dir=tdm-sip port 5:1 trunk=peer called=5551234 calling=2001 .*answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
