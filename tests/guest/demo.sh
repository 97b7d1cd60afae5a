#!/bin/bash
# make demo: the main job in the guest: t-demo.sh places calls through the gateway both
# ways and prints a line per call ("demo: ..."). $STROWGER_DEMO_TESTS names other tests to
# run instead; they go through the same runner as suite.sh.
set -u
. "$STROWGER_ROOT/tests/guest/runner.sh"
demo=()
for name in ${STROWGER_DEMO_TESTS:-demo}; do
	demo+=("$STROWGER_ROOT/tests/guest/t-$name.sh")
done
run_tests "${demo[@]}"
