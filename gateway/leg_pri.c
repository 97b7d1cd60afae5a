/* The PRI leg: one Q.931 call (tdm/pri, libpri) on a B-channel of a running span.
 *
 * As leg A it answers an incoming SETUP (Q.931 §5.2): CALL PROCEEDING once the call is
 * placed, ALERTING (with progress indicator No. 8 when tones come in-band, §5.1.6: the
 * ringback is then ours, played by DAHDI when the far end gives none), CONNECT. As leg B
 * it sends SETUP on a channel the span group hunts (§5.1.1, gateway/span_group.h).
 * Clearing is DISCONNECT/RELEASE (§5.3); the leg is gone at RELEASE. */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/log.h"
#include "gateway/call.h"
#include "gateway/cause.h"
#include "gateway/leg.h"
#include "gateway/pri_link.h"
#include "gateway/span_group.h"
#include "tdm/dahdi.h"
#include "tdm/pri.h"
#include "tdm/span.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Q.931 clearing as far as the leg is concerned (the call states are libpri's). */
enum pri_leg_state {
	PL_IDLE,		/* leg B not placed yet */
	PL_CALL,		/* SETUP sent or received, not cleared by us */
	PL_HANGUP,		/* DISCONNECT or RELEASE sent, waiting for RELEASE */
	PL_RELEASED,		/* the Q.931 call is over (or its link went) */
};

static const char *const pl_names[] = {
	[PL_IDLE] = "idle", [PL_CALL] = "call", [PL_HANGUP] = "hangup sent",
	[PL_RELEASED] = "released",
};

struct leg_pri {
	struct leg leg;			/* first */
	struct daemon *d;
	struct pri_link *link;
	struct pri_call *pri;		/* NULL unless PL_CALL or PL_HANGUP */
	enum pri_leg_state st;
	struct bchan_ref chan;
	int tdm_fd;			/* borrowed from the span; -1 if none */
	bool echocan;			/* we switched the channel's echo canceller on */
	bool ringback;			/* DAHDI plays ringback on the B-channel */
	struct pri_number called;	/* incoming: as SETUP and INFO gave it */
};

static const struct leg_ops pri_ops;

static struct leg_pri *lp_of(struct leg *l) { return (struct leg_pri *)l; }
static const struct leg_pri *clp_of(const struct leg *l) { return (const struct leg_pri *)l; }

static void ringback(struct leg_pri *p, bool on)
{
	if (p->tdm_fd < 0 || p->ringback == on)
		return;
	int err = dahdi_chan_tone(p->tdm_fd, on ? DAHDI_TONE_RINGBACK : DAHDI_TONE_OFF);
	if (err)
		CLOG(LL_WARN, p->leg.call, "cannot %s ringback: %s", on ? "start" : "stop",
		     strerror(err));
	else
		p->ringback = on;
}

static void echocan_off(struct leg_pri *p)
{
	if (p->echocan)
		p->echocan = tdm_echocan(p->d, p->chan.span, p->chan.pos, p->tdm_fd, false);
}

static void set_chan(struct leg_pri *p, struct bchan_ref chan)
{
	if (p->echocan && (chan.span != p->chan.span || chan.pos != p->chan.pos))
		echocan_off(p);
	p->chan = chan;
	p->tdm_fd = tdm_span_chan_fd(pri_link_tdm(p->link), chan.pos);
	if (!p->echocan && chan.pos)
		p->echocan = tdm_echocan(p->d, chan.span, chan.pos, p->tdm_fd, true);
}

/* ---- placing (leg B) ------------------------------------------------------------------- */

/* Say which spans of the group the hunt passes over, and why. */
static void log_unusable(struct leg_pri *p, const struct span_group *grp)
{
	struct daemon *d = p->d;

	for (unsigned i = 0; i < d->nlinks; i++) {
		unsigned n = pri_link_span(d->links[i]);

		if (span_group_has(grp, n) && !bchan_span_usable(span_group_chans(grp), n))
			CLOG(LL_INFO, p->leg.call, "group %s: span %u passed over: D-channel down or "
			     "in alarm", span_group_name(grp), n);
	}
}

struct placing {
	struct leg_pri *p;
	struct pri_call_params *pp;
};

