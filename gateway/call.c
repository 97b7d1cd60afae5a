/* A call: a PRI leg and a SIP leg joined by a media stream.
 *
 * Direction TDM->SIP: SETUP (Q.931 §5.1) -> route -> INVITE with our offer (RFC 3264);
 * 180 -> ALERTING (ringback generated here when the 180 has no SDP), 183/180 with SDP ->
 * PROGRESS/ALERTING with in-band information, 200 -> CONNECT.
 * Direction SIP->TDM: INVITE -> route -> SETUP on the span the route's group (or span)
 * hunts a channel on (gateway/span_group); ALERTING -> 180 (183 with SDP when the network
 * sends in-band information), CONNECT -> 200 with our answer.
 * Clearing maps Q.850 causes and SIP statuses through gateway/cause (RFC 3398) and carries
 * Reason: Q.850 (RFC 3326) when configured.
 *
 * A call lives until both legs and its media stream are gone: PRI RELEASE, SIP
 * terminated, media removed. Each goes away on its own schedule; maybe_free() frees the
 * call when the last one has. */
#include "gateway/gw.h"
#include "gateway/call.h"

#include "common/clock.h"
#include "common/log.h"
#include "gateway/cause.h"
#include "gateway/party.h"
#include "gateway/pri_link.h"
#include "gateway/route.h"
#include "gateway/span_group.h"
#include "media/engine.h"
#include "sip/sdp.h"
#include "sip/trunk.h"
#include "sip/ua.h"
#include "tdm/dahdi.h"
#include "tdm/pri.h"
#include "tdm/span.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

enum call_state {
	CALL_ROUTING,		/* first leg known, collecting digits or choosing a route */
	CALL_PLACED,		/* second leg placed, no answer yet */
	CALL_EARLY,		/* ringing or early media */
	CALL_ACTIVE,		/* answered */
	CALL_CLEARING,		/* tearing down; waiting for legs and media to go */
};

static const char *const state_names[] = {
	[CALL_ROUTING] = "routing", [CALL_PLACED] = "placed", [CALL_EARLY] = "early",
	[CALL_ACTIVE] = "active", [CALL_CLEARING] = "clearing",
};

struct call {
	struct call *next;
	struct daemon *d;
	uint64_t id;
	enum call_state state;
	bool from_tdm;			/* the PRI leg came first */

	/* TDM leg */
	struct pri_link *link;
	struct pri_call *pri;		/* NULL once released */
	bool pri_cleared;		/* pri_call_hangup() done */
	struct bchan_ref chan;
	int tdm_fd;			/* borrowed from the span; -1 if none */
	bool ringback;			/* DAHDI plays ringback on the B-channel */

	/* SIP leg */
	struct sipua_call *sip;		/* NULL once terminated */
	char trunk[CONF_NAME_MAX];
	bool sip_final;			/* a final answer was sent or received, or BYE/CANCEL */
	bool sip_answered;		/* 2xx seen (either direction) */
	char sip_answer[2048];		/* SIP->TDM: our SDP answer, sent with 18x/200 */

	/* media */
	struct sdp_oa *oa;
	struct sdp_neg neg;
	bool have_neg;
	int rtp_fd;			/* -1 if none; closed when media is gone */
	int rtcp_fd;			/* RTP port + 1 (RFC 3550 §11); same life */
	uint16_t rtp_port;
	struct media_chan *mc;		/* NULL when not in the engine */
	struct media_chan_stats rtp;	/* final figures, from MEDIA_EV_REMOVED */
	bool have_rtp_stats;
	bool media_removing;

	char called[ROUTE_NUMBER_MAX + CONF_NAME_MAX];	/* SIP form, "+4930..." */
	struct pri_number called_tdm;	/* TDM -> SIP: as the SETUP gave it (ToN) */
	struct pri_party caller;	/* the calling party, Q.931 view (both directions) */
	char calling[PARTY_USER_MAX];	/* caller's number in SIP form, for logs */
	su_timer_t *digit_timer;

	int cause;			/* Q.850 cause the call was cleared with */
	int sip_status;			/* final SIP status seen or sent */
	const char *cleared_by;		/* "tdm", "sip", "gateway" */
	uint64_t t_start;		/* [µs] first leg arrived */
	uint64_t t_placed;		/* [µs] second leg placed */
	uint64_t t_answer_in;		/* [µs] answer from the called leg */
	uint64_t t_answer_out;		/* [µs] answer passed to the calling leg */
};

static void call_clear(struct call *c, int cause, const char *by);

static const char *leg_desc(const struct call *c, char *buf, size_t len)
{
	snprintf(buf, len, "span %u ch %u", c->chan.span, c->chan.pos);
	return buf;
}

