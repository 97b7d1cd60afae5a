#!/bin/bash
# The PSTN simulator against itself: network side on the PBX span calls the user side on the
# gateway span, on the E1 pair (EuroISDN, A-law) and the T1 PRI pair (NI-2, µ-law): tones and
# DTMF both ways, reject, delayed answer, every B-channel at once, and checks that must fail
# (tests/pstnsim/selftest.sh).
# needs: tests/pstnsim/pstnsim
# timeout: 280
. "$STROWGER_ROOT/tests/guest/lib.sh"
t_need tests/pstnsim/pstnsim
sim=$(t_bin tests/pstnsim/pstnsim)
self=$STROWGER_ROOT/tests/pstnsim/selftest.sh

# $1 = name, $2 = what, rest = selftest.sh arguments after the binary
pair() {
	local name=$1 what=$2
	shift 2
	PSTNSIM_LOGDIR=$T_LOGDIR/$name t_run "$name" 130 bash "$self" "$sim" "$@" ||
		t_fail "$what: $(grep -E '^selftest: FAIL' "$T_LOGDIR/$name.log" | head -2 | tr '\n' ' ')"
	t_log "$what: $(grep -E '^selftest: ok' "$T_LOGDIR/$name.log" | tr '\n' ' ')"
}

pair e1 "E1 EuroISDN" "$E1_PBX_D" "$E1_PBX_B" "$E1_GW_D" "$E1_GW_B"
pair t1 "T1 NI-2" "$T1_PBX_D" "$T1_PBX_B" "$T1_GW_D" "$T1_GW_B"
t_pass
