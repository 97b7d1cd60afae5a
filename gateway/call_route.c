/* Routing: a new leg A becomes a call, the route chooses the kind of leg B and where it
 * goes. Also the environment the call model runs in (gateway/call.h): the media engine
 * behind media_join/remove and the inter-digit timer on the signalling loop.
 *
 * TDM->SIP: SETUP (Q.931 §5.1) -> route (overlap: more INFO until the route is complete,
 * §5.2.4, or the inter-digit timer) -> INVITE with our offer (RFC 3264).
 * SIP->TDM: INVITE -> route -> our answer to its offer -> SETUP on the span the route's
 * group (or span) hunts a channel on (gateway/span_group). */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/log.h"
#include "gateway/call.h"
#include "gateway/cause.h"
#include "gateway/leg.h"
#include "gateway/party.h"
#include "gateway/pri_link.h"
#include "gateway/redirect.h"
#include "gateway/route.h"
#include "gateway/span_group.h"
#include "media/engine.h"
#include "sip/sdp.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tdm/span.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct party_plan route_span_plan(const struct daemon *d, unsigned span)
{
	const struct conf_span *cs = conf_span_find(d->conf, span);

	return (struct party_plan){ .country_code = cs ? cs->country_code : "",
				    .national_prefix = cs ? cs->national_prefix : "" };
}

/* ---- TDM -> SIP ------------------------------------------------------------------------ */

/* Where a call from a span comes from, for routing: the span and the [group] it is in. */
static struct conf_endpoint tdm_source(const struct daemon *d, unsigned span)
{
	struct conf_endpoint src = { .kind = EP_SPAN, .span = span };
	const struct conf_group *g = conf_span_group(d->conf, span);

	if (g)
		snprintf(src.group, sizeof(src.group), "%s", g->name);
	return src;
}

/* The called number as SETUP and INFO gave it, in SIP form for routing. */
static void set_called_tdm(struct daemon *d, struct call *c)
{
	struct pri_link *link = leg_pri_link(call_leg_a(c));
	struct party_plan pl = route_span_plan(d, pri_link_span(link));
	struct call_info *ci = call_info(c);

	(void)party_number_to_sip(&pl, leg_pri_called(call_leg_a(c)), ci->called,
				  sizeof(ci->called));
}

/* The first span a call to a span or group destination would try (a group: the span its
 * hunt peeks first), or 0. */
static unsigned tdm_dest_span(struct daemon *d, const struct conf_endpoint *to)
{
	struct span_group *grp;
	struct bchan_ref first;

	if (to->kind == EP_SPAN)
		return to->span;
	if (to->kind != EP_GROUP || !(grp = gw_group_find(d, to->group)))
		return 0;
	return span_group_peek(grp, 0, &first) == 0 ? first.span : 0;
}

/* ---- destinations and ordered fallback ------------------------------------------------- */

/* "trunk:peer", "span:4", "group:pbx": one word for the CALL line's to= */
static void dest_word(const struct conf_endpoint *ep, char *buf, size_t len)
{
	char s[CONF_NAME_MAX + 16];

	route_endpoint_str(ep, s, sizeof(s));
	char *sp = strchr(s, ' ');
	if (sp)
		*sp = ':';
	snprintf(buf, len, "%s", s);
}

/* The route chose the call's destinations: keep them (a copy: a reload may free the
 * route) for the fallback and the CALL line. span_a: the span leg A came from, 0 for a
 * trunk. */
static void note_route(struct call *c, const struct conf_route *r, unsigned span_a)
{
	struct call_info *ci = call_info(c);
	struct route_call *rc = &ci->rc;

	rc->dest = r->dest;
	if (!rc->dest.n)
		rc->dest.n = 1;
	rc->attempt = 0;
	rc->span_a = span_a;
	snprintf(ci->route, sizeof(ci->route), "%s", r->name);
	dest_word(&rc->dest.ep[0], ci->to, sizeof(ci->to));
	ci->attempts = 1;
}