/* span_group_place_h: SETUP on chan's span with chan preferred (as for "any channel"
 * before: the far end may still choose another, §5.1.2). */
static int place_on_span(struct bchan_ref chan, int *cause, void *arg)
{
	struct placing *pl = arg;
	struct leg_pri *p = pl->p;
	struct pri_link *link = gw_link_find(p->d, chan.span);
	int err;

	p->chan = (struct bchan_ref){ .span = chan.span };
	if (gw_span_blocked(p->d, chan.span)) {
		/* maintenance: the hunt moves on to the group's next span, else cause 34 */
		*cause = CAUSE_NO_CIRCUIT_AVAILABLE;
		err = EBUSY;
	} else if (!link || !pri_link_pri(link)) {
		*cause = CAUSE_NETWORK_OUT_OF_ORDER;
		err = ENOTCONN;
	} else {
		pl->pp->chan = (struct bchan_req){ .want = BCHAN_WANT_PREFERRED, .chan = chan };
		err = pri_call_place(pri_link_pri(link), &p->pri, pl->pp, cause);
	}
	if (err) {
		p->pri = NULL;
		CLOG(LL_NOTICE, p->leg.call, "not placed on span %u ch %u: %s, cause %d (%s)",
		     chan.span, chan.pos, strerror(err), *cause, cause_name((unsigned)*cause));
		return err;
	}
	p->link = link;
	return 0;
}

static int pri_place(struct leg *l, const struct leg_place *lp, int *cause)
{
	struct leg_pri *p = lp_of(l);
	struct call *c = l->call;
	struct span_group *grp;
	unsigned only = 0;
	int err;

	if (lp->to->kind == EP_SPAN) {
		only = lp->to->span;
		grp = gw_group_of_span(p->d, only);
	} else {
		grp = gw_group_find(p->d, lp->to->group);
	}
	if (!grp) {
		*cause = CAUSE_NO_CIRCUIT_AVAILABLE;
		return ENOENT;
	}
	struct pri_call_params pp = {
		.bearer = PRI_BEARER_SPEECH,
		.law = PRI_LAW_DEFAULT,
		.chan = { .want = BCHAN_WANT_ANY },
		.complete = true,
		.user = p,
	};
	if (lp->called_line && lp->called_line->digits[0]) {
		pp.called = *lp->called_line;	/* PRI -> PRI: as the caller's line gave it */
	} else if (party_number_from_sip(&lp->plan, lp->called, &pp.called)) {
		CLOG(LL_NOTICE, c, "called number %s is not a telephone number of at most %d "
		     "digits: cause 28", lp->called, PRI_NUM_MAX);
		*cause = CAUSE_INVALID_NUMBER_FORMAT;
		return EINVAL;
	}
	pp.calling = *lp->caller;
	if (lp->redirecting)	/* Q.931 §4.5.13: as leg A gave it */
		pp.redirecting = *lp->redirecting;
	if (!only)
		log_unusable(p, grp);
	struct placing pl = { .p = p, .pp = &pp };
	struct span_group_result res;
	err = span_group_place(grp, only, place_on_span, &pl, &res);
	if (err) {
		CLOG(LL_NOTICE, c, "cannot place the call on %s%s: cause %d (%s)",
		     only ? "the span" : "group ", only ? "" : span_group_name(grp), res.cause,
		     cause_name((unsigned)res.cause));
		p->pri = NULL;
		*cause = res.cause ? res.cause : CAUSE_TEMPORARY_FAILURE;
		return err;
	}
	p->st = PL_CALL;
	set_chan(p, pri_call_chan(p->pri));
	if (only)
		CLOG(LL_INFO, c, "SETUP sent for %s on span %u ch %u", lp->called, p->chan.span,
		     p->chan.pos);
	else
		CLOG(LL_INFO, c, "SETUP sent for %s on span %u ch %u (group %s%s)", lp->called,
		     p->chan.span, p->chan.pos, span_group_name(grp),
		     res.nfailed ? ", after spans that could not take it" : "");
	return 0;
}

/* ---- operations ------------------------------------------------------------------------ */

static void pri_proceeding(struct leg *l)
{
	(void)pri_call_proceeding(lp_of(l)->pri);
}

