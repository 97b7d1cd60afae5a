/* What the code under test logs: fd 2 into a file while a test runs, then shown as usual
 * and returned, for tests that check a log line. One capture at a time. */
#ifndef STROWGER_TESTS_UNIT_LOG_CAPTURE_H
#define STROWGER_TESTS_UNIT_LOG_CAPTURE_H

void log_capture_start(void);

/* Stop capturing: the text (its first 32 KiB; valid until the next start), also printed to
 * the real stderr. Without a capture running: the last text. */
const char *log_capture_stop(void);

#endif
