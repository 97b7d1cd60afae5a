#!/bin/bash
# The guest tier: run every tests/guest/t-*.sh in the guest (make guest). Started by
# guest-init.sh after the spans are configured; results go to $STROWGER_RESULTS/results.txt.
set -u
. "$STROWGER_ROOT/tests/guest/runner.sh"
run_tests "$STROWGER_ROOT"/tests/guest/t-*.sh
