#!/bin/bash
# Fax through both halves of the gateway in one call: the E1 PBX faxes 4930888, which goes
# out on [trunk self] (the gateway's own SIP address) and comes back in to the T1 PBX. The
# E1 side hears CNG and the T1 side CED; both SIP legs offer T.38 (glare: one gets 491 and
# retries, RFC 3261 §14.1, or the other's offer wins), and the fax runs
# B-channel → T.38 gateway → UDPTL → T.38 gateway → B-channel. Then the T1 PBX faxes back
# to 1555888, ECM off. Then 4930889 goes out on [trunk selfpt] (fax = passthrough): the
# receiving half's re-INVITE to T.38 is refused with 488 and the fax still arrives, as
# G.711 pass-through. Each fax: T.30 completes with 3 pages at both PBXs, the received
# pages equal the sent ones (faxcmp), and the gateway's FAX lines say what happened.
# needs: strowger tests/pstnsim/pstnsim tests/tools/mkfaxtiff tests/tools/faxcmp
# timeout: 900
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim tests/tools/mkfaxtiff tests/tools/faxcmp
CMP=$(t_bin tests/tools/faxcmp)
D=$T_LOGDIR
: "${FAX_MAX_ROWS:=20}"	# no ECM: rows a line error may spoil (see t-fax-sim.sh)

t_check "mkfaxtiff" "$(t_bin tests/tools/mkfaxtiff)" --pages 3 --res standard --coding 2d "$D/sent.tif"

# "key=value" from the Nth (1-based) gateway FAX line.
fax_field() {
	grep 'FAX call=' "$D/gw.log" | sed -n "${1}p" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

# fax NAME FROM_PBX TO_PBX NUMBER ECM MAX_ROWS: FROM calls NUMBER and sends, TO answers and receives.
fax() {
	local name=$1 number=$4 ecm=$5 rows=$6 rx=$D/$1-rx.tif rxpid span=$SPAN_E1_GW
	local -n from=$2 to=$3
	[ "$3" = PBX_T1 ] && span=$SPAN_T1_GW
	t_start "$name-rx" "${to[@]}" --tag rx -e "wait-up 30s; expect ring to $number 30s; answer;
		fax-recv $rx $ecm ident RX_$name; expect fax-done 4m pages 3; expect hangup 30s"
	rxpid=$T_PID
	pbx_wait_ready "$name-rx" "$span"
	t_run "$name-tx" 400 "${from[@]}" --tag tx -e "$PBX_READY; call $number from 5551000;
		expect answer 15s; fax-send $D/sent.tif $ecm ident TX_$name;
		expect fax-done 4m pages 3; hangup 16; expect hangup 5s" ||
		{ t_tail "$name-tx" 20; t_tail "$name-rx" 10; t_tail gw 40; t_fail "$name: the sending PBX's fax failed (status $T_RC)"; }
	t_wait_exit "$rxpid" 40 ||
		{ t_tail "$name-rx" 20; t_tail gw 30; t_fail "$name: the receiving PBX's fax failed (status $T_RC)"; }
	"$CMP" --max-rows "$rows" "$D/sent.tif" "$rx" >"$D/$name-cmp.log" 2>&1 ||
		{ cat "$D/$name-cmp.log" >&2; t_fail "$name: received pages differ"; }
	t_log "$name: $(cat "$D/$name-cmp.log")"
}

gw_start "$STROWGER_ROOT/tests/guest/gateway.conf"
gw_wait_up 2 31 && gw_wait_up 4 24 || t_fail "spans not up"
gw_baseline

fax e1-t1 PBX_E1 PBX_T1 4930888 ecm 0
t_wait_log gw "CALL id=2 " 15 || t_fail "the looped call did not end"
for n in 1 2; do
	[ "$(fax_field $n transport)" = t38 ] || t_fail "fax $n: transport $(fax_field $n transport), want t38"
	[ "$(fax_field $n pages)" = 3 ] || t_fail "fax $n: pages=$(fax_field $n pages), want 3"
	[ "$(fax_field $n ecm)" = on ] || t_fail "fax $n: ecm=$(fax_field $n ecm), want on"
	[ "$(fax_field $n code)" = 0 ] || t_fail "fax $n: code=$(fax_field $n code), want 0"
	[ "$(fax_field $n rate)" -ge 9600 ] || t_fail "fax $n: rate=$(fax_field $n rate)"
done
# one FAX line per half: the E1 call saw the pages leave its line, the T1 call arrive on it
grep 'FAX call=' "$D/gw.log" | head -2 | grep -q 'dir=tdm-to-sip' || t_fail "no FAX line with dir=tdm-to-sip"
grep 'FAX call=' "$D/gw.log" | head -2 | grep -q 'dir=sip-to-tdm' || t_fail "no FAX line with dir=sip-to-tdm"
grep -q 'CALL id=1 .* fax=t38 fax_pages=3' "$D/gw.log" || t_fail "CALL line without fax=t38 fax_pages=3"

fax t1-e1 PBX_T1 PBX_E1 1555888 noecm "$FAX_MAX_ROWS"
t_wait_log gw "CALL id=4 " 15 || t_fail "the second looped call did not end"
for n in 3 4; do
	[ "$(fax_field $n transport)" = t38 ] || t_fail "fax $n: transport $(fax_field $n transport), want t38"
	[ "$(fax_field $n pages)" = 3 ] || t_fail "fax $n: pages=$(fax_field $n pages), want 3"
	[ "$(fax_field $n ecm)" = off ] || t_fail "fax $n: ecm=$(fax_field $n ecm), want off"
done

fax e1-t1-pt PBX_E1 PBX_T1 4930889 ecm 0
t_wait_log gw "CALL id=6 " 15 || t_fail "the pass-through call did not end"
t_wait_log gw "488 .*to the T.38 re-INVITE: the peer refuses T.38" 5 ||
	t_fail "the T.38 re-INVITE to [trunk selfpt] was not refused with 488"
for n in 5 6; do
	[ "$(fax_field $n transport)" = passthrough ] || t_fail "fax $n: transport $(fax_field $n transport), want passthrough"
	[ "$(fax_field $n pages)" = 3 ] || t_fail "fax $n: pages=$(fax_field $n pages), want 3"
done
grep 'FAX call=' "$D/gw.log" | sed 's/^.*FAX /FAX /' >&2
# Span 4's channels have DAHDI's MG2 echo canceller (t-ops-echocan): each fax switched it
# off (a modem's signal is not echo to cancel).
n=$(grep -cE 'call [0-9]+ \(span 4 ch [0-9]+[^)]*\): echo canceller off for fax' "$D/gw.log")
[ "$n" -ge 3 ] || t_fail "the T1 canceller was switched off for fax on $n calls, want 3"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
