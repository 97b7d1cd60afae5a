#!/bin/bash
# A trunk with "transport = tcp" (RFC 3261 §18): a call each way between the PBX on the E1
# span and a SIP peer that listens on TCP only (SIPp -t t1), audio checked both ways. The
# gateway's INVITE goes over TCP with a Contact saying transport=tcp, so the peer's in-dialog
# requests and the gateway's ACK and BYE stay on TCP; an INVITE arriving over TCP from
# another port than the trunk's is matched to the trunk by address.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

conf=$T_LOGDIR/tcp.conf
cat >"$conf" <<-EOC
	[general]
	log_level = info
	alarm_poll_ms = 500
	[span 2]
	type = e1
	signalling = pri_cpe
	switchtype = euroisdn
	[trunk peer]
	proxy = sip:127.0.0.1:5070
	transport = tcp
	keepalive = 0
	[route e1-out]
	from = span 2
	to = trunk peer
	[route to-e1]
	from = trunk peer
	match = 49
	to = span 2
EOC
gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline
t_wait_log gw "trunk peer: proxy 127.0.0.1:5070/tcp" 5 || t_fail "trunk not started over TCP"

# PRI -> SIP over TCP.
t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 20 --wait-first 20
probe=$T_PID
sip_uas gw_uas_answer_tcp.xml 6000 -t t1 -d 300 -trace_msg -message_file "$T_LOGDIR/uas.msg"
uas=$T_PID
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000; expect answer 10s;
	tone 1004; expect-tone 1800 2s within 5s; sleep 2s; hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "PRI -> SIP call over TCP failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 ||
	{ t_tail sipp-uas; t_tail gw 30; t_fail "TCP peer did not see INVITE/ACK/BYE over TCP (SIPp status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=tdm-sip span 2 ch [0-9]+ trunk=peer called=4930123 calling=5551000 presentation=allowed answered=yes cause=16 " 5 ||
	t_fail "gateway's summary of the PRI -> SIP call missing or wrong"

# SIP -> PRI over TCP: SIPp connects from port 5076, not the trunk's 5070 (over TCP the
# source port is the peer's choice: the trunk is matched by address).
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 from 5551000 30s; answer;
	tone 1004; expect-tone 1800 2s within 5s; expect hangup 16 20s'
pbx=$T_PID
t_start probe-uac "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 12 --wait-first 15
probe=$T_PID
pbx_wait_ready pbx-in
SIP_UAC_PORT=5076 sip_uac gw_uac_call.xml 6002 4930999 -t t1 -d 4000 -trace_msg -message_file "$T_LOGDIR/uac.msg" ||
	{ t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> PRI call over TCP failed (SIPp status $T_RC)"; }
grep -qE '^Contact: <sip:127\.0\.0\.1(:5060)?;transport=tcp>' "$T_LOGDIR/uac.msg" ||
	t_fail "gateway's 200 over TCP without a transport=tcp Contact"
t_wait_exit "$pbx" 20 || { t_tail pbx-in; t_fail "PBX side of SIP -> PRI over TCP failed (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uac; t_fail "no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "INVITE from trunk peer \(127\.0\.0\.1:5076\), to 4930999" 5 ||
	t_fail "INVITE over TCP not matched to trunk peer"
t_wait_log gw "CALL id=2 dir=sip-tdm span 2 ch [0-9]+ trunk=peer called=4930999 calling=5551000 presentation=allowed answered=yes cause=16 " 5 ||
	t_fail "gateway's summary of the SIP -> PRI call missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
