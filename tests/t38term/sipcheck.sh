#!/bin/bash
# The T.38 SIPp scenarios (tests/sip/t38_*.xml) against each other on loopback, with a fax
# between two t38terms on the ports their SDP names: t38_uac.xml calls t38_uas.xml with audio,
# re-INVITEs to image/t38 and gets 200 with an image SDP; the t38term behind the UAC sends a
# 3-page fax to the one behind the UAS; the UAC sends BYE after -recv_timeout. Then t38_uac.xml
# against t38_uas_refuse.xml: the re-INVITE gets 488, is ACKed, the call stays up and ends.
# Host (own netns: fixed ports 5070/5072, PORT_BASE..+20) or guest.
#
#   sipcheck.sh BUILD_DIR [PORT_BASE]     prints one verdict line per part, then PASS/FAIL
set -u
B=${1:?usage: sipcheck.sh BUILD_DIR [PORT_BASE]}
PB=${2:-40100}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S=$ROOT/tests/sip
T=$B/tests/t38term/t38term
D=$(mktemp -d /tmp/t38-sipcheck.XXXXXX)
fails=0
"$B/tests/tools/mkfaxtiff" --pages 3 "$D/sent.tif" >/dev/null || { echo "sipcheck: FAIL (mkfaxtiff)"; exit 1; }

# scen UAS_XML RECV_TIMEOUT_MS: UAS in the background, UAC in the foreground; UAS_RC, UAC_RC
scen() {
	local uas=$1 rt=$2 upid
	sipp -sf "$S/$uas" -key probe_port "$PB" -key t38_port "$((PB + 2))" -i 127.0.0.1 -p 5070 \
		-mp "$((PB + 50))" -m 1 -timeout 120s -timeout_error -nostdin -trace_err \
		-error_file "$D/${uas%.xml}-uas-err.log" >"$D/${uas%.xml}-uas.out" 2>&1 &
	upid=$!
	sleep 0.5
	sipp -sf "$S/t38_uac.xml" -key probe_port "$((PB + 10))" -key t38_port "$((PB + 12))" \
		-s 4930123 -i 127.0.0.1 -p 5072 -mp "$((PB + 60))" 127.0.0.1:5070 -m 1 -d 500 \
		-recv_timeout "$rt" -timeout 120s -timeout_error -nostdin -trace_err \
		-error_file "$D/${uas%.xml}-uac-err.log" -trace_msg \
		-message_file "$D/${uas%.xml}-uac-msg.log" >"$D/${uas%.xml}-uac.out" 2>&1
	UAC_RC=$?
	wait $upid
	UAS_RC=$?
}

# 1. T.38 accepted, a fax across (the UAS side's t38term learns its peer; the UAC side's
# sends to the port of the UAS's image SDP)
"$T" --local "127.0.0.1:$((PB + 2))" --wait-peer --recv "$D/recv.tif" --ident UAS \
	--timeout 100 >"$D/t38-uas.log" 2>&1 &
rpid=$!
( sleep 1.5; exec "$T" --local "127.0.0.1:$((PB + 12))" --remote "127.0.0.1:$((PB + 2))" \
	--send "$D/sent.tif" --ident UAC --timeout 100 >"$D/t38-uac.log" 2>&1 ) &
spid=$!
scen t38_uas.xml 70000
wait $spid
src=$?
wait $rpid
rrc=$?
cmp=$("$B/tests/tools/faxcmp" "$D/sent.tif" "$D/recv.tif")
if [ $UAC_RC = 0 ] && [ $UAS_RC = 0 ] && grep -q "m=image $((PB + 2)) udptl t38" "$D/t38_uas-uac-msg.log" &&
	[ $src = 0 ] && [ $rrc = 0 ]; then
	echo "sipcheck: ok   t38_uac -> t38_uas: re-INVITE 200 image/t38, BYE; $(cat "$D/t38-uas.log"); $cmp"
else
	echo "sipcheck: FAIL t38_uac -> t38_uas: uac $UAC_RC uas $UAS_RC t38term $src/$rrc; $(cat "$D/t38-uas.log")"
	fails=$((fails + 1))
fi

# 2. T.38 refused
scen t38_uas_refuse.xml 2000
if [ $UAC_RC = 0 ] && [ $UAS_RC = 0 ] && grep -q '^SIP/2.0 488' "$D/t38_uas_refuse-uac-msg.log"; then
	echo "sipcheck: ok   t38_uac -> t38_uas_refuse: re-INVITE 488, ACKed, BYE"
else
	echo "sipcheck: FAIL t38_uac -> t38_uas_refuse: uac $UAC_RC uas $UAS_RC"
	fails=$((fails + 1))
fi
echo "sipcheck: files in $D"
[ $fails = 0 ] && { echo "sipcheck: PASS"; exit 0; }
echo "sipcheck: FAIL ($fails)"
exit 1
