#!/bin/bash
# make demo: the main job in the guest. Placeholder until the gateway demo exists: it runs
# the tests named in $STROWGER_DEMO_TESTS (default: the DAHDI loop check) through the same
# runner as suite.sh, so it reports result lines like the suite does.
set -u
. "$STROWGER_ROOT/tests/guest/runner.sh"
demo=()
for name in ${STROWGER_DEMO_TESTS:-dahdi-loop}; do
	demo+=("$STROWGER_ROOT/tests/guest/t-$name.sh")
done
run_tests "${demo[@]}"
