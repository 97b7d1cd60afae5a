#!/bin/bash
# A re-INVITE that moves the media (RFC 3264 §8.3.1 new port, §8.3.2 new codec) re-points the
# stream without dropping the call: the SIP phone calls the PBX with PCMU at one port, then
# re-INVITEs with PCMA only at another; the PBX hears the first probe's tone, then the
# second's; the second probe hears the PBX; the call ends normally.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline
t_start pbx "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930778 30s; answer; tone 1004;
	expect-tone 1800 2s within 5s; expect-tone 1400 2s within 8s; expect hangup 16 30s'
pbx=$T_PID
probe=$(t_bin tests/rtpprobe/rtpprobe)
t_start probe1 "$probe" --listen 127.0.0.1:6002 --tag before --pt 0 --send-tone 1800 \
	--expect-tone 1004 --duration 8 --wait-first 15
probe1=$T_PID
t_start probe2 "$probe" --listen 127.0.0.1:6004 --tag after --pt 8 --send-tone 1400 \
	--expect-tone 1004 --duration 20 --wait-first 20
probe2=$T_PID
pbx_wait_ready pbx
sip_uac gw_uac_move.xml 6002 4930778 -key probe_port2 6004 -d 4000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "move scenario failed (SIPp status $T_RC): answer not PCMA?"; }
t_wait_exit "$pbx" 20 || { t_tail pbx; t_fail "PBX did not hear the phone before and after the move (status $T_RC)"; }
t_wait_exit "$probe1" 10 || { t_tail probe1; t_fail "no PBX audio at the first port (status $T_RC)"; }
kill -TERM "$probe2"
t_wait_exit "$probe2" 5 || { t_tail probe2; t_fail "no PBX audio at the new port in PCMA (status $T_RC)"; }
t_wait_log gw "re-INVITE: 127.0.0.1:6004 PCMA" 5 || t_fail "move not logged"
t_wait_log gw "CALL id=1 .*answered=yes cause=16 " 5 || t_fail "call did not end normally"
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
