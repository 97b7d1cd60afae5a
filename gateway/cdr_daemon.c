/* The daemon's CDRs and metrics: a finished call's record completed from its legs, counted
 * for the metrics (gateway/metrics.h) and queued for the CDR writer thread (gateway/cdr.h).
 * Runs in the signalling thread; never waits for the disk or a scrape. */
#include "gateway/gw.h"

#include "common/log.h"
#include "gateway/cdr.h"
#include "gateway/cdr_daemon.h"
#include "gateway/ctl_daemon.h"
#include "gateway/metrics.h"
#include "gateway/status.h"
#include "gateway/status_page.h"
#include "media/engine.h"
#include "gateway/leg.h"
#include "gateway/legs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What only the legs know: the SIP leg's trunk, codec and Call-ID, the line's position. */
static void leg_details(const struct leg *l, struct cdr_rec *r)
{
	const char *trunk = leg_sip_trunk(l), *codec = leg_sip_codec(l), *cid = leg_sip_call_id(l);

	if (!l)
		return;
	if (trunk && trunk[0])
		snprintf(r->trunk, sizeof(r->trunk), "%s", trunk);
	if (codec)
		snprintf(r->codec, sizeof(r->codec), "%s", codec);
	if (cid && cid[0])
		snprintf(r->sip_call_id, sizeof(r->sip_call_id), "%s", cid);
}

#define METRICS_REFRESH_MS 1000

/* The process's virtual and resident size from /proc/self/statm (pages); 0 if unknown. */
static void memory(uint64_t *vsize, uint64_t *rss)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long size = 0, res = 0;
	long page = sysconf(_SC_PAGESIZE);

	if (f) {
		if (fscanf(f, "%llu %llu", &size, &res) != 2)
			size = res = 0;
		fclose(f);
	}
	*vsize = page > 0 ? size * (uint64_t)page : 0;
	*rss = page > 0 ? res * (uint64_t)page : 0;
}

/* Render the metrics page from the counters and what the control socket shows now;
 * ending: calls still listed that are being freed. */
static void metrics_refresh(struct daemon *d, unsigned ending)
{
	const struct ctl_ops *ops = gw_ctl_ops();
	struct ctl_span_row spans[64];
	struct ctl_trunk_row *trunks = calloc(CTL_MAX_ROWS, sizeof(*trunks));
	struct ctl_status st;
	struct media_engine_stats ms = { 0 };
	struct cdr_writer_stats cs = { 0 };
	struct ctl_buf out = { 0 };

	if (!d->metrics || !trunks) {
		free(trunks);
		return;
	}
	unsigned ns = ops->spans(d, spans, 64), nt = ops->trunks(d, trunks, CTL_MAX_ROWS);
	gw_status_get(d, &st);
	if (d->media)
		media_engine_stats(d->media, &ms);
	if (d->cdr)
		cdr_writer_get_stats(d->cdr, &cs);
	struct metrics_gauges g = {
		.calls_active = d->calls.ncalls - ending,
		.spans = spans, .nspans = ns < 64 ? ns : 64,
		.trunks = trunks, .ntrunks = nt < CTL_MAX_ROWS ? nt : CTL_MAX_ROWS,
		.fds = st.fds, .media_events_dropped = ms.events_dropped,
		.cdr_written = cs.written, .cdr_dropped = cs.dropped, .cdr_on = d->cdr != NULL,
	};
	memory(&g.vsize_bytes, &g.rss_bytes);
	metrics_render(d->metrics, &g, &out);
	metrics_publish(d->metrics, METRICS_DOC_METRICS, &out);
	free(trunks);
	if (d->history) {
		status_page_json(ops, d, d->history, (int64_t)time(NULL), &out);
		metrics_publish(d->metrics, METRICS_DOC_STATUS, &out);
	}
}

static void on_metrics_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	(void)t;
	(void)arg;
	metrics_refresh(d, 0);
}

static void on_call_end(struct call_env *e, struct call *c, struct cdr_rec *r)
{
	struct daemon *d = e->arg;

	leg_details(call_leg_a(c), r);
	leg_details(call_leg_b(c), r);
	/* PRI legs name themselves "span S ch C" (leg_pri.c's tag). */
	if (sscanf(r->line, "span %u ch %u", &r->span, &r->channel) != 2)
		r->span = r->channel = 0;
	if (d->metrics)
		metrics_count_call(d->metrics, r);
	if (d->history)
		status_history_count(d->history, r);
	if (d->cdr)
		(void)cdr_writer_submit(d->cdr, r);	/* a full queue counts and logs the drop */
	metrics_refresh(d, 1);	/* a scrape right after a call sees it */
}

void gw_metrics_start(struct daemon *d)
{
	const char *addr = d->conf->general.metrics_listen;
	int err;

	if (!addr[0])
		return;
	err = metrics_alloc(&d->metrics);
	if (!err)
		err = metrics_listen(d->metrics, addr);
	if (err) {
		LOGE(LS_MAIN, "metrics on %s: %s: running without them", addr, strerror(err));
		metrics_free(d->metrics);
		d->metrics = NULL;
		return;
	}
	metrics_set_token(d->metrics, d->conf->general.status_token);
	d->history = calloc(1, sizeof(*d->history));
	if (!d->history)
		LOGE(LS_MAIN, "status page: out of memory: running without it");
	d->calls.cdr = on_call_end;
	d->metrics_timer = su_timer_create(su_root_task(d->root), METRICS_REFRESH_MS);
	if (d->metrics_timer)
		(void)su_timer_run(d->metrics_timer, on_metrics_timer, NULL);	/* periodic */
	metrics_refresh(d, 0);
	LOGI(LS_MAIN, "metrics on http://%s/metrics, the status page on http://%s/%s", addr,
	     addr, d->conf->general.status_token[0] ? " (a token needed off loopback)" : "");
}

void gw_metrics_stop(struct daemon *d)
{
	if (d->metrics_timer)
		su_timer_destroy(d->metrics_timer);
	d->metrics_timer = NULL;
	metrics_free(d->metrics);
	d->metrics = NULL;
	free(d->history);
	d->history = NULL;
	if (!d->cdr)
		d->calls.cdr = NULL;
}

void gw_cdr_start(struct daemon *d)
{
	const struct conf_general *g = &d->conf->general;
	struct cdr_writer_params p = { .db_path = g->cdr_db, .csv_path = g->cdr_csv };
	int err;

	if (!g->cdr_db[0] || !strcmp(g->cdr_db, "off")) {
		LOGI(LS_MAIN, "CDRs: off (cdr_db)");
		return;
	}
	err = cdr_writer_open(&d->cdr, &p);
	if (err) {
		/* Calls matter more than their records: run without, loudly. */
		LOGE(LS_MAIN, "CDR database %s: %s: running without CDRs", g->cdr_db,
		     strerror(err));
		return;
	}
	d->calls.cdr = on_call_end;
	LOGI(LS_MAIN, "CDRs to %s%s%s", g->cdr_db, g->cdr_csv[0] ? " and " : "", g->cdr_csv);
}

void gw_cdr_stop(struct daemon *d)
{
	if (!d->metrics)
		d->calls.cdr = NULL;
	cdr_writer_close(d->cdr);
	d->cdr = NULL;
}
