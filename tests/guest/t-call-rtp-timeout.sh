#!/bin/bash
# RTP inactivity timeout (trunk rtp_timeout): a PRI -> SIP call whose SIP peer's media stops
# (rtpprobe sends from the answer until 12 s after it started, then exits; SIPp stays in the
# call) is cleared by the gateway
# rtp_timeout (here 3 s) later: cause 41 to the PBX, a BYE to the peer, a log line saying
# how long the peer was silent, and the CALL line with cause=41.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

# The suite's configuration with a short timeout on the peer's trunk.
conf=$T_LOGDIR/gateway-rtp-timeout.conf
sed 's/^rtp_timeout = 0$/rtp_timeout = 3/' "$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^rtp_timeout = 3$' "$conf" || t_fail "could not write the test's configuration"
gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

t_start probe "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --duration 12 --wait-first 15
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -d 500
uas=$T_PID
start=$EPOCHSECONDS
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000;
	expect alerting 10s; expect answer 10s; tone 1004; expect hangup 41 30s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "the PBX did not see the call cleared with cause 41 (pstnsim status $T_RC)"; }
t_wait_exit "$probe" 10 || { t_tail probe; t_fail "rtpprobe failed (status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "the SIP peer got no BYE (SIPp status $T_RC)"; }
t_wait_log gw "no RTP from 127.0.0.1:6000 for [3-9] s \(rtp_timeout\): media lost, clearing with cause 41" 5 ||
	t_fail "no rtp_timeout log line"
t_wait_log gw "CALL id=1 dir=tdm-sip .* answered=yes cause=41 .* rtp_received=[1-9][0-9]* " 5 ||
	t_fail "the CALL line does not say cause 41 after RTP had flowed"
t_log "cleared $((EPOCHSECONDS - start)) s after the PBX began (probe sent until 12 s, timeout 3 s)"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
