#!/bin/bash
# Who is calling, across the gateway: the type of number becomes E.164 (+CC...), restricted
# presentation becomes RFC 3323 privacy, a trusted trunk (RFC 3325) gets and gives the number
# in P-Asserted-Identity with Privacy: id, an untrusted one is not believed; the calling name
# travels both ways (Display IE on EuroISDN) unless presentation is restricted. Real libpri on
# both ends of the E1, SIPp on the SIP side.
# needs: strowger tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger tests/pstnsim/pstnsim

# The guest's gateway.conf with a country code on the E1 and trunk "peer" trusted.
conf=$T_LOGDIR/gateway.conf
sed -e '/^\[span 2\]/a country_code = 49' -e '/^\[trunk peer\]/a trust = yes' \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
gw_start "$conf"
gw_wait_up 2 31 || t_fail "span 2 not up"
gw_baseline

# PRI -> SIP, presentation allowed: number as E.164 and name in From and P-Asserted-Identity.
msg=$T_LOGDIR/uas-allowed.msg
sip_uas gw_uas_busy.xml 6000 -trace_msg -message_file "$msg"
uas=$T_PID
t_run pbx-allowed 30 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 from 30123456 ton national name Alice; expect hangup 17 10s' ||
	{ t_tail pbx-allowed; t_fail "PBX call to the trusted trunk did not end busy"; }
t_wait_exit "$uas" 10
grep -q '^From: "Alice" <sip:+4930123456@' "$msg" || { cat "$msg"; t_fail "From lacks +49 number or name"; }
grep -q '^P-Asserted-Identity: "Alice" <sip:+4930123456@' "$msg" ||
	{ cat "$msg"; t_fail "trusted trunk got no P-Asserted-Identity"; }
! grep -q '^Privacy:' "$msg" || t_fail "Privacy header on a call with presentation allowed"

# PRI -> SIP, called number international, calling national and restricted: anonymous From,
# the number asserted with Privacy: id, the name withheld (the scenario checks the headers).
sip_uas gw_uas_identity.xml 6000
uas=$T_PID
t_run pbx-restricted 30 "${PBX_E1[@]}" -e "$PBX_READY; "'call 4930123 called-ton international from 30123456 ton national pres restricted name Alice; expect hangup 17 10s' ||
	{ t_tail pbx-restricted; t_fail "restricted PBX call did not end busy"; }
t_wait_exit "$uas" 10 || { t_tail sipp-uas; t_fail "INVITE identity headers wrong (SIPp status $T_RC)"; }
t_wait_log gw "CALL id=2 .*called=\+4930123 calling=\+4930123456 presentation=restricted " 5 ||
	t_fail "CALL line of the restricted PBX call wrong"

# SIP -> PRI from the trusted trunk, presentation allowed: the asserted number reaches the
# PBX as a national number (+49 is ours) with the name.
uac_identity() {	# NAME PORT NUMBER DISPLAY FROM_USER FROM_HOST PRIVACY
	SIP_UAC_PORT=$2 sip_uac gw_uac_identity.xml 6002 "$3" -key display "$4" \
		-key from_user "$5" -key from_host "$6" -key privacy "$7" \
		-trace_msg -message_file "$T_LOGDIR/uac-$1.msg" ||
		{ t_tail sipp-uac; t_fail "SIP -> PRI $1: SIPp status $T_RC"; }
	grep -q "^SIP/2.0 486" "$T_LOGDIR/uac-$1.msg" || t_fail "$1: PBX busy did not come back as 486"
}
t_start pbx-in-allowed "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930996 from 30555 ton national pres allowed name Bob 20s; reject 17; sleep 1'
pbx=$T_PID
pbx_wait_ready pbx-in-allowed
uac_identity allowed 5070 4930996 Bob +4930555 127.0.0.1 none
t_wait_exit "$pbx" 10 || { t_tail pbx-in-allowed; t_fail "PBX did not see the asserted caller and name"; }

# SIP -> PRI from the trusted trunk, withheld: restricted, number still there for the network.
t_start pbx-in-restricted "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930997 from 30555 ton national pres restricted 20s; reject 17; sleep 1'
pbx=$T_PID
pbx_wait_ready pbx-in-restricted
uac_identity restricted 5070 4930997 Anonymous anonymous anonymous.invalid id
t_wait_exit "$pbx" 10 || { t_tail pbx-in-restricted; t_fail "PBX did not see a restricted, asserted caller"; }

# SIP -> PRI from the untrusted trunk peer2: its P-Asserted-Identity is not believed; the PBX
# sees a restricted call with no number.
t_start pbx-in-untrusted "${PBX_E1[@]}" -e 'wait-up 30s; expect ring to 4930995 pres restricted 20s; reject 17; sleep 1'
pbx=$T_PID
pbx_wait_ready pbx-in-untrusted
uac_identity untrusted 5072 4930995 Anonymous anonymous anonymous.invalid id
t_wait_exit "$pbx" 10 || { t_tail pbx-in-untrusted; t_fail "PBX did not see a restricted caller"; }
grep -q "SETUP to 4930995 (unknown) from - " "$T_LOGDIR/pbx-in-untrusted.log" ||
	{ t_tail pbx-in-untrusted; t_fail "an untrusted trunk's asserted number reached the PBX"; }

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
