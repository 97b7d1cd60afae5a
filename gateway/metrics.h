/* Prometheus metrics: the daemon's counters and gauges in the text exposition format
 * (version 0.0.4) on an HTTP port served by libmicrohttpd, which also serves the status
 * page (gateway/status_page.h).
 *
 * Everything is counted and rendered in the signalling thread: finished calls through
 * metrics_count_call() (their CDR), gauges from the rows the control socket also shows.
 * The rendered page is handed to libmicrohttpd's own thread under a mutex, so a scrape
 * reads a snapshot (at most one refresh old: every second and after each call) and never
 * touches the daemon's objects. */
#ifndef STROWGER_GATEWAY_METRICS_H
#define STROWGER_GATEWAY_METRICS_H

#include <stdbool.h>
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
	uint64_t rss_bytes, vsize_bytes;	/* 0: unknown */
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

/* Serve GET /metrics, and the status page (gateway/status_page.h) at / and /status.json,
 * on addr ("127.0.0.1:9100" or "[::1]:9100": numeric address and port). 0, or an errno
 * value: EINVAL (addr), EADDRINUSE or EIO (libmicrohttpd would not start). */
int metrics_listen(struct metrics *m, const char *addr);

/* The documents served, each the last text published. */
enum metrics_doc {
	METRICS_DOC_METRICS,	/* /metrics */
	METRICS_DOC_STATUS,	/* /status.json */
	METRICS_DOC_COUNT
};

/* Make out's text what GETs of doc get (takes it: out is left empty). */
void metrics_publish(struct metrics *m, enum metrics_doc doc, struct ctl_buf *out);

/* Clients not on loopback need this token for the status page ("" or NULL: none). */
void metrics_set_token(struct metrics *m, const char *token);

/* Whether a client may see the status page: on loopback, or no token set, or it gave the
 * token as ?token= (query) or "Authorization: Bearer" (auth; either may be NULL). */
bool metrics_token_ok(const char *token, bool loopback, const char *query, const char *auth);

#endif