/* Give the call a leg B (not placed) for destination to: a SIP leg for a trunk, an analog
 * port's leg for a port (a TDM ⇄ TDM bridge from a PRI leg A), a PRI leg for a span or a group (PRI pass-through when leg A is a line too, docs/architecture.md
 * §1 "Legs"; the called number is then written as that span writes numbers, the caller
 * goes as SETUP gave it). 0, or the Q.850 cause why there is none. */
static int leg_b_for(struct daemon *d, struct call *c, const struct conf_endpoint *to,
		     struct leg_place *lp)
{
	const struct route_call *rc = &call_info(c)->rc;
	struct leg *b;

	if (to->kind == EP_TRUNK) {
		if (!rc->span_a) {
			CLOG(LL_NOTICE, c, "route %s: a call from a trunk cannot go to trunk %s: "
			     "cause 63", lp->route, to->trunk);
			return 63;
		}
		if (leg_sip_alloc_out(&b, d))
			return CAUSE_TEMPORARY_FAILURE;
		call_set_leg_b(c, b);
		return 0;
	}
	if (to->kind == EP_PORT) {	/* an analog port: its B-channel is bridged to leg A's */
		bool alaw;
		int cause;

		if (leg_fxo_is_port(d, to->span) ? leg_fxo_alloc_out(&b, d, to, &alaw, &cause) :
		    leg_fxs_alloc_out(&b, d, to, call_info(c)->called, &alaw, &cause))
			return cause;
		call_set_leg_b(c, b);
		lp->plan = route_span_plan(d, to->span);
		return 0;
	}
	unsigned span = tdm_dest_span(d, to);
	struct pri_link *link = span ? gw_link_find(d, span) : NULL;
	if (!link) {
		char ep[CONF_NAME_MAX + 16];
		CLOG(LL_NOTICE, c, "route %s: %s is not a running PRI span: cause 34", lp->route,
		     route_endpoint_str(to, ep, sizeof(ep)));
		return CAUSE_NO_CIRCUIT_AVAILABLE;
	}
	if (leg_pri_alloc_out(&b, d, link))
		return CAUSE_TEMPORARY_FAILURE;
	call_set_leg_b(c, b);
	lp->plan = route_span_plan(d, span);
	return 0;
}

bool route_call_failover(struct daemon *d, struct call *c, int cause)
{
	struct call_info *ci = call_info(c);
	const struct route_call *rc = &ci->rc;
	struct route_causes fc;
	char next[CONF_NAME_MAX + 16];

	if (route_causes_parse(d->conf->general.failover_causes, &fc) ||
	    !route_failover(&rc->dest, rc->attempt, cause, &fc))
		return false;
	CLOG(LL_NOTICE, c, "route %s: %s cannot take the call (cause %d, %s): trying %s "
	     "(destination %u of %u)", ci->route, ci->to, cause, cause_name((unsigned)cause),
	     route_endpoint_str(&rc->dest.ep[rc->attempt + 1], next, sizeof(next)),
	     rc->attempt + 2, rc->dest.n);
	return true;
}

/* Place leg B on the current destination; a failure there falls back in call_place(). */
static void place_current(struct daemon *d, struct call *c, struct leg_place *lp)
{
	struct call_info *ci = call_info(c);
	const struct conf_endpoint *to = &ci->rc.dest.ep[ci->rc.attempt];
	int cause;

	lp->to = to;
	lp->route = ci->route;
	cause = leg_b_for(d, c, to, lp);
	if (!cause) {
		(void)call_place(c, lp);
		return;
	}
	if (route_call_failover(d, c, cause))
		route_call_reroute(d, c);
	else
		call_clear(c, cause, "gateway");
}

