/* ISDN PRI signalling on one span through libpri: libpri events in, Q.931 call states and
 * our events out, commands down to libpri (Q.931 §5). */
#include "tdm/pri.h"

#include "common/log.h"

#include <errno.h>
#include <libpri.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Q.931 §9.1 Table 9-1 timers we set explicitly (libpri runs them). */
#define T303_MS	4000	/* SETUP sent, no answer: repeat/clear */
#define T305_MS	30000	/* DISCONNECT without progress sent: RELEASE */
#define T308_MS	4000	/* RELEASE sent: repeat once, then return to null */
#define T310_MS	30000	/* CALL PROCEEDING received: wait for ALERTING/CONNECT/DISCONNECT */

#define FCS_LEN	2	/* [bytes] HDLC CRC libpri reserves after each frame */

#define Q850_NORMAL_CLEARING		16
#define Q850_NETWORK_OUT_OF_ORDER	38
#define Q850_TEMPORARY_FAILURE		41

struct pri_call {
	struct pri_call *next;		/* span's list */
	struct pri_span *span;
	q931_call *qc;			/* libpri's call; NULL once libpri has it back */
	unsigned id;
	enum pri_call_state state;
	bool outgoing;
	bool hungup;			/* pri_call_hangup() done */
	bool finishing;			/* RELEASE event due on the next pass */
	bool connected;			/* PRI_EV_CONNECT delivered */
	bool probed;			/* INFORMATION sent after a data link reset */
	int cause;			/* [Q.850] the clearing cause */
	struct bchan_ref chan;		/* pos 0: none */
	struct pri_setup setup;		/* incoming calls */
	void *user;
};

struct pri_span {
	struct pri *pri;
	struct pri_span_params p;
	bool l2_up;			/* libpri reports Q.921 multiple-frame established */
	bool alarm;			/* layer 1 in alarm (pri_span_set_alarm) */
	bool eof;			/* socket closed by the far end */
	bool usable;			/* what the caller was last told (DCHAN_UP/DOWN) */
	uint32_t restarting;		/* bit pos: RESTART sent at link-up, not yet acknowledged */
	struct timeval restart_by;	/* when the link-up restart stops waiting */
	bool restart_retried;		/* the unacknowledged RESTARTs were sent again */
	bool dl_reset;			/* the far end re-established the link (SABME in
					 * state 7): its calls are checked on this pass */
	struct pri_call *calls;
	unsigned ncalls;
	struct log_ratelimit wr_rl;
};

static unsigned next_call_id = 1;

static const char *const state_names[] = {
	[PRI_CS_NULL] = "Null",
	[PRI_CS_CALL_INITIATED] = "Call Initiated",
	[PRI_CS_OVERLAP_SENDING] = "Overlap Sending",
	[PRI_CS_OUTGOING_CALL_PROCEEDING] = "Outgoing Call Proceeding",
	[PRI_CS_CALL_DELIVERED] = "Call Delivered",
	[PRI_CS_CALL_PRESENT] = "Call Present",
	[PRI_CS_CALL_RECEIVED] = "Call Received",
	[PRI_CS_CONNECT_REQUEST] = "Connect Request",
	[PRI_CS_INCOMING_CALL_PROCEEDING] = "Incoming Call Proceeding",
	[PRI_CS_ACTIVE] = "Active",
	[PRI_CS_DISCONNECT_REQUEST] = "Disconnect Request",
	[PRI_CS_DISCONNECT_INDICATION] = "Disconnect Indication",
	[PRI_CS_RELEASE_REQUEST] = "Release Request",
	[PRI_CS_OVERLAP_RECEIVING] = "Overlap Receiving",
};

const char *pri_call_state_name(enum pri_call_state state)
{
	if ((unsigned)state >= sizeof(state_names) / sizeof(state_names[0]) || !state_names[state])
		return "?";
	return state_names[state];
}

static const char *const event_names[] = {
	[PRI_EV_DCHAN_UP] = "DCHAN_UP",
	[PRI_EV_DCHAN_DOWN] = "DCHAN_DOWN",
	[PRI_EV_SETUP] = "SETUP",
	[PRI_EV_INFO] = "INFO",
	[PRI_EV_SETUP_ACK] = "SETUP_ACK",
	[PRI_EV_PROCEEDING] = "PROCEEDING",
	[PRI_EV_ALERTING] = "ALERTING",
	[PRI_EV_PROGRESS] = "PROGRESS",
	[PRI_EV_CONNECT] = "CONNECT",
	[PRI_EV_DISCONNECT] = "DISCONNECT",
	[PRI_EV_RELEASE] = "RELEASE",
	[PRI_EV_RESTART] = "RESTART",
};

const char *pri_event_name(enum pri_event_type type)
{
	if ((unsigned)type >= sizeof(event_names) / sizeof(event_names[0]))
		return "?";
	return event_names[type];
}

static char side(const struct pri_span *span)
{
	return span->p.role == PRI_ROLE_NET ? 'N' : 'U';
}

/* The side that sent SETUP walks U1→U3→U4 as user and N6→N9→N7→N8 as network; the side
 * that received it the mirror image (Q.931 §2.1, §2.2). "orig" is the first path. */
static bool orig_path(const struct pri_call *c)
{
	return c->outgoing == (c->span->p.role == PRI_ROLE_CPE);
}

