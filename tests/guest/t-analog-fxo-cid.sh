#!/bin/bash
# Caller ID detection on FXO ports (exchange -> gateway) in the standards other than Bell 202
# (t-analog-fxo proves Bell 202 with a number and a name), a withheld caller, and a refused
# call whose line goes on ringing; real DAHDI, the exchange simulated on span 8:
#  1. port 7:1, caller_id = v23: the exchange sends ETSI EN 300 659-1 V.23 FSK after the first
#     ring; the INVITE to 3001 comes From "Alice" <sip:5553000@...>.
#  2. port 7:2, caller_id = dtmf: DTMF CLIP (EN 300 659-1 Annex B); From <sip:5553001@...>.
#  3. port 7:3, Bell 202 with the reason "private" (MDMF 'P'): an anonymous From
#     (RFC 3323 §4.1.1.3), logged as withheld. (No number: no P-Asserted-Identity to hide.)
#  4. port 7:1 again: the peer answers 486; the exchange rings on for 14 s (two more bursts).
#     Those rings are the same call: exactly one INVITE. A call out on the port meanwhile gets
#     486 (the line is ringing in: seizing it would answer the caller); idle once they stop.
# needs: strowger tests/pstnsim/pstnsim
# timeout: 150
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

# gateway.conf + fxo.conf with its [port 7:1-4] split into one section per standard.
conf=$T_LOGDIR/gateway.conf
cat "$STROWGER_ROOT/tests/guest/gateway.conf" "$STROWGER_ROOT/tests/guest/fxo.conf" |
	awk '/^\[port 7:1-4\]$/ { skip = 1; next } /^\[/ { skip = 0 } !skip' >"$conf"
for v in "1 v23" "2 dtmf" "3 bell202" "4 bell202"; do
	read -r pos std <<<"$v"
	printf '[port 7:%s]\nnumber = 300%s\nto = trunk peer\ncaller_id = %s\n' "$pos" "$pos" "$std" >>"$conf"
done

# Port 7:P is DAHDI channel 158+P; its exchange line is 182+P (tests/guest/spans.sh).
exch() {	# POS STANDARD
	echo "$(t_bin tests/pstnsim/pstnsim)" --analog $((182 + $1)) --role exchange --cid "$2" --tag "exch-$1"
}

gw_start "$conf"
gw_wait_up 7 24 30 || t_fail "span 7 not up"
gw_baseline

# ---- 1-3: the caller ID reaches From ----------------------------------------------------------
# POS STANDARD RING-LINE-ARGS FROM-REGEX
n=0
while IFS='|' read -r pos std ring from; do
	n=$((n + 1))
	sip_uas gw_uas_answer.xml 6000 -d 1000 -trace_msg -message_file "$T_LOGDIR/uas-$pos.msg"
	uas=$T_PID
	# shellcheck disable=SC2046
	t_run "exch-$pos" 60 $(exch "$pos" "$std") -e "ring-line $ring; expect offhook 20s; sleep 1s;
		onhook; sleep 1s" ||
		{ t_tail "exch-$pos"; t_tail gw 30; t_fail "port 7:$pos ($std) did not answer (pstnsim status $T_RC)"; }
	t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_tail gw 20; t_fail "call $n: no BYE (SIPp status $T_RC)"; }
	grep -q "^INVITE sip:300$pos@" "$T_LOGDIR/uas-$pos.msg" || t_fail "call $n: INVITE not for 300$pos"
	grep -qE "^From: $from" "$T_LOGDIR/uas-$pos.msg" ||
		{ grep '^From' "$T_LOGDIR/uas-$pos.msg"; t_fail "call $n ($std): From is not /$from/"; }
	t_wait_log gw "CALL id=$n dir=tdm-sip port 7:$pos trunk=peer called=300$pos .*answered=yes cause=16" 5 ||
		t_fail "gateway's summary of call $n missing or wrong"
done <<'EOF'
1|v23|from 5553000 name Alice|"Alice" <sip:5553000@
2|dtmf|from 5553001|(.* )?<sip:5553001@
3|bell202|pres restricted|(.* )?<sip:anonymous@anonymous.invalid>
EOF
grep -q "port 7:3 rings: caller withheld (private)" "$T_LOGDIR/gw.log" ||
	t_fail "call 3: the log does not say the caller was withheld"

# ---- 4: refused while ringing: one INVITE for the whole ringing, the line busy meanwhile ----
sip_uas gw_uas_busy.xml 6000 -trace_msg -message_file "$T_LOGDIR/uas-4.msg"
uas=$T_PID
# shellcheck disable=SC2046
t_start exch-4 $(exch 1 v23) -e 'ring-line from 5553004; sleep 14s'
exch=$T_PID
t_wait_exit "$uas" 15 || { t_tail sipp-uas; t_fail "port 7:1: the 486 scenario did not end (SIPp status $T_RC)"; }
# The peer calls out on port 7:1 (95551234) while its line still rings: busy, not seized.
sip_uac gw_uac_fail.xml 6002 95551234 -trace_msg -message_file "$T_LOGDIR/uac-4.msg" ||
	{ t_tail sipp-uac; t_fail "the call out on the ringing port 7:1 was not refused (SIPp status $T_RC)"; }
grep -q '^SIP/2.0 486 ' "$T_LOGDIR/uac-4.msg" || t_fail "the call out on the ringing port 7:1 did not get 486"
t_wait_exit "$exch" 20 || { t_tail exch-4; t_fail "the exchange on port 7:1 failed (pstnsim status $T_RC)"; }
t_wait_log gw "port 7:1: offered -> idle" 15 || { t_tail gw 20; t_fail "port 7:1 not idle after the ringing stopped"; }
invites=$(grep -c "port 7:1 rings: caller 5553004" "$T_LOGDIR/gw.log")
[ "$invites" = 1 ] || { t_tail gw 40; t_fail "port 7:1: $invites calls offered for one ringing (want 1)"; }
t_wait_log gw "CALL id=4 dir=tdm-sip port 7:1 trunk=peer called=3001 calling=5553004 .*answered=no cause=17" 5 ||
	t_fail "gateway's summary of the refused call missing or not cause 17"
t_wait_log gw "CALL id=5 dir=sip-tdm port 7:1 trunk=peer called=5551234 .*answered=no cause=17" 5 ||
	t_fail "gateway's summary of the call out on the ringing line missing or not cause 17"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
