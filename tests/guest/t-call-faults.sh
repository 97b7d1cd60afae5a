#!/bin/bash
# Calls that go wrong halfway: the PBX's D-channel dies during a call (the gateway clears it
# towards SIP with BYE and Reason cause 38), and the SIP peer answers with an SDP the gateway
# cannot use (cleared with a log line naming the problem, the B-channel free for the next
# call). Neither leaks a channel: a normal call follows each.
# needs: strowger tests/pstnsim/pstnsim
# timeout: 200
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# The PBX vanishes mid-call (killed): Q.921 gives up after T203 + N200 x T200 (~13 s),
# every call on the span is cleared with cause 38, BYE carries it.
sip_uas gw_uas_answer.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-dchan.msg"
uas=$T_PID
t_start pbx-dies "${PBX_E1[@]}" -e "$PBX_READY; call 4930123 from 5551000; expect answer 10s; sleep 60s"
pbx=$T_PID
t_wait_log gw "200 OK -> CONNECT" 20 || t_fail "first call not answered"
kill -KILL "$pbx"
t_wait_log gw "span 2: D-channel down" 30 || t_fail "lost D-channel not noticed"
t_wait_exit "$uas" 15 || { t_tail sipp-uas; t_fail "SIP side never got the BYE (status $T_RC)"; }
grep -q '^Reason: Q.850;cause=38;' "$T_LOGDIR/uas-dchan.msg" || t_fail "BYE without Reason cause 38"
t_wait_log gw "CALL id=1 .*answered=yes cause=38 " 5 || t_fail "CALL line of the cut call wrong"

# An answer with a broken SDP: cleared (cause 127 to the PBX, BYE to the peer), logged.
sip_uas gw_uas_bad_sdp.xml 6000
uas=$T_PID
t_run pbx-bad 40 "${PBX_E1[@]}" -e "$PBX_READY; call 4930124 from 5551000; expect hangup 127 10s" ||
	{ t_tail pbx-bad; t_fail "broken SDP answer did not clear the call with cause 127"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "peer with broken SDP did not get its BYE"; }
t_wait_log gw "SDP answer unusable: " 5 || t_fail "broken SDP not explained in the log"

# Nothing left behind: a plain call through the same channel works.
sip_uas gw_uas_answer.xml 6000
uas=$T_PID
t_run pbx-after 40 "${PBX_E1[@]}" -e "$PBX_READY; call 4930125 from 5551000 chan 1; expect answer 10s;
	hangup 16; expect hangup 5s" || { t_tail pbx-after; t_fail "channel 1 not usable after the faults"; }
t_wait_exit "$uas" 10
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