static void pri_alerting(struct leg *l, bool inband)
{
	struct leg_pri *p = lp_of(l);

	/* No early media from the far end: the ringback is ours to play (§5.1.6: ALERTING
	 * with progress indicator 8 when in-band tones are provided). */
	if (!inband)
		ringback(p, true);
	(void)pri_call_alerting(p->pri, inband || p->ringback);
}

static void pri_progress(struct leg *l, bool inband)
{
	(void)pri_call_progress(lp_of(l)->pri, inband);
}

static void pri_answer(struct leg *l)
{
	(void)pri_call_answer(lp_of(l)->pri);
}

static void pri_clear(struct leg *l, int cause)
{
	struct leg_pri *p = lp_of(l);

	ringback(p, false);
	if (p->st != PL_CALL)
		return;
	p->st = PL_HANGUP;
	int err = pri_call_hangup(p->pri, cause);
	if (err)
		CLOG(LL_WARN, l->call, "PRI leg: hangup failed: %s", strerror(err));
}

static int pri_digits(struct leg *l, const char *digits)
{
	return pri_call_digits(lp_of(l)->pri, digits);
}

static int pri_media(struct leg *l, struct leg_media *m)
{
	struct leg_pri *p = lp_of(l);

	if (p->st != PL_CALL || p->tdm_fd < 0)
		return EAGAIN;
	ringback(p, false);
	const struct conf_span *cs = conf_span_find(p->d->conf, p->chan.span);
	*m = (struct leg_media){ .kind = LEG_MEDIA_TDM, .fd = p->tdm_fd, .rtcp_fd = -1,
				 .alaw = pri_link_alaw(p->link),
				 .echocan_taps = p->echocan && cs ? cs->echocancel_taps : 0 };
	return 0;
}

static void pri_tag(const struct leg *l, char *buf, size_t len)
{
	snprintf(buf, len, "span %u ch %u", clp_of(l)->chan.span, clp_of(l)->chan.pos);
}

static void pri_debug(const struct leg *l, char *buf, size_t len)
{
	const struct leg_pri *p = clp_of(l);

	snprintf(buf, len, "span %u ch %u, %s%s%s%s", p->chan.span, p->chan.pos, pl_names[p->st],
		 p->pri ? ", Q.931 " : "", p->pri ? pri_call_state_name(pri_call_state(p->pri)) : "",
		 p->ringback ? ", ringback" : "");
}

static void pri_destroy(struct leg *l)
{
	struct leg_pri *p = lp_of(l);

	if (p->pri)	/* freed without signalling (shutdown): libpri must not point here */
		pri_call_set_user(p->pri, NULL);
	echocan_off(p);
	free(p);
}

static const struct leg_ops pri_ops = {
	.side = "tdm",
	.line_side = true,
	.answer_name = "CONNECT",
	.place = pri_place,
	.proceeding = pri_proceeding,
	.alerting = pri_alerting,
	.progress = pri_progress,
	.answer = pri_answer,
	.clear = pri_clear,
	.digits = pri_digits,
	.media = pri_media,
	.summary = pri_tag,
	.tag = pri_tag,
	.debug = pri_debug,
	.destroy = pri_destroy,
};

static struct leg_pri *leg_new(struct daemon *d, struct pri_link *link)
{
	struct leg_pri *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->leg.ops = &pri_ops;
	p->d = d;
	p->link = link;
	p->tdm_fd = -1;
	p->chan.span = pri_link_span(link);
	return p;
}

int leg_pri_alloc_in(struct leg **lp, struct daemon *d, struct pri_link *link,
		     const struct pri_event *ev)
{
	struct leg_pri *p = leg_new(d, link);

	if (!p)
		return ENOMEM;
	p->leg.live = true;
	p->st = PL_CALL;
	p->pri = ev->call;
	p->called = ev->setup->called;
	set_chan(p, ev->chan);
	pri_call_set_user(ev->call, p);
	*lp = &p->leg;
	return 0;
}

int leg_pri_alloc_out(struct leg **lp, struct daemon *d, struct pri_link *link)
{
	struct leg_pri *p = leg_new(d, link);

	if (!p)
		return ENOMEM;
	*lp = &p->leg;
	return 0;
}

struct pri_link *leg_pri_link(const struct leg *l) { return clp_of(l)->link; }
const struct pri_number *leg_pri_called(const struct leg *l) { return &clp_of(l)->called; }

