#!/bin/bash
# strowger-sim's guest half on a user's configuration (tests/sim/example.conf: an E1 PRI
# span numbered 1, a TLS trunk to a carrier's host name with registration) and calls file
# (tests/sim/calls.txt): sim/simprep.py maps span 1 onto the guest's span 2 and the trunk
# onto a loopback peer; sim/sim-run.sh places the calls. Checks what it prints for each:
# the PBX's call out (route "out", the carrier's INVITE with the rewritten number, audio
# both ways, cause 16), a call in from the carrier (route "in" to span 1, as the user
# numbered it) and a number no route takes (cause 1, no INVITE); and that a configuration
# the guest cannot simulate is refused with the reason.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 240
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
. "$STROWGER_ROOT/sim/sim-run.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

# what cannot be simulated is refused before anything starts
printf '[span 1]\ntype = e1\nsignalling = pri_cpe\n[span 3]\ntype = e1\nsignalling = pri_cpe\n' \
	>"$T_LOGDIR/two-e1.conf"
python3 "$STROWGER_ROOT/sim/simprep.py" "$T_LOGDIR/two-e1.conf" "$STROWGER_ROOT/tests/sim/calls.txt" \
	"$T_LOGDIR/refused" >"$T_LOGDIR/refused.log" 2>&1 && t_fail "two E1 spans were not refused"
grep -q 'span 3: the guest has one looped E1 pair' "$T_LOGDIR/refused.log" ||
	{ cat "$T_LOGDIR/refused.log"; t_fail "no reason given for refusing a second E1 span"; }

python3 "$STROWGER_ROOT/sim/simprep.py" "$STROWGER_ROOT/tests/sim/example.conf" \
	"$STROWGER_ROOT/tests/sim/calls.txt" "$T_LOGDIR/sim" >"$T_LOGDIR/prep.log" 2>&1 ||
	{ cat "$T_LOGDIR/prep.log"; t_fail "simprep refused the example"; }
grep -q 'span 1 (E1 pri_cpe) runs as guest span 2' "$T_LOGDIR/sim/notes" || t_fail "no note on the span"
sim_run_report "$T_LOGDIR/sim"
[ "$(grep -c '^sim: call [0-9]*:' "$T_LOGDIR/sim.out")" = 3 ] || t_fail "not 3 calls reported"
sim_expect 1 'route: out to trunk carrier' "route"
sim_expect 1 'SIP peer got: sip:\+4930123456@127\.0\.1\.1:5070, From .*sip:201@' "INVITE as the carrier saw it"
sim_expect 1 'cause 16 \(normal' "cause"
sim_expect 1 'audio: PBX heard 1800 Hz, SIP peer heard 1004 Hz' "audio both ways"
sim_expect 2 'route: in to span 1$' "route (in the user's span numbers)"
sim_expect 2 'SIP peer sent: sip:4930555123@127\.0\.0\.1:5060, From <sip:4989123@' "the INVITE sent"
sim_expect 2 'audio: PBX heard 1800 Hz, SIP peer heard 1004 Hz' "audio both ways"
sim_expect 3 'route: none' "no route"
sim_expect 3 'SIP peer got: no INVITE' "no INVITE"
sim_expect 3 'cause 1 \(unallocated.*SIP status none, answered no' "cause 1"
sim_expect 3 'audio: PBX heard nothing, SIP peer heard nothing' "no audio"
[ "$SIM_ANSWERED" = 2 ] || t_fail "$SIM_ANSWERED calls with audio both ways, not 2"
t_pass
