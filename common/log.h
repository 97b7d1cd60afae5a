/* Logging with a level per subsystem, to stderr or syslog (STYLE.md §9). */
#ifndef STROWGER_LOG_H
#define STROWGER_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum log_ss {
#define X(id, name) LS_##id,
#include "common/log_subsys.inc"
#undef X
	LS_COUNT
};

/* Ordered: a subsystem at level L prints every message at L or below. */
enum log_level { LL_ERROR, LL_WARN, LL_NOTICE, LL_INFO, LL_DEBUG, LL_COUNT };

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

/* Set by the signalling thread (start, reload), read by every thread (the media thread
 * logs too): atomics, so a reload is not a data race. Relaxed order is enough: a level is
 * a single word with no other data published through it; a thread may log one message at
 * the old level after a reload, which is harmless. */
extern _Atomic int log_levels[LS_COUNT];

/* Direct output to stderr or syslog (ident "strowger"). */
void log_open(enum log_target target);

/* Set every subsystem to one level. */
void log_set_all(enum log_level level);

/* Apply "ss=level,ss=level" on top of the current levels.
 * Return 0, or EINVAL naming the bad item in err (size errlen). */
int log_set_levels(const char *spec, char *err, unsigned errlen);

/* Validate such a list without applying it. */
int log_check_levels(const char *spec, char *err, unsigned errlen);

/* Name <-> value; return -1 / NULL when unknown. */
int log_level_parse(const char *name);
int log_ss_parse(const char *name);
const char *log_level_name(enum log_level level);
const char *log_ss_name(enum log_ss ss);

void log_write(enum log_ss ss, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline bool log_enabled(enum log_ss ss, enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_levels[ss], memory_order_relaxed);
}

#define LOG_AT(ss, lvl, ...) \
	do { if (log_enabled(ss, lvl)) log_write(ss, lvl, __VA_ARGS__); } while (0)
#define LOGE(ss, ...) LOG_AT(ss, LL_ERROR, __VA_ARGS__)
#define LOGW(ss, ...) LOG_AT(ss, LL_WARN, __VA_ARGS__)
#define LOGN(ss, ...) LOG_AT(ss, LL_NOTICE, __VA_ARGS__)
#define LOGI(ss, ...) LOG_AT(ss, LL_INFO, __VA_ARGS__)
#define LOGD(ss, ...) LOG_AT(ss, LL_DEBUG, __VA_ARGS__)

/* Rate limit for per-packet warnings: at most `burst` lines per `interval_ms`,
 * then one summary of how many were suppressed. Embed one per warning site. */
struct log_ratelimit {
	uint64_t window_start_ms;
	unsigned printed;
	unsigned suppressed;
};

/* Return true if a line may be printed now; now_ms from the caller's clock. */
bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms, unsigned burst,
		      unsigned interval_ms, unsigned *suppressed_before);

/* A broken invariant: log file:line and abort (never silent recovery). */
#define STROWGER_ASSERT(cond) \
	do { if (!(cond)) log_assert_failed(#cond, __FILE__, __LINE__); } while (0)
void log_assert_failed(const char *expr, const char *file, int line)
	__attribute__((noreturn));

#endif
