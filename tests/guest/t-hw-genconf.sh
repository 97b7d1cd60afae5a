#!/bin/bash
# The README's "On real hardware" steps on the guest's looped spans: strowger genconf
# writes system.conf and the [span] sections for the gateway-side spans (never replacing a
# file without --force, a diff shown first); dahdi_cfg accepts the file (test mode, then
# applied to those spans); strowger --check agrees; the daemon with the generated sections
# brings the E1 PRI up and carries a call to SIP with audio. The runner re-creates the
# spans afterwards (spans_reset), so later tests see the original configuration.
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 240
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
S=$(t_bin strowger)
G=$T_LOGDIR

t_run genconf 30 "$S" genconf --span "$SPAN_E1_GW=carrier,euroisdn" --span "$SPAN_T1_GW=carrier,ni2" \
	--span "$SPAN_CAS_GW=fxs" --zone us --system-conf "$G/system.conf" --spans-conf "$G/spans.conf" ||
	{ t_tail genconf; t_fail "genconf failed (status $T_RC)"; }
grep -qx "span=$SPAN_E1_GW,1,0,ccs,hdb3,crc4" "$G/system.conf" && grep -qx "dchan=$E1_GW_D" "$G/system.conf" &&
	grep -qx "bchan=$E1_GW_B" "$G/system.conf" && grep -qx "fxoks=$CAS_GW_FXS" "$G/system.conf" ||
	{ t_tail "$G/system.conf" 40; t_fail "generated system.conf does not describe the gateway spans"; }

# A second run with other choices: the diff is shown, nothing replaced without --force.
cp "$G/system.conf" "$G/system.conf.first"
t_run genconf-again 30 "$S" genconf --span "$SPAN_E1_GW=pbx" --system-conf "$G/system.conf" \
	--spans-conf "$G/spans.conf"
[ "$T_RC" = 1 ] || { t_tail genconf-again; t_fail "genconf over existing files exited $T_RC, expected 1"; }
grep -qx -- "-span=$SPAN_E1_GW,1,0,ccs,hdb3,crc4" "$G/genconf-again.log" &&
	grep -qx -- "+span=$SPAN_E1_GW,0,0,ccs,hdb3,crc4" "$G/genconf-again.log" ||
	{ t_tail genconf-again; t_fail "no diff shown"; }
cmp -s "$G/system.conf" "$G/system.conf.first" || t_fail "system.conf replaced without --force"

t_run cfg-test 30 dahdi_cfg -t -vv -c "$G/system.conf" || { t_tail cfg-test; t_fail "dahdi_cfg -t refused the file"; }
t_run cfg 30 dahdi_cfg -vv -c "$G/system.conf" || { t_tail cfg; t_fail "dahdi_cfg refused the file (status $T_RC)"; }
[ "$(spans_chan_sig "$SPAN_E1_GW" "$E1_GW_D")" = HDLCFCS ] || t_fail "D-channel $E1_GW_D not HDLC after dahdi_cfg"
[ "$(spans_chan_sig "$SPAN_E1_PBX" "$E1_PBX_D")" = HDLCFCS ] || t_fail "dahdi_cfg of the gateway spans changed the PBX side"

# strowger.conf: the generated sections, a trunk and a route.
{
	printf '[general]\nalarm_poll_ms = 500\n\n'
	cat "$G/spans.conf"
	printf '\n[trunk peer]\nproxy = sip:127.0.0.1:5070\nkeepalive = 0\n\n'
	printf '[route e1-out]\nfrom = span %s\nto = trunk peer\n' "$SPAN_E1_GW"
} >"$G/strowger.conf"
t_run check 20 "$S" --check -c "$G/strowger.conf" || { t_tail check; t_fail "--check refused the generated file (status $T_RC)"; }
grep -q '^error:' "$G/check.log" && { t_tail check; t_fail "--check found mismatches in the generated file"; }

gw_start "$G/strowger.conf"
gw_wait_up "$SPAN_E1_GW" 31 || { t_tail gw; t_fail "span $SPAN_E1_GW not up with the generated configuration"; }

# PRI -> SIP, as t-call-basic.sh: the PBX calls, SIPp answers, audio both ways.
t_start probe-uas "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6000 --tag sip \
	--send-tone 1800 --expect-tone 1004 --duration 10 --wait-first 15
probe=$T_PID
sip_uas gw_uas_answer.xml 6000 -d 500
uas=$T_PID
t_run pbx-out 60 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 5551000;
	expect alerting 10s; expect answer 10s; tone 1004; expect-tone 1800 2s within 5s;
	hangup 16; expect hangup 5s' ||
	{ t_tail pbx-out; t_tail gw 30; t_fail "PRI -> SIP call failed (pstnsim status $T_RC)"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "SIPp UAS did not finish cleanly (status $T_RC)"; }
kill -TERM "$probe"
t_wait_exit "$probe" 5 || { t_tail probe-uas; t_fail "no 1004 Hz on the SIP side (rtpprobe status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=tdm-sip span $SPAN_E1_GW ch [0-9]+ trunk=peer called=4930123 .* answered=yes cause=16" 5 ||
	t_fail "gateway's summary of the call missing or wrong"
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
