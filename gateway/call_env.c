/* The environment the call model runs in (gateway/call.h struct call_env_ops): the media
 * engine joins a TDM endpoint and an RTP endpoint, the inter-digit timer runs on the
 * signalling loop, overlap digits go to the router. */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/clock.h"
#include "common/log.h"
#include "gateway/call.h"
#include "gateway/cause.h"
#include "gateway/leg.h"
#include "media/engine.h"
#include "media/t30_observe.h"
#include "sip/sdp.h"
#include "tdm/dahdi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static struct daemon *daemon_of(struct call_env *e) { return e->arg; }

/* What the environment keeps per call (its slot): the timer, and what media events log. */
struct call_ext {
	su_timer_t *digit_timer;
	int te_pt;			/* telephone-event PT we send, -1 if none */
	char addr[SDP_ADDR_MAX];	/* the RTP peer */
	uint16_t port;
	enum media_mode mode;		/* what the stream carries now */
	bool bridge;			/* the stream is a TDM<->TDM bridge: no RTP figures */
	struct media_chan *mc;		/* the joined channel, until its REMOVED; NULL: none */
	char te_events[SDP_EVENTS_MAX];	/* the telephone-events both sides accept */
};

static struct call_ext *ext_of(struct call *c)
{
	struct call_ext **x = (struct call_ext **)call_env_slot(c);

