/* The daemon's CDRs: a finished call's record completed from its legs and queued for the
 * writer thread (gateway/cdr.h). Runs in the signalling thread; never waits for the disk. */
#include "gateway/gw.h"

#include "common/log.h"
#include "gateway/cdr.h"
#include "gateway/cdr_daemon.h"
#include "gateway/leg.h"
#include "gateway/legs.h"

#include <stdio.h>
#include <string.h>

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

static void on_call_end(struct call_env *e, struct call *c, struct cdr_rec *r)
{
	struct daemon *d = e->arg;

	if (!d->cdr)
		return;
	leg_details(call_leg_a(c), r);
	leg_details(call_leg_b(c), r);
	/* PRI legs name themselves "span S ch C" (leg_pri.c's tag). */
	if (sscanf(r->line, "span %u ch %u", &r->span, &r->channel) != 2)
		r->span = r->channel = 0;
	(void)cdr_writer_submit(d->cdr, r);	/* a full queue counts and logs the drop */
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
	d->calls.cdr = NULL;
	cdr_writer_close(d->cdr);
	d->cdr = NULL;
}
