#!/bin/bash
# strowger-sim with analog ports: a user's configuration (tests/sim/analog.conf: an E1 PRI
# span 1, FXS span 3 with phones on ports 2-3, FXO span 4 with an exchange line on port 1,
# a TLS trunk) and calls (tests/sim/analog-calls.txt). simprep maps span 3 onto the guest's
# FXS span 5 and span 4 onto its FXO span 7, positions kept; sim-run places the calls with
# pstnsim's phone and exchange roles on the looped CAS channels. Checks what it prints for
# each: the phone dials out (dial tone checked, INVITE with the port's number and name,
# audio both ways); the trunk calls the phone (two rings in the us cadence, caller ID
# decoded, answered, audio both ways); the exchange rings the FXO port with caller ID (in
# the INVITE's From, audio both ways); the trunk calls out on the line (the exchange hears
# the digits, audio both ways); a number no route takes from a phone (reorder, no call).
# The PBX simulator on the E1 span waits during every call from SIP (t-sim places PRI
# calls). And that what cannot be simulated is refused with the reason.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 240
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
. "$STROWGER_ROOT/sim/sim-run.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
EX=$STROWGER_ROOT/tests/sim

# refused before anything starts: more ports than the guest's span has; a PBX call from an
# analog span
refused() {	# NAME CONF CALLS REASON
	printf '%b' "$2" >"$T_LOGDIR/$1.conf"
	printf '%b' "$3" >"$T_LOGDIR/$1.calls"
	python3 "$STROWGER_ROOT/sim/simprep.py" "$T_LOGDIR/$1.conf" "$T_LOGDIR/$1.calls" \
		"$T_LOGDIR/$1" >"$T_LOGDIR/$1.log" 2>&1 && t_fail "$1: not refused"
	grep -qF -- "$4" "$T_LOGDIR/$1.log" || { cat "$T_LOGDIR/$1.log"; t_fail "$1: no reason given"; }
}
refused ports '[span 3]\ntype = t1\nsignalling = fxs\n[port 3:20-30]\nnumber = 2020\n' \
	'sip -> 2020\n' "[port 3:20-30]: position 25: the guest's FXS span has 24 ports"
refused pbx-analog '[span 3]\ntype = t1\nsignalling = fxs\n[port 3:1]\nnumber = 2001\n' \
	'pbx span 3 -> 2001\n' "span 3 is fxs: 'pbx span' calls come from PRI spans"

python3 "$STROWGER_ROOT/sim/simprep.py" "$EX/analog.conf" "$EX/analog-calls.txt" "$T_LOGDIR/sim" \
	>"$T_LOGDIR/prep.log" 2>&1 || { cat "$T_LOGDIR/prep.log"; t_fail "simprep refused the example"; }
grep -q 'span 3 (FXS fxs) runs as guest span 5' "$T_LOGDIR/sim/notes" || t_fail "no note on the FXS span"
grep -q 'span 4 (FXO fxo) runs as guest span 7' "$T_LOGDIR/sim/notes" || t_fail "no note on the FXO span"
grep -q '^\[port 5:2-3\]$' "$T_LOGDIR/sim/strowger.conf" || t_fail "[port 3:2-3] not mapped onto span 5"
sim_run_report "$T_LOGDIR/sim"
both='audio: (phone|exchange|PBX) heard 1800 Hz, SIP peer heard 1004 Hz'
[ "$(grep -c '^sim: call [0-9]*:' "$T_LOGDIR/sim.out")" = 5 ] || t_fail "not 5 calls reported"
# 1: the phone on port 3:2 dials out
sim_expect 1 'route: phones-out to trunk carrier$' "route"
sim_expect 1 'phone on port 3:2: dial tone 350\+440 Hz heard, dialled 5551234$' "dial tone and digits"
sim_expect 1 'SIP peer got: sip:5551234@127\.0\.1\.1:5070, From "Lobby" <sip:2002@' "INVITE"
sim_expect 1 'cause 16 \(normal call clearing\), SIP status 200, answered yes' "cause"
sim_expect 1 "$both" "audio both ways"
# 2: the trunk calls the phone: two rings 6 s apart, caller ID, answer
sim_expect 2 'route: to-phones to port 3 \(port 3:2\)$' "route to the port by its number"
sim_expect 2 "phone on port 3:2: rang: 2 rings after [0-9]+ ms, period [0-9]+ ms; caller ID number '5551000' name ''; answered$" "ring, caller ID, answer"
sim_expect 2 'cause 16 .*answered yes' "cause"
sim_expect 2 "$both" "audio both ways"
# 3: the exchange rings the FXO port with caller ID
sim_expect 3 'route: \[port 4:1\] to trunk carrier$' "route (the port's own to)"
sim_expect 3 'exchange on port 4:1: rang the line; the gateway went off-hook after [0-9]+ ms$' "answer"
sim_expect 3 'SIP peer got: sip:3001@127\.0\.1\.1:5070, From "Alice" <sip:5553000@' "INVITE with the caller ID"
sim_expect 3 'cause 16 .*answered yes' "cause"
sim_expect 3 "$both" "audio both ways"
# 4: the trunk calls out on the exchange line
sim_expect 4 'route: to-line to port 4:1$' "route"
sim_expect 4 'exchange on port 4:1: line seized; digits heard 5556789$' "digits at the exchange"
sim_expect 4 'cause 16 .*answered yes' "cause"
sim_expect 4 "$both" "audio both ways"
# 5: a number no route takes: reorder, no call
sim_expect 5 'route: none \(port 3:3: no route for the number: reorder\)$' "no route"
sim_expect 5 'SIP peer got: no INVITE' "no INVITE"
sim_expect 5 'phone on port 3:3: dial tone 350\+440 Hz heard, dialled 0123#$' "digits"
sim_expect 5 'cause none \(no call' "no call"
sim_expect 5 'audio: phone heard nothing, SIP peer heard nothing' "no audio"
[ "$SIM_ANSWERED" = 4 ] || t_fail "$SIM_ANSWERED calls with audio both ways, not 4"
t_pass
