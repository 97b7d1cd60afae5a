/* The monotonic clock every module measures time with. */
#ifndef STROWGER_COMMON_CLOCK_H
#define STROWGER_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* [µs] CLOCK_MONOTONIC: for intervals and deadlines, never wall time. */
static inline uint64_t clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