void route_call_reroute(struct daemon *d, struct call *c)
{
	struct call_info *ci = call_info(c);
	struct route_call *rc = &ci->rc;

	rc->attempt++;
	ci->attempts++;
	dest_word(&rc->dest.ep[rc->attempt], ci->to, sizeof(ci->to));
	struct leg_place lp = {
		.called = ci->called,
		.caller = &ci->caller,
		.redirecting = &ci->redirecting,
		.plan = route_span_plan(d, rc->span_a),
		.alaw = rc->alaw,
		.called_line = rc->span_a && rc->called_as_line ? leg_pri_called(call_leg_a(c))
								: NULL,
	};
	place_current(d, c, &lp);
}

/* Route the number collected so far; complete: no more digits will come. */
void route_tdm(struct daemon *d, struct call *c, bool complete)
{
	struct call_info *ci = call_info(c);
	unsigned span = pri_link_span(leg_pri_link(call_leg_a(c)));
	struct conf_endpoint src = tdm_source(d, span);
	struct route_result rr;
	char number[sizeof(ci->called)];

	set_called_tdm(d, c);
	snprintf(number, sizeof(number), "%s", ci->called);
	size_t n = strlen(number);
	if (n && number[n - 1] == '#') {	/* '#' ends overlap dialling */
		number[n - 1] = '\0';
		complete = true;
	}
	switch (route_lookup(d->routes, &src, number, complete, &rr)) {
	case ROUTE_NEED_MORE:
		CLOG(LL_DEBUG, c, "number %s: waiting for more digits", number);
		d->calls.ops->digit_timer(&d->calls, c, true);
		return;
	case ROUTE_NO_MATCH:
		CLOG(LL_NOTICE, c, "no route for %s from span %u: cause 1", number, span);
		call_clear(c, CAUSE_UNALLOCATED_NUMBER, "gateway");
		return;
	case ROUTE_MATCH:
		break;
	}
	route_table_count(d->routes, rr.index);
	bool unchanged = !strcmp(rr.number, ci->called);	/* no strip, prepend nor '#' */
	snprintf(ci->called, sizeof(ci->called), "%s", rr.number);
	note_route(c, rr.route, span);
	ci->rc.alaw = pri_link_alaw(leg_pri_link(call_leg_a(c)));
	ci->rc.called_as_line = unchanged;
	struct leg_place lp = {
		.called = ci->called,
		.caller = &ci->caller,
		.redirecting = &ci->redirecting,
		.plan = route_span_plan(d, span),
		.alaw = ci->rc.alaw,
		/* PRI -> PRI: the called number as SETUP gave it, type and plan too */
		.called_line = unchanged ? leg_pri_called(call_leg_a(c)) : NULL,
	};
	place_current(d, c, &lp);
}

