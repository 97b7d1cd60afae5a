#!/bin/bash
# strowger-sim's suite: the guest half (sim/guest-sim.sh) on the plan sim/strowger-sim made
# in $STROWGER_BUILD/sim. Not part of make guest (t-sim.sh tests the same half there).
# needs: strowger tests/pstnsim/pstnsim tests/rtpprobe/rtpprobe
set -u
. "$STROWGER_ROOT/tests/guest/runner.sh"
run_tests "$STROWGER_ROOT/sim/guest-sim.sh"
