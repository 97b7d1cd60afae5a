#!/bin/bash
# strowger-sim in the guest: the calls of the plan in $STROWGER_BUILD/sim (sim/simprep.py),
# one "sim:" block each (sim/sim-run.sh). PASS when every call was placed and reported;
# what happened to each is the user's to judge.
# timeout: 1800
. "$STROWGER_ROOT/tests/guest/lib.sh"
. "$STROWGER_ROOT/tests/guest/daemon.sh"
. "$STROWGER_ROOT/tests/guest/calls.sh"
. "$STROWGER_ROOT/sim/sim-run.sh"
t_need strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
sim_run "$STROWGER_BUILD/sim"
echo "sim: $SIM_CALLS calls placed, $SIM_ANSWERED answered with audio both ways"
t_pass
