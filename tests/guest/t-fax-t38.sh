#!/bin/bash
# T.38 against a SIP fax peer (SIPp for its signalling, t38term for its T.38 media):
#  1. the E1 PBX faxes the peer: the gateway hears CNG, re-INVITEs to T.38 (t38_uas.xml
#     answers with an image SDP) and the T.38 gateway carries 3 pages with ECM to t38term;
#  2. the peer calls the PBX and switches the answered call to T.38 itself (t38_uac.xml,
#     from [trunk peer2], fax_detect = none): the gateway takes the re-INVITE and t38term
#     sends 2 pages without ECM to the PBX;
#  3. the peer goes silent mid-fax: after fax_timeout (10 s, gateway.conf) the gateway
#     clears the call with cause 102 and a FAX line that says where the fax stopped.
# Received pages are compared with the sent ones (faxcmp), the FAX lines field by field.
# needs: strowger tests/pstnsim/pstnsim tests/t38term/t38term tests/tools/mkfaxtiff tests/tools/faxcmp
# timeout: 600
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/t38term/t38term tests/tools/mkfaxtiff tests/tools/faxcmp
T38=$(t_bin tests/t38term/t38term)
CMP=$(t_bin tests/tools/faxcmp)
MK=$(t_bin tests/tools/mkfaxtiff)
D=$T_LOGDIR
: "${FAX_MAX_ROWS:=20}"

t_check "mkfaxtiff 3" "$MK" --pages 3 --res standard --coding 2d "$D/three.tif"
t_check "mkfaxtiff 2" "$MK" --pages 2 --res fine --coding 1d "$D/two.tif"

# "key=value" from the last FAX line of the gateway.
fax_field() {
	grep 'FAX call=' "$D/gw.log" | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}
fax_lines() { grep -c 'FAX call=' "$D/gw.log"; }

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# 1. PBX -> T.38 peer
sip_uas t38_uas.xml 6000 -key t38_port 6010 -d 300
uas=$T_PID
t_start term1 "$T38" --local 127.0.0.1:6010 --wait-peer --recv "$D/rx1.tif" --ident PEER_RX --timeout 200
term1=$T_PID
t_run pbx1 300 "${PBX_E1[@]}" -e "$PBX_READY; call 4930777 from 5551000; expect answer 10s;
	fax-send $D/three.tif ecm ident PBX_TX; expect fax-done 4m pages 3; hangup 16; expect hangup 5s" ||
	{ t_tail pbx1 10; t_tail term1 5; t_tail gw 40; t_fail "1: the PBX's fax to the T.38 peer failed (status $T_RC)"; }
t_wait_exit "$term1" 20 || { t_tail term1 10; t_fail "1: t38term did not receive the fax (status $T_RC)"; }
t_wait_exit "$uas" 15 || { t_tail sipp-uas 20; t_fail "1: SIPp t38_uas failed (status $T_RC)"; }
"$CMP" "$D/three.tif" "$D/rx1.tif" >"$D/cmp1.log" 2>&1 || { cat "$D/cmp1.log" >&2; t_fail "1: pages differ"; }
t_wait_log gw 'FAX call=1 ' 10 || t_fail "1: no FAX line"
[ "$(fax_field transport)" = t38 ] || t_fail "1: transport=$(fax_field transport)"
[ "$(fax_field dir)" = tdm-to-sip ] || t_fail "1: dir=$(fax_field dir)"
[ "$(fax_field pages)" = 3 ] || t_fail "1: pages=$(fax_field pages)"
[ "$(fax_field ecm)" = on ] || t_fail "1: ecm=$(fax_field ecm)"
[ "$(fax_field code)" = 0 ] || t_fail "1: code=$(fax_field code)"
[ "$(fax_field csi)" = '"PEER_RX"' ] || t_fail "1: csi=$(fax_field csi)"
[ "$(fax_field udptl_received)" -gt 10 ] || t_fail "1: udptl_received=$(fax_field udptl_received)"
t_log "1: $(grep -m1 '^t38term' "$D/term1.log")"