#define CLOG(lvl, c, fmt, ...)							\
	LOG_AT(LS_PRI, lvl, "span %u ch %u call %u: " fmt, (c)->span->p.span,	\
	       (c)->chan.pos, (c)->id, ##__VA_ARGS__)

static void set_state(struct pri_call *c, enum pri_call_state state)
{
	if (c->state == state)
		return;
	CLOG(LL_INFO, c, "%c%d → %c%d %s", side(c->span), (int)c->state, side(c->span),
	     (int)state, pri_call_state_name(state));
	c->state = state;
}

static void emit(struct pri_span *span, struct pri_event *ev)
{
	ev->span = span;
	if (ev->call)
		CLOG(LL_DEBUG, ev->call, "event %s cause %d%s", pri_event_name(ev->type), ev->cause,
		     ev->inband ? " in-band" : "");
	else
		LOGD(LS_PRI, "span %u: event %s", span->p.span, pri_event_name(ev->type));
	span->p.eh(ev, span->p.arg);
}

static void call_event(struct pri_call *c, enum pri_event_type type, int cause, bool inband)
{
	struct pri_event ev = {
		.type = type,
		.call = c,
		.chan = c->chan,
		.cause = cause,
		.inband = inband,
		.setup = c->outgoing ? NULL : &c->setup,
	};

	emit(c->span, &ev);
}

static struct pri_call *find_call(struct pri_span *span, const q931_call *qc)
{
	if (!qc)
		return NULL;
	for (struct pri_call *c = span->calls; c; c = c->next)
		if (c->qc == qc)
			return c;
	return NULL;
}

static struct pri_call *call_new(struct pri_span *span, q931_call *qc, bool outgoing,
				 struct bchan_ref chan)
{
	struct pri_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->span = span;
	c->qc = qc;
	c->id = next_call_id++;
	c->outgoing = outgoing;
	c->chan = chan;
	c->next = span->calls;
	span->calls = c;
	span->ncalls++;
	return c;
}

static void call_unlink_free(struct pri_call *c)
{
	struct pri_span *span = c->span;

	for (struct pri_call **pp = &span->calls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			span->ncalls--;
			break;
		}
	free(c);
}

static void chan_release(struct pri_call *c)
{
	if (c->chan.pos && c->span->p.chans)
		(void)bchan_release(c->span->p.chans, c->chan);
}

/* The call is over: free its channel, tell the caller, free it. libpri must no longer
 * hold c->qc (handed back or destroyed). */
static void call_finish(struct pri_call *c, int cause)
{
	c->qc = NULL;
	chan_release(c);
	set_state(c, PRI_CS_NULL);
	CLOG(LL_INFO, c, "released, cause %d (%s)", cause, pri_cause2str(cause));
	c->finishing = true;
	call_event(c, PRI_EV_RELEASE, cause, false);
	call_unlink_free(c);
}

/* RELEASE events that a command made due: delivered from the loop, never from inside the
 * command. */
static void run_finishing(struct pri_span *span)
{
	struct pri_call *c;

	do {
		for (c = span->calls; c; c = c->next)
			if (c->finishing && !c->qc)
				break;
		if (c)
			call_finish(c, c->cause);
	} while (c);
}

/* libpri channel encoding: bits 0-7 channel (0xff any, 0 none), 8-15 DS1, 16 explicit. */
static unsigned chan_pos(int encoded)
{
	int pos;

	if (encoded < 0)
		return 0;
	pos = encoded & 0xff;
	return pos == 0xff ? 0 : (unsigned)pos;
}

/* The far end named a channel in its answer to our SETUP (§5.1.2): move there if it is not
 * the one we offered. Returns false if the call had to be cleared. */
static bool follow_chan(struct pri_call *c, int encoded)
{
	struct bchan_req req;
	struct bchan_ref got;
	unsigned pos = chan_pos(encoded);
	int cause = 0;

	if (!pos || pos == c->chan.pos || !c->outgoing)
		return true;
	req = (struct bchan_req){ .want = BCHAN_WANT_EXCLUSIVE,
				  .chan = { c->span->p.span, pos }, .span_only = true };
	if (bchan_acquire(c->span->p.chans, &req, &got, &cause) != 0) {
		CLOG(LL_NOTICE, c, "far end chose channel %u, not available: clearing", pos);
		(void)pri_call_hangup(c, BCHAN_CAUSE_CHAN_UNAVAIL);
		return false;
	}
	CLOG(LL_INFO, c, "far end moved the call to channel %u", pos);
	chan_release(c);
	c->chan = got;
	return true;
}

/* Copy with truncation (deliberate: numbers longer than we keep are cut). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static void number_from_plan(struct pri_number *n, const char *digits, int plan)
{
	copy_str(n->digits, sizeof(n->digits), digits);
	n->ton = (enum q931_ton)((plan >> 4) & 0x7);
	n->npi = (enum q931_npi)(plan & 0xf);
}

static int plan_of(const struct pri_number *n)
{
	return (((int)n->ton & 0x7) << 4) | ((int)n->npi & 0xf);
}

/* libpri numbers call deflection 3 (PRI_REDIR_DEFLECTION) where Q.931 §4.5.13 codes it
 * 0100; the other reasons are the standard's codes. */
static enum q931_redir_reason redir_from_libpri(int r)
{
	return r == PRI_REDIR_DEFLECTION ? Q931_REDIR_DEFLECTION : (enum q931_redir_reason)(r & 0xf);
}

static int redir_to_libpri(enum q931_redir_reason r)
{
	return r == Q931_REDIR_DEFLECTION ? PRI_REDIR_DEFLECTION : (int)r;
}

static enum pri_bearer bearer_of(int ctype)
{
	switch (ctype) {
	case PRI_TRANS_CAP_SPEECH: return PRI_BEARER_SPEECH;
	case PRI_TRANS_CAP_3_1K_AUDIO: return PRI_BEARER_AUDIO_3K1;
	case PRI_TRANS_CAP_DIGITAL: return PRI_BEARER_DIGITAL;
	default: return PRI_BEARER_OTHER;
	}
}

static enum pri_law law_of(int layer1)
{
	switch (layer1 & 0x1f) {
	case PRI_LAYER_1_ALAW & 0x1f: return PRI_LAW_ALAW;
	case PRI_LAYER_1_ULAW & 0x1f: return PRI_LAW_ULAW;
	default: return PRI_LAW_NONE;
	}
}

static int layer1_of(const struct pri_span *span, enum pri_law law)
{
	if (law == PRI_LAW_DEFAULT)
		law = span->p.line == PRI_LINE_E1 ? PRI_LAW_ALAW : PRI_LAW_ULAW;
	return law == PRI_LAW_ALAW ? PRI_LAYER_1_ALAW : PRI_LAYER_1_ULAW;
}

static int transcap_of(enum pri_bearer b)
{
	switch (b) {
	case PRI_BEARER_AUDIO_3K1: return PRI_TRANS_CAP_3_1K_AUDIO;
	case PRI_BEARER_DIGITAL: return PRI_TRANS_CAP_DIGITAL;
	default: return PRI_TRANS_CAP_SPEECH;
	}
}

static bool span_usable(const struct pri_span *span)
{
	return span->l2_up && !span->alarm && !span->eof;
}

/* Clear every call without signalling (the link is gone), then report the span down. */
static void link_down(struct pri_span *span, int cause, const char *why)
{
	span->restarting = 0;	/* a restart in progress starts again at the next link-up */
	if (!span->usable)
		return;
	span->usable = false;
	LOGW(LS_PRI, "span %u: D-channel down (%s): clearing %u call(s)", span->p.span, why,
	     span->ncalls);
	while (span->calls) {
		struct pri_call *c = span->calls;

		if (c->qc)
			pri_destroycall(span->pri, c->qc);
		c->qc = NULL;
		call_finish(c, cause);
	}
	(void)bchan_set_span_usable(span->p.chans, span->p.span, false);
	emit(span, &(struct pri_event){ .type = PRI_EV_DCHAN_DOWN });
}

/* Q.931 §5.5: the far end may still hold calls on channels we know nothing of (we crashed,
 * or the link dropped and took our side of its calls with it, §5.8.9 / Q.921 release):
 * RESTART every B-channel of the span when the link comes up, and report the D-channel up
 * only once they are acknowledged, or after RESTART_WAIT_MS for those that are not (a far
 * end that ignores RESTART). Calls are refused meanwhile: the span is not usable yet. */
#define RESTART_WAIT_MS 4000

static void link_up_done(struct pri_span *span);

static void restart_deadline(struct pri_span *span)
{
	gettimeofday(&span->restart_by, NULL);
	span->restart_by.tv_sec += RESTART_WAIT_MS / 1000;
	span->restart_by.tv_usec += (RESTART_WAIT_MS % 1000) * 1000;
	if (span->restart_by.tv_usec >= 1000000) {
		span->restart_by.tv_sec++;
		span->restart_by.tv_usec -= 1000000;
	}
}

/* Send RESTART for the channels in mask; returns the mask of those sent. */
static uint32_t restart_send(struct pri_span *span, uint32_t mask)
{
	uint32_t sent = 0;

	for (unsigned pos = 1; pos <= 31; pos++) {
		if (!(mask & (UINT32_C(1) << pos)))
			continue;
		if (pri_reset(span->pri, (int)pos)) {
			LOGW(LS_PRI, "span %u: cannot send RESTART for channel %u", span->p.span, pos);
			continue;
		}
		sent |= UINT32_C(1) << pos;
	}
	return sent;
}

static void restart_start(struct pri_span *span)
{
	uint32_t all = 0;

	for (unsigned pos = 1; pos <= 31; pos++)
		if (bchan_contains(span->p.chans, (struct bchan_ref){ span->p.span, pos }))
			all |= UINT32_C(1) << pos;
	span->restarting = restart_send(span, all);
	span->restart_retried = false;
	restart_deadline(span);
	unsigned n = (unsigned)__builtin_popcount(span->restarting);
	LOGN(LS_PRI, "span %u: Q.921 link up: RESTART of %u B-channel%s (Q.931 §5.5)",
	     span->p.span, n, n == 1 ? "" : "s");
	if (!span->restarting)
		link_up_done(span);
}

static void on_restart_ack(struct pri_span *span, int encoded)
{
	unsigned pos = chan_pos(encoded);

	if (!span->restarting || !pos || !(span->restarting & (UINT32_C(1) << pos)))
		return;
	span->restarting &= ~(UINT32_C(1) << pos);
	if (!span->restarting)
		link_up_done(span);
}

/* Frames sent while both Q.921 ends re-establish the link at once can be lost with it:
 * what is not acknowledged is sent once more, then the channels are taken into use. */
static void restart_timeout(struct pri_span *span)
{
	unsigned n = (unsigned)__builtin_popcount(span->restarting);

	if (!span->restart_retried) {
		LOGN(LS_PRI, "span %u: %u RESTART%s not acknowledged within %u ms: sending again",
		     span->p.span, n, n == 1 ? "" : "s", RESTART_WAIT_MS);
		span->restart_retried = true;
		span->restarting = restart_send(span, span->restarting);
		restart_deadline(span);
		if (span->restarting)
			return;
	} else {
		LOGW(LS_PRI, "span %u: %u RESTART%s not acknowledged: taking the channel%s into use "
		     "anyway", span->p.span, n, n == 1 ? "" : "s", n == 1 ? "" : "s");
	}
	span->restarting = 0;
	link_up_done(span);
}

static void link_check_up(struct pri_span *span)
{
	if (span->usable || span->restarting || !span_usable(span))
		return;
	if (span->p.restart_on_up)
		restart_start(span);
	else
		link_up_done(span);
}

static void link_up_done(struct pri_span *span)
{
	if (span->usable || !span_usable(span))
		return;
	span->usable = true;
	(void)bchan_set_span_usable(span->p.chans, span->p.span, true);
	LOGN(LS_PRI, "span %u: D-channel up (%s)", span->p.span,
	     span->p.role == PRI_ROLE_NET ? "net" : "cpe");
	emit(span, &(struct pri_event){ .type = PRI_EV_DCHAN_UP });
}

/* An incoming SETUP (§5.2.1): pick the B-channel (§5.2.3.1), or reject at once. */
static void on_ring(struct pri_span *span, const pri_event_ring *r)
{
	struct pri_call *c;
	struct bchan_req req = { .chan = { span->p.span, 0 }, .span_only = true };
	struct bchan_ref got;
	int cause = 0;
	unsigned pos = chan_pos(r->channel);

	if (pos) {
		req.want = r->flexible ? BCHAN_WANT_PREFERRED : BCHAN_WANT_EXCLUSIVE;
		req.chan.pos = pos;
	} else {
		req.want = BCHAN_WANT_ANY;
	}
	if (bchan_acquire(span->p.chans, &req, &got, &cause) != 0) {
		/* libpri sends RELEASE COMPLETE at once only for causes 1, 34, 44, 88: a
		 * channel that does not exist is reported as not available. */
		if (cause != BCHAN_CAUSE_NO_CIRCUIT)
			cause = BCHAN_CAUSE_CHAN_UNAVAIL;
		LOGN(LS_PRI, "span %u ch %u: SETUP from '%s' to '%s' rejected, cause %d (%s)",
		     span->p.span, pos, r->callingnum, r->callednum, cause, pri_cause2str(cause));
		pri_hangup(span->pri, r->call, cause);
		return;
	}
	c = call_new(span, r->call, false, got);
	if (!c) {
		LOGE(LS_PRI, "span %u: out of memory for an incoming call", span->p.span);
		(void)bchan_release(span->p.chans, got);
		pri_hangup(span->pri, r->call, BCHAN_CAUSE_NO_CIRCUIT);
		return;
	}
	number_from_plan(&c->setup.called, r->callednum, r->calledplan);
	number_from_plan(&c->setup.calling.number, r->callingnum, r->callingplan);
	c->setup.calling.pres = (enum q931_pres)((r->callingpres >> 5) & 0x3);
	c->setup.calling.screen = (enum q931_screen)(r->callingpres & 0x3);
	copy_str(c->setup.calling.name, sizeof(c->setup.calling.name), r->callingname);
	if (r->redirectingnum[0]) {	/* a forwarded call (§4.5.13) */
		number_from_plan(&c->setup.redirecting.number, r->redirectingnum,
				 r->callingplanrdnis);
		c->setup.redirecting.reason = redir_from_libpri(r->redirectingreason);
		c->setup.redirecting.counter = 1;
	}
	c->setup.bearer = bearer_of(r->ctype);
	c->setup.law = law_of(r->layer1);
	c->setup.requested = req;
	c->setup.complete = r->complete != 0;
	set_state(c, orig_path(c) ? PRI_CS_CALL_INITIATED : PRI_CS_CALL_PRESENT);
	CLOG(LL_INFO, c, "SETUP from '%s' (ton %d npi %d pres %d) to '%s' (ton %d npi %d)%s"
	     "%s%s%s", c->setup.calling.number.digits, c->setup.calling.number.ton,
	     c->setup.calling.number.npi, c->setup.calling.pres, c->setup.called.digits,
	     c->setup.called.ton, c->setup.called.npi,
	     c->setup.complete ? " complete" : "",
	     r->redirectingnum[0] ? ", redirected by '" : "", c->setup.redirecting.number.digits,
	     r->redirectingnum[0] ? "'" : "");
	call_event(c, PRI_EV_SETUP, 0, false);
}

static void on_info(struct pri_span *span, const pri_event_ring *r)
{
	struct pri_call *c = find_call(span, r->call);
	struct pri_event ev;
	size_t have;

	if (!c || c->outgoing)
		return;
	have = strlen(c->setup.called.digits);
	copy_str(c->setup.called.digits + have, sizeof(c->setup.called.digits) - have,
		 r->callednum);
	if (r->complete)
		c->setup.complete = true;
	CLOG(LL_DEBUG, c, "INFO '%s', called now '%s'", r->callednum, c->setup.called.digits);
	ev = (struct pri_event){ .type = PRI_EV_INFO, .call = c, .chan = c->chan,
				 .setup = &c->setup, .digits = r->callednum };
	emit(span, &ev);
}

static void on_hangup(struct pri_span *span, const pri_event_hangup *h, bool ack)
{
	struct pri_call *c = find_call(span, h->call);

	if (!c) {
		/* A call libpri still reports after we let go of it. */
		LOGD(LS_PRI, "span %u: HANGUP%s for an unknown call", span->p.span,
		     ack ? "_ACK" : "");
		return;
	}
	if (!ack && c->probed && !c->hungup)
		CLOG(LL_NOTICE, c, "the far end does not know the call since its data link reset "
		     "(RELEASE COMPLETE cause %d, %s): clearing it", h->cause, pri_cause2str(h->cause));
	if (!ack) {
		/* RELEASE or RELEASE COMPLETE from the far end. libpri answers a RELEASE with
		 * RELEASE COMPLETE and frees its call only once we hang up too, even when we
		 * had sent DISCONNECT before (measured, libpri 1.6.0). */
		pri_hangup(span->pri, c->qc, c->hungup ? c->cause : h->cause);
	}
	call_finish(c, c->hungup ? c->cause : h->cause);
}

static void on_restart(struct pri_span *span, int encoded)
{
	unsigned pos = chan_pos(encoded), cleared = 0;
	struct pri_event ev = { .type = PRI_EV_RESTART };

	/* §5.5: the channel(s) return to idle; calls on them are cleared. libpri has sent
	 * RESTART ACKNOWLEDGE already. Cause 41: the far end reset the channel, a new
	 * attempt may succeed at once (the caller on the SIP side sees it in the Reason). */
	for (struct pri_call *c = span->calls, *next; c; c = next) {
		next = c->next;
		if (pos && c->chan.pos != pos)
			continue;
		if (c->qc)
			pri_destroycall(span->pri, c->qc);
		c->qc = NULL;
		cleared++;
		call_finish(c, Q850_TEMPORARY_FAILURE);
	}
	if (pos) {
		(void)bchan_reset(span->p.chans, (struct bchan_ref){ span->p.span, pos });
	} else {
		for (unsigned p = 1; p <= 31; p++)
			(void)bchan_reset(span->p.chans, (struct bchan_ref){ span->p.span, p });
	}
	if (pos)
		LOGN(LS_PRI, "span %u: RESTART received for channel %u, %u call(s) cleared",
		     span->p.span, pos, cleared);
	else
		LOGN(LS_PRI, "span %u: RESTART received for the whole interface, %u call(s) "
		     "cleared", span->p.span, cleared);
	ev.restart.whole_interface = !pos;
	ev.restart.pos = pos;
	emit(span, &ev);
}

/* Q.921 tells layer 3 nothing when a SABME arrives in the multiple-frame established state
 * with no I-frame outstanding: it answers UA and reports MDL-ERROR (F) to management only
 * (Q.921 Annex B, Figure B.7). That SABME means the far end reset its data link: it may be a
 * new D-channel entity (a PBX restarted faster than our T203 + N200 x T200 noticed) that
 * knows none of our calls, or the old one after a layer 2 hiccup, which still has them.
 * Q.931 §5.8.8 (data link reset) keeps calls in the establishment phase and in the active
 * state: whether the far end really has them we ask with an INFORMATION (its information
 * elements are all optional, §3.1.7; libpri sends a Called party number with no digits,
 * libpri has no STATUS ENQUIRY). A far end that knows the call takes it; one that does not
 * answers RELEASE COMPLETE cause 81 (§5.8.3.2 a) and the call is cleared through the usual
 * HANGUP path (on_hangup). Calls being cleared (U11/U12/U19) have their own timers. */
static bool dl_reset_checks(const struct pri_call *c)
{
	if (!c->qc || c->hungup || c->finishing)
		return false;
	switch (c->state) {
	case PRI_CS_OVERLAP_SENDING:
	case PRI_CS_OUTGOING_CALL_PROCEEDING:
	case PRI_CS_CALL_DELIVERED:
	case PRI_CS_CALL_RECEIVED:
	case PRI_CS_CONNECT_REQUEST:
	case PRI_CS_INCOMING_CALL_PROCEEDING:
	case PRI_CS_ACTIVE:
	case PRI_CS_OVERLAP_RECEIVING:
		return true;
	default:
		return false;
	}
}

static void dl_reset_check(struct pri_span *span)
{
	unsigned n = 0;

	if (!span->dl_reset)
		return;
	span->dl_reset = false;
	for (struct pri_call *c = span->calls; c; c = c->next)
		n += dl_reset_checks(c);
	if (!n) {
		LOGI(LS_PRI, "span %u: the far end re-established the D-channel (Q.921 SABME while "
		     "established): no call to check", span->p.span);
		return;
	}
	LOGN(LS_PRI, "span %u: the far end re-established the D-channel (Q.921 SABME while "
	     "established): checking %u call%s (Q.931 §5.8.8)", span->p.span, n, n == 1 ? "" : "s");
	for (struct pri_call *c = span->calls; c; c = c->next) {
		if (!dl_reset_checks(c))
			continue;
		if (pri_information(span->pri, c->qc, '\0')) {
			CLOG(LL_WARN, c, "libpri could not send INFORMATION to check the call");
			continue;
		}
		c->probed = true;
		CLOG(LL_INFO, c, "%c%d %s: INFORMATION sent; RELEASE COMPLETE cause 81 would mean "
		     "the far end does not know the call", side(span), (int)c->state,
		     pri_call_state_name(c->state));
	}
}

static void handle(struct pri_span *span, pri_event *e)
{
	struct pri_call *c;

	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		span->l2_up = true;
		link_check_up(span);
		break;
	case PRI_EVENT_DCHAN_DOWN:
		span->l2_up = false;
		link_down(span, Q850_NETWORK_OUT_OF_ORDER, "Q.921 link released");
		break;
	case PRI_EVENT_RING:
		on_ring(span, &e->ring);
		break;
	case PRI_EVENT_INFO_RECEIVED:
		on_info(span, &e->ring);
		break;
	case PRI_EVENT_SETUP_ACK:
		c = find_call(span, e->setup_ack.call);
		if (!c || !follow_chan(c, e->setup_ack.channel))
			break;
		set_state(c, orig_path(c) ? PRI_CS_OVERLAP_SENDING : PRI_CS_OVERLAP_RECEIVING);
		call_event(c, PRI_EV_SETUP_ACK, 0,
			   e->setup_ack.progressmask & PRI_PROG_INBAND_AVAILABLE);
		break;
	case PRI_EVENT_PROCEEDING:
		c = find_call(span, e->proceeding.call);
		if (!c || !follow_chan(c, e->proceeding.channel))
			break;
		set_state(c, orig_path(c) ? PRI_CS_OUTGOING_CALL_PROCEEDING
			  : PRI_CS_INCOMING_CALL_PROCEEDING);
		call_event(c, PRI_EV_PROCEEDING, 0,
			   e->proceeding.progressmask & PRI_PROG_INBAND_AVAILABLE);
		break;
	case PRI_EVENT_PROGRESS:
		c = find_call(span, e->proceeding.call);
		if (!c || !follow_chan(c, e->proceeding.channel))
			break;
		call_event(c, PRI_EV_PROGRESS, 0,
			   e->proceeding.progressmask & PRI_PROG_INBAND_AVAILABLE);
		break;
	case PRI_EVENT_RINGING:
		c = find_call(span, e->ringing.call);
		if (!c || !follow_chan(c, e->ringing.channel))
			break;
		set_state(c, orig_path(c) ? PRI_CS_CALL_DELIVERED : PRI_CS_CALL_RECEIVED);
		call_event(c, PRI_EV_ALERTING, 0,
			   e->ringing.progressmask & PRI_PROG_INBAND_AVAILABLE);
		break;
	case PRI_EVENT_ANSWER:
		c = find_call(span, e->answer.call);
		if (!c || !follow_chan(c, e->answer.channel))
			break;
		if (!orig_path(c))
			set_state(c, PRI_CS_CONNECT_REQUEST);	/* N8 */
		/* §5.1.8 / §5.2.8: CONNECT ACKNOWLEDGE (manual, see pri_span_alloc()). */
		if (pri_connect_ack(span->pri, c->qc, 0))
			CLOG(LL_WARN, c, "libpri could not send CONNECT ACKNOWLEDGE");
		set_state(c, PRI_CS_ACTIVE);
		c->connected = true;
		call_event(c, PRI_EV_CONNECT, 0, e->answer.progressmask & PRI_PROG_INBAND_AVAILABLE);
		break;
	case PRI_EVENT_CONNECT_ACK:
		c = find_call(span, e->connect_ack.call);
		/* Our CONNECT acknowledged: U8 → U10; a network side is in N10 already. */
		if (!c || c->outgoing || c->connected || (c->state != PRI_CS_CONNECT_REQUEST &&
							  c->state != PRI_CS_ACTIVE))
			break;
		set_state(c, PRI_CS_ACTIVE);
		c->connected = true;
		call_event(c, PRI_EV_CONNECT, 0, false);
		break;
	case PRI_EVENT_HANGUP_REQ:
		c = find_call(span, e->hangup.call);
		if (!c)
			break;
		if (c->hungup) {
			/* Clear collision (§5.3.5): both sent DISCONNECT; release. */
			pri_hangup(span->pri, c->qc, c->cause);
			set_state(c, PRI_CS_RELEASE_REQUEST);
			break;
		}
		set_state(c, span->p.role == PRI_ROLE_CPE ? PRI_CS_DISCONNECT_INDICATION
			  : PRI_CS_DISCONNECT_REQUEST);
		c->cause = e->hangup.cause;
		call_event(c, PRI_EV_DISCONNECT, e->hangup.cause, false);
		break;
	case PRI_EVENT_HANGUP:
		on_hangup(span, &e->hangup, false);
		break;
	case PRI_EVENT_HANGUP_ACK:
		on_hangup(span, &e->hangup, true);
		break;
	case PRI_EVENT_RESTART:
		on_restart(span, e->restart.channel);
		break;
	case PRI_EVENT_RESTART_ACK:
		on_restart_ack(span, e->restartack.channel);
		break;
	case PRI_EVENT_CONFIG_ERR:
		LOGW(LS_PRI, "span %u: libpri: %s", span->p.span, e->err.err);
		break;
	default:
		LOGD(LS_PRI, "span %u: libpri event %s ignored", span->p.span, pri_event2str(e->e));
		break;
	}
}

