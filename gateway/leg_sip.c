/* The SIP leg: one INVITE dialog of the UA (sip/ua.h) and its RTP stream.
 *
 * As leg B it sends an INVITE with our offer (RFC 3264 §5) through a trunk and takes the
 * answer from the first 18x or 2xx that carries one. As leg A it answers the INVITE's
 * offer (§6) and sends that answer with 180/183 (early media) or 200. Clearing is BYE once
 * answered (RFC 3261 §15), CANCEL before (§9), or a final status mapped from the Q.850
 * cause (RFC 3398, gateway/cause) for an incoming INVITE; Reason: Q.850 (RFC 3326) when
 * configured. The leg is gone when the UA reports the dialog terminated.
 *
 * Fax (trunk option fax): when the call hears a fax tone the leg switches its stream to
 * G.711 pass-through at once and, with fax = t38, sends a re-INVITE that turns the audio
 * m= line into "m=image … udptl t38" (T.38 Annex D); a 2xx with image makes the stream a
 * T.38 gateway, a refusal (488, 415, 606, a timeout) leaves it in pass-through, a 491
 * (glare) is retried after RFC 3261 §14.1's random wait. The peer's re-INVITE to T.38 is
 * taken at any time of an answered call; one that repeats the session (a refresh) changes
 * nothing, so the fax runs on. */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/log.h"
#include "gateway/call.h"
#include "gateway/cause.h"
#include "gateway/leg.h"
#include "gateway/redirect.h"
#include "sip/sdp.h"
#include "sip/trunk.h"
#include "sip/ua.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The INVITE dialog as far as the call cares (RFC 3261 §12, §13). */
enum sip_leg_state {
	SL_IDLE,		/* leg B not placed yet */
	SL_EARLY,		/* INVITE sent or received, no final response */
	SL_CONFIRMED,		/* 2xx sent or received */
	SL_ENDING,		/* final response, BYE or CANCEL sent or received */
	SL_TERMINATED,		/* the UA dropped the dialog */
};

/* Where the stream stands with fax. */
enum sip_fax {
	SF_VOICE,		/* voice (fax tones are listened for) */
	SF_OFFERING,		/* our re-INVITE to T.38 is out; pass-through meanwhile */
	SF_T38,			/* T.38 agreed: the stream is a T.38 gateway */
	SF_PASSTHROUGH,		/* G.711 tuned for fax */
};

static const char *const sf_names[] = {
	[SF_VOICE] = "voice", [SF_OFFERING] = "offering T.38", [SF_T38] = "T.38",
	[SF_PASSTHROUGH] = "fax pass-through",
};

#define GLARE_TRIES 3		/* our T.38 re-INVITE answered 491 this often: pass-through */

static const char *const sl_names[] = {
	[SL_IDLE] = "idle", [SL_EARLY] = "early", [SL_CONFIRMED] = "confirmed",
	[SL_ENDING] = "ending", [SL_TERMINATED] = "terminated",
};

struct leg_sip {
	struct leg leg;			/* first */
	struct daemon *d;
	struct sipua_call *sc;		/* NULL once terminated */
	enum sip_leg_state st;
	bool incoming;			/* leg A: we answer the INVITE */
	char trunk[CONF_NAME_MAX];
	struct gw_trunk *gt;		/* a reference while the leg lives (a reload may remove
					 * the trunk: the call keeps it); NULL before placing */
	char call_id[128];		/* the dialog's Call-ID, kept for the CDR past sc */
	char answer[2048];		/* leg A: our SDP answer, sent with 18x/200; with a late
					 * offer our offer, sent with the 200 */
	bool late;			/* late offer (RFC 3261 §13.2.1): leg A: the INVITE had
					 * no SDP, our offer goes in the 200 and the answer comes
					 * in the ACK; leg B: our INVITE has none, the 200 offers
					 * and our answer goes in the ACK */
	bool reoffer;			/* a re-INVITE without SDP got our offer in the 200 */
	struct sdp_oa *oa;
	struct sdp_neg neg;
	bool have_neg;
	bool bad_answer_logged;		/* an unusable SDP answer is logged once */
	int rtp_fd;			/* -1 if none; closed when the call is freed */
	int rtcp_fd;			/* RTP port + 1 (RFC 3550 §11); same life */
	uint16_t rtp_port;
	enum sip_fax fax;
	struct sdp_t38_local t38;	/* what we offer and answer for T.38 */
	su_timer_t *glare_timer;	/* our re-INVITE met 491: retry (RFC 3261 §14.1) */
	unsigned glare_tries;
	/* hold from the other leg (RFC 3264 §8.4): what the far end should know, and whether
	 * our re-INVITE saying so is out */
	bool hold_want, hold_sent, hold_out;
};

static struct leg_sip *ls_of(struct leg *l) { return (struct leg_sip *)l; }
static const struct leg_sip *cls_of(const struct leg *l) { return (const struct leg_sip *)l; }

static const struct conf_trunk *trunk_conf(const struct leg_sip *s)
{
	return s->gt ? &s->gt->conf : NULL;
}

/* The route a call was placed by (leg_place names it), for its identity options. */
static const struct conf_route *route_conf(const struct daemon *d, const char *name)
{
	for (unsigned i = 0; name && i < d->conf->nroutes; i++)
		if (!strcmp(d->conf->routes[i].name, name))
			return &d->conf->routes[i];
	return NULL;
}

static void reason_for(const struct leg_sip *s, int cause, char *buf, size_t len)
{
	buf[0] = '\0';
	if (s->d->conf->general.reason_header && cause > 0 && cause < 128)
		(void)cause_reason_build(buf, len, (unsigned)cause);
}

/* The trunk's srtp and srtp_suites into the offer/answer parameters. */
static int srtp_params(const struct conf_trunk *ct, struct sdp_oa_params *p)
{
	static const enum sdp_srtp_policy policy[] = {
		[SRTP_OFF] = SDP_SRTP_OFF, [SRTP_OPTIONAL] = SDP_SRTP_OPTIONAL,
		[SRTP_MANDATORY] = SDP_SRTP_MANDATORY,
	};

	p->srtp = policy[ct->srtp];
	return sdp_crypto_suites_parse(ct->srtp_suites, p->srtp_suites);
}

