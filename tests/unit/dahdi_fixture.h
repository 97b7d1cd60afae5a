/* Recorded DAHDI reports for unit tests (tests/unit/fixtures/dahdi/): the guest's own, captured
 * by tests/guest/capture-dahdi.sh, and hand-written ones of real cards. */
#ifndef STROWGER_TEST_DAHDI_FIXTURE_H
#define STROWGER_TEST_DAHDI_FIXTURE_H

#include <stddef.h>

struct dahdi_report_span;

/* Read fixture NAME into buf (NUL-terminated); return its length. Fails the test if absent. */
size_t dahdi_fixture_load(const char *name, char *buf, size_t size);

/* Parse the /proc/dahdi/N fixture NAME into *rs; fails the test if it does not parse. */
void dahdi_fixture_parse(struct dahdi_report_span *rs, const char *name);

#endif
