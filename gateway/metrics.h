/* Prometheus metrics: the daemon's counters and gauges in the text exposition format
 * (version 0.0.4) on an HTTP port served by libmicrohttpd.
 *
 * Everything is counted and rendered in the signalling thread: finished calls through
 * metrics_count_call() (their CDR), gauges from the rows the control socket also shows.
 * The rendered page is handed to libmicrohttpd's own thread under a mutex, so a scrape
 * reads a snapshot (at most one refresh old: every second and after each call) and never
 * touches the daemon's objects. */
#ifndef STROWGER_GATEWAY_METRICS_H
#define STROWGER_GATEWAY_METRICS_H

#include <stdint.h>

#include "gateway/ctl_cmd.h"

#define METRICS_MAX_SERIES 1024	/* call label sets kept; more go to trunk="other" */

struct cdr_rec;
struct metrics;

/* What the daemon is now, for the gauges. Row arrays are the control socket's. */
struct metrics_gauges {
	unsigned calls_active;
	const struct ctl_span_row *spans;
	unsigned nspans;
	const struct ctl_trunk_row *trunks;
	unsigned ntrunks;
	unsigned fds;
	uint64_t media_events_dropped;
	uint64_t cdr_written, cdr_dropped;
	int cdr_on;			/* 0: CDRs off (no cdr series) */
};

/* Counters only (no HTTP): for the daemon before listening, and for tests. */
int metrics_alloc(struct metrics **mp);
void metrics_free(struct metrics *m);

/* Count a finished call: by direction, trunk and cause; answered; its RTP and fax. */
void metrics_count_call(struct metrics *m, const struct cdr_rec *r);

/* The exposition text of the counters and g, appended to out. */
void metrics_render(const struct metrics *m, const struct metrics_gauges *g, struct ctl_buf *out);

/* Serve GET /metrics on addr ("127.0.0.1:9100": numeric IPv4 and port). 0, or an errno
 * value: EINVAL (addr), EADDRINUSE or EIO (libmicrohttpd would not start). */
int metrics_listen(struct metrics *m, const char *addr);

/* Make out's text the page scrapes get (takes it: out is left empty). */
void metrics_publish(struct metrics *m, struct ctl_buf *out);

#endif