/* The trunk's session timer (RFC 4028) for the UA. */
static void timer_params(const struct conf_trunk *ct, struct sipua_timer *t)
{
	static const enum sipua_st_mode mode[] = {
		[ST_NO] = SIPUA_ST_NO, [ST_ACCEPT] = SIPUA_ST_ACCEPT, [ST_YES] = SIPUA_ST_YES,
	};

	*t = (struct sipua_timer){ .mode = SIPUA_ST_ACCEPT, .expires = 1800,
				   .min_se = SIPUA_MIN_SE_FLOOR };
	if (!ct)
		return;
	t->mode = mode[ct->session_timer];
	t->min_se = ct->min_se;
	t->expires = ct->session_expires < ct->min_se ? ct->min_se : ct->session_expires;
	t->update = ct->session_refresh == SR_UPDATE;
}

/* The trunk's 100rel choice (RFC 3262). */
static enum sipua_prack prack_of(const struct conf_trunk *ct)
{
	static const enum sipua_prack map[] = {
		[PRACK_NO] = SIPUA_PRACK_NO, [PRACK_SUPPORTED] = SIPUA_PRACK_SUPPORTED,
		[PRACK_REQUIRED] = SIPUA_PRACK_REQUIRED,
	};

	return ct ? map[ct->prack] : SIPUA_PRACK_SUPPORTED;
}

/* RTP socket and offer/answer state; alaw: the TDM side's law, preferred as codec. */
static int media_prepare(struct leg_sip *s, bool alaw)
{
	const struct conf_general *g = &s->d->conf->general;
	struct sdp_oa_params p = {
		/* behind NAT the public address; the socket stays on rtp_address */
		.addr = g->external_address[0] ? g->external_address : g->rtp_address,
		.codecs = { alaw ? SDP_CODEC_PCMA : SDP_CODEC_PCMU,
			    alaw ? SDP_CODEC_PCMU : SDP_CODEC_PCMA, SDP_CODEC_NONE },
		.te_pt = 101,
		.ptime = 20,
		.dir = SDP_DIR_SENDRECV,
		.sess_id = call_id(s->leg.call) + ((uint64_t)time(NULL) << 20),
		.sess_version = 1,
	};
	int err = rtp_port_open(s->d, &s->rtp_fd, &s->rtcp_fd, &s->rtp_port);

	if (err) {
		CLOG(LL_ERROR, s->leg.call, "no RTP port free in %u..%u: %s", g->rtp_port_min,
		     g->rtp_port_max, strerror(err));
		return err;
	}
	p.port = s->rtp_port;
	const struct conf_trunk *ct = trunk_conf(s);
	if (ct && ct->fax == FAX_T38) {
		s->t38 = (struct sdp_t38_local){ .max_version = 0, .max_bitrate = 14400,
						 .max_datagram = ct->t38_max_datagram };
		p.t38 = &s->t38;
	}
	if (ct)		/* SRTP by SDES (sip/sdp_crypto.h); the suites were checked at load */
		(void)srtp_params(ct, &p);
	return sdp_oa_alloc(&s->oa, &p);
}

/* An SDP answer (in 18x or 200) to our offer: true when a stream is negotiated. */
static bool take_answer(struct leg_sip *s, const char *sdp)
{
	struct sdp_error se;

	if (!sdp || !*sdp || s->have_neg)
		return s->have_neg;
	if (sdp_oa_process_answer(s->oa, sdp, strlen(sdp), &s->neg, &se)) {
		/* A retransmitted 18x brings the same body again: say it once. */
		if (!s->bad_answer_logged)
			CLOG(LL_ERROR, s->leg.call, "SDP answer unusable: %s", se.msg);
		s->bad_answer_logged = true;
		return false;
	}
	s->have_neg = true;
	return true;
}

/* ---- operations ------------------------------------------------------------------------ */

/* A forwarded call: the redirecting party as Diversion (RFC 5806) and History-Info
 * (RFC 7044 with RFC 4458 causes), both: peers read one or the other. 0, or ENOENT. */
