#!/bin/bash
# NAT and session refresh on a SIP -> PRI call: with external_address = 127.0.0.2 the
# gateway's 200 names it in SDP c=/o= and Contact (SIPp checks; the sockets stay on
# 127.0.0.1, where the probes' RTP and SIPp's requests still arrive). The peer makes the
# gateway the session refresher (RFC 4028 §9) and answers its refresh re-INVITE with its
# media on another port (RFC 3264 §8): the gateway's RTP moves there (the second probe hears
# the PBX) and the PBX hears the second probe; the call ends normally.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/gateway-nat.conf
sed 's/^\[general\]$/[general]\nexternal_address = 127.0.0.2/' \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^external_address = 127.0.0.2$' "$conf" || t_fail "could not write the test's configuration"
gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline
# The refresh comes 38 s after the answer (half of 90 s less the UA's 7 s lead).
t_start pbx "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930778 30s; answer; tone 1004;
	expect-tone 1800 2s within 5s; expect-tone 1400 2s within 60s; expect hangup 16 30s'
pbx=$T_PID
probe=$(t_bin tests/rtpprobe/rtpprobe)
# The first probe stops well before the refresh: after it, any source may latch anew.
t_start probe1 "$probe" --listen 127.0.0.1:6002 --tag before --send-tone 1800 \
	--expect-tone 1004 --duration 25 --wait-first 15
probe1=$T_PID
t_start probe2 "$probe" --listen 127.0.0.1:6004 --tag after --send-tone 1400 \
	--expect-tone 1004 --duration 90 --wait-first 80
probe2=$T_PID
pbx_wait_ready pbx
# sip_uac's, with room for the refresh
t_run sipp-uac 90 sipp -sf "$SIP_SCEN/gw_uac_refresh_move.xml" -key probe_port 6002 \
	-key probe_port2 6004 -s 4930778 -d 6000 -i 127.0.0.1 -p 5070 -mp 7100 127.0.0.1:5060 \
	-m 1 -timeout 80s -timeout_error -nostdin -trace_err \
	-error_file "$T_LOGDIR/sipp-uac-err.log" ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "refresh scenario failed (SIPp status $T_RC): 127.0.0.2 not in c=/o=/Contact, or no refresh?"; }
t_wait_exit "$pbx" 20 || { t_tail pbx; t_fail "PBX did not hear the peer before and after the refresh (status $T_RC)"; }
t_wait_exit "$probe1" 10 || { t_tail probe1; t_fail "no PBX audio at the first port (status $T_RC)"; }
kill -TERM "$probe2"
t_wait_exit "$probe2" 5 || { t_tail probe2; t_fail "no PBX audio at the port of the refresh answer (status $T_RC)"; }
t_wait_log gw "the answer to our session refresh moves the media: 127.0.0.1:6002 -> 127.0.0.1:6004" 5 ||
	t_fail "move by the refresh answer not logged"
t_wait_log gw "CALL id=1 .*answered=yes cause=16 " 5 || t_fail "call did not end normally"
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
