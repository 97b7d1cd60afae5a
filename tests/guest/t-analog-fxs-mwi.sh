#!/bin/bash
# Message waiting on an FXS port, on real DAHDI: the SIP peer (trunk peer's address) sends an
# unsolicited NOTIFY message-summary (RFC 3842) "Messages-Waiting: yes" for 2001 (port 5:1,
# sharing the trunk): 200. The phone goes off-hook and hears the us zone's stutter dial tone:
# 350+440 Hz in 100/100 ms bursts (checked by frequency and cadence), then steady. NOTIFY
# "no": 200, and the next dial tone is steady from the start (350+440 Hz for 95% of 1.5 s,
# which the stutter's first 1.2 s could not give). Each NOTIFY also lights or darkens the
# phone's lamp: an on-hook FSK message-waiting message (Bell 202 MDMF 0x82, VMWI parameter;
# DAHDI's on-hook transmission) that the phone decodes on-hook before it lifts.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

# Port 5:1 is DAHDI channel 111; its phone is 135.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 135 --role phone --tag phone)

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

# notify NAME USER WAITING: one NOTIFY from the peer's address; the answer must be 200.
notify() {
	local name=$1 user=$2 waiting=$3
	t_run "sipp-$name" 30 sipp -sf "$SIP_SCEN/mwi_notify.xml" -s "$user" -key event message-summary \
		-key waiting "$waiting" -i 127.0.0.1 -p 5070 -mp 7100 127.0.0.1:5060 -m 1 -timeout 20s \
		-timeout_error -nostdin -trace_msg -message_file "$T_LOGDIR/$name.msg" ||
		{ t_tail "sipp-$name"; t_fail "NOTIFY $name: no answer (SIPp status $T_RC)"; }
	grep -q '^SIP/2.0 200' "$T_LOGDIR/$name.msg" || { cat "$T_LOGDIR/$name.msg"; t_fail "NOTIFY $name not answered 200"; }
}

t_start phone-lamp-on "${PHONE[@]}" -e 'expect cid mwi on 10s'
lamp=$T_PID
sleep 1
notify mwi-on 2001 yes
t_wait_log gw "port 5:1: messages waiting: yes" 2 || t_fail "port 5:1 did not take the NOTIFY"
t_wait_exit "$lamp" 15 ||
	{ t_tail phone-lamp-on; t_tail gw 20; t_fail "no visual message waiting 'on' at the phone (pstnsim status $T_RC)"; }
t_run phone-stutter 30 "${PHONE[@]}" -e 'offhook;
	expect-tones 350+440 1000ms within 3s min 35 cadence 100/100;
	expect-tones 350+440 1s within 2s min 80; onhook; sleep 1s' ||
	{ t_tail phone-stutter; t_tail gw 20; t_fail "no stutter dial tone (pstnsim status $T_RC)"; }

t_start phone-lamp-off "${PHONE[@]}" -e 'expect cid mwi off 10s'
lamp=$T_PID
sleep 1
notify mwi-off 2001 no
t_wait_log gw "port 5:1: messages waiting: no" 2 || t_fail "port 5:1 did not take the second NOTIFY"
t_wait_exit "$lamp" 15 ||
	{ t_tail phone-lamp-off; t_tail gw 20; t_fail "no visual message waiting 'off' at the phone (pstnsim status $T_RC)"; }
t_run phone-steady 30 "${PHONE[@]}" -e 'offhook; expect-tones 350+440 1500ms within 3s min 95;
	onhook; sleep 1s' ||
	{ t_tail phone-steady; t_tail gw 20; t_fail "dial tone not steady after NOTIFY no (pstnsim status $T_RC)"; }

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
