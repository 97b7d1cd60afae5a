/* Operator maintenance state that outlives the daemon: the spans blocked with
 * "strowgerctl span block N". A span taken out of service for work on the line must stay
 * out after a restart or a crash, or the PBX's next SETUP lands on it.
 *
 * The file (state_file, default /var/lib/strowger/state) is INI, one key today:
 *     blocked_spans = 2 4
 * written whole to FILE.tmp, fsync'd and renamed over FILE on every change, so a SIGKILL
 * or a power cut leaves the old state or the new one, never half of one. */
#ifndef STROWGER_GATEWAY_MAINT_STATE_H
#define STROWGER_GATEWAY_MAINT_STATE_H

#include <stddef.h>
#include <stdint.h>

#define MAINT_SPANS_MAX 256
#define MAINT_WORDS (MAINT_SPANS_MAX / 32)

/* Read path into blocked (bit n: span n). A missing file is an empty state (0). Otherwise
 * 0 or an errno (EINVAL: a line that is not ours; err says "path:line: what"). */
int maint_state_load(const char *path, uint32_t blocked[MAINT_WORDS], char *err, size_t len);

/* Write blocked to path as described above. 0 or an errno. */
int maint_state_save(const char *path, const uint32_t blocked[MAINT_WORDS]);

#endif