/* Socket I/O with DAHDI's FCS convention (docs/architecture.md §4): libpri reads a frame followed by
 * two FCS bytes and writes one with two placeholder bytes at the end. */
static int sock_read(struct pri *pri, void *buf, int buflen)
{
	struct pri_span *span = pri_get_userdata(pri);
	ssize_t n;

	if (span->eof || buflen <= FCS_LEN)
		return 0;
	n = recv(span->p.fd, buf, (size_t)buflen - FCS_LEN, MSG_DONTWAIT);
	if (n > 0) {
		memset((char *)buf + n, 0, FCS_LEN);
		return (int)n + FCS_LEN;
	}
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		if (n < 0)
			LOGW(LS_PRI, "span %u: D-channel read: %s", span->p.span, strerror(errno));
		span->eof = true;
	}
	return 0;
}

static int sock_write(struct pri *pri, void *buf, int buflen)
{
	struct pri_span *span = pri_get_userdata(pri);
	ssize_t n;

	if (span->eof || buflen <= FCS_LEN)
		return -1;
	n = send(span->p.fd, buf, (size_t)buflen - FCS_LEN, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		unsigned supp = 0;
		int err = errno;

		if (log_ratelimit_ok(&span->wr_rl, 0, 5, 1000, &supp))
			LOGW(LS_PRI, "span %u: D-channel write: %s", span->p.span, strerror(err));
		return -1;
	}
	return buflen;
}