/* ---- events ---------------------------------------------------------------------------- */

static void emit(struct leg_pri *p, enum leg_event_type type, int cause, bool inband)
{
	struct leg_event ev = { .type = type, .cause = cause, .inband = inband };

	(void)call_leg_event(&p->leg, &ev);
}

/* The Q.931 call is over: nothing more goes out on it. */
static void released(struct leg_pri *p, int cause)
{
	ringback(p, false);
	echocan_off(p);
	p->pri = NULL;
	p->st = PL_RELEASED;
	emit(p, LEG_EV_GONE, cause, false);	/* p may be freed */
}

void leg_pri_on_event(struct daemon *d, struct pri_link *link, const struct pri_event *ev)
{
	struct leg_pri *p = ev->call ? pri_call_user(ev->call) : NULL;

	switch (ev->type) {
	case PRI_EV_DCHAN_UP:
		LOGN(LS_PRI, "span %u: D-channel up", pri_link_span(link));
		return;
	case PRI_EV_DCHAN_DOWN:
		LOGW(LS_PRI, "span %u: D-channel down: span unusable", pri_link_span(link));
		return;
	case PRI_EV_RESTART:
		/* tdm/pri logged it; its calls came as RELEASE (cause 41) first. */
		LOGD(LS_PRI, "span %u: RESTART %s", pri_link_span(link),
		     ev->restart.whole_interface ? "of the whole interface" : "of one channel");
		return;
	case PRI_EV_SETUP:
		route_pri_setup(d, link, ev);
		return;
	default:
		break;
	}
	if (!p || !p->leg.live)
		return;
	struct call *c = p->leg.call;
	switch (ev->type) {
	case PRI_EV_INFO:
		p->called = ev->setup->called;
		CLOG(LL_DEBUG, c, "INFO digits %s", ev->digits);
		emit(p, LEG_EV_DIGITS, 0, false);
		break;
	case PRI_EV_SETUP_ACK:
	case PRI_EV_PROCEEDING:
		break;
	case PRI_EV_ALERTING:
		CLOG(LL_INFO, c, "ALERTING%s", ev->inband ? " (in-band information)" : "");
		emit(p, LEG_EV_ALERTING, 0, ev->inband);
		break;
	case PRI_EV_PROGRESS:
		CLOG(LL_INFO, c, "PROGRESS%s", ev->inband ? " (in-band information)" : "");
		emit(p, LEG_EV_PROGRESS, 0, ev->inband);
		break;
	case PRI_EV_CONNECT:
		emit(p, LEG_EV_ANSWER, 0, false);
		break;
	case PRI_EV_DISCONNECT:
		CLOG(LL_INFO, c, "DISCONNECT cause %d (%s)", ev->cause, cause_name((unsigned)ev->cause));
		emit(p, LEG_EV_CLEARED, ev->cause, false);
		break;
	case PRI_EV_RELEASE:
		released(p, ev->cause);
		break;
	default:
		break;
	}
}

/* The first live PRI leg on link, or NULL. */
static struct leg_pri *leg_on_link(struct daemon *d, struct pri_link *link)
{
	for (struct call *c = call_next(&d->calls, NULL); c; c = call_next(&d->calls, c)) {
		struct leg *legs[2] = { call_leg_a(c), call_leg_b(c) };

		for (unsigned i = 0; i < 2; i++) {
			struct leg *l = legs[i];
			if (l && l->ops == &pri_ops && l->live && lp_of(l)->link == link &&
			    lp_of(l)->pri)
				return lp_of(l);
		}
	}
	return NULL;
}

void leg_pri_link_detached(struct daemon *d, struct pri_link *link)
{
	struct leg_pri *p;

	/* libpri frees its calls with the controller, without a RELEASE for any: ours go
	 * now, as a D-channel failure (cause 38), so that the other legs are cleared. */
	while ((p = leg_on_link(d, link))) {
		CLOG(LL_NOTICE, p->leg.call, "D-channel of span %u closed: the call is gone",
		     pri_link_span(link));
		pri_call_set_user(p->pri, NULL);
		released(p, CAUSE_NETWORK_OUT_OF_ORDER);
	}
}
