/* The call state machine: two legs joined by a media stream.
 *
 * Events come from the legs (call_leg_event(), gateway/leg.h), from the media stream
 * (call_media_removed()) and from the inter-digit timer. Each has one handler below with
 * a switch on the call state: every event is either acted on or refused, in every state,
 * and a refusal is logged. The legs carry the protocols (Q.931, RFC 3261); the call only
 * passes ringing, progress, answer and clearing from one leg to the other and joins their
 * media: the direction TDM->SIP and SIP->TDM is the same code.
 *
 * A call lives until both legs are gone and its media stream is removed; each goes away on
 * its own schedule and maybe_free() frees the call when the last one has. */
#include "gateway/call.h"

#include "common/clock.h"
#include "gateway/cause.h"
#include "gateway/cdr.h"
#include "gateway/leg.h"
#include "gateway/party.h"
#include "media/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The media stream joining the legs. */
enum call_media {
	MEDIA_NONE,		/* not in the engine */
	MEDIA_JOINED,		/* in the engine */
	MEDIA_REMOVING,		/* remove sent, waiting for the engine's confirmation */
};

static const char *const state_names[CALL_STATE_COUNT] = {
	[CALL_ROUTING] = "routing", [CALL_PLACED] = "placed", [CALL_EARLY] = "early",
	[CALL_ACTIVE] = "active", [CALL_CLEARING] = "clearing",
};

static const char *const media_names[] = {
	[MEDIA_NONE] = "none", [MEDIA_JOINED] = "joined", [MEDIA_REMOVING] = "removing",
};

static const char *const event_names[LEG_EV_COUNT] = {
	[LEG_EV_DIGITS] = "digits", [LEG_EV_ALERTING] = "alerting",
	[LEG_EV_PROGRESS] = "progress", [LEG_EV_ANSWER] = "answer",
	[LEG_EV_CLEARED] = "cleared", [LEG_EV_OFFER] = "offer", [LEG_EV_MEDIA] = "media",
	[LEG_EV_GONE] = "gone", [LEG_EV_HOLD] = "hold",
};

struct call {
	struct call *next;
	struct call_env *env;
	uint64_t id;
	enum call_state state;
	struct leg *a;			/* calling leg */
	struct leg *b;			/* called leg, NULL until routing chose one */
	enum call_media media;
	void *mh;			/* the environment's stream handle */
	struct media_chan_stats rtp;	/* final figures, from the engine */
	bool have_rtp_stats;
	struct media_fax_report fax;	/* the last fax on the call (fax.valid) */
	void *env_slot;
	struct call_info info;

	bool proceeding;		/* leg A was told the call proceeds */
	bool rerouting;			/* leg B failed over: place the next when it is gone */
	int cause;			/* Q.850 cause the call was cleared with */
	const char *cleared_by;		/* "tdm", "sip", "gateway" */
	uint64_t t_start;		/* [µs] leg A arrived */
	int64_t wall_start;		/* [µs since the epoch] the same moment, for CDRs */
	uint64_t t_placed;		/* [µs] leg B placed */
	uint64_t t_answer_in;		/* [µs] answer from leg B */
	uint64_t t_answer_out;		/* [µs] answer passed to leg A */
	uint64_t t_clear;		/* [µs] clearing began: the end of the billed time */
};

const char *call_state_name(enum call_state st)
{
	return (unsigned)st < CALL_STATE_COUNT ? state_names[st] : "?";
}

/* "span 2 ch 1, peer": the line leg first, as the log prefix has always read. */
static void tags(const struct call *c, char *buf, size_t len)
{
	const struct leg *first = c->a, *second = c->b;
	char t1[48] = "", t2[48] = "";

	if (second && second->ops->line_side && !first->ops->line_side) {
		first = c->b;
		second = c->a;
	}
	first->ops->tag(first, t1, sizeof(t1));
	if (second)
		second->ops->tag(second, t2, sizeof(t2));
	snprintf(buf, len, "%s%s%s", t1, second ? ", " : "", t2);
}

void call_log(const struct call *c, enum log_level lvl, const char *fmt, ...)
{
	char tag[112], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tags(c, tag, sizeof(tag));
	log_write(LS_CALL, lvl, "call %llu (%s): %s", (unsigned long long)c->id, tag, msg);
}