static int switch_of(enum pri_switch sw, enum pri_line line)
{
	switch (sw) {
	case PRI_SW_EUROISDN:
		return line == PRI_LINE_T1 ? PRI_SWITCH_EUROISDN_T1 : PRI_SWITCH_EUROISDN_E1;
	case PRI_SW_NI2: return PRI_SWITCH_NI2;
	case PRI_SW_DMS100: return PRI_SWITCH_DMS100;
	case PRI_SW_5ESS: return PRI_SWITCH_LUCENT5E;
	case PRI_SW_4ESS: return PRI_SWITCH_ATT4ESS;
	case PRI_SW_QSIG: return PRI_SWITCH_QSIG;
	}
	return -1;
}

/* Which span a libpri controller belongs to: libpri's log callbacks only name the
 * controller. A few spans per process: a small table is enough. */
#define MAX_CTRLS 64
static struct { const struct pri *ctrl; struct pri_span *span; } ctrls[MAX_CTRLS];

static void ctrl_register(const struct pri *ctrl, struct pri_span *span)
{
	for (unsigned i = 0; i < MAX_CTRLS; i++)
		if (!ctrls[i].ctrl || ctrls[i].ctrl == ctrl) {
			ctrls[i].ctrl = ctrl;
			ctrls[i].span = span;
			return;
		}
}

