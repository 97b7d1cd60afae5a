# Helpers for call tests (source after lib.sh): the PBX simulator on each PRI pair and
# SIPp with the gateway scenarios in tests/sip/ (the peer of trunk "peer": 127.0.0.1:5070).
#   "${PBX_E1[@]}" -e SCRIPT / "${PBX_T1[@]}" -e SCRIPT   run the simulator as the PBX
#   sip_uas SCENARIO PROBE_PORT [sipp args]                start a UAS (T_PID), log sipp-uas
#   sip_uac SCENARIO PROBE_PORT NUMBER [sipp args]         run a UAC to the gateway, log sipp-uac
#                                                          (from port $SIP_UAC_PORT, default 5070)
#   sip_uac_bg NAME SCENARIO PROBE_PORT NUMBER [args]      the same in the background (T_PID), log
#                                                          NAME, its messages in NAME.msg

PBX_E1=("$(t_bin tests/pstnsim/pstnsim)" --dchan "$E1_PBX_D" --bchans "$E1_PBX_B" --role net
	--switch euroisdn --law alaw --tag pbx)
PBX_T1=("$(t_bin tests/pstnsim/pstnsim)" --dchan "$T1_PBX_D" --bchans "$T1_PBX_B" --role net
	--switch ni2 --law ulaw --tag pbx)
SIP_SCEN=$STROWGER_ROOT/tests/sip

# Before the PBX places a call. When the PBX's D-channel (re)starts after the gateway's side
# released the link, the two Q.921 ends send SABME at each other (Q.921 §5.5.4.1): the PBX
# gets its UA first and says "up", libpri on our side stays in "awaiting establishment"
# until its own SABME is answered, up to one T200 cycle plus its 1 s rest in "TEI assigned"
# later (measured: 1.8 s). A SETUP sent in between is refused. Real PBXs retry; the test
# waits that long instead.
PBX_READY='wait-up 30s; sleep 3s'

sip_uas() {
	local scen=$1 port=$2
	shift 2
	# -mp: SIPp binds media sockets of its own (default port 6000): keep them off the probes'.
	t_start sipp-uas sipp -sf "$SIP_SCEN/$scen" -key probe_port "$port" -i 127.0.0.1 -p 5070 -mp 7000 \
		-m 1 -timeout 60s -timeout_error -nostdin -trace_err \
		-error_file "$T_LOGDIR/sipp-uas-err.log" "$@"
}

sip_uac() {
	local scen=$1 port=$2 number=$3
	shift 3
	t_run sipp-uac 60 sipp -sf "$SIP_SCEN/$scen" -key probe_port "$port" -s "$number" \
		-i 127.0.0.1 -p "${SIP_UAC_PORT:-5070}" -mp 7100 127.0.0.1:5060 -m 1 -timeout 45s -timeout_error -nostdin \
		-trace_err -error_file "$T_LOGDIR/sipp-uac-err.log" "$@"
}

sip_uac_bg() {
	local name=$1 scen=$2 port=$3 number=$4
	shift 4
	t_start "$name" sipp -sf "$SIP_SCEN/$scen" -key probe_port "$port" -s "$number" \
		-i 127.0.0.1 -p "${SIP_UAC_PORT:-5070}" -mp 7200 127.0.0.1:5060 -m 1 -timeout 60s -timeout_error \
		-nostdin -trace_msg -message_file "$T_LOGDIR/$name.msg" "$@"
}
