/* The status page: a read-only web page of the spans and their channels, the trunks, the
 * calls up and the last hour's calls and RTP loss, for an operator's browser. The daemon
 * serves it with the metrics (gateway/metrics.h: GET / and /status.json on metrics_listen).
 *
 * The page is static HTML (gateway/status_page.html, built in) that polls /status.json
 * every second. That document is made in the signalling thread, like the metrics page, from
 * the control socket's own JSON replies (gateway/ctl_cmd.h), so the page shows exactly what
 * `strowgerctl show spans|channels|trunks|calls --json` shows:
 *
 *   {"time":UNIX_S,"show_spans":{...},"show_channels":{...},"show_trunks":{...},
 *    "show_calls":{...},"history":[{"minute":UNIX_S,"calls":N,"answered":N,
 *    "rtp_received":N,"rtp_lost":N}, ... 60 minutes, oldest first]} */
#ifndef STROWGER_GATEWAY_STATUS_PAGE_H
#define STROWGER_GATEWAY_STATUS_PAGE_H

#include <stdint.h>

#include "gateway/ctl_cmd.h"

#define STATUS_HISTORY_MIN 60	/* minutes the charts cover */

struct cdr_rec;

/* The page, NUL-terminated. */
extern const char status_page_html[];

/* Finished calls by the minute they ended in, the last STATUS_HISTORY_MIN minutes. */
struct status_history {
	struct status_minute {
		int64_t minute;		/* [s] Unix time of the minute's start; 0: unused */
		unsigned calls, answered;
		uint64_t rtp_received, rtp_lost;
	} m[STATUS_HISTORY_MIN];
};

void status_history_count(struct status_history *h, const struct cdr_rec *r);

/* The /status.json document at Unix time now_s, appended to out. */
void status_page_json(const struct ctl_ops *ops, void *arg, const struct status_history *h,
		      int64_t now_s, struct ctl_buf *out);

#endif