	if (!*x && (*x = calloc(1, sizeof(**x))))
		(*x)->te_pt = -1;
	return *x;
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

/* The line's echo canceller hears a modem as echo to cancel: fax and T.38 switch it off
 * (as chan_dahdi does on a fax tone), voice switches it on again. DAHDI's fax mode, which
 * only turns the non-linear processor off, is not enough: with DAHDI's MG2 canceller in
 * fax mode on the T1 span, no fax got through the guest in 3 runs; with it off, all did. */
static void echo_canceller_for(struct call *c, const struct leg_media *tdm, enum media_mode mode)
{
	if (!tdm->echocan_taps)
		return;		/* the leg does not run one (echocancel = no) */
	bool on = mode == MEDIA_MODE_AUDIO;
	int err = dahdi_chan_echocan(tdm->fd, on ? tdm->echocan_taps : 0);

	if (err)
		CLOG(LL_WARN, c, "cannot switch the echo canceller %s for %s: %s", on ? "on" : "off",
		     on ? "voice" : "fax", strerror(err));
	else
		CLOG(LL_INFO, c, "echo canceller %s", on ? "on again for voice" : "off for fax");
}

bool tdm_echocan(struct daemon *d, unsigned span, unsigned pos, int fd, bool on)
{
	const struct conf_span *cs = conf_span_find(d->conf, span);

	if (fd < 0 || !cs || !cs->echocancel)
		return false;
	int err = dahdi_chan_echocan(fd, on ? cs->echocancel_taps : 0);
	if (err) {
		LOGW(LS_TDM, "span %u ch %u: cannot switch the echo canceller %s: %s", span, pos,
		     on ? "on" : "off", strerror(err));
		return false;
	}
	if (on)
		LOGD(LS_TDM, "span %u ch %u: echo canceller on, %u taps", span, pos,
		     cs->echocancel_taps);
	else
		LOGD(LS_TDM, "span %u ch %u: echo canceller off", span, pos);
	return on;
}

/* SDES keys as the engine takes them (the same suites, named twice: sip/ stays free of
 * media/). Plain RTP when none were agreed. */
static void srtp_from_neg(const struct sdp_srtp_keys *k, struct media_srtp_params *sp)
{
	static const enum media_srtp_suite suite[SDP_CRYPTO_SUITE_COUNT] = {
		[SDP_CRYPTO_NONE] = MEDIA_SRTP_OFF,
		[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_80] = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_80,
		[SDP_CRYPTO_AES_CM_128_HMAC_SHA1_32] = MEDIA_SRTP_AES_CM_128_HMAC_SHA1_32,
		[SDP_CRYPTO_AEAD_AES_128_GCM] = MEDIA_SRTP_AEAD_AES_128_GCM,
	};
	_Static_assert(MEDIA_SRTP_KEY_MAX == SDP_CRYPTO_KEY_MAX, "key buffers");

	memset(sp, 0, sizeof *sp);
	sp->suite = (unsigned)k->suite < SDP_CRYPTO_SUITE_COUNT ? suite[k->suite] : MEDIA_SRTP_OFF;
	if (sp->suite == MEDIA_SRTP_OFF)
		return;
	memcpy(sp->tx_key, k->tx_key, sizeof sp->tx_key);
	memcpy(sp->rx_key, k->rx_key, sizeof sp->rx_key);
}

/* Two B-channels (PRI pass-through): the engine's TDM<->TDM bridge copies each 160-byte
 * block sample for sample, converting the law where the spans differ. No stage runs on
 * it: DTMF and tones stay in-band, no jitter buffer. A bridge cannot be re-pointed; the
 * B-channels of a running bridge do not change (a PRI leg's channel is fixed at CALL
 * PROCEEDING), so a second join is a no-op. */
static int join_tdm(struct daemon *d, struct call *c, const struct leg_media *a,
		    const struct leg_media *b, void **hp)
{
	struct media_bridge_params p = {
		.cookie = call_id(c),
		.fd_a = a->fd,
		.fd_b = b->fd,
		.law_a = a->alaw ? G711_LAW_ALAW : G711_LAW_ULAW,
		.law_b = b->alaw ? G711_LAW_ALAW : G711_LAW_ULAW,
		.sup_a = a->sup,	/* an FXO port's line tells a hang-up in band */
		.sup_b = b->sup,
	};
	struct media_chan *mc = NULL;
	uint64_t t0 = clock_now_us();
	int err;

	if (*hp)
		return 0;
	(void)dahdi_chan_flush(a->fd);
	(void)dahdi_chan_flush(b->fd);
	err = media_engine_add_bridge(d->media, &p, &mc);
	if (err) {
		CLOG(LL_ERROR, c, "media: cannot bridge the B-channels: %s", strerror(err));
		return err;
	}
	*hp = mc;
	struct call_ext *x = ext_of(c);
	if (x)
		x->bridge = true;
	CLOG(LL_INFO, c, "media: B-channels bridged, %s <-> %s%s (%.3f ms)",
	     a->alaw ? "A-law" : "u-law", b->alaw ? "A-law" : "u-law",
	     a->alaw != b->alaw ? ", law converted" : "", (clock_now_us() - t0) / 1000.0);
	return 0;
}

/* Join the media endpoints of two legs in the media engine (or re-point the stream): a
 * B-channel and an RTP socket as a pipeline, two B-channels as a bridge. What joins them
 * is a property of the endpoints; the call never knows the kinds of its legs. */
static int env_media_join(struct call_env *e, struct call *c, const struct leg_media *a,
			  const struct leg_media *b, void **hp)
{
	struct daemon *d = daemon_of(e);
	const struct leg_media *tdm = a->kind == LEG_MEDIA_TDM ? a : b;
	const struct leg_media *rtp = a->kind == LEG_MEDIA_RTP ? a : b;
	int err;

	if (a->kind == LEG_MEDIA_TDM && b->kind == LEG_MEDIA_TDM)
		return join_tdm(d, c, a, b, hp);
	if (tdm->kind != LEG_MEDIA_TDM || rtp->kind != LEG_MEDIA_RTP)
		return ENOTSUP;
	const struct sdp_neg *neg = rtp->neg;
	struct media_chan_params p = {
		.cookie = call_id(c),
		.tdm_fd = tdm->fd,
		.rtp_fd = rtp->fd,
		.rtcp_fd = rtp->rtcp_fd,
		.tdm_law = tdm->alaw ? G711_LAW_ALAW : G711_LAW_ULAW,
		.pt = neg->pt,
		.ptime_ms = neg->ptime,		/* what our SDP said we send (RFC 3264 §6.1) */
		/* 0 would mean the engine's own, which the daemon leaves off */
		.rtp_timeout_ms = rtp->rtp_timeout_ms,
		.te_pt = neg->te_pt,		/* RFC 4733 both ways when negotiated */
		.rx_te_pt = neg->rx_te_pt,
		.symmetric = d->conf->general.symmetric_rtp,
		.dtmf_detect = true,
		/* neg->dir is our direction (RFC 3264 §6.1): recvonly/inactive = we must not
		 * send (the peer holds us), sendonly/inactive = nothing to receive. */
		.no_send = neg->dir == SDP_DIR_RECVONLY || neg->dir == SDP_DIR_INACTIVE,
		.no_recv = neg->dir == SDP_DIR_SENDONLY || neg->dir == SDP_DIR_INACTIVE,
		.mode = rtp->mode,
		.fax_detect = rtp->fax_detect,
		.t38 = rtp->t38,
		.sup = tdm->sup,
	};

	srtp_from_neg(&neg->srtp, &p.srtp);
	/* c=0.0.0.0 (RFC 3264 §8.4): nowhere to send; symmetric RTP may still learn one. */
	if (strcmp(neg->addr, "0.0.0.0") && strcmp(neg->addr, "::")) {
		err = fill_remote(&p.remote, neg);
		if (err)
			return err;
	}
	if (getrandom(&p.ssrc, sizeof(p.ssrc), 0) != sizeof(p.ssrc))
		p.ssrc = (uint32_t)call_id(c) * 2654435761u;
	p.seq0 = (uint16_t)(p.ssrc >> 7);
	p.ts0 = p.ssrc * 7u;
	if (*hp) {
		err = media_engine_modify(d->media, *hp, &p);
	} else {
		struct media_chan *mc = NULL;
		(void)dahdi_chan_flush(tdm->fd);
		err = media_engine_add(d->media, &p, &mc);
		if (!err)
			*hp = mc;
	}
	struct call_ext *x = ext_of(c);
	if (!err && x) {
		x->mc = *hp;
		if (p.mode != x->mode)
			echo_canceller_for(c, tdm, p.mode);
		x->te_pt = neg->te_pt;
		snprintf(x->te_events, sizeof(x->te_events), "%s", neg->te_events);
		snprintf(x->addr, sizeof(x->addr), "%s", neg->addr);
		x->port = neg->port;
		x->mode = p.mode;
	}
	explicit_bzero(&p.srtp.tx_key, sizeof p.srtp.tx_key);	/* the engine has its copy */
	explicit_bzero(&p.srtp.rx_key, sizeof p.srtp.rx_key);
	if (err)
		CLOG(LL_ERROR, c, "media: cannot join B-channel and RTP: %s", strerror(err));
	else if (p.mode == MEDIA_MODE_T38)
		CLOG(LL_INFO, c, "media: T.38 gateway, UDPTL to %s:%u (version %u, %u bit/s, %s, "
		     "redundancy %u/%u, max datagram %u), B-channel %s", neg->addr, neg->port,
		     p.t38.version, p.t38.max_bitrate, p.t38.local_tcf ? "localTCF" : "transferredTCF",
		     p.t38.redundancy, p.t38.redundancy_image, p.t38.max_datagram,
		     tdm->alaw ? "A-law" : "u-law");
	else
		CLOG(LL_INFO, c, "media: %s/%u to %s:%u, B-channel %s%s%s%s",
		     sdp_codec_name(neg->codec), neg->pt, neg->addr, neg->port,
		     tdm->alaw ? "A-law" : "u-law",
		     p.mode == MEDIA_MODE_FAX ? ", fax pass-through" : "",
		     p.srtp.suite ? ", SRTP " : "",
		     p.srtp.suite ? sdp_crypto_suite_name(neg->srtp.suite) : "");
	return err;
}

static int env_media_remove(struct call_env *e, void *h)
{
	return media_engine_remove(daemon_of(e)->media, h);
}

static void env_route(struct call_env *e, struct call *c, bool complete)
{
	route_tdm(daemon_of(e), c, complete);
}

static bool env_failover(struct call_env *e, struct call *c, int cause)
{
	return route_call_failover(daemon_of(e), c, cause);
}

static void env_reroute(struct call_env *e, struct call *c)
{
	route_call_reroute(daemon_of(e), c);
}

static void on_digit_timeout(struct daemon *d, su_timer_t *t, void *arg)
{
	struct call *c = call_find(&d->calls, (uint64_t)(uintptr_t)arg);

	if (c)
		call_digit_timeout(c);
}

static void env_digit_timer(struct call_env *e, struct call *c, bool on)
{
	struct daemon *d = daemon_of(e);
	struct call_ext *x = ext_of(c);

	if (!x)
		return;		/* no memory: the number completes with the next digit */
	if (!on) {
		if (x->digit_timer)
			su_timer_reset(x->digit_timer);
		return;
	}
	(void)gw_timer_arm(d, &x->digit_timer, on_digit_timeout, (void *)(uintptr_t)call_id(c),
			   d->conf->general.digit_timeout_ms);
}

static void env_freed(struct call_env *e, struct call *c)
{
	struct call_ext **x = (struct call_ext **)call_env_slot(c);

	if (!*x)
		return;
	if ((*x)->digit_timer)
		su_timer_destroy((*x)->digit_timer);
	free(*x);
	*x = NULL;
}

static void env_idle(struct call_env *e)
{
	struct daemon *d = daemon_of(e);

	if (d->stopping)
		su_root_break(d->root);	/* SIGTERM was waiting for the last call */
}

static const struct call_env_ops env_ops = {
	.media_join = env_media_join,
	.media_remove = env_media_remove,
	.route = env_route,
	.digit_timer = env_digit_timer,
	.failover = env_failover,
	.reroute = env_reroute,
	.freed = env_freed,
	.idle = env_idle,
};

void route_env_init(struct daemon *d)
{
	d->calls = (struct call_env){ .ops = &env_ops, .arg = d };
}

static const char *fax_tone_name(enum media_fax_tone t)
{
	switch (t) {
	case MEDIA_FAX_CNG: return "CNG (1100 Hz, calling)";
	case MEDIA_FAX_CED: return "CED (2100 Hz, answering)";
	case MEDIA_FAX_V21: return "V.21 preamble";
	}
	return "?";
}

/* One FAX line per fax: what an engineer greps for when a fax did not arrive. */
static void log_fax(const struct call *c, const struct media_fax_report *r)
{
	const struct t30_report *t = &r->t30;
	char udptl[160] = "";

	if (!r->valid)
		return;
	if (r->t38)
		snprintf(udptl, sizeof(udptl), " udptl_sent=%llu udptl_received=%llu ifp_lost=%llu "
			 "ifp_recovered=%llu udptl_malformed=%llu",
			 (unsigned long long)r->udptl_sent, (unsigned long long)r->udptl_received,
			 (unsigned long long)r->ifp_lost, (unsigned long long)r->ifp_recovered,
			 (unsigned long long)r->udptl_malformed);
	LOGN(LS_CALL, "FAX call=%llu transport=%s dir=%s pages=%u rate=%u modem=%s ecm=%s "
	     "resolution=%s code=%d result=\"%s\"%s%s%s tsi=\"%s\" csi=\"%s\"%s",
	     (unsigned long long)call_id(c), r->t38 ? "t38" : "passthrough",
	     !t->seen ? "-" : t->sender_is_tdm ? "tdm-to-sip" : "sip-to-tdm", t->pages,
	     t->bit_rate, t->modem[0] ? t->modem : "-", t->ecm ? "on" : "off",
	     t->resolution[0] ? t->resolution : "-", t->completion,
	     t30_completion_text(t->completion), t->where[0] ? " where=\"" : "", t->where,
	     t->where[0] ? "\"" : "", t->tsi, t->csi, udptl);
}

/* Is event in a telephone-event list as SDP writes it ("0-15,16")? RFC 4733 §2.4.1: only
 * events the receiver listed may be sent. */
static bool events_have(const char *list, unsigned event)
{
	const char *s = list;

	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (end == s)
			return false;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (event >= lo && event <= hi)
			return true;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return false;
}

int route_media_te_event(struct daemon *d, struct call *c, unsigned event, unsigned ms)
{
	struct call_ext *x = ext_of(c);

	if (!x || !x->mc || x->bridge || x->mode != MEDIA_MODE_AUDIO)
		return ENOTCONN;
	if (x->te_pt < 0 || !events_have(x->te_events, event))
		return ENOTSUP;
	return media_engine_send_event(d->media, x->mc, (uint8_t)event, ms);
}

/* The line said the far end hung up in band (an FXO port: busy or congestion tone without
 * a loop-current drop, or nothing at all). Only an answered call is cleared: before that
 * the line is still ringing, and the far end's tones are its progress. Cause 16: the far
 * end cleared normally; the FXO leg goes on-hook as the call clears it. */
static void line_disconnect(struct call *c, enum media_disconnect what)
{
	static const char *const why[] = {
		[MEDIA_DISC_BUSY] = "busy tone from the line: the far end hung up",
		[MEDIA_DISC_CONGESTION] = "congestion tone from the line: the far end hung up",
		[MEDIA_DISC_SILENCE] = "silence on the line (silence_timeout): the far end is gone",
	};
	const char *text = (unsigned)what <= MEDIA_DISC_SILENCE && why[what] ? why[what] : "?";

	/* Before the answer the line's leg may be listening for it (answer supervision by
	 * voice): what the line said is its business. */
	if (call_state(c) == CALL_PLACED || call_state(c) == CALL_EARLY) {
		struct leg *legs[] = { call_leg_a(c), call_leg_b(c) };

		for (unsigned i = 0; i < 2; i++)
			if (legs[i] && legs[i]->live && legs[i]->ops->line_heard) {
				legs[i]->ops->line_heard(legs[i], what);
				return;
			}
	}
	if (what == MEDIA_DISC_VOICE)
		return;		/* an answer heard: nobody listens for it now */
	if (call_state(c) != CALL_ACTIVE) {
		CLOG(LL_DEBUG, c, "%s: ignored in state %s", text, call_state_name(call_state(c)));
		return;
	}
	CLOG(LL_INFO, c, "%s, clearing with cause %d", text, CAUSE_NORMAL_CLEARING);
	call_clear(c, CAUSE_NORMAL_CLEARING, "tdm");
}

void route_media_event(struct daemon *d, const struct media_event *ev)
{
	struct call *c = call_find(&d->calls, ev->cookie);

	if (!c)
		return;
	struct call_ext *x = ext_of(c);
	switch (ev->type) {
	case MEDIA_EV_DTMF_END:
		CLOG(LL_INFO, c, "DTMF '%c' from the B-channel, %u ms%s", ev->digit, ev->duration_ms,
		     x && x->te_pt >= 0 ? ", sent as RFC 4733" : ", in-band (no telephone-event negotiated)");
		break;
	case MEDIA_EV_RTP_DTMF_END:
		CLOG(LL_INFO, c, "DTMF '%c' from RTP (RFC 4733), %u ms%s, played on the B-channel",
		     ev->digit, ev->duration_ms, ev->timed_out ? " (end lost)" : "");
		break;
	case MEDIA_EV_RTP_TIMEOUT:
		if (x && x->mode == MEDIA_MODE_T38) {
			/* the fax cannot go on; the report says where it stopped */
			CLOG(LL_WARN, c, "no UDPTL from %s:%u: the T.38 peer went silent, clearing",
			     x->addr, x->port);
			call_clear(c, CAUSE_RECOVERY_ON_TIMER_EXPIRY, "gateway");
			break;
		}
		/* The media path died (the peer crashed, a NAT binding went, a BYE lost):
		 * the call would stay up silent for ever. Cause 41: the network failed,
		 * a new attempt may work (Q.850 §2.2.5, RFC 3398 §7.2.4.1: 41 → 503). */
		CLOG(LL_WARN, c, "no RTP from %s:%u for %u s (rtp_timeout): media lost, clearing "
		     "with cause %d", x ? x->addr : "?", x ? x->port : 0, ev->silent_ms / 1000,
		     CAUSE_TEMPORARY_FAILURE);
		call_clear(c, CAUSE_TEMPORARY_FAILURE, "gateway");
		break;
	case MEDIA_EV_FAX_TONE:
		CLOG(LL_INFO, c, "fax tone %s on the B-channel", fax_tone_name(ev->fax_tone));
		call_fax_tone(c, ev->fax_tone);
		break;
	case MEDIA_EV_FAX_REPORT:
		/* pass-through while our T.38 re-INVITE was out, left before any T.30: no fax */
		if (!ev->fax.t30.seen && call_state(c) != CALL_CLEARING)
			break;
		log_fax(c, &ev->fax);
		call_fax_report(c, &ev->fax);
		break;
	case MEDIA_EV_DISCONNECT:
		line_disconnect(c, ev->disconnect);
		break;
	case MEDIA_EV_REMOVED:
		if (x)
			x->mc = NULL;
		call_media_removed(c, x && x->bridge ? NULL : &ev->stats);
		break;
	default:
		break;
	}
}
