#!/bin/bash
# Malformed and hostile SIP from the trunk's own address (tests/guest/siptorture.py: broken
# headers, lengths and bodies, unparseable SDP including the pattern Sofia-SIP's parser loops
# on, bad identity headers, requests outside any dialog): each gets the answer RFC 3261 asks
# for or none, the daemon answers OPTIONS after every one, and afterwards a call each way
# still works and no socket or channel is left behind. The guest has only lo.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline
t_run torture 200 python3 "$STROWGER_ROOT/tests/guest/siptorture.py" --pid "$GW_PID" \
	--gw 127.0.0.1:5060 --from-port 5070 ||
	{ grep "FAIL" "$T_LOGDIR/torture.log"; t_tail gw 20; t_fail "torture: $(tail -1 "$T_LOGDIR/torture.log")"; }

# Still a gateway: SIP -> PRI answered and cleared.
t_start pbx-in "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930999 30s; answer; expect hangup 16 20s'
pbx=$T_PID
pbx_wait_ready pbx-in
sip_uac gw_uac_call.xml 6002 4930999 -d 1000 || { t_tail sipp-uac; t_fail "SIP -> PRI call after the torture failed"; }
t_wait_exit "$pbx" 20 || { t_tail pbx-in; t_fail "PBX side of the call after the torture failed"; }
gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