static void set_state(struct call *c, enum call_state st)
{
	if (c->state == st)
		return;
	CLOG(LL_DEBUG, c, "%s -> %s", state_names[c->state], state_names[st]);
	c->state = st;
}

/* An event the state does not allow: logged, nothing else happens. */
static void refuse(const struct call *c, const struct leg *l, enum leg_event_type ev)
{
	CLOG(LL_INFO, c, "%s from the %s leg refused in state %s", event_names[ev],
	     l->ops->side, state_names[c->state]);
}

int call_alloc(struct call **cp, struct call_env *e, struct leg *a, struct leg *b)
{
	struct call *c = calloc(1, sizeof(*c));

	if (!c) {
		a->ops->destroy(a);
		if (b)
			b->ops->destroy(b);
		return ENOMEM;
	}
	c->env = e;
	c->id = ++e->next_id;
	c->a = a;
	c->b = b;
	a->call = c;
	if (b)
		b->call = c;
	c->t_start = clock_now_us();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->wall_start = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	c->next = e->calls;
	e->calls = c;
	e->ncalls++;
	*cp = c;
	return 0;
}

void call_set_leg_b(struct call *c, struct leg *b)
{
	STROWGER_ASSERT(!c->b || !c->b->live);
	if (c->b)
		c->b->ops->destroy(c->b);
	c->b = b;
	b->call = c;
}

