#!/bin/bash
# The caller-ID standards other than Bell 202, and a withheld caller, from FXS ports to
# simulated phones on real DAHDI (t-analog-fxs proves Bell 202 with a number and a name):
#  1. port 5:1 with caller_id = v23 (ETSI EN 300 659-1 V.23 FSK): the peer calls 2001, the
#     phone decodes the V.23 message between the first and second ring (number 5551000),
#     answers and talks (1004 Hz at the peer) until the peer hangs up (busy tone).
#  2. port 5:2 with caller_id = dtmf (ETSI ES 200 778-1 / EN 300 659-1 Annex B DTMF CLIP):
#     the same with the number sent as DTMF digits.
#  3. port 5:3 starts with caller_id = dtmf and ring_timeout = 60; "strowgerctl reload" of a
#     file saying bell202 and 5 s changes both (no restart: port options reload). Then an
#     INVITE with Privacy: id (RFC 3323) rings the phone with the Bell 202 caller ID
#     "private" (MDMF reason 'P', no number); unanswered, the call ends 480 after 5 s.
# needs: strowger strowgerctl tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
# timeout: 120
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe

# The guest's gateway.conf with its one [port 5:1-8] section replaced by three.
CONF=$T_LOGDIR/gw.conf
CTL_SOCK=$T_LOGDIR/control
awk '/^\[port 5:1-8\]$/ { skip = 1; next } /^\[/ { skip = 0 } !skip' \
	"$STROWGER_ROOT/tests/guest/gateway.conf" |
	sed "s|^\[general\]\$|[general]\ncontrol_socket = $CTL_SOCK|" >"$CONF"
cat >>"$CONF" <<'EOF'
[port 5:1]
number = 2001
caller_id = v23
tone_zone = us
[port 5:2]
number = 2002
caller_id = dtmf
tone_zone = us
[port 5:3]
number = 2003
caller_id = dtmf
tone_zone = us
ring_timeout = 60
EOF

# Port 5:P is DAHDI channel 110+P; its phone is 134+P (tests/guest/spans.sh).
phone() {	# CHAN STANDARD TAG
	echo "$(t_bin tests/pstnsim/pstnsim)" --analog "$1" --role phone --cid "$2" --tag "$3"
}

gw_start "$CONF"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
gw_baseline

# ---- 1 and 2: V.23 and DTMF caller ID, answered ------------------------------------------
n=0
for v in "2001 135 v23" "2002 136 dtmf"; do
	read -r number chan std <<<"$v"
	n=$((n + 1))
	# shellcheck disable=SC2046
	t_start "phone-$std" $(phone "$chan" "$std" "phone-$std") -e "expect ringing x 1 20s;
		expect cid from 5551000 8s; offhook; tone 1004; expect-tones 480+620 1s within 15s min 30;
		onhook"
	ph=$T_PID
	t_start "probe-$std" "$(t_bin tests/rtpprobe/rtpprobe)" --listen 127.0.0.1:6002 --tag sip \
		--expect-tone 1004 --duration 20 --wait-first 25
	probe=$T_PID
	sip_uac gw_uac_call.xml 6002 "$number" -d 4000 ||
		{ t_tail "phone-$std"; t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> $number ($std caller ID) failed (SIPp status $T_RC)"; }
	t_wait_exit "$ph" 20 ||
		{ t_tail "phone-$std"; t_tail gw 30; t_fail "the phone on port 5:$n did not decode the $std caller ID 5551000 (status $T_RC)"; }
	kill -TERM "$probe"
	t_wait_exit "$probe" 5 || { t_tail "probe-$std"; t_fail "no 1004 Hz from the phone on port 5:$n"; }
	t_wait_log gw "CALL id=$n dir=sip-tdm port 5:$n trunk=peer called=$number calling=5551000 .*answered=yes cause=16" 5 ||
		t_fail "gateway's summary of the call to $number missing or wrong"
done

# ---- 3: reload port 5:3 to Bell 202 and 5 s; a withheld caller: "private", 480 ------------
sed -i -e '/^\[port 5:3\]$/,$s/^caller_id = dtmf$/caller_id = bell202/' \
	-e '/^\[port 5:3\]$/,$s/^ring_timeout = 60$/ring_timeout = 5/' "$CONF"
out=$("$(t_bin strowgerctl)" -s "$CTL_SOCK" reload 2>&1) || t_fail "reload failed: $out"
t_log "strowgerctl reload: $out"
grep -q "restart needed" <<<"$out" && t_fail "the port's caller_id/ring_timeout were refused: $out"
# shellcheck disable=SC2046
t_start phone-private $(phone 137 bell202 phone-private) -e 'expect ringing x 1 20s;
	expect cid pres restricted 8s; sleep 6s'
ph=$T_PID
SIP_UAC_PORT=5070 sip_uac gw_uac_identity.xml 6002 2003 -key display Anonymous \
	-key from_user anonymous -key from_host anonymous.invalid -key privacy id \
	-trace_msg -message_file "$T_LOGDIR/uac-private.msg" ||
	{ t_tail sipp-uac; t_fail "the withheld call did not fail as expected (SIPp status $T_RC)"; }
grep -q '^SIP/2.0 480 ' "$T_LOGDIR/uac-private.msg" || t_fail "the unanswered call did not end 480"
t_wait_exit "$ph" 20 ||
	{ t_tail phone-private; t_tail gw 30; t_fail "the phone on port 5:3 did not get a 'private' caller ID (status $T_RC)"; }
t_wait_log gw "CALL id=3 dir=sip-tdm port 5:3 trunk=peer called=2003 .*answered=no cause=19" 5 ||
	t_fail "gateway's summary of the withheld call missing or not cause 19"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
