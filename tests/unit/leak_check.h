/* A test's own leak check, for the end of a test after its teardown: Criterion has reported
 * the test by the time LeakSanitizer's exit-time check runs (and ignores failures in .fini),
 * so the SIP suites ask LeakSanitizer themselves. Does nothing without ASan. */
#ifndef STROWGER_TESTS_UNIT_LEAK_CHECK_H
#define STROWGER_TESTS_UNIT_LEAK_CHECK_H

void leak_check_expect_none(void);

#endif