static int redirecting_to_sip(const struct daemon *d, const struct leg_place *lp,
			      char *div, size_t dlen, char *hist, size_t hlen)
{
	const struct pri_redirecting *rd = lp->redirecting;
	const char *addr = d->conf->general.sip_address;
	char user[PARTY_USER_MAX], host[CONF_NAME_MAX + 24];

	/* the URIs' host: ours, or a name that says "none" (RFC 6761) when we bind to all */
	if (!addr[0] || !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::"))
		snprintf(host, sizeof(host), "gateway.invalid");
	else
		snprintf(host, sizeof(host), strchr(addr, ':') ? "[%s]" : "%s", addr);
	if (!rd || !rd->number.digits[0] ||
	    party_number_to_sip(&lp->plan, &rd->number, user, sizeof(user)) || !user[0])
		return ENOENT;
	if (redirect_diversion_build(rd, user, host, div, dlen) ||
	    redirect_history_build(rd, user, lp->called, host, hist, hlen))
		return ENOENT;
	return 0;
}

static int sip_place(struct leg *l, const struct leg_place *lp, int *cause)
{
	struct leg_sip *s = ls_of(l);
	struct call *c = l->call;
	struct daemon *d = s->d;
	char sdp[2048];
	size_t len;
	struct sdp_error se;
	int err;

	snprintf(s->trunk, sizeof(s->trunk), "%s", lp->to->trunk);
	struct gw_trunk *gt = gw_trunk_get(d, s->trunk);
	if (!gt) {
		CLOG(LL_ERROR, c, "route %s: trunk %s does not run", lp->route, s->trunk);
		*cause = CAUSE_NO_CIRCUIT_AVAILABLE;
		return ENOENT;
	}
	gw_trunk_unref(s->gt);	/* a fallback attempt may have held another */
	s->gt = gw_trunk_ref(gt);
	gt->calls++;
	struct sip_trunk *trunk = gt->trunk;
	if (!sip_trunk_is_up(trunk)) {
		CLOG(LL_WARN, c, "trunk %s is down (keepalive): cause 34", s->trunk);
		*cause = CAUSE_NO_CIRCUIT_AVAILABLE;
		return ENOTCONN;
	}
	const struct conf_trunk *ct = trunk_conf(s);
	s->late = ct && ct->late_offer;		/* RFC 3261 §13.2.1: the 200 offers */
	if (media_prepare(s, lp->alaw) ||
	    (!s->late && sdp_oa_offer(s->oa, sdp, sizeof(sdp), &len, &se))) {
		*cause = CAUSE_RESOURCE_UNAVAILABLE;
		return ENOSPC;
	}
	struct party_sip_identity id;
	party_calling_to_sip(&lp->plan, lp->caller, ct && ct->trust, &id);
	const struct conf_route *rt = route_conf(d, lp->route);
	if (ct)
		party_sip_from_account(&id, ct->from_user);
	party_sip_fixed(&id, rt ? &(struct party_fixed){ rt->pai, rt->privacy } : NULL,
			ct ? &(struct party_fixed){ ct->pai, ct->privacy } : NULL);
	struct sipua_timer timer;
	timer_params(ct, &timer);
	struct sipua_dial dial = {
		.timer = &timer,
		.prack = prack_of(ct),
		.trunk = trunk,
		.user = lp->called,
		.from_user = id.anonymous ? NULL : id.from_user,
		.from_display = id.display[0] ? id.display : NULL,
		.pai_user = id.pai_user[0] ? id.pai_user : NULL,
		.pai_uri = id.pai_uri[0] ? id.pai_uri : NULL,
		.pai_display = id.pai_display[0] ? id.pai_display : NULL,
		.privacy = party_sip_privacy(&id),
		.from_domain = ct && ct->from_domain[0] ? ct->from_domain : NULL,
		.sdp = s->late ? NULL : sdp,
		.priv = s,
	};
	/* An FXS port registered at this trunk calls as its own SIP user (RFC 3261 §10):
	 * From, Contact and digest are its; P-Asserted-Identity stays the number. */
	if (lp->sip_user && lp->sip_trunk && !strcmp(lp->sip_trunk, s->trunk)) {
		dial.from_user = lp->sip_user;
		dial.contact_user = lp->sip_user;
		if (lp->sip_password) {
			dial.auth_user = lp->sip_user;
			dial.auth_password = lp->sip_password;
		}
	}
	char div[256], hist[384];
	if (redirecting_to_sip(d, lp, div, sizeof(div), hist, sizeof(hist)) == 0) {
		dial.diversion = div;
		dial.history_info = hist;
	}
	err = sipua_call_invite(&s->sc, d->ua, &dial);
	if (err) {
		CLOG(LL_ERROR, c, "cannot send INVITE: %s", strerror(err));
		*cause = err == EBUSY ? CAUSE_NO_CIRCUIT_AVAILABLE : CAUSE_TEMPORARY_FAILURE;
		return err;
	}
	s->st = SL_EARLY;
	const struct call_info *ci = call_info(c);
	CLOG(LL_INFO, c, "%s -> INVITE sip:%s via trunk %s (route %s), %.3f ms after SETUP",
	     ci->calling[0] ? ci->calling : "(no number)", lp->called, s->trunk, lp->route,
	     call_age_ms(c));
	return 0;
}

static void sip_proceeding(struct leg *l)
{
	/* 100 Trying went out with the INVITE's arrival (RFC 3261 §8.2.6.1, the UA). */
}

static void sip_respond(struct leg_sip *s, int status, bool with_sdp)
{
	if (s->st != SL_EARLY || !s->incoming)
		return;
	/* a late offer's offer goes only in the 200 (no reliable 18x here) */
	(void)sipua_call_respond(s->sc, status, NULL, with_sdp && !s->late ? s->answer : NULL,
				 NULL);
}

/* ALERTING is ringing either way: 180, with SDP when the far end plays the ringback
 * in-band (early media); PROGRESS with in-band information maps to 183. */
static void sip_alerting(struct leg *l, bool inband) { sip_respond(ls_of(l), 180, inband); }
static void sip_progress(struct leg *l, bool inband) { sip_respond(ls_of(l), 183, inband); }

static void sip_answer(struct leg *l)
{
	struct leg_sip *s = ls_of(l);

	if (s->st != SL_EARLY || !s->incoming)
		return;
	(void)sipua_call_respond(s->sc, 200, NULL, s->answer, NULL);
	s->st = SL_CONFIRMED;
	l->status = 200;
}

static void sip_clear(struct leg *l, int cause)
{
	struct leg_sip *s = ls_of(l);
	struct call *c = l->call;
	char reason[96];
	int err;

	if (s->st != SL_EARLY && s->st != SL_CONFIRMED)
		return;
	reason_for(s, cause, reason, sizeof(reason));
	if (s->st == SL_CONFIRMED) {
		err = sipua_call_bye(s->sc, reason[0] ? reason : NULL);
		CLOG(LL_INFO, c, "SIP: BYE, Reason Q.850 cause %d", cause);
	} else if (!s->incoming) {
		err = sipua_call_cancel(s->sc, reason[0] ? reason : NULL);
		CLOG(LL_INFO, c, "SIP: CANCEL, Reason Q.850 cause %d", cause);
	} else {
		/* a status chosen beforehand wins over the cause table */
		unsigned status = l->status ? (unsigned)l->status
			: cause_q850_to_sip(s->d->causes, (unsigned)cause, CAUSE_LOC_PUB_REMOTE);
		l->status = (int)status;
		err = sipua_call_respond(s->sc, (int)status, NULL, NULL, reason[0] ? reason : NULL);
		CLOG(LL_INFO, c, "SIP: %u for Q.850 cause %d (%s)", status, cause,
		     cause_name((unsigned)cause));
	}
	s->st = SL_ENDING;
	if (err)
		CLOG(LL_WARN, c, "SIP leg: clearing failed: %s", strerror(err));
}

static int sip_digits(struct leg *l, const char *digits)
{
	return ENOTSUP;		/* the INVITE carries the whole number (en bloc) */
}

static int sip_media(struct leg *l, struct leg_media *m)
{
	struct leg_sip *s = ls_of(l);

	if (s->late && !s->have_neg && s->rtp_fd >= 0)
		return EINPROGRESS;	/* the answer to our offer comes with the ACK */
	if (!s->have_neg || s->rtp_fd < 0)
		return EAGAIN;
	*m = (struct leg_media){ .kind = LEG_MEDIA_RTP, .fd = s->rtp_fd, .rtcp_fd = s->rtcp_fd,
				 .neg = &s->neg };
	const struct conf_trunk *ct = trunk_conf(s);
	m->rtp_timeout_ms = (ct ? ct->rtp_timeout : 60) * 1000;
	switch (s->fax) {
	case SF_VOICE:
		m->fax_detect = ct && ct->fax != FAX_OFF && ct->fax_detect != FAX_DETECT_NONE;
		break;
	case SF_OFFERING:
	case SF_PASSTHROUGH:
		m->mode = MEDIA_MODE_FAX;
		break;
	case SF_T38:
		m->mode = MEDIA_MODE_T38;
		m->t38 = (struct media_t38_params){
			.version = s->neg.t38.version,
			.max_bitrate = s->neg.t38.max_bitrate ? s->neg.t38.max_bitrate : 14400,
			.local_tcf = s->neg.t38.rate_mgmt == SDP_T38_LOCAL_TCF,
			.max_datagram = s->neg.t38.max_datagram,
			.redundancy = ct ? ct->t38_redundancy : 3,
			.redundancy_image = ct ? ct->t38_redundancy_image : 1,
			.no_ecm = ct && !ct->fax_ecm,
			.silence_ms = (ct ? ct->fax_timeout : 30) * 1000,
		};
		/* the peer asked for no error correction: send none */
		if (s->neg.t38.ec == SDP_T38_EC_NONE)
			m->t38.redundancy = m->t38.redundancy_image = 0;
		break;
	}
	return 0;
}

static void set_fax(struct leg_sip *s, enum sip_fax f)
{
	if (s->fax == f)
		return;
	CLOG(LL_INFO, s->leg.call, "SIP leg: %s -> %s", sf_names[s->fax], sf_names[f]);
	s->fax = f;
}

static int emit(struct leg_sip *s, enum leg_event_type type, int cause, bool inband);

/* Offer T.38 in a re-INVITE; pass-through meanwhile, and for good if it cannot go out. */
static void offer_t38(struct leg_sip *s)
{
	char sdp[SDP_TEXT_MAX];
	struct sdp_error se;
	size_t len;
	int err;

	err = sdp_oa_offer_t38(s->oa, sdp, sizeof(sdp), &len, &se);
	if (!err) {
		err = sipua_call_reinvite(s->sc, sdp);
		if (err)
			sdp_oa_cancel_offer(s->oa);
	}
	if (err) {
		CLOG(LL_WARN, s->leg.call, "cannot send a re-INVITE to T.38 (%s): fax pass-through",
		     err == EBUSY ? "an offer is pending" : strerror(err));
		set_fax(s, SF_PASSTHROUGH);
	} else {
		CLOG(LL_INFO, s->leg.call, "SIP: re-INVITE to T.38 (image/t38 on port %u)",
		     s->rtp_port);
		set_fax(s, SF_OFFERING);
	}
	(void)emit(s, LEG_EV_MEDIA, 0, false);
}

static void on_glare_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct leg_sip *s = arg;

	if (s->leg.live && s->st == SL_CONFIRMED && s->fax == SF_OFFERING)
		offer_t38(s);
}