static struct pri_span *ctrl_span(const struct pri *ctrl)
{
	for (unsigned i = 0; i < MAX_CTRLS; i++)
		if (ctrl && ctrls[i].ctrl == ctrl)
			return ctrls[i].span;
	return NULL;
}

static void ctrl_forget(const struct pri *ctrl)
{
	for (unsigned i = 0; i < MAX_CTRLS; i++)
		if (ctrls[i].ctrl == ctrl)
			ctrls[i].ctrl = NULL;
}

unsigned pri_ctrl_span(const struct pri *ctrl)
{
	struct pri_span *span = ctrl_span(ctrl);

	return span ? span->p.span : 0;
}

void pri_ctrl_message(const struct pri *ctrl, const char *msg)
{
	struct pri_span *span = ctrl_span(ctrl);

	/* libpri's words for Q.921 MDL-ERROR (F), "SABME in state 7" (or 8): see dl_reset_check() */
	if (span && msg && strstr(msg, "MDL-ERROR (F)"))
		span->dl_reset = true;
}

int pri_span_alloc(struct pri_span **spanp, const struct pri_span_params *p)
{
	struct pri_span *span;
	int node, sw;

	if (!spanp || !p || !p->eh || !p->chans || p->fd < 0 || p->role > PRI_ROLE_NET ||
	    p->line > PRI_LINE_T1 || p->io > PRI_IO_SOCKET)
		return EINVAL;
	sw = switch_of(p->sw, p->line);
	if (sw < 0)
		return EINVAL;
	span = calloc(1, sizeof(*span));
	if (!span)
		return ENOMEM;
	span->p = *p;
	node = p->role == PRI_ROLE_NET ? PRI_NETWORK : PRI_CPE;
	if (p->io == PRI_IO_SOCKET)
		span->pri = pri_new_cb(p->fd, node, sw, sock_read, sock_write, span);
	else
		span->pri = pri_new(p->fd, node, sw);
	if (span->pri)
		ctrl_register(span->pri, span);
	if (!span->pri) {
		LOGE(LS_PRI, "span %u: libpri refused to start the D-channel", p->span);
		free(span);
		return EIO;
	}
	pri_set_userdata(span->pri, span);
	pri_set_overlapdial(span->pri, p->overlap);
	pri_facility_enable(span->pri);	/* names on ni2/dms100/qsig come in FACILITY */
	/* Elsewhere (euroisdn) the calling name is the Display IE of SETUP (Q.931 §4.5.16);
	 * libpri's legacy default neither sends nor reads it there. */
	pri_display_options_send(span->pri, PRI_DISPLAY_OPTION_NAME_INITIAL);
	pri_display_options_receive(span->pri, PRI_DISPLAY_OPTION_NAME_INITIAL);
	/* Without this libpri never reports CONNECT ACKNOWLEDGE, and a user answering a
	 * call could not tell U8 from U10; the price is sending our own (see ANSWER). */
	pri_connect_ack_enable(span->pri, 1);
	(void)pri_set_timer(span->pri, PRI_TIMER_T303, T303_MS);
	(void)pri_set_timer(span->pri, PRI_TIMER_T305, T305_MS);
	(void)pri_set_timer(span->pri, PRI_TIMER_T308, T308_MS);
	(void)pri_set_timer(span->pri, PRI_TIMER_T310, T310_MS);
	/* Q.921 state tracing always: libpri reports a data link reset by the far end only
	 * there (pri_ctrl_message()); the lines are logged at debug level. */
	pri_set_debug(span->pri, PRI_DEBUG_Q921_STATE | (log_enabled(LS_PRI, LL_DEBUG) ?
			      PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE : 0));
	/* Until the link is up, this span's channels are not offered to anyone. */
	(void)bchan_set_span_usable(p->chans, p->span, false);
	LOGI(LS_PRI, "span %u: %s %s, %s", p->span, p->role == PRI_ROLE_NET ? "net" : "cpe",
	     pri_switch2str(sw), p->line == PRI_LINE_E1 ? "E1" : "T1");
	*spanp = span;
	return 0;
}