void route_pri_setup(struct daemon *d, struct pri_link *link, const struct pri_event *ev)
{
	struct leg *a, *b;
	struct call *c;

	if (leg_pri_alloc_in(&a, d, link, ev)) {
		(void)pri_call_hangup(ev->call, CAUSE_TEMPORARY_FAILURE);
		return;
	}
	/* Leg B is a SIP leg until the route says otherwise (route_tdm: a span or group). */
	if (leg_sip_alloc_out(&b, d)) {
		a->ops->destroy(a);
		(void)pri_call_hangup(ev->call, CAUSE_TEMPORARY_FAILURE);
		return;
	}
	if (call_alloc(&c, &d->calls, a, b)) {	/* frees both legs */
		(void)pri_call_hangup(ev->call, CAUSE_TEMPORARY_FAILURE);
		return;
	}
	d->stats.calls_in_tdm++;
	struct call_info *ci = call_info(c);
	struct party_plan pl = route_span_plan(d, pri_link_span(link));
	ci->caller = ev->setup->calling;
	ci->redirecting = ev->setup->redirecting;
	(void)party_number_to_sip(&pl, &ci->caller.number, ci->calling, sizeof(ci->calling));
	set_called_tdm(d, c);
	CLOG(LL_INFO, c, "SETUP %s (%s, presentation %s%s%s%s) -> %s (%s)%s",
	     ci->calling[0] ? ci->calling : "(no number)",
	     party_ton_name(ci->caller.number.ton), party_pres_name(ci->caller.pres),
	     ci->caller.name[0] ? ", name '" : "", ci->caller.name,
	     ci->caller.name[0] ? "'" : "", ci->called, party_ton_name(ev->setup->called.ton),
	     ev->setup->complete ? " (sending complete)" : "");

	if (gw_span_blocked(d, pri_link_span(link))) {
		/* maintenance (strowgerctl span block): no new calls, Q.931 cause 34 */
		CLOG(LL_NOTICE, c, "span %u is blocked: cause 34", pri_link_span(link));
		call_clear(c, CAUSE_NO_CIRCUIT_AVAILABLE, "gateway");
		return;
	}
	unsigned limit = d->conf->general.max_calls;
	if (limit && d->calls.ncalls > limit) {
		CLOG(LL_WARN, c, "call limit %u reached: cause 34", limit);
		call_clear(c, CAUSE_NO_CIRCUIT_AVAILABLE, "gateway");
		return;
	}
	if (tdm_span_chan_fd(pri_link_tdm(link), ev->chan.pos) < 0) {
		CLOG(LL_ERROR, c, "B-channel is not open: cause 44");
		call_clear(c, 44, "gateway");
		return;
	}
	struct conf_endpoint src = tdm_source(d, pri_link_span(link));
	bool overlap = !ev->setup->complete && route_lookup(d->routes, &src, ci->called, false,
		&(struct route_result){ 0 }) == ROUTE_NEED_MORE;
	route_tdm(d, c, !(overlap && pri_call_more_info(ev->call) == 0));
}

/* ---- SIP -> TDM ------------------------------------------------------------------------ */

/* A forwarded call: Diversion (RFC 5806) or else History-Info (RFC 7044) gives the
 * redirecting number and reason the SETUP carries. */
static void redirecting_from_sip(struct call *c, const struct party_plan *plan,
				 const struct sipua_event *ev)
{
	struct pri_redirecting *rd = &call_info(c)->redirecting;
	char user[PARTY_USER_MAX];
	int err = ENOENT;

	if (ev->diversion)
		err = redirect_diversion_parse(ev->diversion, user, sizeof(user), rd);
	if (err && ev->history_info)
		err = redirect_history_parse(ev->history_info, user, sizeof(user), rd);
	struct pri_number n;
	if (err || party_number_from_sip(plan, user, &n)) {
		memset(rd, 0, sizeof(*rd));
		return;
	}
	rd->number = n;
	CLOG(LL_INFO, c, "redirected by %s (%s, %s #%u)", user, ev->diversion ? "Diversion" :
	     "History-Info", redirect_reason_token(rd->reason), rd->counter);
}

static void respond_fail(struct daemon *d, struct sipua_call *sc, int cause, const char *why)
{
	char reason[96] = "";
	unsigned status = cause_q850_to_sip(d->causes, (unsigned)cause, CAUSE_LOC_PRIV_LOCAL);

	if (d->conf->general.reason_header)
		(void)cause_reason_build(reason, sizeof(reason), (unsigned)cause);
	(void)sipua_call_respond(sc, (int)status, NULL, NULL, reason[0] ? reason : NULL);
	LOGN(LS_CALL, "INVITE %s: %s: %u (cause %d)", sipua_call_id(sc), why, status, cause);
}

/* A running D-channel among the spans a call to grp may use (span 0: any of the group's,
 * else that one), or NULL. */
static struct pri_link *running_link(struct daemon *d, const struct span_group *grp,
				     unsigned span)
{
	for (unsigned i = 0; i < d->nlinks; i++) {
		unsigned n = pri_link_span(d->links[i]);

		if ((span ? n == span : span_group_has(grp, n)) && pri_link_pri(d->links[i]))
			return d->links[i];
	}
	return NULL;
}

/* An INVITE routed to an analog port (to = port N:P, or port N by the called number): leg
 * B rings the phone (gateway/leg_fxs.c); a busy port answers 486 through cause 17. */