static void sip_fax(struct leg *l, enum media_fax_tone tone)
{
	struct leg_sip *s = ls_of(l);
	const struct conf_trunk *ct = trunk_conf(s);

	if (!ct || ct->fax == FAX_OFF || s->st != SL_CONFIRMED || s->fax != SF_VOICE)
		return;
	if (ct->fax_detect == FAX_DETECT_NONE ||
	    (ct->fax_detect == FAX_DETECT_CED && tone == MEDIA_FAX_CNG)) {
		CLOG(LL_DEBUG, l->call, "fax tone: fax_detect = %s, the peer switches",
		     ct->fax_detect == FAX_DETECT_NONE ? "none" : "ced");
		return;
	}
	if (ct->fax == FAX_PASSTHROUGH) {
		set_fax(s, SF_PASSTHROUGH);
		(void)emit(s, LEG_EV_MEDIA, 0, false);
		return;
	}
	s->glare_tries = 0;
	offer_t38(s);
}

/* ---- hold from the other leg (RFC 3264 §8.4) ---- */

/* Offer a=sendonly (hold) or a=sendrecv (back) as the other leg wants, unless our offer
 * says so already or one is out (then after its answer). */
static void hold_offer(struct leg_sip *s)
{
	char sdp[SDP_TEXT_MAX];
	struct sdp_error se;
	int err;

	if (s->hold_out || s->hold_want == s->hold_sent || s->st != SL_CONFIRMED)
		return;
	err = sdp_oa_set_dir(s->oa, s->hold_want ? SDP_DIR_SENDONLY : SDP_DIR_SENDRECV);
	if (!err)
		err = sdp_oa_offer(s->oa, sdp, sizeof(sdp), NULL, &se);
	if (!err) {
		err = sipua_call_reinvite(s->sc, sdp);
		if (err)
			sdp_oa_cancel_offer(s->oa);
	}
	if (err) {
		CLOG(LL_WARN, s->leg.call, "SIP: cannot send the %s re-INVITE: %s",
		     s->hold_want ? "hold" : "resume", strerror(err));
		return;
	}
	s->hold_out = true;
	s->hold_sent = s->hold_want;
	CLOG(LL_INFO, s->leg.call, "SIP: re-INVITE a=%s (%s)", s->hold_want ? "sendonly" :
	     "sendrecv", s->hold_want ? "hold" : "resume");
}