struct call *call_find(struct call_env *e, uint64_t id)
{
	for (struct call *c = e->calls; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

struct call *call_next(struct call_env *e, const struct call *c)
{
	return c ? c->next : e->calls;
}

double call_age_ms(const struct call *c)
{
	return (clock_now_us() - c->t_start) / 1000.0;
}

double call_billed_ms(const struct call *c)
{
	uint64_t t = c->t_answer_out ? c->t_answer_out : c->t_answer_in;

	return t ? (clock_now_us() - t) / 1000.0 : -1;
}

uint64_t call_id(const struct call *c) { return c->id; }
enum call_state call_state(const struct call *c) { return c->state; }
struct call_info *call_info(struct call *c) { return &c->info; }
struct leg *call_leg_a(const struct call *c) { return c->a; }
struct leg *call_leg_b(const struct call *c) { return c->b; }
struct call_env *call_env(const struct call *c) { return c->env; }
bool call_media_joined(const struct call *c) { return c->media == MEDIA_JOINED; }
void **call_env_slot(struct call *c) { return &c->env_slot; }

/* The summary line of a finished call: what an engineer greps for. Latencies are what the
 * gateway adds: leg A's request in -> leg B's request out (SETUP -> INVITE or INVITE ->
 * SETUP), and the answer in -> answer out (200 OK -> CONNECT or the reverse). */
/* [ms] from the answer to the clearing: what the calling party is billed for. The answer
 * is when leg A was connected (CONNECT or 200 OK sent), the end when either side (or we)
 * began clearing, not when the last resource went (RELEASE COMPLETE, 200 to BYE); 0 for a
 * call never answered. end: now, for a call not clearing (shutdown). */
static int64_t billsec_ms(const struct call *c, uint64_t end)
{
	uint64_t t = c->t_answer_out ? c->t_answer_out : c->t_answer_in;

	if (c->t_clear)
		end = c->t_clear;
	return t && end > t ? (int64_t)((end - t) / 1000) : 0;
}

static void log_summary(const struct call *c, uint64_t end)
{
	const struct leg *first = c->a, *second = c->b;
	double setup_ms = c->t_placed ? (c->t_placed - c->t_start) / 1000.0 : -1;
	double answer_ms = c->t_answer_out ? (c->t_answer_out - c->t_answer_in) / 1000.0 : -1;
	char s1[64] = "", s2[64] = "", rtp[160] = "", fax[160] = "", route[128] = "";
	const struct media_chan_stats *st = &c->rtp;
	int status = c->a->status;

	if (c->b && c->b->status)
		status = c->b->status;
	if (second && second->ops->line_side && !first->ops->line_side) {
		first = c->b;
		second = c->a;
	}
	first->ops->summary(first, s1, sizeof(s1));
	if (second)
		second->ops->summary(second, s2, sizeof(s2));
	/* What RTCP (RFC 3550 §6.4) and our own receiver statistics say about the stream. */
	if (c->have_rtp_stats)
		snprintf(rtp, sizeof(rtp), " rtp_sent=%llu rtp_received=%llu rtp_lost=%lld "
			 "jitter_ms=%.1f peer_lost_pct=%.1f rtt_ms=%.1f",
			 (unsigned long long)st->packets_sent,
			 (unsigned long long)st->packets_received, (long long)st->packets_lost,
			 st->jitter_ms, st->peer_report ? st->peer_fraction_lost * 100 : -1.0,
			 st->rtt_ms);
	if (c->fax.valid)
		snprintf(fax, sizeof(fax), " fax=%s fax_pages=%u fax_rate=%u fax_ecm=%s fax_code=%d",
			 c->fax.t38 ? "t38" : "passthrough", c->fax.t30.pages, c->fax.t30.bit_rate,
			 c->fax.t30.ecm ? "on" : "off", c->fax.t30.completion);
	/* where the call went, and after how many destinations that could not take it */
	if (c->info.route[0])
		snprintf(route, sizeof(route), " route=%s to=%s attempts=%u", c->info.route,
			 c->info.to[0] ? c->info.to : "-", c->info.attempts);
	LOGN(LS_CALL, "CALL id=%llu dir=%s-%s %s%s%s called=%s calling=%s presentation=%s "
	     "answered=%s cause=%d (%s) sip_status=%d cleared_by=%s setup_relay_ms=%.3f "
	     "answer_relay_ms=%.3f duration_ms=%llu billsec_ms=%lld%s%s%s",
	     (unsigned long long)c->id, c->a->ops->side, c->b ? c->b->ops->side : "-", s1,
	     second ? " " : "", s2, c->info.called[0] ? c->info.called : "-",
	     c->info.calling[0] ? c->info.calling : "-", party_pres_name(c->info.caller.pres),
	     c->t_answer_in ? "yes" : "no", c->cause, cause_name((unsigned)c->cause), status,
	     c->cleared_by ? c->cleared_by : "-", setup_ms, answer_ms,
	     (unsigned long long)((end - c->t_start) / 1000), (long long)billsec_ms(c, end), route,
	     rtp, fax);
}

/* The call's CDR as far as the call model knows it: times, numbers, causes, the media's
 * figures; the environment adds the legs' details (trunk, codec, Call-ID). */
static void fill_cdr(const struct call *c, uint64_t end, struct cdr_rec *r)
{
	uint64_t answer = c->t_answer_out ? c->t_answer_out : c->t_answer_in;

	if (c->t_clear)
		end = c->t_clear;	/* the call's end; the CALL line's duration_ms runs on */
	const struct leg *line = c->a->ops->line_side ? c->a :
				 c->b && c->b->ops->line_side ? c->b : NULL;

	*r = (struct cdr_rec){
		.call_id = c->id,
		.start_us = c->wall_start,
		.answer_us = answer ? c->wall_start + (int64_t)(answer - c->t_start) : 0,
		.end_us = c->wall_start + (int64_t)(end - c->t_start),
		.duration_ms = (int64_t)((end - c->t_start) / 1000),
		.billsec_ms = billsec_ms(c, end),
		.cause = c->cause,
		.sip_status = c->b && c->b->status ? c->b->status : c->a->status,
		.setup_relay_ms = c->t_placed ? (c->t_placed - c->t_start) / 1000.0 : -1,
	};
	snprintf(r->direction, sizeof(r->direction), "%s-%s", c->a->ops->side,
		 c->b ? c->b->ops->side : "-");
	if (line)
		line->ops->tag(line, r->line, sizeof(r->line));
	snprintf(r->called, sizeof(r->called), "%s", c->info.called);
	snprintf(r->calling, sizeof(r->calling), "%s", c->info.calling);
	snprintf(r->presentation, sizeof(r->presentation), "%s",
		 party_pres_name(c->info.caller.pres));
	snprintf(r->cause_name, sizeof(r->cause_name), "%s", cause_name((unsigned)c->cause));
	snprintf(r->cleared_by, sizeof(r->cleared_by), "%s", c->cleared_by ? c->cleared_by : "");
	if (c->have_rtp_stats) {
		const struct media_chan_stats *st = &c->rtp;

		r->have_rtp = true;
		r->rtp_sent = st->packets_sent;
		r->rtp_received = st->packets_received;
		r->rtp_lost = st->packets_lost;
		r->jitter_ms = st->jitter_ms;
		r->peer_lost_pct = st->peer_report ? st->peer_fraction_lost * 100 : -1.0;
		r->rtt_ms = st->rtt_ms;
	}
	if (c->fax.valid) {
		r->have_fax = true;
		snprintf(r->fax_transport, sizeof(r->fax_transport), "%s",
			 c->fax.t38 ? "t38" : "passthrough");
		r->fax_pages = c->fax.t30.pages;
		r->fax_rate = c->fax.t30.bit_rate;
		r->fax_ecm = c->fax.t30.ecm;
		r->fax_code = c->fax.t30.completion;
	}
}

static void call_free(struct call *c)
{
	struct call_env *e = c->env;

	for (struct call **pp = &e->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	e->ncalls--;
	e->ops->freed(e, c);
	c->a->ops->destroy(c->a);
	if (c->b)
		c->b->ops->destroy(c->b);
	free(c);
}

static void maybe_free(struct call *c)
{
	struct call_env *e = c->env;

	if (c->a->live || (c->b && c->b->live) || c->media != MEDIA_NONE)
		return;
	uint64_t end = clock_now_us();
	log_summary(c, end);
	if (e->cdr) {
		struct cdr_rec r;

		fill_cdr(c, end, &r);
		e->cdr(e, c, &r);
	}
	if (c->t_answer_in)
		e->answered++;
	else
		e->failed++;
	call_free(c);
	if (!e->ncalls)
		e->ops->idle(e);
}

/* ---- media ----------------------------------------------------------------------------- */

/* Join both legs' media (again: re-point the stream after one changed). */
static int media_join(struct call *c, bool again)
{
	struct leg_media ma, mb;
	int err;

	if (!c->b || !c->a->live || !c->b->live || c->media == MEDIA_REMOVING)
		return EINVAL;
	if (c->media == MEDIA_JOINED && !again)
		return 0;
	err = c->a->ops->media(c->a, &ma);
	if (!err)
		err = c->b->ops->media(c->b, &mb);
	if (!err)
		err = c->env->ops->media_join(c->env, c, &ma, &mb, &c->mh);
	if (!err)
		c->media = MEDIA_JOINED;
	return err;
}

static void media_stop(struct call *c)
{
	if (c->media != MEDIA_JOINED)
		return;
	if (c->env->ops->media_remove(c->env, c->mh) == 0) {
		c->media = MEDIA_REMOVING;
	} else {
		c->media = MEDIA_NONE;	/* engine refused: it no longer knows the stream */
		c->mh = NULL;
	}
}

/* Re-point the stream after a leg's endpoint changed. A leg that has none for now (EAGAIN:
 * its line is held, or busy with something else) stops the stream until it has one again
 * and says so (LEG_EV_MEDIA, LEG_EV_HOLD). */
static void media_rejoin(struct call *c)
{
	struct leg_media m;

	if (c->media == MEDIA_JOINED && c->b && c->a->live && c->b->live &&
	    (c->a->ops->media(c->a, &m) == EAGAIN || c->b->ops->media(c->b, &m) == EAGAIN)) {
		CLOG(LL_INFO, c, "media: stopped until both legs have their endpoints again");
		media_stop(c);
		return;
	}
	(void)media_join(c, true);
}

void call_media_removed(struct call *c, const struct media_chan_stats *st)
{
	if (st) {
		c->rtp = *st;
		c->have_rtp_stats = true;
	}
	c->mh = NULL;
	c->media = MEDIA_NONE;
	struct leg *legs[2] = { c->a, c->b };
	for (unsigned i = 0; i < 2; i++)
		if (legs[i] && legs[i]->live && legs[i]->ops->media_released)
			legs[i]->ops->media_released(legs[i]);
	/* Stopped in an answered call (a leg lost its endpoint for a while): join again if
	 * both legs have theirs back by now. */
	if (c->state == CALL_ACTIVE && c->a->live && c->b && c->b->live) {
		(void)media_join(c, false);
		return;
	}
	maybe_free(c);
}

/* ---- fax ------------------------------------------------------------------------------- */

/* A fax tone on the line: every leg that carries packets switches (T.38 re-INVITE or G.711
 * pass-through); a line leg has nothing to do. Only an answered call sends fax. */
void call_fax_tone(struct call *c, int tone)
{
	if (c->state != CALL_ACTIVE) {
		CLOG(LL_INFO, c, "fax tone ignored in state %s", state_names[c->state]);
		return;
	}
	struct leg *legs[2] = { c->a, c->b };
	for (unsigned i = 0; i < 2; i++)
		if (legs[i] && legs[i]->live && legs[i]->ops->fax)
			legs[i]->ops->fax(legs[i], (enum media_fax_tone)tone);
}

void call_fax_report(struct call *c, const struct media_fax_report *r)
{
	if (r->valid)
		c->fax = *r;
}

/* ---- clearing -------------------------------------------------------------------------- */

void call_clear(struct call *c, int cause, const char *by)
{
	if (c->state != CALL_CLEARING) {
		if (c->state == CALL_ROUTING)
			c->env->ops->digit_timer(c->env, c, false);
		c->cause = cause;
		c->cleared_by = by;
		c->t_clear = clock_now_us();
		set_state(c, CALL_CLEARING);
		CLOG(LL_INFO, c, "clearing: cause %d (%s), by %s", cause, cause_name((unsigned)cause),
		     by);
	}
	media_stop(c);
	if (c->b && c->b->live)
		c->b->ops->clear(c->b, c->cause);
	if (c->a->live)
		c->a->ops->clear(c->a, c->cause);
	maybe_free(c);
}

void call_clear_all(struct call_env *e, int cause)
{
	struct call *c = e->calls;

	while (c) {
		struct call *next = c->next;	/* call_clear() may free c */
		call_clear(c, cause, "gateway");
		c = next;
	}
}

void call_free_all(struct call_env *e)
{
	uint64_t end = clock_now_us();

	while (e->calls) {
		/* Calls that did not clear in time (shutdown) still get their record. */
		if (e->cdr) {
			struct cdr_rec r;

			fill_cdr(e->calls, end, &r);
			e->cdr(e, e->calls, &r);
		}
		call_free(e->calls);
	}
}

/* ---- placing --------------------------------------------------------------------------- */

/* Leg B could not take the call (cause) before leg A heard anything but "proceeding":
 * does the environment have another destination for it? */
static bool failover(struct call *c, int cause)
{
	const struct call_env_ops *ops = c->env->ops;

	return ops->failover && ops->reroute && ops->failover(c->env, c, cause);
}

int call_place(struct call *c, const struct leg_place *p)
{
	int cause = CAUSE_TEMPORARY_FAILURE, err;

	STROWGER_ASSERT(c->b && !c->b->live);
	if (c->state != CALL_ROUTING)
		return EPROTO;
	c->env->ops->digit_timer(c->env, c, false);
	c->b->live = true;
	err = c->b->ops->place(c->b, p, &cause);
	if (err) {
		c->b->live = false;	/* nothing went out: nothing to clear */
		if (!cause)
			cause = CAUSE_TEMPORARY_FAILURE;
		if (failover(c, cause))
			c->env->ops->reroute(c->env, c);	/* places the next, or clears */
		else
			call_clear(c, cause, "gateway");
		return err;
	}
	if (!c->t_placed)
		c->t_placed = clock_now_us();
	if (!c->proceeding) {	/* once, also when a fallback destination takes the call */
		c->proceeding = true;
		c->a->ops->proceeding(c->a);
	}
	set_state(c, CALL_PLACED);
	return 0;
}

void call_digit_timeout(struct call *c)
{
	if (c->state != CALL_ROUTING)
		return;		/* a timer that fired as the call moved on */
	CLOG(LL_INFO, c, "inter-digit timeout: number %s is complete", c->info.called);
	c->env->ops->route(c->env, c, true);
}

/* ---- events from the legs -------------------------------------------------------------- */

static void on_digits(struct call *c, struct leg *l, const struct leg_event *ev)
{
	switch (c->state) {
	case CALL_ROUTING:
		if (l != c->a || c->rerouting)
			break;
		c->env->ops->route(c->env, c, ev->complete);
		return;
	case CALL_PLACED:
	case CALL_EARLY:
	case CALL_ACTIVE:
	case CALL_CLEARING:
	case CALL_STATE_COUNT:
		break;
	}
	refuse(c, l, ev->type);
}

/* Ringing or progress from leg B: with early media, join it and let leg A carry it;
 * ringing without it, leg A rings by itself. */
static void on_early(struct call *c, struct leg *l, const struct leg_event *ev)
{
	bool alerting = ev->type == LEG_EV_ALERTING;

	switch (c->state) {
	case CALL_PLACED:
	case CALL_EARLY:
		if (l != c->b)
			break;
		if (ev->inband && media_join(c, false) == 0) {
			if (alerting)
				c->a->ops->alerting(c->a, true);
			else
				c->a->ops->progress(c->a, true);
			set_state(c, CALL_EARLY);
		} else if (alerting && c->state == CALL_PLACED) {
			c->a->ops->alerting(c->a, false);
			set_state(c, CALL_EARLY);
		}
		return;
	case CALL_ROUTING:
	case CALL_ACTIVE:
	case CALL_CLEARING:	/* e.g. ALERTING after the SIP side hung up */
	case CALL_STATE_COUNT:
		break;
	}
	if (l == c->b || c->state == CALL_CLEARING)
		refuse(c, l, ev->type);
}

static void on_answer(struct call *c, struct leg *l, const struct leg_event *ev)
{
	int err;

	switch (c->state) {
	case CALL_PLACED:
	case CALL_EARLY:
		if (l != c->b)
			break;
		c->t_answer_in = clock_now_us();
		err = media_join(c, false);
		/* EINPROGRESS: leg A's media comes after its answer (SIP late offer: the
		 * answer to our offer is in the ACK); joined on its MEDIA event */
		if (err && err != EINPROGRESS) {
			CLOG(LL_ERROR, c, "answered, but the media cannot be joined");
			call_clear(c, CAUSE_INTERWORKING, "gateway");
			return;
		}
		c->a->ops->answer(c->a);
		c->t_answer_out = clock_now_us();
		set_state(c, CALL_ACTIVE);
		CLOG(LL_INFO, c, "%s -> %s in %.3f ms", c->b->ops->answer_name,
		     c->a->ops->answer_name, (c->t_answer_out - c->t_answer_in) / 1000.0);
		return;
	case CALL_CLEARING:
		/* An answer that crossed our clearing (a 200 to an INVITE we CANCELled): leg B
		 * ends its side itself (RFC 3261 §9.1, then BYE); nothing reaches leg A. */
	case CALL_ROUTING:
	case CALL_ACTIVE:
	case CALL_STATE_COUNT:
		break;
	}
	if (l == c->b)
		refuse(c, l, ev->type);
}

static void on_cleared(struct call *c, struct leg *l, const struct leg_event *ev)
{
	switch (c->state) {
	case CALL_PLACED:
		/* This destination cannot take the call: leg B ends its side (RELEASE, ACK)
		 * and, once it is gone, the next destination is placed (on_gone). */
		if (l == c->b && failover(c, ev->cause)) {
			c->rerouting = true;
			set_state(c, CALL_ROUTING);
			l->ops->clear(l, ev->cause);
			return;
		}
		call_clear(c, ev->cause, ev->local ? "gateway" : l->ops->side);
		return;
	case CALL_ROUTING:
		if (c->rerouting && l == c->b)
			return;		/* the failed leg B, still ending its side */
		/* fall through */
	case CALL_EARLY:
	case CALL_ACTIVE:
		call_clear(c, ev->cause, ev->local ? "gateway" : l->ops->side);
		return;
	case CALL_CLEARING:
		/* The far end's clearing crossed ours: the leg completes it (Q.931 §5.3.5). */
		if (l->live)
			l->ops->clear(l, c->cause);
		return;
	case CALL_STATE_COUNT:
		break;
	}
}

/* A new offer on a leg (re-INVITE): only while the call can still use it. Once clearing,
 * the stream may be queued for removal and the B-channel given to another call. */
static int on_offer(struct call *c, struct leg *l, const struct leg_event *ev)
{
	switch (c->state) {
	case CALL_ROUTING:
	case CALL_PLACED:
	case CALL_EARLY:
	case CALL_ACTIVE:
		return 0;
	case CALL_CLEARING:
	case CALL_STATE_COUNT:
		break;
	}
	refuse(c, l, ev->type);
	return ECANCELED;
}

static void on_media(struct call *c, struct leg *l, const struct leg_event *ev)
{
	switch (c->state) {
	case CALL_EARLY:
	case CALL_ACTIVE:
		media_rejoin(c);
		return;
	case CALL_ROUTING:
	case CALL_PLACED:
		return;		/* joined when leg B rings or answers */
	case CALL_CLEARING:
	case CALL_STATE_COUNT:
		break;
	}
	refuse(c, l, ev->type);
}

/* A leg's user holds the call or takes it back (an FXS port's hook flash between two
 * calls): the other leg tells its far end, and the stream follows the leg's endpoint. */
static void on_hold(struct call *c, struct leg *l, const struct leg_event *ev)
{
	struct leg *o = l == c->a ? c->b : c->a;

	if (c->state != CALL_ACTIVE) {
		refuse(c, l, ev->type);
		return;
	}
	CLOG(LL_INFO, c, "%s %s the call", l->ops->side, ev->hold ? "holds" : "takes back");
	if (o && o->live && o->ops->hold)
		o->ops->hold(o, ev->hold);
	media_rejoin(c);
}

static void on_gone(struct call *c, struct leg *l, const struct leg_event *ev)
{
	l->live = false;
	switch (c->state) {
	case CALL_ROUTING:
		if (c->rerouting && l == c->b) {
			c->rerouting = false;
			c->env->ops->reroute(c->env, c);	/* may free l (call_set_leg_b) */
			return;
		}
		call_clear(c, ev->cause ? ev->cause : CAUSE_NORMAL_CLEARING, l->ops->side);
		return;
	case CALL_PLACED:
		/* gone without a clearing first (a link that died): fall back too */
		if (l == c->b && ev->cause && failover(c, ev->cause)) {
			set_state(c, CALL_ROUTING);
			c->env->ops->reroute(c->env, c);
			return;
		}
		call_clear(c, ev->cause ? ev->cause : CAUSE_NORMAL_CLEARING, l->ops->side);
		return;
	case CALL_EARLY:
	case CALL_ACTIVE:
		call_clear(c, ev->cause ? ev->cause : CAUSE_NORMAL_CLEARING, l->ops->side);
		return;
	case CALL_CLEARING:
	case CALL_STATE_COUNT:
		break;
	}
	maybe_free(c);
}

int call_leg_event(struct leg *l, const struct leg_event *ev)
{
	struct call *c = l->call;

	STROWGER_ASSERT(c && (l == c->a || l == c->b));
	if (!l->live && ev->type != LEG_EV_GONE) {
		refuse(c, l, ev->type);	/* a leg already over says nothing more */
		return ev->type == LEG_EV_OFFER ? ECANCELED : 0;
	}
	switch (ev->type) {
	case LEG_EV_DIGITS:
		on_digits(c, l, ev);
		break;
	case LEG_EV_ALERTING:
	case LEG_EV_PROGRESS:
		on_early(c, l, ev);
		break;
	case LEG_EV_ANSWER:
		on_answer(c, l, ev);
		break;
	case LEG_EV_CLEARED:
		on_cleared(c, l, ev);
		break;
	case LEG_EV_OFFER:
		return on_offer(c, l, ev);
	case LEG_EV_MEDIA:
		on_media(c, l, ev);
		break;
	case LEG_EV_HOLD:
		on_hold(c, l, ev);
		break;
	case LEG_EV_GONE:
		STROWGER_ASSERT(l->live);
		on_gone(c, l, ev);
		break;
	case LEG_EV_COUNT:
		break;
	}
	return 0;
}

void call_debug(const struct call *c, char *buf, size_t len)
{
	char da[96] = "", db[96] = "-";

	c->a->ops->debug(c->a, da, sizeof(da));
	if (c->b)
		c->b->ops->debug(c->b, db, sizeof(db));
	snprintf(buf, len, "call %llu: %s, A %s (%s), B %s (%s), media %s, cause %d",
		 (unsigned long long)c->id, state_names[c->state], c->a->ops->side, da,
		 c->b ? c->b->ops->side : "-", db, media_names[c->media], c->cause);
}
