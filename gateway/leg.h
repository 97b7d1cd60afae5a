/* A leg: one side of a call. A call (gateway/call.h) joins two legs, the calling leg A
 * (the one that arrived) and the called leg B (the one the gateway placed). Each kind of
 * leg (PRI in gateway/leg_pri.c, SIP in gateway/leg_sip.c; analog FXS/FXO next) is a
 * small vtable plus the state below; the call model only ever talks to a leg through
 * these operations and hears from it through call_leg_event(), so it never knows what
 * kind of line a leg is. A leg's first event, "setup", is its arrival: the router
 * (gateway/call_route.c) makes it leg A of a new call (call_alloc()), chooses the kind
 * of leg B from the route and places it (call_place()).
 *
 * Ownership: the call owns its legs and frees them (ops->destroy) when it is freed. A
 * leg stays allocated until then, but is gone once its signalling is over (PRI RELEASE,
 * SIP dialog terminated): a live leg must raise LEG_EV_GONE exactly once, and the call
 * calls no operation of a leg that is not live except summary, tag, debug, destroy. */
#ifndef STROWGER_LEG_H
#define STROWGER_LEG_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "gateway/party.h"
#include "media/engine.h"
#include "tdm/pri.h"

struct call;
struct leg;
struct sdp_neg;

/* Where a leg's audio is, for the media interface to join two of them. */
enum leg_media_kind {
	LEG_MEDIA_NONE,
	LEG_MEDIA_TDM,		/* a B-channel fd: 160-byte G.711 blocks */
	LEG_MEDIA_RTP,		/* a UDP socket pair and the negotiated stream: RTP/RTCP, or
				 * UDPTL for T.38 (mode) */
};

struct leg_media {
	enum leg_media_kind kind;
	int fd;				/* TDM: the B-channel; RTP: the RTP socket */
	int rtcp_fd;			/* RTP: RTCP socket (RFC 3550 §11), -1 if none */
	bool alaw;			/* TDM: the line's law */
	unsigned echocan_taps;		/* TDM: the echo canceller's tail while voice; 0: the
					 * leg leaves the canceller alone */
	struct media_line_sup sup;	/* TDM: disconnect supervision in the line's audio
					 * (an FXO port); all empty: none */
	const struct sdp_neg *neg;	/* RTP: what offer/answer agreed */
	enum media_mode mode;		/* RTP: voice, G.711 fax pass-through, or T.38 */
	bool fax_detect;		/* RTP, voice: report fax tones heard on the line */
	struct media_t38_params t38;	/* RTP, T.38: the agreed session */
	unsigned rtp_timeout_ms;	/* [ms] RTP: no packet this long clears the call; 0: never */
};

/* How the call asks leg B to place itself. */
struct leg_place {
	const char *called;		/* the number in SIP form ("+4930...") */
	/* The called number as leg A's line gave it (type of number, plan, digits) when
	 * routing left it unchanged, for a line leg B to send as it came; NULL: use called. */
	const struct pri_number *called_line;
	const struct pri_party *caller;	/* calling party, Q.931 view (gateway/party.h) */
	/* a forwarded call's redirecting party, Q.931 view (gateway/redirect.h), or NULL */
	const struct pri_redirecting *redirecting;
	struct party_plan plan;		/* how the TDM side's span writes numbers */
	const struct conf_endpoint *to;	/* the route's destination */
	const char *route;		/* the route's name, for logs */
	bool alaw;			/* the law leg A's line uses: preferred codec */
	const char *alert_info;		/* the INVITE's Alert-Info (RFC 3261 §20.4): an FXS
					 * port's distinctive ring (gateway/dring.h); or NULL */
	/* The SIP account the call goes out as (an FXS port registered as its own user):
	 * on trunk sip_trunk, From's user is sip_user and a challenge is answered with
	 * sip_user/sip_password. NULL: the trunk's own. */
	const char *sip_trunk;
	const char *sip_user;
	const char *sip_password;
};