static void route_sip_to_port(struct daemon *d, const struct sipua_event *ev,
			      const struct route_result *rr, const char *trunk, const char *number)
{
	struct leg *a, *b;
	struct call *c;
	bool alaw = false;
	int cause;

	if (leg_fxo_is_port(d, rr->route->to.span) ?
	    leg_fxo_alloc_out(&b, d, &rr->route->to, &alaw, &cause) :
	    leg_fxs_alloc_out(&b, d, &rr->route->to, rr->number, &alaw, &cause)) {
		respond_fail(d, ev->call, cause, "no such port");
		return;
	}
	if (leg_sip_alloc_in(&a, d, ev->call, trunk)) {
		b->ops->destroy(b);
		respond_fail(d, ev->call, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	if (call_alloc(&c, &d->calls, a, b)) {	/* frees both legs */
		respond_fail(d, ev->call, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	struct call_info *ci = call_info(c);
	snprintf(ci->called, sizeof(ci->called), "%s", rr->number);
	const struct conf_trunk *ct = conf_trunk_find(d->conf, trunk);
	struct party_plan plan = route_span_plan(d, rr->route->to.span);
	struct party_sip_caller in = {
		.from_user = ev->from_user, .from_host = ev->from_host,
		.from_display = ev->from_display, .pai_user = ev->pai_user,
		.pai_display = ev->pai_display, .privacy = ev->privacy,
	};
	party_calling_from_sip(&plan, &in, ct && ct->trust, &ci->caller);
	(void)party_number_to_sip(&plan, &ci->caller.number, ci->calling, sizeof(ci->calling));
	char to[CONF_NAME_MAX + 16];
	CLOG(LL_INFO, c, "INVITE %s from %s (presentation %s%s%s%s) -> %s (route %s to %s, "
	     "Call-ID %s)", number, ci->calling[0] ? ci->calling : "(no number)",
	     party_pres_name(ci->caller.pres), ci->caller.name[0] ? ", name '" : "",
	     ci->caller.name, ci->caller.name[0] ? "'" : "", ci->called, rr->route->name,
	     route_endpoint_str(&rr->route->to, to, sizeof(to)), ev->call_id ? ev->call_id : "?");
	if (leg_sip_take_offer(a, ev->sdp, alaw, &cause)) {
		call_clear(c, cause, "gateway");
		return;
	}
	struct leg_place lp = {
		.called = ci->called,
		.caller = &ci->caller,
		.plan = plan,
		.to = &rr->route->to,
		.route = rr->route->name,
		.alaw = alaw,
		.alert_info = ev->alert_info,
	};
	(void)call_place(c, &lp);
}

void route_sip_invite(struct daemon *d, const struct sipua_event *ev)
{
	const char *trunk = ev->trunk ? sip_trunk_name(ev->trunk) : "";
	struct conf_endpoint src = { .kind = EP_TRUNK };
	struct route_result rr;
	int cause, err;

	d->stats.calls_in_sip++;
	snprintf(src.trunk, sizeof(src.trunk), "%s", trunk);
	const char *number = ev->ruri_user ? ev->ruri_user : "";
	/* An FXS port registered at the trunk as this user is called at its binding */
	const struct conf_route *reg = leg_fxs_registered_route(d, trunk, number);
	if (reg) {
		rr = (struct route_result){ .state = ROUTE_MATCH, .route = reg };
		snprintf(rr.number, sizeof(rr.number), "%s", number);
		route_sip_to_port(d, ev, &rr, trunk, number);
		return;
	}
	if (route_lookup(d->routes, &src, number, true, &rr) != ROUTE_MATCH) {
		respond_fail(d, ev->call, CAUSE_UNALLOCATED_NUMBER, "no route");
		return;
	}
	route_table_count(d->routes, rr.index);
	if (rr.route->to.kind == EP_PORT) {
		route_sip_to_port(d, ev, &rr, trunk, number);
		return;
	}
	/* The group to hunt on; a span is hunted alone, in the order of its group. */
	struct span_group *grp = NULL;
	unsigned only = 0;
	switch (rr.route->to.kind) {
	case EP_SPAN:
		only = rr.route->to.span;
		grp = gw_group_of_span(d, only);
		break;
	case EP_GROUP:
		grp = gw_group_find(d, rr.route->to.group);
		if (!grp) {
			/* A route to a group added by a reload: groups need a restart. */
			LOGE(LS_CALL, "route %s: group %s does not run (restart needed?)",
			     rr.route->name, rr.route->to.group);
			respond_fail(d, ev->call, CAUSE_NO_CIRCUIT_AVAILABLE, "group not running");
			return;
		}
		break;
	default:
		respond_fail(d, ev->call, 63, "route leads back to a trunk: not supported");
		return;
	}
	struct pri_link *link = grp ? running_link(d, grp, only) : NULL;
	/* None running, but a fallback after it: placing fails over (cause 38) */
	if (!link && rr.route->dest.n > 1)
		link = gw_link_find(d, only ? only : tdm_dest_span(d, &rr.route->to));
	if (!link) {
		respond_fail(d, ev->call, CAUSE_NETWORK_OUT_OF_ORDER,
			     only ? "span not running ISDN" : "no span of the group running ISDN");
		return;
	}
	/* The span the hunt will try first gives the law our SDP prefers (E1 A-law, T1
	 * µ-law); if the call lands elsewhere, the media engine converts. */
	struct bchan_ref first;
	struct pri_link *first_link;
	if (span_group_peek(grp, only, &first) == 0 && (first_link = gw_link_find(d, first.span)))
		link = first_link;

	struct leg *a, *b;
	struct call *c;
	if (leg_sip_alloc_in(&a, d, ev->call, trunk)) {
		respond_fail(d, ev->call, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	if (leg_pri_alloc_out(&b, d, link)) {
		a->ops->destroy(a);
		respond_fail(d, ev->call, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	if (call_alloc(&c, &d->calls, a, b)) {	/* frees both legs */
		respond_fail(d, ev->call, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	struct call_info *ci = call_info(c);
	snprintf(ci->called, sizeof(ci->called), "%s", rr.number);
	note_route(c, rr.route, 0);
	ci->rc.alaw = pri_link_alaw(link);
	const struct conf_trunk *ct = conf_trunk_find(d->conf, trunk);
	struct party_plan plan = route_span_plan(d, pri_link_span(link));
	struct party_sip_caller in = {
		.from_user = ev->from_user, .from_host = ev->from_host,
		.from_display = ev->from_display, .pai_user = ev->pai_user,
		.pai_display = ev->pai_display, .privacy = ev->privacy,
	};
	party_calling_from_sip(&plan, &in, ct && ct->trust, &ci->caller);
	redirecting_from_sip(c, &plan, ev);
	(void)party_number_to_sip(&plan, &ci->caller.number, ci->calling, sizeof(ci->calling));
	char to[CONF_NAME_MAX + 16];
	CLOG(LL_INFO, c, "INVITE %s from %s (presentation %s%s%s%s) -> %s (route %s to %s, "
	     "Call-ID %s)", number, ci->calling[0] ? ci->calling : "(no number)",
	     party_pres_name(ci->caller.pres), ci->caller.name[0] ? ", name '" : "",
	     ci->caller.name, ci->caller.name[0] ? "'" : "", ci->called, rr.route->name,
	     route_endpoint_str(&rr.route->to, to, sizeof(to)), ev->call_id ? ev->call_id : "?");

	err = leg_sip_take_offer(a, ev->sdp, pri_link_alaw(link), &cause);
	if (err) {
		call_clear(c, cause, "gateway");
		return;
	}
	struct leg_place lp = {
		.called = ci->called,
		.caller = &ci->caller,
		.redirecting = &ci->redirecting,
		.plan = plan,
		.to = &rr.route->to,
		.route = rr.route->name,
		.alaw = pri_link_alaw(link),
	};
	(void)call_place(c, &lp);
}
