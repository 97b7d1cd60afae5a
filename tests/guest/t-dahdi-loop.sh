#!/bin/bash
# The looped spans themselves: /proc/dahdi shows every D-channel configured (HDLCFCS), each
# pair's D-channels exchange HDLC frames both ways, and every B-channel of each pair (E1
# PRI, T1 PRI, T1 CAS) carries an audio pattern both ways, all channels of a pair at once.
# needs: tests/guest/bchan_check
# timeout: 240
. "$STROWGER_ROOT/tests/guest/lib.sh"
t_need tests/guest/bchan_check
bc=$(t_bin tests/guest/bchan_check)

for sc in "$SPAN_E1_PBX $E1_PBX_D" "$SPAN_E1_GW $E1_GW_D" "$SPAN_T1_PBX $T1_PBX_D" "$SPAN_T1_GW $T1_GW_D"; do
	set -- $sc
	sig=$(spans_chan_sig "$1" "$2")
	[ "$sig" = HDLCFCS ] || t_fail "span $1 channel $2 is '${sig:-absent}' in /proc/dahdi, expected a D-channel (HDLCFCS)"
done
t_log "D-channels configured: $E1_PBX_D $E1_GW_D $T1_PBX_D $T1_GW_D"

# $1 = log name, $2 = what, rest = bchan_check arguments
check() {
	local name=$1 what=$2
	shift 2
	t_run "$name" 90 "$bc" "$@" || t_fail "$what: $(grep -E 'FAIL|bchan_check|DAHDI_|open' "$T_LOGDIR/$name.log" | head -3 | tr '\n' ' ')"
	t_log "$what: $(tail -1 "$T_LOGDIR/$name.log")"
}

check dchan "D-channel frames (E1 $E1_PBX_D<->$E1_GW_D, T1 $T1_PBX_D<->$T1_GW_D)" \
	-D "$E1_PBX_D:$E1_GW_D" "$T1_PBX_D:$T1_GW_D"
# shellcheck disable=SC2046
check e1 "E1 PRI B-channels" -L alaw -t 2000 $(spans_pairs "$E1_PBX_B" "$E1_GW_B")
# shellcheck disable=SC2046
check t1 "T1 PRI B-channels" -L mulaw -t 2000 $(spans_pairs "$T1_PBX_B" "$T1_GW_B")
check cas "T1 CAS channels (FXS ports <-> phones)" -L mulaw -t 2000 "$CAS_GW_FXS:$CAS_PHONE"
t_pass
