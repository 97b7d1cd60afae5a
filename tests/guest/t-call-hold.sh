#!/bin/bash
# Hold and resume by re-INVITE (RFC 3264 §8.4): the SIP phone calls the PBX, then puts the
# call on hold (a=sendonly); the gateway answers a=recvonly and stops sending RTP while the
# phone's audio still reaches the PBX; on resume (a=sendrecv) audio flows both ways again.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline
t_start pbx "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930777 30s; answer; tone 1004;
	expect-tone 1800 2s within 5s; sleep 5s; expect-tone 1800 2s within 3s; expect hangup 16 30s'
pbx=$T_PID
t_start probe "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 22 --wait-first 15
probe=$T_PID
pbx_wait_ready pbx
# -d: talk 3 s before the hold and 3 s after the resume; the hold lasts 5 s.
sip_uac gw_uac_hold.xml 6002 4930777 -d 3000 ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "hold/resume scenario failed (SIPp status $T_RC): answers not recvonly/sendrecv?"; }
t_wait_exit "$pbx" 20 || { t_tail pbx; t_fail "PBX lost the phone's audio across hold/resume (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe; t_fail "no 1004 Hz at the phone after resume (rtpprobe status $T_RC)"; }
sent=$(grep -m1 '^PROBE' "$T_LOGDIR/probe.log" | tr ' ' '\n' | sed -n 's/^sent=//p')
received=$(grep -m1 '^PROBE' "$T_LOGDIR/probe.log" | tr ' ' '\n' | sed -n 's/^received=//p')
# 5 s on hold = 250 packets the phone sent and the gateway did not; without a hold the two
# counts differ by ~70 (start-up and tear-down).
[ $((sent - received)) -ge 170 ] ||
	t_fail "gateway kept sending RTP during hold (phone sent $sent, received $received)"
t_wait_log gw "re-INVITE: .*\(hold\)" 5 || t_fail "hold not logged"
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