static void sip_hold(struct leg *l, bool on)
{
	struct leg_sip *s = ls_of(l);

	if (s->fax != SF_VOICE) {
		CLOG(LL_NOTICE, l->call, "SIP: no %s re-INVITE in a fax call", on ? "hold" : "resume");
		return;
	}
	s->hold_want = on;
	hold_offer(s);
}

static void hold_answer(struct leg_sip *s, const struct sipua_event *ev)
{
	struct call *c = s->leg.call;
	struct sdp_error se;

	s->hold_out = false;
	if (ev->status >= 200 && ev->status < 300 && ev->sdp &&
	    sdp_oa_process_answer(s->oa, ev->sdp, strlen(ev->sdp), &s->neg, &se) == 0) {
		CLOG(LL_INFO, c, "SIP: %d to the %s re-INVITE", ev->status,
		     s->hold_sent ? "hold" : "resume");
		(void)emit(s, LEG_EV_MEDIA, 0, false);
	} else {
		sdp_oa_cancel_offer(s->oa);
		s->hold_sent = !s->hold_sent;	/* the session stays as it was (§8) */
		(void)sdp_oa_set_dir(s->oa, s->hold_sent ? SDP_DIR_SENDONLY : SDP_DIR_SENDRECV);
		CLOG(LL_NOTICE, c, "SIP: %d to the %s re-INVITE: %s", ev->status,
		     s->hold_want ? "hold" : "resume", ev->status >= 300 ? "refused" :
		     ev->sdp ? se.msg : "no SDP");
		if (ev->status == 481)	/* RFC 3261 §14.1: the dialog is gone */
			(void)emit(s, LEG_EV_CLEARED, CAUSE_TEMPORARY_FAILURE, false);
		return;		/* no retry: the next hold or resume tries again */
	}
	hold_offer(s);	/* the other leg changed its mind meanwhile */
}

/* The final response to our re-INVITE (a T.38 offer, or hold). */
static void on_reinvite_answer(struct leg_sip *s, const struct sipua_event *ev)
{
	struct call *c = s->leg.call;
	struct sdp_error se;

	if (s->hold_out) {
		hold_answer(s, ev);
		return;
	}
	if (s->fax != SF_OFFERING)
		return;
	if (ev->status >= 200 && ev->status < 300) {
		if (ev->sdp && sdp_oa_process_answer(s->oa, ev->sdp, strlen(ev->sdp), &s->neg,
						     &se) == 0 && s->neg.kind == SDP_KIND_IMAGE) {
			CLOG(LL_INFO, c, "SIP: %d to the T.38 re-INVITE: UDPTL to %s:%u, %s",
			     ev->status, s->neg.addr, s->neg.port, sdp_t38_ec_name(s->neg.t38.ec));
			set_fax(s, SF_T38);
		} else {
			CLOG(LL_NOTICE, c, "SIP: %d to the T.38 re-INVITE without T.38 (%s): "
			     "fax pass-through", ev->status, ev->sdp ? se.msg : "no SDP");
			set_fax(s, SF_PASSTHROUGH);
		}
		(void)emit(s, LEG_EV_MEDIA, 0, false);
		return;
	}
	sdp_oa_cancel_offer(s->oa);
	if (ev->status == 491 && ++s->glare_tries < GLARE_TRIES) {
		/* RFC 3261 §14.1: the Call-ID's owner (who sent the INVITE) waits 2.1-4 s, the
		 * other side 0-2 s, in units of 10 ms */
		unsigned ms = s->incoming ? (unsigned)(rand() % 200) * 10
					  : 2100 + (unsigned)(rand() % 190) * 10;
		if (gw_timer_arm(s->d, &s->glare_timer, on_glare_timer, s, ms) == 0) {
			CLOG(LL_INFO, c, "SIP: 491 to the T.38 re-INVITE (glare): retry in %u ms", ms);
			return;
		}
	}
	/* RFC 3261 §14.1: a 481 means the dialog is gone */
	if (ev->status == 481) {
		CLOG(LL_WARN, c, "SIP: 481 to the T.38 re-INVITE: the dialog is gone, clearing");
		(void)emit(s, LEG_EV_CLEARED, CAUSE_TEMPORARY_FAILURE, false);
		return;
	}
	CLOG(LL_NOTICE, c, "SIP: %d %s to the T.38 re-INVITE: the peer refuses T.38, fax goes "
	     "on as G.711 pass-through", ev->status, ev->phrase ? ev->phrase : "");
	set_fax(s, SF_PASSTHROUGH);
	(void)emit(s, LEG_EV_MEDIA, 0, false);
}

/* The answer to our session refresh (RFC 4028 §7.4) is the peer's session as it is now:
 * its stream at another address or port (RFC 3264 §8 lets an answer to an unchanged offer
 * change; a media server that failed over) is applied as a media modify. What was agreed
 * otherwise (codec, direction, keys) stays. */
static void on_refreshed(struct leg_sip *s, const struct sipua_event *ev)
{
	struct call *c = s->leg.call;
	struct sdp_desc *desc;
	struct sdp_error se;

	if (!s->have_neg || !ev->sdp || !(desc = malloc(sizeof(*desc))))
		return;
	if (sdp_desc_parse(desc, ev->sdp, strlen(ev->sdp), &se)) {
		CLOG(LL_NOTICE, c, "SIP: the answer to our session refresh has bad SDP (%s): "
		     "media unchanged", se.msg);
	} else if (s->neg.stream >= desc->n_streams || desc->streams[s->neg.stream].rejected ||
		   desc->streams[s->neg.stream].kind != s->neg.kind) {
		CLOG(LL_NOTICE, c, "SIP: the answer to our session refresh drops or changes our "
		     "stream: media unchanged");
	} else {
		const struct sdp_stream *st = &desc->streams[s->neg.stream];

		if (strcmp(st->addr, s->neg.addr) || st->port != s->neg.port) {
			CLOG(LL_NOTICE, c, "SIP: the answer to our session refresh moves the "
			     "media: %s:%u -> %s:%u", s->neg.addr, s->neg.port, st->addr, st->port);
			snprintf(s->neg.addr, sizeof(s->neg.addr), "%s", st->addr);
			s->neg.port = st->port;
			s->neg.af = st->af;
			(void)emit(s, LEG_EV_MEDIA, 0, false);
		}
	}
	free(desc);
}