void pri_span_free(struct pri_span *span)
{
	if (!span)
		return;
	ctrl_forget(span->pri);
	while (span->calls) {
		struct pri_call *c = span->calls;

		if (c->qc)
			pri_destroycall(span->pri, c->qc);
		chan_release(c);
		call_unlink_free(c);
	}
	(void)bchan_set_span_usable(span->p.chans, span->p.span, false);
	/* libpri 1.6.0 offers no way to free span->pri: it is left behind, never called
	 * again, so it never touches the fd or this span again. */
	free(span);
}

int pri_span_fd(const struct pri_span *span)
{
	if (!span || span->eof)
		return -1;
	return span->p.fd;
}

static struct timeval now_or(const struct timeval *now)
{
	struct timeval tv;

	if (now)
		return *now;
	gettimeofday(&tv, NULL);
	return tv;
}

int pri_span_next_timeout_ms(struct pri_span *span, const struct timeval *now)
{
	struct timeval *next, t;
	long long ms;

	if (!span)
		return -1;
	for (struct pri_call *c = span->calls; c; c = c->next)
		if (c->finishing)
			return 0;
	next = pri_schedule_next(span->pri);
	if (span->restarting && (!next || timercmp(&span->restart_by, next, <)))
		next = &span->restart_by;
	if (!next)
		return -1;
	t = now_or(now);
	ms = ((long long)next->tv_sec - t.tv_sec) * 1000 +
	     ((long long)next->tv_usec - t.tv_usec + 999) / 1000;
	if (ms < 0)
		return 0;
	return ms > 3600000 ? 3600000 : (int)ms;
}

void pri_span_on_readable(struct pri_span *span)
{
	pri_event *e;

	if (!span || span->eof)
		return;
	e = pri_check_event(span->pri);
	if (e)
		handle(span, e);
	dl_reset_check(span);
	if (span->eof)
		link_down(span, Q850_NETWORK_OUT_OF_ORDER, "far end closed the D-channel");
	run_finishing(span);
}

void pri_span_run_timers(struct pri_span *span)
{
	pri_event *e;

	if (!span)
		return;
	/* pri_schedule_run_tv() is declared but not exported by libpri 1.6.0. */
	while ((e = pri_schedule_run(span->pri)))
		handle(span, e);
	dl_reset_check(span);
	if (span->restarting) {
		struct timeval t = now_or(NULL);
		if (!timercmp(&t, &span->restart_by, <))
			restart_timeout(span);
	}
	run_finishing(span);
}