# 2. T.38 peer -> PBX: the peer re-INVITEs
t_start pbx2 "${PBX_E1[@]}" -e "wait-up 30s; expect ring to 4930777 30s; answer;
	fax-recv $D/rx2.tif noecm ident PBX_RX; expect fax-done 4m pages 2; hangup 16; expect hangup 5s"
pbx2=$T_PID
pbx_wait_ready pbx2
t_start term2 "$T38" --local 127.0.0.1:6012 --wait-peer --send "$D/two.tif" --ecm off --ident PEER_TX --timeout 200
term2=$T_PID
t_start sipp-uac sipp -sf "$SIP_SCEN/t38_uac.xml" -key probe_port 6002 -key t38_port 6012 -s 4930777 \
	-i 127.0.0.1 -p 5072 -mp 7100 127.0.0.1:5060 -m 1 -d 2000 -timeout 240s -timeout_error \
	-nostdin -trace_err -error_file "$D/sipp-uac-err.log"
uac=$T_PID
t_wait_exit "$pbx2" 240 || { t_tail pbx2 10; t_tail term2 5; t_tail gw 40; t_fail "2: the PBX did not receive the peer's fax (status $T_RC)"; }
t_wait_exit "$term2" 20 || { t_tail term2 10; t_fail "2: t38term did not send the fax (status $T_RC)"; }
t_wait_exit "$uac" 15 || { t_tail sipp-uac 20; t_fail "2: SIPp t38_uac failed (status $T_RC)"; }
"$CMP" --max-rows "$FAX_MAX_ROWS" "$D/two.tif" "$D/rx2.tif" >"$D/cmp2.log" 2>&1 ||
	{ cat "$D/cmp2.log" >&2; t_fail "2: pages differ"; }
t_wait_log gw 'FAX call=2 ' 10 || t_fail "2: no FAX line"
[ "$(fax_field dir)" = sip-to-tdm ] || t_fail "2: dir=$(fax_field dir)"
[ "$(fax_field pages)" = 2 ] || t_fail "2: pages=$(fax_field pages)"
[ "$(fax_field ecm)" = off ] || t_fail "2: ecm=$(fax_field ecm)"
[ "$(fax_field tsi)" = '"PEER_TX"' ] || t_fail "2: tsi=$(fax_field tsi)"
t_wait_log gw 're-INVITE: T.38 UDPTL' 1 || t_fail "2: the peer's re-INVITE to T.38 not logged"

# 3. the T.38 peer goes silent: its terminal gives up after 12 s
sip_uas t38_uas.xml 6000 -key t38_port 6010 -d 300
uas=$T_PID
t_start term3 "$T38" --local 127.0.0.1:6010 --wait-peer --recv "$D/rx3.tif" --timeout 12
t_run pbx3 120 "${PBX_E1[@]}" -e "$PBX_READY; call 4930777 from 5551000; expect answer 10s;
	fax-send $D/three.tif ecm; expect hangup 102 60s" ||
	{ t_tail pbx3 10; t_tail gw 30; t_fail "3: the gateway did not clear the silent T.38 call with cause 102 (status $T_RC)"; }
t_wait_exit "$uas" 15 || { t_tail sipp-uas 20; t_fail "3: SIPp t38_uas did not get its BYE (status $T_RC)"; }
t_wait_log gw 'the T.38 peer went silent, clearing' 5 || t_fail "3: silence not logged"
t_wait_log gw 'FAX call=3 ' 10 || t_fail "3: no FAX line"
[ "$(fax_field code)" != 0 ] || t_fail "3: code 0 for a fax that stopped"
grep 'FAX call=3 ' "$D/gw.log" | grep -q 'where="' || t_fail "3: the FAX line does not say where it stopped"
grep 'FAX call=' "$D/gw.log" | sed 's/^.*FAX /FAX /' >&2

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