static void sip_summary(const struct leg *l, char *buf, size_t len)
{
	snprintf(buf, len, "trunk=%s", cls_of(l)->trunk[0] ? cls_of(l)->trunk : "-");
}

static void sip_tag(const struct leg *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s", cls_of(l)->trunk[0] ? cls_of(l)->trunk : "-");
}

static void sip_debug(const struct leg *l, char *buf, size_t len)
{
	const struct leg_sip *s = cls_of(l);

	snprintf(buf, len, "%s, %s%s%s, RTP port %u%s, %s", s->incoming ? "in" : "out",
		 sl_names[s->st], s->sc ? ", UA " : "",
		 s->sc ? sipua_call_state_name(sipua_call_state(s->sc)) : "", s->rtp_port,
		 s->have_neg ? ", negotiated" : "", sf_names[s->fax]);
}

static void sip_destroy(struct leg *l)
{
	struct leg_sip *s = ls_of(l);

	if (s->sc)	/* dropped without signalling (shutdown) */
		sipua_call_set_priv(s->sc, NULL);
	if (s->glare_timer)
		su_timer_destroy(s->glare_timer);
	if (s->rtp_fd >= 0)
		close(s->rtp_fd);
	if (s->rtcp_fd >= 0)
		close(s->rtcp_fd);
	sdp_oa_free(s->oa);
	gw_trunk_unref(s->gt);
	free(s);
}

static const struct leg_ops sip_ops = {
	.side = "sip",
	.line_side = false,
	.answer_name = "200 OK",
	.place = sip_place,
	.proceeding = sip_proceeding,
	.alerting = sip_alerting,
	.progress = sip_progress,
	.answer = sip_answer,
	.clear = sip_clear,
	.digits = sip_digits,
	.media = sip_media,
	.fax = sip_fax,
	.hold = sip_hold,
	.summary = sip_summary,
	.tag = sip_tag,
	.debug = sip_debug,
	.destroy = sip_destroy,
};

static struct leg_sip *leg_new(struct daemon *d)
{
	struct leg_sip *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->leg.ops = &sip_ops;
	s->d = d;
	s->rtp_fd = s->rtcp_fd = -1;
	return s;
}

int leg_sip_alloc_in(struct leg **lp, struct daemon *d, struct sipua_call *sc, const char *trunk)
{
	struct leg_sip *s = leg_new(d);

	if (!s)
		return ENOMEM;
	s->leg.live = true;
	s->incoming = true;
	s->st = SL_EARLY;
	s->sc = sc;
	snprintf(s->trunk, sizeof(s->trunk), "%s", trunk);
	s->gt = gw_trunk_ref(gw_trunk_get(d, trunk));
	if (s->gt)
		s->gt->calls++;
	sipua_call_set_priv(sc, s);
	*lp = &s->leg;
	return 0;
}

int leg_sip_alloc_out(struct leg **lp, struct daemon *d)
{
	struct leg_sip *s = leg_new(d);

	if (!s)
		return ENOMEM;
	*lp = &s->leg;
	return 0;
}

int leg_sip_take_offer(struct leg *l, const char *sdp, bool alaw, int *cause)
{
	struct leg_sip *s = ls_of(l);
	struct sdp_error se;
	size_t len;

	if (media_prepare(s, alaw)) {
		*cause = CAUSE_RESOURCE_UNAVAILABLE;
		return ENOSPC;
	}
	if (!sdp || !*sdp) {
		/* Late offer (RFC 3261 §13.2.1, RFC 3264 §5): our offer in the 200 */
		if (sdp_oa_offer(s->oa, s->answer, sizeof(s->answer), &len, &se)) {
			CLOG(LL_ERROR, l->call, "late offer: no offer of ours: %s", se.msg);
			*cause = CAUSE_RESOURCE_UNAVAILABLE;
			return ENOSPC;
		}
		s->late = true;
		CLOG(LL_INFO, l->call, "INVITE without SDP (late offer): our offer goes in the "
		     "200, the answer comes in the ACK");
		return 0;
	}
	if (sdp_oa_answer(s->oa, sdp, strlen(sdp), s->answer, sizeof(s->answer), &len, &s->neg,
			  &se)) {
		/* RFC 3261 §21.4.26: an offer we cannot take, malformed or not, gets 488; the
		 * cause table would make a broken one (127) a 500, a fault of ours */
		CLOG(LL_NOTICE, l->call, "SDP offer refused: %s: 488", se.msg);
		l->status = 488;
		*cause = se.code == SDP_E_NO_CODEC ? CAUSE_BEARER_NOT_IMPLEMENTED : CAUSE_INTERWORKING;
		return EINVAL;
	}
	s->have_neg = true;
	if (s->neg.kind == SDP_KIND_IMAGE) {	/* a call that is a fax from the start */
		CLOG(LL_INFO, l->call, "INVITE offers T.38 only: the call is a T.38 fax");
		s->fax = SF_T38;
	}
	return 0;
}

/* ---- events ---------------------------------------------------------------------------- */

static int emit(struct leg_sip *s, enum leg_event_type type, int cause, bool inband)
{
	struct leg_event ev = { .type = type, .cause = cause, .inband = inband };

	return call_leg_event(&s->leg, &ev);
}

