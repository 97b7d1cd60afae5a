/* Logging with a level per subsystem, to stderr or syslog. */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

static const char *const ss_names[LS_COUNT] = {
#define X(id, name) [LS_##id] = name,
#include "common/log_subsys.inc"
#undef X
};

static const char *const level_names[LL_COUNT] = {
	[LL_ERROR] = "error", [LL_WARN] = "warn", [LL_NOTICE] = "notice",
	[LL_INFO] = "info", [LL_DEBUG] = "debug",
};

static const int syslog_prio[LL_COUNT] = {
	[LL_ERROR] = LOG_ERR, [LL_WARN] = LOG_WARNING, [LL_NOTICE] = LOG_NOTICE,
	[LL_INFO] = LOG_INFO, [LL_DEBUG] = LOG_DEBUG,
};

_Atomic int log_levels[LS_COUNT] = {
#define X(id, name) [LS_##id] = LL_INFO,
#include "common/log_subsys.inc"
#undef X
};

static enum log_target target = LOG_TO_STDERR;

void log_open(enum log_target t)
{
	if (t == LOG_TO_SYSLOG && target != LOG_TO_SYSLOG)
		openlog("strowger", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (t != LOG_TO_SYSLOG && target == LOG_TO_SYSLOG)
		closelog();
	target = t;
}

void log_set_all(enum log_level level)
{
	for (int i = 0; i < LS_COUNT; i++)
		atomic_store_explicit(&log_levels[i], (int)level, memory_order_relaxed);
}

int log_level_parse(const char *name)
{
	for (int i = 0; i < LL_COUNT; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	return -1;
}

int log_ss_parse(const char *name)
{
	for (int i = 0; i < LS_COUNT; i++)
		if (!strcasecmp(name, ss_names[i]))
			return i;
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < LL_COUNT ? level_names[level] : "?";
}

const char *log_ss_name(enum log_ss ss)
{
	return (unsigned)ss < LS_COUNT ? ss_names[ss] : "?";
}

/* Apply spec on top of levels[]; levels[] is left half-changed on error. */
static int parse_levels(const char *spec, enum log_level *levels, char *err, unsigned errlen)
{
	char buf[512];

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "list is longer than %zu characters", sizeof(buf) - 1);
		return EINVAL;
	}
	strcpy(buf, spec);
	for (char *save = NULL, *item = strtok_r(buf, ", \t", &save); item;
	     item = strtok_r(NULL, ", \t", &save)) {
		char *eq = strchr(item, '=');
		if (!eq) {
			snprintf(err, errlen, "'%s' is not subsystem=level", item);
			return EINVAL;
		}
		*eq = '\0';
		int ss = log_ss_parse(item), lvl = log_level_parse(eq + 1);
		if (ss < 0) {
			snprintf(err, errlen, "unknown log subsystem '%s'", item);
			return EINVAL;
		}
		if (lvl < 0) {
			snprintf(err, errlen, "unknown log level '%s' for %s", eq + 1, item);
			return EINVAL;
		}
		levels[ss] = lvl;
	}
	return 0;
}

int log_check_levels(const char *spec, char *err, unsigned errlen)
{
	enum log_level scratch[LS_COUNT];

	return parse_levels(spec, scratch, err, errlen);
}

int log_set_levels(const char *spec, char *err, unsigned errlen)
{
	enum log_level next[LS_COUNT];

	for (int i = 0; i < LS_COUNT; i++)
		next[i] = atomic_load_explicit(&log_levels[i], memory_order_relaxed);
	int e = parse_levels(spec, next, err, errlen);
	if (!e)
		for (int i = 0; i < LS_COUNT; i++)
			atomic_store_explicit(&log_levels[i], (int)next[i], memory_order_relaxed);
	return e;
}

void log_write(enum log_ss ss, enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	if (target == LOG_TO_SYSLOG) {
		syslog(syslog_prio[level], "[%s] %s", ss_names[ss], line);
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %-6s %-6s %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, level_names[level], ss_names[ss], line);
}

bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms, unsigned burst,
		      unsigned interval_ms, unsigned *suppressed_before)
{
	*suppressed_before = 0;
	if (now_ms - rl->window_start_ms >= interval_ms) {
		*suppressed_before = rl->suppressed;
		rl->window_start_ms = now_ms;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < burst) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}

void log_assert_failed(const char *expr, const char *file, int line)
{
	log_write(LS_MAIN, LL_ERROR, "assertion failed: %s (%s:%d)", expr, file, line);
	abort();
}
