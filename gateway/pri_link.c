/* A PRI span run by the daemon: libpri on the DAHDI D-channel, channels from its group. */
#include "gateway/gw.h"
#include "gateway/pri_link.h"

#include "common/log.h"
#include "gateway/legs.h"
#include "tdm/bchan.h"
#include "tdm/pri.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SW_QSIG == (int)PRI_SW_QSIG && SW_NI2 == (int)PRI_SW_NI2,
	       "conf's switch names are in tdm/pri's order");

struct pri_link {
	struct daemon *d;
	unsigned span;
	struct tdm_span *tspan;
	struct bchan_group *chans;	/* the group's; not owned */
	struct pri_span *pri;
	su_timer_t *timer;
	bool alarm;
	bool alaw;
	enum pri_role role;
	enum pri_switch sw;
	enum pri_line line;
	bool overlap;
};

static void on_pri_event(const struct pri_event *ev, void *arg)
{
	struct pri_link *l = arg;

	leg_pri_on_event(l->d, l, ev);
}

int pri_link_alloc(struct pri_link **lp, struct daemon *d, const struct conf_span *cs,
		   struct tdm_span *tspan, struct bchan_group *chans)
{
	struct pri_link *l;

	if (!chans)
		return EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return ENOMEM;
	l->d = d;
	l->span = cs->number;
	l->tspan = tspan;
	l->chans = chans;
	l->alaw = cs->law == LAW_ALAW;
	l->role = cs->sig == SIG_PRI_NET ? PRI_ROLE_NET : PRI_ROLE_CPE;
	l->sw = (enum pri_switch)cs->switchtype;	/* same order as conf's switch names */
	l->line = cs->type == SPAN_E1 ? PRI_LINE_E1 : PRI_LINE_T1;
	l->overlap = cs->overlap;
	/* Until libpri runs on the D-channel, nothing can use the channels. */
	(void)bchan_set_span_usable(l->chans, l->span, false);
	l->timer = su_timer_create(su_root_task(d->root), 0);
	if (!l->timer) {
		pri_link_free(l);
		return ENOMEM;
	}
	*lp = l;
	return 0;
}

void pri_link_free(struct pri_link *l)
{
	if (!l)
		return;
	pri_link_detach(l);
	if (l->timer)
		su_timer_destroy(l->timer);
	free(l);
}

void pri_link_attach(struct pri_link *l, int fd)
{
	struct pri_span_params p = {
		.span = l->span,
		.role = l->role,
		.sw = l->sw,
		.line = l->line,
		.fd = fd,
		.io = PRI_IO_DAHDI,
		.chans = l->chans,
		.overlap = l->overlap,
		.restart_on_up = true,	/* a crash or link loss left the far end holding calls */
		.eh = on_pri_event,
		.arg = l,
	};

	if (l->pri)
		return;
	int err = pri_span_alloc(&l->pri, &p);
	if (err) {
		LOGE(LS_PRI, "span %u: cannot start ISDN on the D-channel: %s", l->span,
		     strerror(err));
		return;
	}
	LOGI(LS_PRI, "span %u: ISDN %s side started, waiting for the D-channel",
	     l->span, l->role == PRI_ROLE_NET ? "network" : "user");
	if (l->alarm)
		pri_span_set_alarm(l->pri, true);
}

void pri_link_detach(struct pri_link *l)
{
	if (!l->pri)
		return;
	/* pri_span_free() drops libpri's calls without an event: ours must go first. */
	leg_pri_link_detached(l->d, l);
	pri_span_free(l->pri);
	l->pri = NULL;
	su_timer_reset(l->timer);
	(void)bchan_set_span_usable(l->chans, l->span, false);
}

int pri_link_set_chans(struct pri_link *l, struct bchan_group *chans)
{
	int err = l->pri ? pri_span_set_chans(l->pri, chans) : 0;

	if (err)
		return err;
	if (!l->pri)	/* no D-channel: nothing usable, nothing busy */
		(void)bchan_set_span_usable(chans, l->span, false);
	l->chans = chans;
	return 0;
}

void pri_link_set_alarm(struct pri_link *l, bool alarm)
{
	l->alarm = alarm;
	if (l->pri)
		pri_span_set_alarm(l->pri, alarm);
}

void pri_link_on_readable(struct pri_link *l)
{
	if (l->pri)
		pri_span_on_readable(l->pri);
}

static void on_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct pri_link *l = arg;

	if (l->pri)
		pri_span_run_timers(l->pri);
}

void pri_link_prepoll(struct daemon *d)
{
	for (unsigned i = 0; i < d->nlinks; i++) {
		struct pri_link *l = d->links[i];
		int ms = l->pri ? pri_span_next_timeout_ms(l->pri, NULL) : -1;

		if (ms < 0)
			su_timer_reset(l->timer);
		else
			su_timer_set_interval(l->timer, on_timer, l, ms);
	}
}

unsigned pri_link_span(const struct pri_link *l) { return l->span; }
struct pri_span *pri_link_pri(const struct pri_link *l) { return l->pri; }
struct tdm_span *pri_link_tdm(const struct pri_link *l) { return l->tspan; }
bool pri_link_alaw(const struct pri_link *l) { return l->alaw; }