static void on_reinvite(struct leg_sip *s, const struct sipua_event *ev)
{
	struct call *c = s->leg.call;
	const struct conf_trunk *ct = trunk_conf(s);
	char answer[SDP_TEXT_MAX];
	struct sdp_error se;
	struct sdp_neg old = s->neg;
	size_t len;
	int err;

	/* RFC 3261 §12.2.2: the dialog is ending (our BYE is out): it no longer exists
	 * for a new offer, and a 491 would only invite a retry. */
	if (emit(s, LEG_EV_OFFER, 0, false)) {
		CLOG(LL_NOTICE, c, "re-INVITE refused: the call is clearing: 481");
		(void)sipua_call_respond(s->sc, 481, NULL, NULL, NULL);
		return;
	}
	if (!ev->sdp) {
		/* RFC 3261 §14.2: our offer (the session as it is) in the 200, the answer in
		 * the ACK */
		err = s->fax == SF_T38 ? sdp_oa_offer_t38(s->oa, answer, sizeof(answer), &len, &se)
				       : sdp_oa_offer(s->oa, answer, sizeof(answer), &len, &se);
		if (err) {
			CLOG(LL_NOTICE, c, "re-INVITE without SDP refused: %s: 491", se.msg);
			(void)sipua_call_respond(s->sc, 491, NULL, NULL, NULL);
			return;
		}
		CLOG(LL_INFO, c, "re-INVITE without SDP: our offer in the 200");
		s->reoffer = true;
		(void)sipua_call_respond(s->sc, 200, NULL, answer, NULL);
		return;
	}
	/* an offer with audio and image is a switch to fax when we run T.38 */
	sdp_oa_set_prefer(s->oa, ct && ct->fax == FAX_T38 ? SDP_PREFER_IMAGE : SDP_PREFER_AUDIO);
	err = sdp_oa_answer(s->oa, ev->sdp, strlen(ev->sdp), answer, sizeof(answer), &len,
			    &s->neg, &se);
	if (err == EBUSY) {
		/* RFC 3261 §14.2: our own re-INVITE is out (glare) */
		CLOG(LL_NOTICE, c, "re-INVITE refused: ours is pending (glare): 491");
		(void)sipua_call_respond(s->sc, 491, NULL, NULL, NULL);
		return;
	}
	if (err) {
		CLOG(LL_NOTICE, c, "re-INVITE refused: %s: 488", se.msg);
		(void)sipua_call_respond(s->sc, 488, NULL, NULL, NULL);
		return;
	}
	s->have_neg = true;
	if (s->neg.kind == SDP_KIND_IMAGE) {
		bool refresh = s->fax == SF_T38 && sdp_neg_same_t38(&old, &s->neg);
		CLOG(LL_INFO, c, "re-INVITE: T.38 UDPTL %s:%u, version %u, %s%s", s->neg.addr,
		     s->neg.port, s->neg.t38.version, sdp_t38_ec_name(s->neg.t38.ec),
		     refresh ? " (session refresh: the fax goes on)" : "");
		if (s->glare_timer)	/* the peer switched first: ours is not needed */
			su_timer_reset(s->glare_timer);
		if (!refresh) {
			set_fax(s, SF_T38);
			(void)emit(s, LEG_EV_MEDIA, 0, false);
		}
	} else {
		CLOG(LL_INFO, c, "re-INVITE: %s:%u %s %s", s->neg.addr, s->neg.port,
		     sdp_codec_name(s->neg.codec), s->neg.remote_hold ? "(hold)" : "");
		if (s->fax == SF_T38)
			set_fax(s, SF_VOICE);	/* back to voice after the fax */
		(void)emit(s, LEG_EV_MEDIA, 0, false);
	}
	(void)sipua_call_respond(s->sc, 200, NULL, answer, NULL);
}

/* The answer to our late offer is missing or unusable: the call cannot have media. BYE
 * (RFC 3261 §13.2.1 leaves no other way once the 2xx is out) and cause 88 to the line. */
static void late_fail(struct leg_sip *s, const char *what, const char *why)
{
	CLOG(LL_NOTICE, s->leg.call, "late offer: %s%s%s: BYE, cause %d", what, why ? ": " : "",
	     why ? why : "", CAUSE_INCOMPATIBLE_DESTINATION);
	(void)sipua_call_bye(s->sc, "SIP;cause=488;text=\"Not Acceptable Here\"");
	s->st = SL_ENDING;
	s->leg.status = 488;
	(void)emit(s, LEG_EV_CLEARED, CAUSE_INCOMPATIBLE_DESTINATION, false);
}

/* The ACK to our 200 that carried our offer (an INVITE or re-INVITE without SDP). */
static void on_ack(struct leg_sip *s, const struct sipua_event *ev)
{
	struct sdp_error se;

	if (!s->reoffer && !(s->late && !s->have_neg))
		return;
	s->reoffer = false;
	if (!ev->sdp) {
		sdp_oa_cancel_offer(s->oa);
		late_fail(s, "ACK without the answer to our offer", NULL);
		return;
	}
	if (sdp_oa_process_answer(s->oa, ev->sdp, strlen(ev->sdp), &s->neg, &se)) {
		late_fail(s, "the answer in the ACK is unusable", se.msg);
		return;
	}
	s->have_neg = true;
	CLOG(LL_INFO, s->leg.call, "SIP: answer in the ACK: %s:%u %s", s->neg.addr, s->neg.port,
	     s->neg.kind == SDP_KIND_IMAGE ? "T.38" : sdp_codec_name(s->neg.codec));
	if (s->neg.kind == SDP_KIND_AUDIO && s->fax == SF_T38)
		set_fax(s, SF_VOICE);
	(void)emit(s, LEG_EV_MEDIA, 0, false);
}

/* The 200 to our INVITE without SDP carries the peer's offer: our answer goes in the ACK. */
static bool answer_late_offer(struct leg_sip *s, const struct sipua_event *ev)
{
	char answer[SDP_TEXT_MAX];
	struct sdp_error se;
	size_t len;

	if (!ev->sdp) {
		(void)sipua_call_ack(s->sc, NULL);
		late_fail(s, "200 without an offer to our INVITE without SDP", NULL);
		return false;
	}
	if (sdp_oa_answer(s->oa, ev->sdp, strlen(ev->sdp), answer, sizeof(answer), &len, &s->neg,
			  &se)) {
		(void)sipua_call_ack(s->sc, NULL);
		late_fail(s, "the offer in the 200 is unusable", se.msg);
		return false;
	}
	s->have_neg = true;
	(void)sipua_call_ack(s->sc, answer);
	CLOG(LL_INFO, s->leg.call, "SIP: offer in the 200, our answer in the ACK: %s:%u %s",
	     s->neg.addr, s->neg.port, sdp_codec_name(s->neg.codec));
	return true;
}

