#!/bin/bash
# FXS ports registering as their own SIP users, on real DAHDI: ports 5:1-8 have
# "register = trunk peer", users line01..line08 and a digest password. SIPp is the
# registrar (tests/sip/reg_ports.xml): it challenges each port's REGISTER, checks the
# credentials of that port's own user, and grants 6 s, so each binding is refreshed before
# SIPp exits. Then the peer calls line03 (no route names it: the port's registration does)
# and the phone on port 5:3 rings and answers. strowgerctl show ports (the port state dump)
# shows it ringing, then off-hook in the call, registered as line03 with the seconds left.
# needs: strowger strowgerctl tests/pstnsim/pstnsim
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
t_need strowger strowgerctl tests/pstnsim/pstnsim

conf=$T_LOGDIR/gateway.conf
ctl_sock=$T_LOGDIR/control
sed -e 's|^howler_after = 10$|howler_after = 10\nregister = trunk peer\nusername = line01\npassword = secret|' \
	-e "s|^\[general\]\$|[general]\ncontrol_socket = $ctl_sock|" \
	"$STROWGER_ROOT/tests/guest/gateway.conf" >"$conf"
grep -q '^register = trunk peer' "$conf" || t_fail "test config: no register in [port 5:1-8]"
# Port 5:3 is DAHDI channel 113; its phone is 137.
PHONE=("$(t_bin tests/pstnsim/pstnsim)" --analog 137 --role phone --tag phone)

# The registrar first: the ports register as the daemon starts.
t_start sipp-reg sipp -sf "$SIP_SCEN/reg_ports.xml" -i 127.0.0.1 -p 5070 -mp 7000 -m 8 \
	-timeout 60s -timeout_error -nostdin -trace_msg -message_file "$T_LOGDIR/reg.msg" \
	-trace_err -error_file "$T_LOGDIR/sipp-reg-err.log"
reg=$T_PID
gw_start "$conf"
gw_wait_up 5 24 30 || t_fail "span 5 not up"
t_wait_exit "$reg" 45 || { t_tail sipp-reg; t_tail gw 40; t_fail "registrar: a port's REGISTER was wrong or not refreshed (SIPp status $T_RC)"; }
for n in 1 2 3 4 5 6 7 8; do
	c=$(grep -c "^To: <sip:line0$n@127.0.0.1:5070>" "$T_LOGDIR/reg.msg")
	[ "$c" -ge 3 ] || t_fail "line0$n: $c REGISTERs (challenged, authenticated, refreshed: 3)"
	t_wait_log gw "port 5:$n as line0$n .trunk peer.: registered " 2 || t_fail "port 5:$n not registered"
done

gw_baseline	# registered: the call below must give back what it takes

# ports ROW-REGEX...: each row is in strowgerctl show ports.
ports() {
	local out rx
	out=$("$(t_bin strowgerctl)" -s "$ctl_sock" show ports 2>&1)
	t_log "show ports: $out"
	for rx in "$@"; do
		grep -Eq "$rx" <<<"$out" || { echo "$out"; t_fail "show ports: no row like '$rx'"; }
	done
}

# The peer calls line03: the port's binding routes it to port 5:3, which rings.
t_start phone "${PHONE[@]}" -e 'expect ringing x 1 20s; offhook; sleep 6s; onhook; sleep 1s'
phone=$T_PID
sleep 3		# the phone's channel reports no ring for 2 s after it starts (t-analog-fxs-ring)
t_start sipp-uac sipp -sf "$SIP_SCEN/gw_uac_call.xml" -key probe_port 6002 -s line03 -i 127.0.0.1 \
	-p 5070 -mp 7100 127.0.0.1:5060 -m 1 -timeout 45s -timeout_error -nostdin -d 4000 \
	-trace_err -error_file "$T_LOGDIR/sipp-uac-err.log"
uac=$T_PID
t_wait_log gw "port 5:3: idle -> ringing" 15 || { t_tail gw 30; t_fail "port 5:3 does not ring"; }
ports '^5:3 +fxs +2003 +on +yes +ringing +registered line03 [0-9]+s +1$' \
	'^5:1 +fxs +2001 +on +no +idle +registered line01 3[0-9]{3}s +-$'
t_wait_log gw "port 5:3: ringing -> connected" 15 || { t_tail gw 30; t_fail "port 5:3 not answered"; }
ports '^5:3 +fxs +2003 +off +no +connected +registered line03 [0-9]+s +1$'
t_wait_exit "$uac" 30 || { t_tail sipp-uac; t_tail gw 30; t_fail "SIP -> line03 failed (SIPp status $T_RC)"; }
t_wait_exit "$phone" 20 || { t_tail phone; t_tail gw 30; t_fail "port 5:3's phone did not ring (status $T_RC)"; }
t_wait_log gw "CALL id=1 dir=sip-tdm port 5:3 trunk=peer called=line03 .*answered=yes" 5 ||
	t_fail "gateway's summary of the call to line03 missing or wrong"

gw_check_baseline
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