void pri_span_set_alarm(struct pri_span *span, bool alarm)
{
	if (!span || span->alarm == alarm)
		return;
	span->alarm = alarm;
	if (alarm)
		link_down(span, Q850_NETWORK_OUT_OF_ORDER, "layer 1 alarm");
	else
		link_check_up(span);
}

bool pri_span_dchan_up(const struct pri_span *span)
{
	return span && span->usable;
}

unsigned pri_span_number(const struct pri_span *span)
{
	return span ? span->p.span : 0;
}

enum pri_role pri_span_role(const struct pri_span *span)
{
	return span ? span->p.role : PRI_ROLE_CPE;
}

unsigned pri_span_calls(const struct pri_span *span)
{
	return span ? span->ncalls : 0;
}

int pri_span_set_chans(struct pri_span *span, struct bchan_group *chans)
{
	struct bchan_ref got;
	int cause;

	if (!span || !chans)
		return EINVAL;
	/* The busy state comes from the calls themselves: a channel is busy while a call
	 * holds it (chan_release() frees it from whichever table the span has then). */
	(void)bchan_set_span_usable(chans, span->p.span, true);
	for (struct pri_call *c = span->calls; c; c = c->next) {
		struct bchan_req req = { .want = BCHAN_WANT_EXCLUSIVE, .chan = c->chan };

		if (c->chan.pos && bchan_acquire(chans, &req, &got, &cause)) {
			for (struct pri_call *u = span->calls; u != c; u = u->next)
				if (u->chan.pos)
					(void)bchan_release(chans, u->chan);
			(void)bchan_set_span_usable(chans, span->p.span, false);
			return EBUSY;
		}
	}
	(void)bchan_set_span_usable(chans, span->p.span, span->usable);
	span->p.chans = chans;
	return 0;
}

int pri_call_place(struct pri_span *span, struct pri_call **callp,
		   const struct pri_call_params *p, int *cause)
{
	struct bchan_req req;
	struct bchan_ref got;
	struct pri_sr *sr;
	struct pri_call *c;
	q931_call *qc;
	char called[PRI_NUM_MAX + 1], calling[PRI_NUM_MAX + 1], name[PRI_NAME_MAX + 1];
	int dummy, err, pres;

	if (!cause)
		cause = &dummy;
	if (!span || !callp || !p || !p->called.digits[0])
		return EINVAL;
	if (!span->usable) {
		*cause = Q850_NETWORK_OUT_OF_ORDER;
		return ENOTCONN;
	}
	req = p->chan;
	req.chan.span = span->p.span;
	req.span_only = true;
	err = bchan_acquire(span->p.chans, &req, &got, cause);
	if (err) {
		LOGN(LS_PRI, "span %u: call to '%s' not placed: cause %d (%s)", span->p.span,
		     p->called.digits, *cause, pri_cause2str(*cause));
		return err;
	}
	qc = pri_new_call(span->pri);
	sr = pri_sr_new();
	if (!qc || !sr) {
		err = ENOMEM;
		goto fail;
	}
	/* libpri wants writable strings. */
	copy_str(called, sizeof(called), p->called.digits);
	copy_str(calling, sizeof(calling), p->calling.number.digits);
	copy_str(name, sizeof(name), p->calling.name);
	pres = (((int)p->calling.pres & 0x3) << 5) | ((int)p->calling.screen & 0x3);
	pri_sr_set_channel(sr, (int)got.pos, req.want == BCHAN_WANT_EXCLUSIVE, 0);
	pri_sr_set_bearer(sr, transcap_of(p->bearer), layer1_of(span, p->law));
	pri_sr_set_called(sr, called, plan_of(&p->called), p->complete);
	/* A restricted caller without digits still gets a Calling Party Number IE (Q.931
	 * §4.5.10 allows no digits): it is what says "withheld" rather than "not available". */
	bool number_ie = calling[0] || p->calling.pres == Q931_PRES_RESTRICTED;
	pri_sr_set_caller(sr, number_ie ? calling : NULL, name[0] ? name : NULL,
			  plan_of(&p->calling.number), pres);
	char rdnis[PRI_NUM_MAX + 1];
	if (p->redirecting.number.digits[0]) {
		const struct pri_redirecting *rd = &p->redirecting;
		copy_str(rdnis, sizeof(rdnis), rd->number.digits);
		(void)pri_sr_set_redirecting(sr, rdnis, plan_of(&rd->number),
					     ((int)rd->pres & 0x3) << 5, redir_to_libpri(rd->reason));
	}
	if (pri_setup(span->pri, qc, sr)) {
		err = EIO;
		goto fail;
	}
	pri_sr_free(sr);
	sr = NULL;
	c = call_new(span, qc, true, got);
	if (!c) {
		/* SETUP is out: clear it like any call we cannot carry. */
		pri_hangup(span->pri, qc, Q850_TEMPORARY_FAILURE);
		(void)bchan_release(span->p.chans, got);
		*cause = Q850_TEMPORARY_FAILURE;
		return ENOMEM;
	}
	c->user = p->user;
	set_state(c, orig_path(c) ? PRI_CS_CALL_INITIATED : PRI_CS_CALL_PRESENT);
	CLOG(LL_INFO, c, "SETUP from '%s' to '%s' (ton %d npi %d)%s%s", calling, called,
	     p->called.ton, p->called.npi, req.want == BCHAN_WANT_EXCLUSIVE ? " exclusive" : "",
	     p->complete ? " complete" : "");
	*callp = c;
	return 0;
fail:
	LOGE(LS_PRI, "span %u: libpri could not send SETUP to '%s'", span->p.span,
	     p->called.digits);
	if (sr)
		pri_sr_free(sr);
	if (qc)
		pri_destroycall(span->pri, qc);
	(void)bchan_release(span->p.chans, got);
	*cause = Q850_TEMPORARY_FAILURE;
	return err;
}

/* An incoming call that has not been answered nor cleared. */
static bool incoming_open(const struct pri_call *c)
{
	if (!c->qc || c->outgoing || c->hungup)
		return false;
	switch (c->state) {
	case PRI_CS_CALL_INITIATED:
	case PRI_CS_OVERLAP_SENDING:
	case PRI_CS_OUTGOING_CALL_PROCEEDING:
	case PRI_CS_CALL_DELIVERED:
	case PRI_CS_CALL_PRESENT:
	case PRI_CS_CALL_RECEIVED:
	case PRI_CS_INCOMING_CALL_PROCEEDING:
	case PRI_CS_OVERLAP_RECEIVING:
		return true;
	default:
		return false;
	}
}