static int sip_cause(const struct leg_sip *s, const struct sipua_event *ev, int dflt)
{
	struct cause_reason r;

	if (ev->reason && s->d->conf->general.reason_header &&
	    cause_reason_parse(ev->reason, &r) == 0 && r.q850)
		return (int)r.q850;
	return dflt;
}

void leg_sip_on_event(struct daemon *d, const struct sipua_event *ev)
{
	struct leg_sip *s = ev->call ? sipua_call_priv(ev->call) : NULL;

	switch (ev->type) {
	case SIPUA_EV_TRUNK_REGISTERED:
	case SIPUA_EV_TRUNK_REG_FAILED:
	case SIPUA_EV_TRUNK_UP:
	case SIPUA_EV_TRUNK_DOWN:
		return;		/* sip/trunk.c logs these */
	case SIPUA_EV_CALL_INCOMING: {
		struct sipua_timer timer;
		timer_params(ev->trunk ? conf_trunk_find(d->conf, sip_trunk_name(ev->trunk)) : NULL,
			     &timer);
		if (sipua_call_timer(ev->call, &timer) == ERANGE)
			return;		/* 422 sent (RFC 4028 §6): no call */
		if (sipua_call_prack(ev->call, prack_of(ev->trunk ? conf_trunk_find(d->conf,
				     sip_trunk_name(ev->trunk)) : NULL)) == ERANGE)
			return;		/* 420 or 421 sent (RFC 3262 §3): no call */
		route_sip_invite(d, ev);
		return;
	}
	default:
		break;
	}
	if (!s || !s->leg.live)
		return;
	if (!s->call_id[0] && s->sc && sipua_call_id(s->sc))
		snprintf(s->call_id, sizeof(s->call_id), "%s", sipua_call_id(s->sc));
	switch (ev->type) {
	case SIPUA_EV_CALL_PROGRESS:
		if (s->incoming || s->st != SL_EARLY)
			break;
		CLOG(LL_INFO, s->leg.call, "SIP %d%s", ev->status, ev->sdp ? " with SDP" : "");
		/* with a late offer an SDP here would be an offer in an unreliable 18x: no */
		(void)emit(s, ev->status == 180 ? LEG_EV_ALERTING : LEG_EV_PROGRESS, 0,
			    ev->sdp && !s->late && take_answer(s, ev->sdp));
		break;
	case SIPUA_EV_CALL_ANSWERED:
		if (s->incoming)
			break;
		if (s->st == SL_EARLY) {
			s->st = SL_CONFIRMED;
			s->leg.status = ev->status;
			if (s->late && !answer_late_offer(s, ev))
				break;
			(void)take_answer(s, ev->sdp);
		}
		(void)emit(s, LEG_EV_ANSWER, 0, false);	/* refused if it crossed our CANCEL */
		break;
	case SIPUA_EV_CALL_FAILED:
		s->st = SL_ENDING;
		s->leg.status = ev->status;
		(void)emit(s, LEG_EV_CLEARED, sip_cause(s, ev, (int)cause_sip_to_q850(d->causes,
			    (unsigned)ev->status, NULL)), false);
		break;
	case SIPUA_EV_CALL_CANCELLED:
		s->st = SL_ENDING;
		s->leg.status = 487;
		(void)emit(s, LEG_EV_CLEARED, sip_cause(s, ev, CAUSE_NORMAL_CLEARING), false);
		break;
	case SIPUA_EV_CALL_BYE:
		s->st = SL_ENDING;
		(void)emit(s, LEG_EV_CLEARED, sip_cause(s, ev, CAUSE_NORMAL_CLEARING), false);
		break;
	case SIPUA_EV_CALL_EXPIRED:	/* RFC 4028 §10: the UA sent BYE */
		s->st = SL_ENDING;
		s->leg.status = ev->status;
		CLOG(LL_NOTICE, s->leg.call, "SIP: session timer expired: clearing with cause %d",
		     CAUSE_RECOVERY_ON_TIMER_EXPIRY);
		(void)emit(s, LEG_EV_CLEARED, CAUSE_RECOVERY_ON_TIMER_EXPIRY, false);
		break;
	case SIPUA_EV_CALL_REINVITE:
		on_reinvite(s, ev);
		break;
	case SIPUA_EV_CALL_ACK:
		on_ack(s, ev);
		break;
	case SIPUA_EV_CALL_REINVITE_ANSWER:
		on_reinvite_answer(s, ev);
		break;
	case SIPUA_EV_CALL_REFRESHED:
		on_refreshed(s, ev);
		break;
	case SIPUA_EV_CALL_TERMINATED:
		s->sc = NULL;
		s->st = SL_TERMINATED;
		(void)emit(s, LEG_EV_GONE, 0, false);	/* s may be freed */
		break;
	default:
		break;
	}
}

const char *leg_sip_trunk(const struct leg *l)
{
	return l && l->ops == &sip_ops ? cls_of(l)->trunk : NULL;
}

const char *leg_sip_fax(const struct leg *l)
{
	return l && l->ops == &sip_ops ? sf_names[cls_of(l)->fax] : NULL;
}

const char *leg_sip_call_id(const struct leg *l)
{
	struct leg_sip *s = l && l->ops == &sip_ops ? (struct leg_sip *)l : NULL;

	if (!s)
		return NULL;
	if (!s->call_id[0] && s->sc && sipua_call_id(s->sc))
		snprintf(s->call_id, sizeof(s->call_id), "%s", sipua_call_id(s->sc));
	return s->call_id;
}

const char *leg_sip_codec(const struct leg *l)
{
	if (!l || l->ops != &sip_ops || !cls_of(l)->have_neg)
		return NULL;
	return sdp_codec_name(cls_of(l)->neg.codec);
}