struct leg_ops {
	const char *side;		/* "tdm", "sip": the summary's dir= and cleared_by= */
	bool line_side;			/* a line (TDM) leg: listed first in the summary */
	const char *answer_name;	/* "CONNECT", "200 OK": the answer's log name */
	/* Leg B: place the call. Returns 0 or an errno value with *cause the Q.850 cause
	 * to clear with. */
	int (*place)(struct leg *l, const struct leg_place *p, int *cause);
	/* Leg A: the call was placed (CALL PROCEEDING). */
	void (*proceeding)(struct leg *l);
	/* Leg A: the far end rings / makes progress. inband: leg B's media is joined, so
	 * this leg carries the far end's tones; else the leg provides ringing itself. */
	void (*alerting)(struct leg *l, bool inband);
	void (*progress)(struct leg *l, bool inband);
	/* Leg A: the far end answered. */
	void (*answer)(struct leg *l);
	/* Clear the leg with a Q.850 cause, unless it is already over. LEG_EV_GONE
	 * follows, later (never from inside this call). */
	void (*clear)(struct leg *l, int cause);
	/* Leg B: more called-number digits (overlap sending). */
	int (*digits)(struct leg *l, const char *digits);
	/* The leg's media endpoint: 0, or EAGAIN when there is none yet (no channel, no
	 * negotiated stream), or EINPROGRESS when it comes only after the leg answers (a
	 * SIP late offer: the answer is in the ACK; the leg then sends MEDIA). Joining
	 * media stops local tones on the leg. */
	int (*media)(struct leg *l, struct leg_media *m);
	/* The call's media stream that used the leg's endpoint is gone (the media engine let
	 * go of it: nothing writes the leg's channel any more). NULL: nothing to do. */
	void (*media_released)(struct leg *l);
	/* A fax tone was heard on the call's line: switch the leg's media to fax if it
	 * carries packets (T.38 re-INVITE, or G.711 pass-through). NULL: nothing to do. */
	void (*fax)(struct leg *l, enum media_fax_tone tone);
	/* The other leg put the call on hold (on) or took it back: tell the far end (SIP: a
	 * re-INVITE with a=sendonly, then sendrecv, RFC 3264 §8.4). NULL: nothing to tell. */
	void (*hold)(struct leg *l, bool on);
	/* Before the answer: what the leg's line said in band (media_line_sup.answer_voice:
	 * the far end answered, or busy/congestion tone). NULL: nothing to do. */
	void (*line_heard)(struct leg *l, enum media_disconnect what);
	/* The leg in a few words: "span 2 ch 1", "trunk=peer", for the summary, and a
	 * shorter form for the prefix of log lines ("span 2 ch 1", "peer"). */
	void (*summary)(const struct leg *l, char *buf, size_t len);
	void (*tag)(const struct leg *l, char *buf, size_t len);
	/* Its state, for call_debug(). */
	void (*debug)(const struct leg *l, char *buf, size_t len);
	void (*destroy)(struct leg *l);
};

/* The common part of every leg: embed it first in the kind's struct. */
struct leg {
	const struct leg_ops *ops;
	struct call *call;		/* set by call_alloc()/call_place() */
	bool live;			/* signalling in progress: set when the leg arrives
					 * (A) or is placed (B), cleared by LEG_EV_GONE */
	int status;			/* final SIP status seen or sent on the leg, or 0 */
};

/* Events a leg raises into its call. */
enum leg_event_type {
	LEG_EV_DIGITS,		/* leg A: more digits of the called number; complete */
	LEG_EV_ALERTING,	/* leg B: the far end rings; inband: early media on the leg */
	LEG_EV_PROGRESS,	/* leg B: progress; inband: early media on the leg */
	LEG_EV_ANSWER,		/* leg B: the far end answered */
	LEG_EV_CLEARED,		/* the far end cleared with cause; or local: the gateway
				 * failed on the leg (cleared_by "gateway") */
	LEG_EV_OFFER,		/* a new media offer (re-INVITE) arrived: may it be taken?
				 * call_leg_event() returns 0 or ECANCELED (the call is
				 * clearing: refuse it) */
	LEG_EV_MEDIA,		/* the leg's media endpoint changed: re-join it */
	LEG_EV_GONE,		/* the leg's signalling is over (cause if it brought one) */
	LEG_EV_HOLD,		/* the leg's user holds the call (hold) or takes it back: the
				 * other leg tells its far end; the media stream stops while
				 * the leg has no endpoint (its media() EAGAIN) */
	LEG_EV_COUNT
};

struct leg_event {
	enum leg_event_type type;
	int cause;		/* CLEARED, GONE: Q.850; 0 if none */
	bool inband;		/* ALERTING, PROGRESS */
	bool complete;		/* DIGITS: no more digits will come */
	bool local;		/* CLEARED: the gateway, not the far end, ended the leg */
	bool hold;		/* HOLD: on hold (else taken back) */
};

/* Deliver an event of leg l to its call. Returns 0, or for LEG_EV_OFFER ECANCELED.
 * A call is freed only once both legs are gone: after LEG_EV_GONE, l (and the call)
 * may be freed, so the leg must not touch itself after raising it. */
int call_leg_event(struct leg *l, const struct leg_event *ev);

#endif
