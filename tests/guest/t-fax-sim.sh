#!/bin/bash
# The PSTN simulator's fax machine on real DAHDI: pstnsim on both sides of the looped E1
# pair (EuroISDN, A-law), no gateway. Call 1: the calling side sends a 3-page fine-resolution
# fax with ECM, the answering side receives it. Call 2: the answering side sends, the calling
# side receives, ECM off. Both must end with T30_ERR_OK and 3 pages, and faxcmp compares the
# received pages with the sent ones (ECM: every row; no ECM: at most FAX_MAX_ROWS differing
# rows a page, the rows line errors may spoil, as idle fill from a slow guest can).
# Meanwhile the SIP side's T.38 terminal proves itself in the guest too: t38term to t38term
# over loopback, ECM on and off, 5 % loss recovered by UDPTL redundancy
# (tests/t38term/selftest.sh).
# needs: tests/pstnsim/pstnsim tests/tools/mkfaxtiff tests/tools/faxcmp tests/t38term/t38term
# timeout: 420
. "$STROWGER_ROOT/tests/guest/lib.sh"
t_need tests/pstnsim/pstnsim tests/tools/mkfaxtiff tests/tools/faxcmp tests/t38term/t38term
sim=$(t_bin tests/pstnsim/pstnsim)
cmp=$(t_bin tests/tools/faxcmp)
: "${FAX_MAX_ROWS:=20}"
D=$T_LOGDIR

t_check "mkfaxtiff" "$(t_bin tests/tools/mkfaxtiff)" --pages 3 --res fine --coding 2d "$D/sent.tif"

cat >"$D/net.pss" <<EOF2
wait-up 30s
# call 1: we call and send, ECM
call 4930777 from 5551000 chan 1
expect answer 10s
fax-send $D/sent.tif ecm ident +49_30_777
expect fax-done 3m pages 3
hangup 16
expect hangup 16 5s
# call 2: we call and receive, no ECM
call 4930778 from 5551000 chan 2
expect answer 10s
fax-recv $D/recv-noecm.tif noecm ident +49_30_778
expect fax-done 3m pages 3
expect hangup 16 20s
EOF2
cat >"$D/cpe.pss" <<EOF2
wait-up 30s
expect ring to 4930777 30s
answer
fax-recv $D/recv-ecm.tif ecm ident +1_555_1000
expect fax-done 3m pages 3
expect hangup 16 20s
expect ring to 4930778 30s
answer
fax-send $D/sent.tif noecm ident +1_555_1001
expect fax-done 3m pages 3
hangup 16
expect hangup 16 5s
EOF2
t_start t38self bash "$STROWGER_ROOT/tests/t38term/selftest.sh" "$STROWGER_BUILD" 41000
t38self=$T_PID
t_start cpe "$sim" --dchan "$E1_GW_D" --bchans "$E1_GW_B" --role cpe --tag cpe --script "$D/cpe.pss"
cpe=$T_PID
t_run net 400 "$sim" --dchan "$E1_PBX_D" --bchans "$E1_PBX_B" --role net --tag net \
	--script "$D/net.pss"
nrc=$T_RC
t_wait_exit "$cpe" 30
crc=$T_RC
grep -h 'expect fax-done' "$T_LOGDIR/net.log" "$T_LOGDIR/cpe.log" >&2
if [ "$nrc" != 0 ] || [ "$crc" != 0 ]; then
	t_tail net 30
	t_tail cpe 30
	t_fail "pstnsim: net exit $nrc, cpe exit $crc: $(grep -h 'FAIL' "$T_LOGDIR/net.log" "$T_LOGDIR/cpe.log" | head -2 | cut -c1-200 | tr '\n' ' ')"
fi
t_wait_exit "$t38self" 120 ||
	{ t_tail t38self 30; t_fail "t38term self-test: $(grep -E 'FAIL' "$T_LOGDIR/t38self.log" | head -2 | tr '\n' ' ')"; }
t_log "$(grep -E '^t38term-self: ok' "$T_LOGDIR/t38self.log" | tr '\n' ' ')"
ecm=$("$cmp" "$D/sent.tif" "$D/recv-ecm.tif") || t_fail "ECM fax differs: $ecm"
noecm=$("$cmp" --max-rows "$FAX_MAX_ROWS" "$D/sent.tif" "$D/recv-noecm.tif") ||
	t_fail "non-ECM fax differs beyond $FAX_MAX_ROWS rows a page: $noecm"
t_log "ECM:    $ecm; $(grep -ho 'fax: pages=.* dir=recv[^;]*' "$T_LOGDIR/cpe.log")"
t_log "no ECM: $noecm; $(grep -ho 'fax: pages=.* dir=recv[^;]*' "$T_LOGDIR/net.log")"
t_pass