static bool first_response(const struct pri_call *c)
{
	return c->state == PRI_CS_CALL_INITIATED || c->state == PRI_CS_CALL_PRESENT ||
	       c->state == PRI_CS_OVERLAP_SENDING || c->state == PRI_CS_OVERLAP_RECEIVING;
}

int pri_call_more_info(struct pri_call *c)
{
	if (!c)
		return EINVAL;
	if (!incoming_open(c) || (c->state != PRI_CS_CALL_INITIATED &&
				  c->state != PRI_CS_CALL_PRESENT))
		return EPROTO;
	if (pri_need_more_info(c->span->pri, c->qc, (int)c->chan.pos, 0))
		return EIO;
	set_state(c, orig_path(c) ? PRI_CS_OVERLAP_SENDING : PRI_CS_OVERLAP_RECEIVING);
	return 0;
}

int pri_call_digits(struct pri_call *c, const char *digits)
{
	if (!c || !digits)
		return EINVAL;
	if (!c->qc || !c->outgoing || c->hungup)
		return EPROTO;
	for (const char *d = digits; *d; d++)
		if (pri_information(c->span->pri, c->qc, *d))
			return EIO;
	CLOG(LL_DEBUG, c, "INFO '%s' sent", digits);
	return 0;
}

int pri_call_proceeding(struct pri_call *c)
{
	if (!c)
		return EINVAL;
	if (!incoming_open(c) || !first_response(c))
		return EPROTO;
	if (pri_proceeding(c->span->pri, c->qc, (int)c->chan.pos, 0))
		return EIO;
	set_state(c, orig_path(c) ? PRI_CS_OUTGOING_CALL_PROCEEDING
		  : PRI_CS_INCOMING_CALL_PROCEEDING);
	return 0;
}

int pri_call_alerting(struct pri_call *c, bool inband)
{
	if (!c)
		return EINVAL;
	if (!incoming_open(c) || c->state == PRI_CS_CALL_RECEIVED ||
	    c->state == PRI_CS_CALL_DELIVERED)
		return EPROTO;
	if (pri_acknowledge(c->span->pri, c->qc, (int)c->chan.pos, inband))
		return EIO;
	set_state(c, orig_path(c) ? PRI_CS_CALL_DELIVERED : PRI_CS_CALL_RECEIVED);
	return 0;
}

int pri_call_progress(struct pri_call *c, bool inband)
{
	if (!c)
		return EINVAL;
	if (!incoming_open(c))
		return EPROTO;
	if (pri_progress(c->span->pri, c->qc, (int)c->chan.pos, inband))
		return EIO;
	CLOG(LL_DEBUG, c, "PROGRESS sent%s", inband ? " (in-band)" : "");
	return 0;
}

int pri_call_answer(struct pri_call *c)
{
	if (!c)
		return EINVAL;
	if (!incoming_open(c))
		return EPROTO;
	if (pri_answer(c->span->pri, c->qc, (int)c->chan.pos, 0))
		return EIO;
	/* The user waits for CONNECT ACKNOWLEDGE in U8; the network is active at once. */
	set_state(c, orig_path(c) ? PRI_CS_ACTIVE : PRI_CS_CONNECT_REQUEST);
	return 0;
}

/* libpri's q931_hangup() answers these causes with RELEASE COMPLETE in every state before
 * the call is active and drops the call record at once, with no event to follow: the
 * call is over the moment pri_hangup() returns (Q.931 §5.3.2 a/e). */
static bool cleared_by_release_complete(const struct pri_call *c)
{
	switch (c->cause) {
	case 1: case 34: case 44: case 81: case 82:
		break;
	default:
		return false;
	}
	switch (c->state) {
	case PRI_CS_CALL_INITIATED: case PRI_CS_OVERLAP_SENDING:
	case PRI_CS_OUTGOING_CALL_PROCEEDING: case PRI_CS_CALL_DELIVERED:
	case PRI_CS_CALL_PRESENT: case PRI_CS_CALL_RECEIVED: case PRI_CS_CONNECT_REQUEST:
	case PRI_CS_INCOMING_CALL_PROCEEDING: case PRI_CS_OVERLAP_RECEIVING:
		return true;
	default:
		return false;
	}
}

int pri_call_hangup(struct pri_call *c, int cause)
{
	struct pri_span *span;

	if (!c)
		return EINVAL;
	if (c->hungup || c->finishing)
		return 0;
	span = c->span;
	c->hungup = true;
	c->cause = cause > 0 && cause < 128 ? cause : Q850_NORMAL_CLEARING;
	CLOG(LL_INFO, c, "hangup, cause %d (%s)", c->cause, pri_cause2str(c->cause));
	if (!c->qc) {
		c->finishing = true;
		return 0;
	}
	if (!c->outgoing && first_response(c)) {
		/* Unanswered and not yet proceeding: libpri would send nothing for most causes
		 * and the far end would wait for T303 (docs/architecture.md §4). Proceed, then clear. */
		(void)pri_proceeding(span->pri, c->qc, (int)c->chan.pos, 0);
		set_state(c, orig_path(c) ? PRI_CS_OUTGOING_CALL_PROCEEDING
			  : PRI_CS_INCOMING_CALL_PROCEEDING);
	}
	if ((span->p.role == PRI_ROLE_CPE && c->state == PRI_CS_DISCONNECT_INDICATION) ||
	    (span->p.role == PRI_ROLE_NET && c->state == PRI_CS_DISCONNECT_REQUEST)) {
		/* The far end disconnected first: this is our RELEASE (§5.3.3/§5.3.4). */
		pri_hangup(span->pri, c->qc, c->cause);
		set_state(c, PRI_CS_RELEASE_REQUEST);
		return 0;
	}
	if (cleared_by_release_complete(c)) {
		pri_hangup(span->pri, c->qc, c->cause);
		c->qc = NULL;		/* libpri has destroyed it */
		c->finishing = true;	/* RELEASE event on the next pass */
		return 0;
	}
	pri_hangup(span->pri, c->qc, c->cause);
	set_state(c, span->p.role == PRI_ROLE_CPE ? PRI_CS_DISCONNECT_REQUEST
		  : PRI_CS_DISCONNECT_INDICATION);
	return 0;
}

struct bchan_ref pri_call_chan(const struct pri_call *c)
{
	return c ? c->chan : (struct bchan_ref){ 0, 0 };
}

enum pri_call_state pri_call_state(const struct pri_call *c)
{
	return c ? c->state : PRI_CS_NULL;
}

bool pri_call_outgoing(const struct pri_call *c)
{
	return c && c->outgoing;
}

unsigned pri_call_id(const struct pri_call *c)
{
	return c ? c->id : 0;
}

struct pri_span *pri_call_span(const struct pri_call *c)
{
	return c ? c->span : NULL;
}

void pri_call_set_user(struct pri_call *c, void *user)
{
	if (c)
		c->user = user;
}

void *pri_call_user(const struct pri_call *c)
{
	return c ? c->user : NULL;
}
