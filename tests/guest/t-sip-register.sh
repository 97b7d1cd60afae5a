#!/bin/bash
# The gateway registers its trunk with digest authentication (RFC 3261 §10, §22) at a
# registrar on loopback (SIPp with verifyauth: user alice, password secret; 401 challenge,
# 200 if the answer is right, 403 if not): registered with the granted expiry; with a
# wrong password the failure is logged with its status and retried with back-off.
# needs: strowger
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
t_need strowger

write_conf() {	# password
	cat >"$T_LOGDIR/reg.conf" <<-EOC
	[general]
	sip_port = 5066
	[trunk carrier]
	proxy = sip:127.0.0.1:5080
	username = alice
	password = $1
	register = yes
	keepalive = 0
	EOC
}

# Right password: 401, REGISTER with credentials, 200 granting 60 s.
write_conf secret
t_start registrar sipp -sf "$STROWGER_ROOT/tests/sip/reg_auth.xml" -i 127.0.0.1 -p 5080 -mp 7200 \
	-m 1 -timeout 30s -timeout_error -nostdin -trace_err -error_file "$T_LOGDIR/registrar-err.log"
reg=$T_PID
gw_start "$T_LOGDIR/reg.conf"
t_wait_log gw "trunk carrier: registered \(expires 60 s\)" 15 ||
	{ t_tail gw; t_fail "trunk not registered with the right password"; }
t_wait_exit "$reg" 10 || { t_tail registrar; t_fail "registrar's digest check failed (SIPp status $T_RC)"; }
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"

# Wrong password: 403, logged, retried after 1 s, then 2 s (back-off).
write_conf wrong
t_start registrar2 sipp -sf "$STROWGER_ROOT/tests/sip/reg_auth.xml" -i 127.0.0.1 -p 5080 -mp 7200 \
	-m 2 -timeout 30s -nostdin
gw_start "$T_LOGDIR/reg.conf"
t_wait_log gw "trunk carrier: registration failed: 403 .*retry in 1 s" 15 ||
	{ t_tail gw; t_fail "wrong password not reported with 403 and a retry"; }
t_wait_log gw "trunk carrier: registration failed: 403 .*retry in 2 s" 15 ||
	{ t_tail gw; t_fail "no back-off after the second failure"; }
kill -0 "$GW_PID" || t_fail "daemon died on a refused registration"
gw_stop_clean || t_fail "daemon did not stop cleanly (status $T_RC)"
t_pass