#define CLOG(lvl, c, fmt, ...) \
	LOG_AT(LS_CALL, lvl, "call %llu (span %u ch %u, %s): " fmt, \
	       (unsigned long long)(c)->id, (c)->chan.span, (c)->chan.pos, \
	       (c)->trunk[0] ? (c)->trunk : "-", ##__VA_ARGS__)

static void set_state(struct call *c, enum call_state st)
{
	if (c->state == st)
		return;
	CLOG(LL_DEBUG, c, "%s -> %s", state_names[c->state], state_names[st]);
	c->state = st;
}

static struct call *call_new(struct daemon *d, bool from_tdm)
{
	struct call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->d = d;
	c->id = ++d->next_call_id;
	c->from_tdm = from_tdm;
	c->tdm_fd = -1;
	c->rtp_fd = -1;
	c->rtcp_fd = -1;
	c->t_start = clock_now_us();
	c->next = d->calls;
	d->calls = c;
	d->ncalls++;
	return c;
}

static struct call *call_by_id(struct daemon *d, uint64_t id)
{
	for (struct call *c = d->calls; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* The summary line of a finished call: what an engineer greps for. Latencies are what the
 * gateway adds: first leg's request in -> second leg's request out (SETUP -> INVITE or
 * INVITE -> SETUP), and the answer in -> answer out (200 OK -> CONNECT or the reverse). */
static void log_summary(const struct call *c)
{
	char buf[64];
	double setup_ms = c->t_placed ? (c->t_placed - c->t_start) / 1000.0 : -1;
	double answer_ms = c->t_answer_out ? (c->t_answer_out - c->t_answer_in) / 1000.0 : -1;
	uint64_t end = clock_now_us();

	char rtp[160] = "";
	const struct media_chan_stats *st = &c->rtp;

	/* What RTCP (RFC 3550 §6.4) and our own receiver statistics say about the stream. */
	if (c->have_rtp_stats)
		snprintf(rtp, sizeof(rtp), " rtp_sent=%llu rtp_received=%llu rtp_lost=%lld "
			 "jitter_ms=%.1f peer_lost_pct=%.1f rtt_ms=%.1f",
			 (unsigned long long)st->packets_sent,
			 (unsigned long long)st->packets_received, (long long)st->packets_lost,
			 st->jitter_ms, st->peer_report ? st->peer_fraction_lost * 100 : -1.0,
			 st->rtt_ms);
	LOGN(LS_CALL, "CALL id=%llu dir=%s %s trunk=%s called=%s calling=%s presentation=%s "
	     "answered=%s cause=%d (%s) sip_status=%d cleared_by=%s setup_relay_ms=%.3f "
	     "answer_relay_ms=%.3f duration_ms=%llu%s",
	     (unsigned long long)c->id, c->from_tdm ? "tdm-sip" : "sip-tdm",
	     leg_desc(c, buf, sizeof(buf)), c->trunk[0] ? c->trunk : "-",
	     c->called[0] ? c->called : "-", c->calling[0] ? c->calling : "-",
	     party_pres_name(c->caller.pres),
	     c->t_answer_in ? "yes" : "no", c->cause, cause_name((unsigned)c->cause),
	     c->sip_status, c->cleared_by ? c->cleared_by : "-", setup_ms, answer_ms,
	     (unsigned long long)((end - c->t_start) / 1000), rtp);
}

/* What a call holds besides its legs: sockets, the digit timer, offer/answer state. */
static void release_resources(struct call *c)
{
	if (c->rtp_fd >= 0)
		close(c->rtp_fd);
	if (c->rtcp_fd >= 0)
		close(c->rtcp_fd);
	c->rtp_fd = c->rtcp_fd = -1;
	if (c->digit_timer)
		su_timer_destroy(c->digit_timer);
	c->digit_timer = NULL;
	sdp_oa_free(c->oa);
	c->oa = NULL;
}

static void maybe_free(struct call *c)
{
	struct daemon *d = c->d;

	if (c->pri || c->sip || c->mc)
		return;
	release_resources(c);
	log_summary(c);
	if (c->t_answer_in)
		d->stats.calls_answered++;
	else
		d->stats.calls_failed++;
	for (struct call **pp = &d->calls; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	d->ncalls--;
	free(c);
	if (d->stopping && !d->ncalls)
		su_root_break(d->root);	/* SIGTERM was waiting for the last call */
}

static void reason_for(const struct call *c, int cause, char *buf, size_t len)
{
	buf[0] = '\0';
	if (c->d->conf->general.reason_header && cause > 0 && cause < 128)
		(void)cause_reason_build(buf, len, (unsigned)cause);
}

/* ---- media ----------------------------------------------------------------------------- */

static void ringback(struct call *c, bool on)
{
	if (c->tdm_fd < 0 || c->ringback == on)
		return;
	int err = dahdi_chan_tone(c->tdm_fd, on ? DAHDI_TONE_RINGBACK : DAHDI_TONE_OFF);
	if (err)
		CLOG(LL_WARN, c, "cannot %s ringback: %s", on ? "start" : "stop", strerror(err));
	else
		c->ringback = on;
}

static int fill_remote(struct sockaddr_storage *ss, const struct sdp_neg *neg)
{
	memset(ss, 0, sizeof(*ss));
	if (neg->af == SDP_AF_IP6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(neg->port);
		return inet_pton(AF_INET6, neg->addr, &s6->sin6_addr) == 1 ? 0 : EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(neg->port);
	return inet_pton(AF_INET, neg->addr, &s4->sin_addr) == 1 ? 0 : EINVAL;
}

/* Join the B-channel and the RTP socket in the media engine (or re-point the stream). */
static int media_start(struct call *c)
{
	struct media_chan_params p = {
		.cookie = c->id,
		.tdm_fd = c->tdm_fd,
		.rtp_fd = c->rtp_fd,
		.rtcp_fd = c->rtcp_fd,
		.tdm_law = pri_link_alaw(c->link) ? G711_LAW_ALAW : G711_LAW_ULAW,
		.pt = c->neg.pt,
		.te_pt = c->neg.te_pt,		/* RFC 4733 both ways when negotiated */
		.rx_te_pt = c->neg.rx_te_pt,
		.symmetric = c->d->conf->general.symmetric_rtp,
		.dtmf_detect = true,
		/* neg.dir is our direction (RFC 3264 §6.1): recvonly/inactive = we must not
		 * send (the peer holds us), sendonly/inactive = nothing to receive. */
		.no_send = c->neg.dir == SDP_DIR_RECVONLY || c->neg.dir == SDP_DIR_INACTIVE,
		.no_recv = c->neg.dir == SDP_DIR_SENDONLY || c->neg.dir == SDP_DIR_INACTIVE,
	};
	int err;

	if (!c->have_neg || c->tdm_fd < 0 || c->rtp_fd < 0)
		return EINVAL;
	/* c=0.0.0.0 (RFC 3264 §8.4): nowhere to send; symmetric RTP may still learn one. */
	if (strcmp(c->neg.addr, "0.0.0.0") && strcmp(c->neg.addr, "::")) {
		err = fill_remote(&p.remote, &c->neg);
		if (err)
			return err;
	}
	if (getrandom(&p.ssrc, sizeof(p.ssrc), 0) != sizeof(p.ssrc))
		p.ssrc = (uint32_t)c->id * 2654435761u;
	p.seq0 = (uint16_t)(p.ssrc >> 7);
	p.ts0 = p.ssrc * 7u;
	ringback(c, false);
	if (c->mc) {
		err = media_engine_modify(c->d->media, c->mc, &p);
	} else {
		(void)dahdi_chan_flush(c->tdm_fd);
		err = media_engine_add(c->d->media, &p, &c->mc);
	}
	if (err)
		CLOG(LL_ERROR, c, "media: cannot join B-channel and RTP: %s", strerror(err));
	else
		CLOG(LL_INFO, c, "media: %s/%u to %s:%u, B-channel %s", sdp_codec_name(c->neg.codec),
		     c->neg.pt, c->neg.addr, c->neg.port,
		     pri_link_alaw(c->link) ? "A-law" : "u-law");
	return err;
}

static void media_stop(struct call *c)
{
	ringback(c, false);
	if (c->mc && !c->media_removing) {
		if (media_engine_remove(c->d->media, c->mc) == 0)
			c->media_removing = true;
		else
			c->mc = NULL;	/* engine refused: it no longer knows the channel */
	}
}

/* RTP socket and offer/answer state for a new call. */
static int media_prepare(struct call *c)
{
	const struct conf_general *g = &c->d->conf->general;
	bool alaw = pri_link_alaw(c->link);
	struct sdp_oa_params p = {
		.addr = g->rtp_address,
		.codecs = { alaw ? SDP_CODEC_PCMA : SDP_CODEC_PCMU,
			    alaw ? SDP_CODEC_PCMU : SDP_CODEC_PCMA, SDP_CODEC_NONE },
		.te_pt = 101,
		.ptime = 20,
		.dir = SDP_DIR_SENDRECV,
		.sess_id = c->id + ((uint64_t)time(NULL) << 20),
		.sess_version = 1,
	};
	int err = rtp_port_open(c->d, &c->rtp_fd, &c->rtcp_fd, &c->rtp_port);

	if (err) {
		CLOG(LL_ERROR, c, "no RTP port free in %u..%u: %s", g->rtp_port_min,
		     g->rtp_port_max, strerror(err));
		return err;
	}
	p.port = c->rtp_port;
	return sdp_oa_alloc(&c->oa, &p);
}

/* ---- clearing -------------------------------------------------------------------------- */

/* Clear the SIP leg with cause (unless it is already over). */
static void sip_clear(struct call *c, int cause)
{
	char reason[96];
	int err;

	if (!c->sip || c->sip_final)
		return;
	reason_for(c, cause, reason, sizeof(reason));
	c->sip_final = true;
	if (c->sip_answered) {
		err = sipua_call_bye(c->sip, reason[0] ? reason : NULL);
		CLOG(LL_INFO, c, "SIP: BYE, Reason Q.850 cause %d", cause);
	} else if (c->from_tdm) {
		err = sipua_call_cancel(c->sip, reason[0] ? reason : NULL);
		CLOG(LL_INFO, c, "SIP: CANCEL, Reason Q.850 cause %d", cause);
	} else {
		/* a status chosen beforehand wins over the cause table */
		unsigned status = c->sip_status ? (unsigned)c->sip_status
			: cause_q850_to_sip(c->d->causes, (unsigned)cause, CAUSE_LOC_PUB_REMOTE);
		c->sip_status = (int)status;
		err = sipua_call_respond(c->sip, (int)status, NULL, NULL, reason[0] ? reason : NULL);
		CLOG(LL_INFO, c, "SIP: %u for Q.850 cause %d (%s)", status, cause,
		     cause_name((unsigned)cause));
	}
	if (err)
		CLOG(LL_WARN, c, "SIP leg: clearing failed: %s", strerror(err));
}

static void pri_clear(struct call *c, int cause)
{
	if (!c->pri || c->pri_cleared)
		return;
	ringback(c, false);
	c->pri_cleared = true;
	int err = pri_call_hangup(c->pri, cause);
	if (err)
		CLOG(LL_WARN, c, "PRI leg: hangup failed: %s", strerror(err));
}

/* Clear both legs with cause; by names who started it, for the summary. */
static void call_clear(struct call *c, int cause, const char *by)
{
	if (c->state != CALL_CLEARING) {
		c->cause = cause;
		c->cleared_by = by;
		set_state(c, CALL_CLEARING);
		CLOG(LL_INFO, c, "clearing: cause %d (%s), by %s", cause, cause_name((unsigned)cause),
		     by);
	}
	if (c->digit_timer)
		su_timer_reset(c->digit_timer);
	media_stop(c);
	sip_clear(c, cause);
	pri_clear(c, cause);
	maybe_free(c);
}

/* How numbers on this span are written (conf country_code, national_prefix). */
static struct party_plan span_plan(const struct daemon *d, unsigned span)
{
	const struct conf_span *cs = conf_span_find(d->conf, span);

	return (struct party_plan){ .country_code = cs ? cs->country_code : "",
				    .national_prefix = cs ? cs->national_prefix : "" };
}

/* ---- TDM -> SIP ------------------------------------------------------------------------ */

/* The called number as the SETUP (and INFO) gave it, and its SIP form for routing. */
static void set_called_tdm(struct call *c, const struct pri_number *called)
{
	struct party_plan pl = span_plan(c->d, c->chan.span);

	c->called_tdm = *called;
	(void)party_number_to_sip(&pl, &c->called_tdm, c->called, sizeof(c->called));
}

static void place_sip(struct call *c, const struct route_result *rr)
{
	struct daemon *d = c->d;
	struct sip_trunk *trunk = gw_trunk_find(d, rr->route->to.trunk);
	char sdp[2048];
	size_t len;
	struct sdp_error se;
	int err;

	snprintf(c->trunk, sizeof(c->trunk), "%s", rr->route->to.trunk);
	snprintf(c->called, sizeof(c->called), "%s", rr->number);
	if (!trunk) {
		CLOG(LL_ERROR, c, "route %s: trunk %s does not run", rr->route->name, c->trunk);
		call_clear(c, CAUSE_NO_CIRCUIT_AVAILABLE, "gateway");
		return;
	}
	if (!sip_trunk_is_up(trunk)) {
		CLOG(LL_WARN, c, "trunk %s is down (keepalive): cause 34", c->trunk);
		call_clear(c, CAUSE_NO_CIRCUIT_AVAILABLE, "gateway");
		return;
	}
	if (media_prepare(c) ||
	    sdp_oa_offer(c->oa, sdp, sizeof(sdp), &len, &se)) {
		call_clear(c, CAUSE_RESOURCE_UNAVAILABLE, "gateway");
		return;
	}
	const struct conf_trunk *ct = conf_trunk_find(d->conf, c->trunk);
	struct party_plan pl = span_plan(d, c->chan.span);
	struct party_sip_identity id;
	party_calling_to_sip(&pl, &c->caller, ct && ct->trust, &id);
	struct sipua_dial dial = {
		.trunk = trunk,
		.user = c->called,
		.from_user = id.anonymous ? NULL : id.from_user,
		.from_display = id.display[0] ? id.display : NULL,
		.pai_user = id.pai_user[0] ? id.pai_user : NULL,
		.pai_display = id.pai_display[0] ? id.pai_display : NULL,
		.privacy = id.privacy_id ? "id" : NULL,
		.sdp = sdp,
		.priv = c,
	};
	err = sipua_call_invite(&c->sip, d->ua, &dial);
	if (err) {
		CLOG(LL_ERROR, c, "cannot send INVITE: %s", strerror(err));
		call_clear(c, err == EBUSY ? CAUSE_NO_CIRCUIT_AVAILABLE : CAUSE_TEMPORARY_FAILURE,
			   "gateway");
		return;
	}
	c->t_placed = clock_now_us();
	(void)pri_call_proceeding(c->pri);
	set_state(c, CALL_PLACED);
	CLOG(LL_INFO, c, "%s -> INVITE sip:%s via trunk %s (route %s), %.3f ms after SETUP",
	     c->calling[0] ? c->calling : "(no number)", c->called, c->trunk, rr->route->name,
	     (c->t_placed - c->t_start) / 1000.0);
}

/* Where a call from a span comes from, for routing: the span and the [group] it is in. */
static struct conf_endpoint tdm_source(const struct call *c)
{
	struct conf_endpoint src = { .kind = EP_SPAN, .span = c->chan.span };
	const struct conf_group *g = conf_span_group(c->d->conf, c->chan.span);

	if (g)
		snprintf(src.group, sizeof(src.group), "%s", g->name);
	return src;
}

/* Route the number collected so far; complete: no more digits will come. */
static void route_tdm(struct call *c, bool complete)
{
	struct daemon *d = c->d;
	struct conf_endpoint src = tdm_source(c);
	struct route_result rr;
	char number[sizeof(c->called)];

	snprintf(number, sizeof(number), "%s", c->called);
	size_t n = strlen(number);
	if (n && number[n - 1] == '#') {	/* '#' ends overlap dialling */
		number[n - 1] = '\0';
		complete = true;
	}
	switch (route_lookup(d->routes, &src, number, complete, &rr)) {
	case ROUTE_NEED_MORE:
		if (!c->digit_timer)
			c->digit_timer = su_timer_create(su_root_task(d->root), 0);
		CLOG(LL_DEBUG, c, "number %s: waiting for more digits", number);
		return;
	case ROUTE_NO_MATCH:
		CLOG(LL_NOTICE, c, "no route for %s from span %u: cause 1", number, c->chan.span);
		call_clear(c, CAUSE_UNALLOCATED_NUMBER, "gateway");
		return;
	case ROUTE_MATCH:
		break;
	}
	if (rr.route->to.kind != EP_TRUNK) {
		CLOG(LL_ERROR, c, "route %s sends %s back to a span or group: not supported, "
		     "cause 63", rr.route->name, number);
		call_clear(c, 63, "gateway");
		return;
	}
	place_sip(c, &rr);
}

static void on_digit_timeout(struct daemon *d, su_timer_t *t, void *arg)
{
	struct call *c = call_by_id(d, (uint64_t)(uintptr_t)arg);

	if (c && c->state == CALL_ROUTING) {
		CLOG(LL_INFO, c, "inter-digit timeout: number %s is complete", c->called);
		route_tdm(c, true);
	}
}

static void arm_digit_timer(struct call *c)
{
	if (c->state == CALL_ROUTING && c->digit_timer)
		su_timer_set_interval(c->digit_timer, on_digit_timeout, (void *)(uintptr_t)c->id,
				      c->d->conf->general.digit_timeout_ms);
}

static void on_setup(struct daemon *d, struct pri_link *link, const struct pri_event *ev)
{
	struct call *c = call_new(d, true);

	if (!c) {
		(void)pri_call_hangup(ev->call, CAUSE_TEMPORARY_FAILURE);
		return;
	}
	d->stats.calls_in_tdm++;
	c->link = link;
	c->pri = ev->call;
	c->chan = ev->chan;
	c->tdm_fd = tdm_span_chan_fd(pri_link_tdm(link), ev->chan.pos);
	pri_call_set_user(ev->call, c);
	struct party_plan pl = span_plan(d, c->chan.span);
	c->caller = ev->setup->calling;
	(void)party_number_to_sip(&pl, &c->caller.number, c->calling, sizeof(c->calling));
	set_called_tdm(c, &ev->setup->called);
	CLOG(LL_INFO, c, "SETUP %s (%s, presentation %s%s%s%s) -> %s (%s)%s",
	     c->calling[0] ? c->calling : "(no number)",
	     party_ton_name(c->caller.number.ton), party_pres_name(c->caller.pres),
	     c->caller.name[0] ? ", name '" : "", c->caller.name,
	     c->caller.name[0] ? "'" : "", c->called, party_ton_name(c->called_tdm.ton),
	     ev->setup->complete ? " (sending complete)" : "");

	unsigned limit = d->conf->general.max_calls;
	if (limit && d->ncalls > limit) {
		CLOG(LL_WARN, c, "call limit %u reached: cause 34", limit);
		call_clear(c, CAUSE_NO_CIRCUIT_AVAILABLE, "gateway");
		return;
	}
	if (c->tdm_fd < 0) {
		CLOG(LL_ERROR, c, "B-channel is not open: cause 44");
		call_clear(c, 44, "gateway");
		return;
	}
	struct conf_endpoint src = tdm_source(c);
	bool overlap = !ev->setup->complete && route_lookup(d->routes, &src, c->called, false,
		&(struct route_result){ 0 }) == ROUTE_NEED_MORE;
	if (overlap && pri_call_more_info(c->pri) == 0) {
		route_tdm(c, false);
		arm_digit_timer(c);
		return;
	}
	route_tdm(c, true);
}

static void on_info(struct call *c, const struct pri_event *ev)
{
	if (c->state != CALL_ROUTING)
		return;
	set_called_tdm(c, &ev->setup->called);
	CLOG(LL_DEBUG, c, "INFO digits %s, number now %s", ev->digits, c->called);
	route_tdm(c, false);
	arm_digit_timer(c);
}

/* ---- SIP -> TDM ------------------------------------------------------------------------ */

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

/* Say which spans of the group the hunt passes over, and why. */
static void log_unusable(struct call *c, const struct span_group *grp)
{
	for (unsigned i = 0; i < c->d->nlinks; i++) {
		unsigned n = pri_link_span(c->d->links[i]);

		if (span_group_has(grp, n) && !bchan_span_usable(span_group_chans(grp), n))
			CLOG(LL_INFO, c, "group %s: span %u passed over: D-channel down or in "
			     "alarm", span_group_name(grp), n);
	}
}

struct placing {
	struct call *c;
	struct pri_call_params *pp;
};

/* span_group_place_h: SETUP on chan's span with chan preferred (as for "any channel"
 * before: the far end may still choose another, §5.1.2). */
static int place_on_span(struct bchan_ref chan, int *cause, void *arg)
{
	struct placing *pl = arg;
	struct call *c = pl->c;
	struct pri_link *link = gw_link_find(c->d, chan.span);
	int err;

	c->chan = (struct bchan_ref){ .span = chan.span };
	if (!link || !pri_link_pri(link)) {
		*cause = CAUSE_NETWORK_OUT_OF_ORDER;
		err = ENOTCONN;
	} else {
		pl->pp->chan = (struct bchan_req){ .want = BCHAN_WANT_PREFERRED, .chan = chan };
		err = pri_call_place(pri_link_pri(link), &c->pri, pl->pp, cause);
	}
	if (err) {
		c->pri = NULL;
		CLOG(LL_NOTICE, c, "not placed on span %u ch %u: %s, cause %d (%s)", chan.span,
		     chan.pos, strerror(err), *cause, cause_name((unsigned)*cause));
		return err;
	}
	c->link = link;
	return 0;
}

static void on_invite(struct daemon *d, const struct sipua_event *ev)
{
	const char *trunk = ev->trunk ? sip_trunk_name(ev->trunk) : "";
	struct conf_endpoint src = { .kind = EP_TRUNK };
	struct route_result rr;
	struct sdp_error se;
	size_t len;
	int err;

	d->stats.calls_in_sip++;
	snprintf(src.trunk, sizeof(src.trunk), "%s", trunk);
	const char *number = ev->ruri_user ? ev->ruri_user : "";
	if (route_lookup(d->routes, &src, number, true, &rr) != ROUTE_MATCH) {
		respond_fail(d, ev->call, CAUSE_UNALLOCATED_NUMBER, "no route");
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
	if (!link) {
		respond_fail(d, ev->call, CAUSE_NETWORK_OUT_OF_ORDER,
			     only ? "span not running ISDN" : "no span of the group running ISDN");
		return;
	}
	if (!ev->sdp || !*ev->sdp) {
		/* Late offer (RFC 3261 §13.2.1: offer in the 200, answer in the ACK) */
		respond_fail(d, ev->call, CAUSE_BEARER_NOT_IMPLEMENTED,
			     "INVITE without SDP (late offer) is not supported");
		return;
	}

	struct call *c = call_new(d, false);
	if (!c) {
		respond_fail(d, ev->call, CAUSE_TEMPORARY_FAILURE, "out of memory");
		return;
	}
	c->sip = ev->call;
	/* The span the hunt will try first gives the law our SDP prefers (E1 A-law, T1
	 * µ-law); if the call lands elsewhere, the media engine converts. */
	struct bchan_ref first;
	struct pri_link *first_link;
	if (span_group_peek(grp, only, &first) == 0 && (first_link = gw_link_find(d, first.span)))
		link = first_link;
	c->link = link;
	c->chan.span = pri_link_span(link);
	sipua_call_set_priv(ev->call, c);
	snprintf(c->trunk, sizeof(c->trunk), "%s", trunk);
	snprintf(c->called, sizeof(c->called), "%s", rr.number);
	const struct conf_trunk *ct = conf_trunk_find(d->conf, trunk);
	struct party_plan plan = span_plan(d, c->chan.span);
	struct party_sip_caller in = {
		.from_user = ev->from_user, .from_host = ev->from_host,
		.from_display = ev->from_display, .pai_user = ev->pai_user,
		.pai_display = ev->pai_display, .privacy = ev->privacy,
	};
	party_calling_from_sip(&plan, &in, ct && ct->trust, &c->caller);
	(void)party_number_to_sip(&plan, &c->caller.number, c->calling, sizeof(c->calling));
	char to[CONF_NAME_MAX + 16];
	CLOG(LL_INFO, c, "INVITE %s from %s (presentation %s%s%s%s) -> %s (route %s to %s, "
	     "Call-ID %s)", number, c->calling[0] ? c->calling : "(no number)",
	     party_pres_name(c->caller.pres), c->caller.name[0] ? ", name '" : "",
	     c->caller.name, c->caller.name[0] ? "'" : "", c->called, rr.route->name,
	     route_endpoint_str(&rr.route->to, to, sizeof(to)), ev->call_id ? ev->call_id : "?");

	if (media_prepare(c)) {
		call_clear(c, CAUSE_RESOURCE_UNAVAILABLE, "gateway");
		return;
	}
	err = sdp_oa_answer(c->oa, ev->sdp, strlen(ev->sdp), c->sip_answer, sizeof(c->sip_answer),
			    &len, &c->neg, &se);
	if (err) {
		/* RFC 3261 §21.4.26: an offer we cannot take, malformed or not, gets 488; the
		 * cause table would make a broken one (127) a 500, a fault of ours */
		CLOG(LL_NOTICE, c, "SDP offer refused: %s: 488", se.msg);
		c->sip_status = 488;
		call_clear(c, se.code == SDP_E_NO_CODEC ? CAUSE_BEARER_NOT_IMPLEMENTED
							: CAUSE_INTERWORKING, "gateway");
		return;
	}
	c->have_neg = true;

	struct pri_call_params pp = {
		.bearer = PRI_BEARER_SPEECH,
		.law = PRI_LAW_DEFAULT,
		.chan = { .want = BCHAN_WANT_ANY },
		.complete = true,
		.user = c,
	};
	if (party_number_from_sip(&plan, c->called, &pp.called)) {
		CLOG(LL_NOTICE, c, "called number %s is not a telephone number of at most %d "
		     "digits: cause 28", c->called, PRI_NUM_MAX);
		call_clear(c, CAUSE_INVALID_NUMBER_FORMAT, "gateway");
		return;
	}
	pp.calling = c->caller;

	if (!only)
		log_unusable(c, grp);
	struct placing pl = { .c = c, .pp = &pp };
	struct span_group_result res;
	err = span_group_place(grp, only, place_on_span, &pl, &res);
	if (err) {
		CLOG(LL_NOTICE, c, "cannot place the call on %s%s: cause %d (%s)",
		     only ? "the span" : "group ", only ? "" : span_group_name(grp), res.cause,
		     cause_name((unsigned)res.cause));
		c->pri = NULL;
		call_clear(c, res.cause ? res.cause : CAUSE_TEMPORARY_FAILURE, "gateway");
		return;
	}
	c->chan = pri_call_chan(c->pri);
	c->tdm_fd = tdm_span_chan_fd(pri_link_tdm(c->link), c->chan.pos);
	c->t_placed = clock_now_us();
	set_state(c, CALL_PLACED);
	if (only)
		CLOG(LL_INFO, c, "SETUP sent for %s on span %u ch %u", c->called, c->chan.span,
		     c->chan.pos);
	else
		CLOG(LL_INFO, c, "SETUP sent for %s on span %u ch %u (group %s%s)", c->called,
		     c->chan.span, c->chan.pos, span_group_name(grp),
		     res.nfailed ? ", after spans that could not take it" : "");
}

/* Early media toward SIP: 18x with our answer, audio joined. */
static void sip_early(struct call *c, int status)
{
	if (c->sip_final || !c->sip)
		return;
	media_start(c);
	(void)sipua_call_respond(c->sip, status, NULL, c->sip_answer, NULL);
	set_state(c, CALL_EARLY);
}

/* ---- PRI events ------------------------------------------------------------------------ */

void call_on_pri_event(struct daemon *d, struct pri_link *link, const struct pri_event *ev)
{
	struct call *c = ev->call ? pri_call_user(ev->call) : NULL;

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
		on_setup(d, link, ev);
		return;
	default:
		break;
	}
	if (!c)
		return;
	switch (ev->type) {
	case PRI_EV_INFO:
		on_info(c, ev);
		break;
	case PRI_EV_SETUP_ACK:
	case PRI_EV_PROCEEDING:
		break;
	case PRI_EV_ALERTING:
		CLOG(LL_INFO, c, "ALERTING%s", ev->inband ? " (in-band information)" : "");
		if (c->from_tdm)
			break;
		/* ALERTING is ringing either way: 180, with SDP when the network plays the
		 * ringback in-band (early media); PROGRESS maps to 183. */
		if (ev->inband)
			sip_early(c, 180);
		else if (!c->sip_final && c->sip) {
			(void)sipua_call_respond(c->sip, 180, NULL, NULL, NULL);
			set_state(c, CALL_EARLY);
		}
		break;
	case PRI_EV_PROGRESS:
		CLOG(LL_INFO, c, "PROGRESS%s", ev->inband ? " (in-band information)" : "");
		if (!c->from_tdm && ev->inband)
			sip_early(c, 183);
		break;
	case PRI_EV_CONNECT:
		if (c->from_tdm || c->state == CALL_ACTIVE || c->state == CALL_CLEARING)
			break;
		c->t_answer_in = clock_now_us();
		media_start(c);
		if (c->sip && !c->sip_final) {
			(void)sipua_call_respond(c->sip, 200, NULL, c->sip_answer, NULL);
			c->sip_answered = true;
			c->sip_status = 200;
		}
		c->t_answer_out = clock_now_us();
		set_state(c, CALL_ACTIVE);
		CLOG(LL_INFO, c, "CONNECT -> 200 OK in %.3f ms",
		     (c->t_answer_out - c->t_answer_in) / 1000.0);
		break;
	case PRI_EV_DISCONNECT:
		CLOG(LL_INFO, c, "DISCONNECT cause %d (%s)", ev->cause, cause_name((unsigned)ev->cause));
		call_clear(c, ev->cause, "tdm");
		break;
	case PRI_EV_RELEASE:
		c->pri = NULL;
		if (c->state != CALL_CLEARING)
			call_clear(c, ev->cause ? ev->cause : CAUSE_NORMAL_CLEARING, "tdm");
		else
			maybe_free(c);
		break;
	default:
		break;
	}
}

/* ---- SIP events ------------------------------------------------------------------------ */

/* An SDP answer (in 18x or 200) to our offer: negotiate and join the media. */
static bool take_answer(struct call *c, const char *sdp)
{
	struct sdp_error se;

	if (!sdp || !*sdp || c->have_neg)
		return c->have_neg;
	if (sdp_oa_process_answer(c->oa, sdp, strlen(sdp), &c->neg, &se)) {
		CLOG(LL_ERROR, c, "SDP answer unusable: %s", se.msg);
		return false;
	}
	c->have_neg = true;
	return media_start(c) == 0;
}

static void on_reinvite(struct call *c, const struct sipua_event *ev)
{
	char answer[2048];
	struct sdp_error se;
	size_t len;

	if (!ev->sdp || sdp_oa_answer(c->oa, ev->sdp, strlen(ev->sdp), answer, sizeof(answer),
				      &len, &c->neg, &se)) {
		CLOG(LL_NOTICE, c, "re-INVITE refused: %s", ev->sdp ? se.msg : "no SDP");
		(void)sipua_call_respond(c->sip, 488, NULL, NULL, NULL);
		return;
	}
	c->have_neg = true;
	CLOG(LL_INFO, c, "re-INVITE: %s:%u %s %s", c->neg.addr, c->neg.port,
	     sdp_codec_name(c->neg.codec), c->neg.remote_hold ? "(hold)" : "");
	media_start(c);
	(void)sipua_call_respond(c->sip, 200, NULL, answer, NULL);
}

static int sip_cause(const struct call *c, const struct sipua_event *ev, int dflt)
{
	struct cause_reason r;

	if (ev->reason && c->d->conf->general.reason_header &&
	    cause_reason_parse(ev->reason, &r) == 0 && r.q850)
		return (int)r.q850;
	return dflt;
}

void call_on_sip_event(struct daemon *d, const struct sipua_event *ev)
{
	struct call *c = ev->call ? sipua_call_priv(ev->call) : NULL;

	switch (ev->type) {
	case SIPUA_EV_TRUNK_REGISTERED:
	case SIPUA_EV_TRUNK_REG_FAILED:
	case SIPUA_EV_TRUNK_UP:
	case SIPUA_EV_TRUNK_DOWN:
		return;		/* sip/trunk.c logs these */
	case SIPUA_EV_CALL_INCOMING:
		on_invite(d, ev);
		return;
	default:
		break;
	}
	if (!c)
		return;
	switch (ev->type) {
	case SIPUA_EV_CALL_PROGRESS:
		if (!c->from_tdm || c->state == CALL_CLEARING)
			break;
		CLOG(LL_INFO, c, "SIP %d%s", ev->status, ev->sdp ? " with SDP" : "");
		if (ev->sdp && take_answer(c, ev->sdp)) {
			if (ev->status == 180)
				(void)pri_call_alerting(c->pri, true);
			else
				(void)pri_call_progress(c->pri, true);
			set_state(c, CALL_EARLY);
		} else if (ev->status == 180 && c->state == CALL_PLACED) {
			/* No early media: the ringback is ours to play (Q.931 §5.1.6: ALERTING with
			 * progress indicator 8 when in-band tones are provided). */
			ringback(c, true);
			(void)pri_call_alerting(c->pri, c->ringback);
			set_state(c, CALL_EARLY);
		}
		break;
	case SIPUA_EV_CALL_ANSWERED:
		if (!c->from_tdm || c->state == CALL_CLEARING)
			break;
		c->t_answer_in = clock_now_us();
		c->sip_answered = true;
		c->sip_status = ev->status;
		if (!take_answer(c, ev->sdp)) {
			call_clear(c, CAUSE_INTERWORKING, "gateway");
			break;
		}
		(void)pri_call_answer(c->pri);
		c->t_answer_out = clock_now_us();
		set_state(c, CALL_ACTIVE);
		CLOG(LL_INFO, c, "200 OK -> CONNECT in %.3f ms",
		     (c->t_answer_out - c->t_answer_in) / 1000.0);
		break;
	case SIPUA_EV_CALL_FAILED:
		c->sip_final = true;
		c->sip_status = ev->status;
		call_clear(c, sip_cause(c, ev, (int)cause_sip_to_q850(d->causes, (unsigned)ev->status,
								      NULL)), "sip");
		break;
	case SIPUA_EV_CALL_CANCELLED:
		c->sip_final = true;
		c->sip_status = 487;
		call_clear(c, sip_cause(c, ev, CAUSE_NORMAL_CLEARING), "sip");
		break;
	case SIPUA_EV_CALL_BYE:
		c->sip_final = true;
		call_clear(c, sip_cause(c, ev, CAUSE_NORMAL_CLEARING), "sip");
		break;
	case SIPUA_EV_CALL_REINVITE:
		on_reinvite(c, ev);
		break;
	case SIPUA_EV_CALL_TERMINATED:
		c->sip = NULL;
		c->sip_final = true;
		if (c->state != CALL_CLEARING)
			call_clear(c, CAUSE_NORMAL_CLEARING, "sip");
		else
			maybe_free(c);
		break;
	default:
		break;
	}
}

/* ---- media events ---------------------------------------------------------------------- */

void call_on_media_event(struct daemon *d, const struct media_event *ev)
{
	struct call *c = call_by_id(d, ev->cookie);

	if (!c)
		return;
	switch (ev->type) {
	case MEDIA_EV_DTMF_END:
		CLOG(LL_INFO, c, "DTMF '%c' from the B-channel, %u ms%s", ev->digit, ev->duration_ms,
		     c->neg.te_pt >= 0 ? ", sent as RFC 4733" : ", no telephone-event negotiated");
		break;
	case MEDIA_EV_RTP_DTMF_END:
		CLOG(LL_INFO, c, "DTMF '%c' from RTP (RFC 4733), %u ms%s, played on the B-channel",
		     ev->digit, ev->duration_ms, ev->timed_out ? " (end lost)" : "");
		break;
	case MEDIA_EV_RTP_TIMEOUT:
		CLOG(LL_WARN, c, "no RTP from %s:%u", c->neg.addr, c->neg.port);
		break;
	case MEDIA_EV_REMOVED:
		c->rtp = ev->stats;
		c->have_rtp_stats = true;
		c->mc = NULL;
		c->media_removing = false;
		maybe_free(c);
		break;
	default:
		break;
	}
}

void call_clear_all(struct daemon *d, int cause)
{
	struct call *c = d->calls;

	while (c) {
		struct call *next = c->next;	/* call_clear() may free c */
		call_clear(c, cause, "gateway");
		c = next;
	}
}

void call_free_all(struct daemon *d)
{
	while (d->calls) {
		struct call *c = d->calls;
		d->calls = c->next;
		release_resources(c);
		free(c);
	}
	d->ncalls = 0;
}
