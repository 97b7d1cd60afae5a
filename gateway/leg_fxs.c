/* The FXS leg: a phone on an analog port (a DAHDI fxoks channel: the gateway feeds the line
 * and rings the phone; tdm/analog.h).
 *
 * The port lives as long as the daemon; a leg lives as long as one call. Going off-hook
 * gives dial tone from the port's zone; DTMF digits are detected in the daemon's loop (the
 * port's fd is read only while digits are collected; in a call the media engine reads it)
 * and matched against the port's dial plan, or routed as soon as a route matches
 * uniquely; '#' sends at once. The call is then leg A of a call to wherever the route goes.
 * As leg B (a route "to = port N:P") the port rings with the zone's cadence (or the
 * distinctive ring the INVITE's Alert-Info names: gateway/dring.h), sends caller ID after
 * the first ring (a distinctive ring's longest pause), and answers on off-hook. A hook
 * flash in an answered call goes to SIP as RFC 4733 event 16, unless a second call waits or
 * is held (call waiting, below: the flash swaps). When the far end clears first
 * the phone hears busy (cause 17) or reorder, then the off-hook warning ("howler"). Events
 * of the line reach the call from a zero timer, never from inside a call's operation. */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/clock.h"
#include "common/log.h"
#include "gateway/call.h"
#include "gateway/ctl_cmd.h"
#include "gateway/cause.h"
#include "gateway/dialplan.h"
#include "gateway/dring.h"
#include "gateway/leg.h"
#include "gateway/route.h"
#include "media/callerid.h"
#include "media/dtmf.h"
#include "media/g711.h"
#include "sip/mwi.h"
#include "sip/mwi_sub.h"
#include "sip/reg.h"
#include "sip/trunk.h"
#include "tdm/analog.h"
#include "tdm/dahdi.h"
#include "tdm/span.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CID_AFTER_RING_MS	500	/* [ms] after the first ring, before caller ID */
#define TE_EVENT_FLASH	16	/* RFC 4733 event: hook flash */
#define FLASH_EVENT_MS	300	/* [ms] its length on the wire: a flash as a phone sends it */
/* [ms] the alert starts once the media engine let go of the channel (media_released), or
 * after this when the call had no stream */
#define CW_MUTE_MS	1000
#define CW_TONE_DEFAULT	"440/300"	/* call-waiting tone (GR-506) if the zone has none */
/* [ms] after the CAS, for the phone's DTMF acknowledgement: GR-30-CORE gives the CPE 100 ms
 * (ETSI EN 300 659-2: 160 ms); more here for a phone whose audio path lags (emulation) */
#define CW_ACK_MS	1000
#define FXS_PEND_MAX	4	/* legs with events pending for the zero timer */

/* The call-waiting alert (type II caller ID, GR-30-CORE §3, ETSI EN 300 659-2): the call's
 * audio off the channel, the zone's call-waiting tone, the CAS, the phone's DTMF A or D,
 * the FSK message, the call's audio back. */
enum fxs_cw {
	CW_NONE,		/* no alert: the call's audio flows */
	CW_MUTE,		/* waiting for the media engine to let go */
	CW_ACK,			/* tone and CAS sent, listening for the acknowledgement */
	CW_PLAY,		/* the tone alone, or the caller ID, going out */
};

static const char *const cw_step_names[] = {
	[CW_NONE] = "none", [CW_MUTE] = "muting the call", [CW_ACK] = "waiting for the ACK",
	[CW_PLAY] = "tone or caller ID going out",
};

/* The port's line state, from the phone's point of view. */
enum fxs_state {
	FXS_IDLE,		/* on-hook, nothing to do */
	FXS_DIALTONE,		/* off-hook, dial tone, no digit yet */
	FXS_COLLECTING,		/* off-hook, digits coming */
	FXS_CALLING,		/* leg A of a call: the number is dialled */
	FXS_RINGING,		/* leg B of a call: ringing the phone */
	FXS_CONNECTED,		/* leg B, answered */
	FXS_CLEARED,		/* off-hook, the call is over (or dialling failed): busy/reorder */
	FXS_HOWLER,		/* off-hook too long after that: off-hook warning */
	FXS_STATE_COUNT
};

static const char *const fxs_state_names[FXS_STATE_COUNT] = {
	[FXS_IDLE] = "idle", [FXS_DIALTONE] = "dial tone", [FXS_COLLECTING] = "collecting",
	[FXS_CALLING] = "calling", [FXS_RINGING] = "ringing", [FXS_CONNECTED] = "connected",
	[FXS_CLEARED] = "cleared", [FXS_HOWLER] = "howler",
};

struct leg_fxs;

struct fxs_port {
	struct daemon *d;
	struct tdm_span *span;
	unsigned spanno, pos;
	char number[CONF_NAME_MAX];
	char username[CONF_NAME_MAX];	/* its SIP user (registered ports), else "" */
	struct conf_port cp;		/* the port's settings (a copy: reload-safe) */
	struct sip_reg *reg;		/* its own registration (register = trunk NAME) */
	struct gw_trunk *reg_trunk;	/* that trunk, referenced while reg lives */
	struct sip_mwi_sub *mwi_sub;	/* mwi = subscribe: its message-summary subscription */
	struct conf_route reg_route;	/* "to = port N:P": an INVITE for username */
	struct dialplan *plan;		/* NULL: dial once a route matches uniquely */
	enum g711_law law;
	enum fxs_state st;
	enum analog_tone cleared_tone;	/* FXS_CLEARED: busy or reorder */
	bool offhook;
	bool hook_off;			/* we took DAHDI's side off-hook to answer (stops the
					 * ringing); DAHDI refuses to ring again (EBUSY) until it
					 * is put back on-hook */
	bool zone_set;			/* DAHDI has the port's tone zone */
	bool reading;			/* the loop reads the fd for DTMF */
	bool echocan;			/* the call's echo canceller runs */
	char digits[33];
	struct dtmf_det *det;
	su_timer_t *timer;		/* digits, ring timeout, howler */
	su_timer_t *defer;		/* events to the call, outside its operations */
	struct leg_fxs *leg;		/* the call's leg on the port, or NULL */
	/* caller ID for the phone, played after the first ring */
	struct callerid cid;
	bool cid_wanted, cid_done;
	unsigned cid_after;		/* caller ID in the silence after this burst (1: the
					 * first; a distinctive ring's longest pause) */
	unsigned bursts;		/* ring bursts ended since ringing began */
	int16_t *cid_audio;
	size_t cid_len, cid_pos;
	su_timer_t *cid_timer;
	bool mwi;			/* messages waiting (RFC 3842 NOTIFY): stutter dial tone */
	/* call waiting: the port's second leg (waiting to be answered, or held) */
	struct leg_fxs *other;
	enum fxs_cw cw;
	su_timer_t *cw_timer;		/* the alert's steps */
	uint64_t cw_heard_at;		/* [us] when the phone has heard what cw_play wrote */
	su_timer_t *wait_timer;		/* the waiting call unanswered: ring_timeout */
	struct leg_fxs *pend[FXS_PEND_MAX];	/* legs with events for the zero timer */
	unsigned npend;
};

struct leg_fxs {
	struct leg leg;			/* first */
	struct fxs_port *port;		/* NULL once the leg is gone */
	struct fxs_port *home;		/* the port, also after the leg is gone */
	unsigned spanno, pos;		/* the port's, for the summary */
	bool b;				/* leg B (the call rings the phone) */
	bool over;			/* cleared: GONE is pending or raised */
	bool talking;			/* answered (either way) */
	bool waiting;			/* call waiting: not answered yet (the port's other) */
	bool held;			/* call waiting: on hold by a flash */
	/* events for the call, raised from the zero timer */
	bool ev_alerting, ev_answer, ev_cleared, ev_gone, ev_media, ev_hold;
	bool hold;			/* ev_hold: on hold (else taken back) */
	int cause;
};

static const struct leg_ops fxs_ops;

static struct leg_fxs *lf_of(struct leg *l) { return (struct leg_fxs *)l; }
static const struct leg_fxs *clf_of(const struct leg *l) { return (const struct leg_fxs *)l; }

struct analog_ports {
	struct fxs_port *ports;
	unsigned n;
};

#define PLOG(lvl, p, fmt, ...) \
	LOG_AT(LS_CALL, lvl, "port %u:%u: " fmt, (p)->spanno, (p)->pos, ##__VA_ARGS__)

static int port_fd(const struct fxs_port *p)
{
	return tdm_span_chan_fd(p->span, p->pos);
}

static void set_state(struct fxs_port *p, enum fxs_state st)
{
	if (p->st == st)
		return;
	PLOG(LL_INFO, p, "%s -> %s", fxs_state_names[p->st], fxs_state_names[st]);
	p->st = st;
}

static void tone(struct fxs_port *p, enum analog_tone t)
{
	int fd = port_fd(p), err;

	if (fd < 0)
		return;
	if (!p->zone_set && t != ANALOG_TONE_OFF) {
		err = analog_set_zone(fd, p->d->conf->general.dahdi_dir, p->cp.tone_zone);
		if (err)
			PLOG(LL_WARN, p, "tone zone %s: %s", p->cp.tone_zone, strerror(err));
		p->zone_set = !err;
	}
	err = analog_tone(fd, t);
	if (err)
		PLOG(LL_WARN, p, "tone %d: %s", (int)t, strerror(err));
}

static void reading(struct fxs_port *p, bool on)
{
	gw_port_reading(p->d, port_fd(p), &p->reading, on);
}

/* The call's audio runs through the span's echo canceller, if it has one; off when the
 * call is done with the channel (leg_over, to_idle). */
static unsigned echocan(struct fxs_port *p, bool on)
{
	return gw_port_echocan(p->d, p->spanno, p->pos, port_fd(p), &p->echocan, on);
}

static void timer_stop(struct fxs_port *p)
{
	if (p->timer)
		su_timer_reset(p->timer);
}

static void on_timer(struct daemon *d, su_timer_t *t, void *arg);

static void timer_start(struct fxs_port *p, unsigned ms)
{
	(void)gw_timer_arm(p->d, &p->timer, on_timer, p, ms);
}

/* ---- events to the call, from the zero timer ------------------------------------------ */

static void on_defer(struct daemon *d, su_timer_t *t, void *arg);

/* The leg's events go to its call from the zero timer (in the order deferred). */
static void defer(struct fxs_port *p, struct leg_fxs *l)
{
	unsigned i = 0;

	while (i < p->npend && p->pend[i] != l)
		i++;
	if (i == p->npend && p->npend < FXS_PEND_MAX)
		p->pend[p->npend++] = l;
	(void)gw_timer_arm(p->d, &p->defer, on_defer, p, 0);
}

static void emit(struct leg_fxs *l, enum leg_event_type type, int cause)
{
	struct leg_event ev = { .type = type, .cause = cause };

	(void)call_leg_event(&l->leg, &ev);
}

/* The leg is over: detach it from the port and raise GONE from the zero timer. */
static unsigned echocan(struct fxs_port *p, bool on);

/* The leg is over (the port's channel may still serve its other call). */
static void leg_end(struct fxs_port *p, struct leg_fxs *l, int cause)
{
	if (!l || l->over)
		return;
	l->over = true;
	l->ev_gone = true;
	l->cause = cause;
	defer(p, l);
}

static void leg_over(struct fxs_port *p, struct leg_fxs *l, int cause)
{
	(void)echocan(p, false);	/* the call is done with the channel's audio */
	leg_end(p, l, cause);
}

static void deliver(struct fxs_port *p, struct leg_fxs *l)
{
	/* Each event may end the call (the leg stays until its GONE): flags first. */
	if (l->ev_alerting && !l->over) {
		l->ev_alerting = false;
		struct leg_event ev = { .type = LEG_EV_ALERTING };
		(void)call_leg_event(&l->leg, &ev);
	}
	if (l->ev_answer && !l->over) {
		l->ev_answer = false;
		emit(l, LEG_EV_ANSWER, 0);
	}
	if (l->ev_hold && !l->over) {
		l->ev_hold = false;
		struct leg_event ev = { .type = LEG_EV_HOLD, .hold = l->hold };
		(void)call_leg_event(&l->leg, &ev);
	}
	if (l->ev_media && !l->over) {
		l->ev_media = false;
		emit(l, LEG_EV_MEDIA, 0);
	}
	if (l->ev_cleared) {
		l->ev_cleared = false;
		emit(l, LEG_EV_CLEARED, l->cause);
	}
	if (l->ev_gone) {
		if (p->leg == l)
			p->leg = NULL;
		if (p->other == l)
			p->other = NULL;
		l->port = NULL;
		emit(l, LEG_EV_GONE, l->cause);	/* l may be freed */
	}
}

static void on_defer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxs_port *p = arg;
	struct leg_fxs *legs[FXS_PEND_MAX];
	unsigned n = p->npend;

	memcpy(legs, p->pend, sizeof(legs));
	p->npend = 0;
	for (unsigned i = 0; i < n; i++)
		if (legs[i]->port == p)
			deliver(p, legs[i]);
}

/* ---- caller ID after the first ring ----------------------------------------------------- */

static void on_cid_timer(struct daemon *d, su_timer_t *t, void *arg);

/* Write what the channel takes now (blocks of 160 samples; DAHDI keeps 16 of them); the
 * rest on the next tick. */
static void cid_push(struct fxs_port *p)
{
	int fd = port_fd(p);
	uint8_t buf[DAHDI_FRAME_BYTES];

	while (fd >= 0 && p->cid_audio && p->cid_pos < p->cid_len) {
		size_t n = p->cid_len - p->cid_pos;
		if (n > DAHDI_FRAME_BYTES)
			n = DAHDI_FRAME_BYTES;
		g711_block_encode(p->law, buf, p->cid_audio + p->cid_pos, n);
		memset(buf + n, g711_silence(p->law), sizeof(buf) - n);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;	/* full (EAGAIN) or an event queued (ELAST): next tick */
		p->cid_pos += n;
	}
	if (p->cid_audio && p->cid_pos < p->cid_len) {
		(void)gw_timer_arm(p->d, &p->cid_timer, on_cid_timer, p, 40);
		return;
	}
	free(p->cid_audio);
	p->cid_audio = NULL;
}

static void cid_send(struct fxs_port *p);

/* The pause after the first ring has passed (cid_audio not made yet), or the channel has
 * room for more of it. */
static void on_cid_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxs_port *p = arg;

	if (p->cid_audio)
		cid_push(p);
	else if (p->st == FXS_RINGING)
		cid_send(p);
}

static void cid_stop(struct fxs_port *p)
{
	if (p->cid_timer)
		su_timer_reset(p->cid_timer);
	free(p->cid_audio);
	p->cid_audio = NULL;
}

/* Render id in std into cid_audio for cid_push(). 0, or an errno with nothing kept and
 * "WHAT not sent" logged. */
static int cid_render(struct fxs_port *p, enum callerid_std std, const struct callerid *id,
		      const char *what)
{
	size_t max = callerid_max_samples();
	int n;

	p->cid_audio = malloc(max * sizeof(*p->cid_audio));
	if (!p->cid_audio)
		return ENOMEM;
	n = callerid_render(std, id, p->cid_audio, max);
	if (n <= 0) {
		PLOG(LL_WARN, p, "%s not sent: %s", what, strerror(n ? -n : EINVAL));
		cid_stop(p);
		return n ? -n : EINVAL;
	}
	p->cid_len = (size_t)n;
	p->cid_pos = 0;
	return 0;
}

static void cid_send(struct fxs_port *p)
{
	if (!p->cid_wanted || p->cid_done || p->cp.caller_id == CID_NONE)
		return;
	p->cid_done = true;
	enum callerid_std std = p->cp.caller_id == CID_V23 ? CALLERID_V23 :
				p->cp.caller_id == CID_DTMF ? CALLERID_DTMF : CALLERID_BELL202;
	if (cid_render(p, std, &p->cid, "caller ID"))
		return;
	PLOG(LL_INFO, p, "caller ID %s: number '%s'%s, name '%s' (%zu ms)",
	     callerid_std_name(std), p->cid.number,
	     p->cid.number_absent == CALLERID_PRIVATE ? " (private)" :
	     p->cid.number_absent == CALLERID_UNAVAILABLE ? " (unavailable)" : "",
	     p->cid.name, p->cid_len / 8);
	cid_push(p);
}

/* The caller, for the phone's caller ID (GR-30: private 'P', unavailable 'O'). */
static void cid_from_caller(struct fxs_port *p, const struct pri_party *cp)
{
	memset(&p->cid, 0, sizeof(p->cid));
	p->cid.mwi = -1;
	if (cp && cp->pres == Q931_PRES_RESTRICTED) {
		p->cid.number_absent = p->cid.name_absent = CALLERID_PRIVATE;
	} else {
		size_t k = 0;
		for (const char *s = cp ? cp->number.digits : ""; *s && k + 1 < sizeof(p->cid.number); s++)
			if (*s >= '0' && *s <= '9')
				p->cid.number[k++] = *s;
		p->cid.number[k] = '\0';
		if (!k)
			p->cid.number_absent = CALLERID_UNAVAILABLE;
		snprintf(p->cid.name, sizeof(p->cid.name), "%.*s", (int)sizeof(p->cid.name) - 1,
			 cp ? cp->name : "");
		if (!p->cid.name[0])
			p->cid.name_absent = CALLERID_UNAVAILABLE;
	}
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm))
		snprintf(p->cid.datetime, sizeof(p->cid.datetime), "%02u%02u%02u%02u",
			 (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100,
			 (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100);
}

/* ---- dialling (leg A) ------------------------------------------------------------------- */

static void fail_dialling(struct fxs_port *p, const char *why)
{
	PLOG(LL_NOTICE, p, "%s: reorder", why);
	reading(p, false);
	timer_stop(p);
	set_state(p, FXS_CLEARED);
	p->cleared_tone = ANALOG_TONE_CONGESTION;
	tone(p, ANALOG_TONE_CONGESTION);
	timer_start(p, p->cp.howler_after * 1000);
}

static struct leg_fxs *leg_new(struct fxs_port *p, bool b)
{
	struct leg_fxs *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->leg.ops = &fxs_ops;
	l->port = p;
	l->home = p;
	l->spanno = p->spanno;
	l->pos = p->pos;
	l->b = b;
	return l;
}

/* The digits so far: route them as the call's number; complete: no more will come. */
static void try_route(struct fxs_port *p, bool complete)
{
	struct daemon *d = p->d;
	struct conf_endpoint src = { .kind = EP_SPAN, .span = p->spanno };
	struct route_result rr;
	char number[sizeof(p->digits)];
	size_t n;

	snprintf(number, sizeof(number), "%s", p->digits);
	n = strlen(number);
	if (n && number[n - 1] == '#') {	/* '#' sends at once */
		number[--n] = '\0';
		complete = true;
	}
	if (p->plan && !complete) {
		switch (dialplan_match(p->plan, number)) {
		case DIALPLAN_NOMATCH:
			fail_dialling(p, "the dial plan has no such number");
			return;
		case DIALPLAN_MORE:
		case DIALPLAN_AMBIGUOUS:
			timer_start(p, p->cp.digit_ms);
			return;
		case DIALPLAN_COMPLETE:
			complete = true;
			break;
		}
	}
	if (!n) {
		fail_dialling(p, "no digits");
		return;
	}
	switch (route_lookup(d->routes, &src, number, complete, &rr)) {
	case ROUTE_NEED_MORE:
		timer_start(p, p->cp.digit_ms);
		return;
	case ROUTE_NO_MATCH:
		fail_dialling(p, "no route for the number");
		return;
	case ROUTE_MATCH:
		break;
	}
	if (rr.route->to.kind != EP_TRUNK) {
		fail_dialling(p, "the route does not lead to a trunk (not supported from a port)");
		return;
	}
	timer_stop(p);
	reading(p, false);
	tone(p, ANALOG_TONE_OFF);

	struct leg_fxs *a = leg_new(p, false);
	struct leg *b;
	struct call *c;
	if (!a || leg_sip_alloc_out(&b, d)) {
		free(a);
		fail_dialling(p, "out of memory");
		return;
	}
	a->leg.live = true;
	if (call_alloc(&c, &d->calls, &a->leg, b)) {	/* frees both legs */
		fail_dialling(p, "out of memory");
		return;
	}
	p->leg = a;
	set_state(p, FXS_CALLING);
	d->stats.calls_in_tdm++;
	struct call_info *ci = call_info(c);
	snprintf(ci->called, sizeof(ci->called), "%s", rr.number);
	memset(&ci->caller, 0, sizeof(ci->caller));
	snprintf(ci->caller.number.digits, sizeof(ci->caller.number.digits), "%s", p->number);
	snprintf(ci->caller.name, sizeof(ci->caller.name), "%s", p->cp.caller_id_name);
	ci->caller.pres = p->number[0] ? Q931_PRES_ALLOWED : Q931_PRES_UNAVAILABLE;
	snprintf(ci->calling, sizeof(ci->calling), "%s", p->number);
	CLOG(LL_INFO, c, "port %u:%u dialled %s (from %s%s%s%s) -> %s (route %s)", p->spanno,
	     p->pos, number, p->number[0] ? p->number : "(no number)",
	     p->cp.caller_id_name[0] ? ", name '" : "", p->cp.caller_id_name,
	     p->cp.caller_id_name[0] ? "'" : "", ci->called, rr.route->name);
	struct leg_place lp = {
		.called = ci->called,
		.caller = &ci->caller,
		.plan = route_span_plan(d, p->spanno),
		.to = &rr.route->to,
		.route = rr.route->name,
		.alaw = p->law == G711_LAW_ALAW,
	};
	if (p->reg) {	/* out as the port's own SIP user, on its trunk */
		lp.sip_trunk = p->reg_trunk->name;
		lp.sip_user = p->username;
		lp.sip_password = p->cp.password[0] ? p->cp.password : NULL;
	}
	(void)call_place(c, &lp);
}

static void cw_digit(struct fxs_port *p, char digit);

static void on_digit(struct fxs_port *p, char digit)
{
	size_t n = strlen(p->digits);

	if (p->cw == CW_ACK) {
		cw_digit(p, digit);
		return;
	}
	if (p->st != FXS_DIALTONE && p->st != FXS_COLLECTING)
		return;
	if (p->st == FXS_DIALTONE) {
		tone(p, ANALOG_TONE_OFF);
		set_state(p, FXS_COLLECTING);
	}
	if (n + 1 >= sizeof(p->digits)) {
		fail_dialling(p, "too many digits");
		return;
	}
	p->digits[n] = digit;
	p->digits[n + 1] = '\0';
	PLOG(LL_DEBUG, p, "digit %c: %s", digit, p->digits);
	try_route(p, false);
}

/* ---- the line --------------------------------------------------------------------------- */

static void offhook_idle(struct fxs_port *p)
{
	cid_stop(p);	/* a message waiting indicator still going out */
	p->digits[0] = '\0';
	set_state(p, FXS_DIALTONE);
	/* messages waiting: the zone's stutter dial tone (GR-506's "message waiting" tone) */
	tone(p, p->mwi ? ANALOG_TONE_STUTTER : ANALOG_TONE_DIAL);
	reading(p, true);
	timer_start(p, p->cp.first_digit_ms);
}

static void cw_stop(struct fxs_port *p);

static void to_idle(struct fxs_port *p)
{
	cw_stop(p);
	timer_stop(p);
	reading(p, false);
	(void)echocan(p, false);
	cid_stop(p);
	tone(p, ANALOG_TONE_OFF);
	set_state(p, FXS_IDLE);
}

static void on_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxs_port *p = arg;
	struct leg_fxs *l = p->leg;

	switch (p->st) {
	case FXS_DIALTONE:
		fail_dialling(p, "no digit dialled");
		break;
	case FXS_COLLECTING:
		try_route(p, true);	/* the inter-digit timeout ends the number */
		break;
	case FXS_RINGING:
		/* No answer (Q.850 cause 19: alerting, no answer). */
		PLOG(LL_NOTICE, p, "no answer after %u s: cause 19", p->cp.ring_timeout);
		(void)analog_hook(port_fd(p), ANALOG_RINGOFF);
		to_idle(p);
		if (l) {
			l->ev_cleared = true;
			l->cause = CAUSE_NO_ANSWER;
			leg_over(p, l, CAUSE_NO_ANSWER);
		}
		break;
	case FXS_CLEARED:
		/* Off-hook too long after the call: the off-hook warning, as the zone's
		 * congestion (reorder) tone: DAHDI's tone zones define no howler. */
		set_state(p, FXS_HOWLER);
		tone(p, ANALOG_TONE_CONGESTION);
		break;
	default:
		break;
	}
}

/* DAHDI tells a flash from a hang-up by the on-hook's length: flash_max_ms. A flash is
 * longer than DAHDI's pulse limit (ANALOG_PULSE_MAX_MS), a shorter on-hook a dial pulse. */
static void flash_limit(struct fxs_port *p)
{
	int err = analog_set_flash(port_fd(p), p->cp.flash_max_ms);

	if (err)
		PLOG(LL_WARN, p, "cannot set the flash limit to %u ms: %s", p->cp.flash_max_ms,
		     strerror(err));
}

/* A hook flash in an answered call goes to SIP as RFC 4733 event 16 (RFC 2833 §3.10's
 * "flash", kept in the registry RFC 4733 §3.2 keeps): the far end (a SIP PBX) decides what
 * it means, hold and a second dial tone, transfer or the waiting call. The gateway does not
 * hold or dial itself. Elsewhere (dialling, ringing, cleared) a flash means nothing. */
static void flash(struct fxs_port *p)
{
	struct leg_fxs *l = p->leg;
	struct call *c = l && !l->over ? l->leg.call : NULL;
	int err;

	if (!c || call_state(c) != CALL_ACTIVE ||
	    (p->st != FXS_CALLING && p->st != FXS_CONNECTED)) {
		PLOG(LL_INFO, p, "hook flash in state %s (ignored: no answered call)",
		     fxs_state_names[p->st]);
		return;
	}
	err = route_media_te_event(p->d, c, TE_EVENT_FLASH, FLASH_EVENT_MS);
	if (err)
		CLOG(LL_NOTICE, c, "hook flash on port %u:%u not sent: %s", p->spanno, p->pos,
		     err == ENOTSUP ? "the peer takes no telephone-event 16" :
		     err == ENOTCONN ? "no RTP stream" : strerror(err));
	else
		CLOG(LL_INFO, c, "hook flash on port %u:%u: sent as RFC 4733 event %u (%u ms)",
		     p->spanno, p->pos, TE_EVENT_FLASH, FLASH_EVENT_MS);
}

/* ---- call waiting (a second call while the phone talks) ---------------------------------- */

static bool leg_live(const struct leg_fxs *l) { return l && !l->over; }

/* The leg's event to its call from the zero timer: hold (on) or take back. */
static void hold_leg(struct fxs_port *p, struct leg_fxs *l, bool on)
{
	if (!leg_live(l) || l->held == on)
		return;
	l->held = on;
	l->hold = on;
	l->ev_hold = true;
	defer(p, l);
}

/* The phone takes the leg: answers a call that rang or waited, resumes a held one. */
static void answer_leg(struct fxs_port *p, struct leg_fxs *l)
{
	if (l->held) {
		hold_leg(p, l, false);
	} else if (!l->talking) {
		l->ev_answer = true;
		defer(p, l);
	}
	l->waiting = false;
	l->talking = true;
}

static void on_cw_timer(struct daemon *d, su_timer_t *t, void *arg);

static void cw_step(struct fxs_port *p, enum fxs_cw cw, unsigned ms)
{
	PLOG(LL_DEBUG, p, "call waiting: step %d, %u ms", (int)cw, ms);
	p->cw = cw;
	(void)gw_timer_arm(p->d, &p->cw_timer, on_cw_timer, p, ms);
}

/* The alert is over (or cut short): the talking call's audio comes back. */
static void cw_stop(struct fxs_port *p)
{
	if (p->cw == CW_NONE)
		return;
	if (p->cw_timer)
		su_timer_reset(p->cw_timer);
	cid_stop(p);
	reading(p, false);
	p->cw = CW_NONE;
	if (leg_live(p->leg) && p->leg->talking) {
		p->leg->ev_media = true;
		defer(p, p->leg);
	}
}

static bool cw_type2(const struct fxs_port *p)
{
	return p->cp.caller_id == CID_BELL202 || p->cp.caller_id == CID_V23;	/* FSK only */
}

/* Audio for the phone, written while the call's audio is off the channel, behind what the
 * media engine wrote last: the alert (the zone's call-waiting tone, then the CAS when type II
 * caller ID follows), or the caller ID. */
static void cw_play(struct fxs_port *p, bool alert)
{
	enum callerid_std std = p->cp.caller_id == CID_V23 ? CALLERID_V23 : CALLERID_BELL202;
	const char *def = analog_zone_tone(p->cp.tone_zone, ANALOG_TONE_CALLWAIT);
	size_t max = callerid_max_samples();
	int n, k = 0;

	cid_stop(p);
	p->cid_len = 0;
	p->cid_audio = malloc(max * sizeof(*p->cid_audio));
	if (!p->cid_audio) {
		n = -ENOMEM;
	} else if (alert) {
		n = analog_tone_render(def, p->cid_audio, max);
		if (n <= 0)	/* a zone without one, or one this cannot play: GR-506's */
			n = analog_tone_render(CW_TONE_DEFAULT, p->cid_audio, max);
		k = n;
		if (n > 0 && cw_type2(p)) {
			k = callerid_render_cas(p->cid_audio + n, max - (size_t)n);
			n = k > 0 ? n + k : k;
		}
	} else {
		n = callerid_render_type2(std, &p->cid, p->cid_audio, max);
	}
	if (n <= 0) {
		PLOG(LL_WARN, p, "call waiting: %s not sent: %s", alert ? "tone" : "caller ID",
		     strerror(n ? -n : EINVAL));
		cid_stop(p);
		return;
	}
	p->cid_len = (size_t)n;
	p->cid_pos = 0;
	p->cw_heard_at = clock_now_us() + (uint64_t)n * 125;	/* 8 samples a ms */
	if (alert)
		PLOG(LL_INFO, p, "call waiting: tone (%s, %d ms)%s", def ? def : CW_TONE_DEFAULT,
		     (n - (cw_type2(p) ? k : 0)) / 8, cw_type2(p) ? ", then the CAS" : "");
	else
		PLOG(LL_INFO, p, "call waiting: type II caller ID %s: number '%s', name '%s' (%zu ms)",
		     callerid_std_name(std), p->cid.number, p->cid.name, p->cid_len / 8);
	cid_push(p);
}

static void on_cw_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxs_port *p = arg;

	switch (p->cw) {
	case CW_MUTE:
		/* Nothing else writes the channel now. After the CAS the phone's DTMF A or D
		 * says it muted its handset and listens (GR-30-CORE, ETSI EN 300 659-2
		 * "TE-ACK"); without type II caller ID the tone is all. */
		if (cw_type2(p))
			reading(p, true);	/* first: it flushes the channel both ways */
		cw_play(p, true);
		if (cw_type2(p)) {
			cw_step(p, CW_ACK, (unsigned)(p->cid_len / 8) + CW_ACK_MS);
		} else {
			cw_step(p, CW_PLAY, (unsigned)(p->cid_len / 8) + 200);
		}
		break;
	case CW_ACK:
		PLOG(LL_NOTICE, p, "call waiting: no acknowledgement of the CAS: no caller ID");
		cw_stop(p);
		break;
	case CW_PLAY:
	case CW_NONE:
		cw_stop(p);
		break;
	}
}

/* A digit heard during the alert: the acknowledgement (A or D), or none. */
static void cw_digit(struct fxs_port *p, char digit)
{
	if (digit != 'A' && digit != 'D') {
		PLOG(LL_INFO, p, "call waiting: digit %c is no acknowledgement", digit);
		return;
	}
	reading(p, false);
	PLOG(LL_INFO, p, "call waiting: the phone acknowledged with DTMF %c", digit);
	cw_play(p, false);
	/* the call's audio back once DAHDI played it all (joining flushes the channel) */
	cw_step(p, CW_PLAY, (unsigned)(p->cid_len / 8) + 200);
}

static bool cw_can_wait(const struct fxs_port *p)
{
	return p->cp.call_waiting && p->offhook && !p->other && leg_live(p->leg) &&
	       p->leg->talking && (p->st == FXS_CONNECTED || p->st == FXS_CALLING);
}

static void on_wait_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxs_port *p = arg;
	struct leg_fxs *l = p->other;

	if (!leg_live(l) || !l->waiting)
		return;
	PLOG(LL_NOTICE, p, "the waiting call unanswered after %u s: cause 19", p->cp.ring_timeout);
	cw_stop(p);
	l->ev_cleared = true;
	leg_end(p, l, CAUSE_NO_ANSWER);
}

/* A second call for a phone in a call: it waits (the caller hears ringing). */
static int cw_place(struct fxs_port *p, struct leg_fxs *l, const struct leg_place *lp,
		    int *cause)
{
	if (gw_timer_arm(p->d, &p->wait_timer, on_wait_timer, p, p->cp.ring_timeout * 1000)) {
		*cause = CAUSE_TEMPORARY_FAILURE;
		return ENOMEM;
	}
	cid_from_caller(p, lp->caller);
	p->other = l;
	l->waiting = true;
	l->leg.live = true;
	CLOG(LL_INFO, l->leg.call, "port %u:%u is in a call: call waiting", p->spanno, p->pos);
	l->ev_alerting = true;
	defer(p, l);
	/* the talking call's audio off the channel first (its media EAGAIN meanwhile) */
	p->leg->ev_media = true;
	defer(p, p->leg);
	cw_step(p, CW_MUTE, CW_MUTE_MS);
	return 0;
}

/* A flash with a second call: hold the talking one (if still there) and take the other,
 * answering it if it waited. False: no second call (the flash goes to SIP). */
static bool cw_flash(struct fxs_port *p)
{
	struct leg_fxs *o = p->other, *l = p->leg;

	if (!leg_live(o))
		return false;
	cw_stop(p);
	if (p->wait_timer)
		su_timer_reset(p->wait_timer);
	timer_stop(p);		/* busy/howler after the talking call's far end left */
	tone(p, ANALOG_TONE_OFF);
	PLOG(LL_INFO, p, "hook flash: %s%s", o->waiting ? "answers the waiting call" :
	     "takes back the held call", leg_live(l) ? ", holds the other" : "");
	hold_leg(p, l, true);
	p->leg = o;	/* a leg over has its GONE pending: the zero timer lets go of it */
	p->other = leg_live(l) ? l : NULL;
	answer_leg(p, o);
	set_state(p, FXS_CONNECTED);
	return true;
}

/* The phone hung up with a call held or waiting: ring again for it (as Asterisk does); off-
 * hook takes it back (or answers it), ring_timeout clears it. */
static void cw_recall(struct fxs_port *p)
{
	struct leg_fxs *o = p->other;
	unsigned cad[DRING_MAX_MS];
	unsigned n;
	int err;

	if (!leg_live(o))
		return;
	if (p->wait_timer)
		su_timer_reset(p->wait_timer);
	p->other = NULL;
	p->leg = o;	/* the cleared leg's GONE is pending: the zero timer lets go of it */
	n = analog_zone_ring_cadence(p->cp.tone_zone, cad, DRING_MAX_MS);
	if (n >= 2)
		(void)analog_set_cadence(port_fd(p), cad, n / 2);
	err = analog_hook(port_fd(p), ANALOG_RING);
	if (err) {
		PLOG(LL_WARN, p, "cannot ring for the %s call: %s: it clears", o->held ? "held" :
		     "waiting", strerror(err));
		o->ev_cleared = true;
		leg_end(p, o, CAUSE_NORMAL_CLEARING);
		return;
	}
	PLOG(LL_INFO, p, "on-hook with a %s call: ringing again", o->held ? "held" : "waiting");
	p->cid_wanted = o->waiting;	/* a waiting call's caller ID, as any call's */
	p->cid_done = false;
	p->cid_after = 1;
	p->bursts = 0;
	set_state(p, FXS_RINGING);
	timer_start(p, p->cp.ring_timeout * 1000);
}

/* The phone went on-hook, or off-hook, or flashed. */
static void on_line(struct fxs_port *p, const struct analog_event *ev)
{
	struct leg_fxs *l = p->leg;

	switch (ev->type) {
	case ANALOG_EV_OFFHOOK:
		p->offhook = true;
		flash_limit(p);
		switch (p->st) {
		case FXS_IDLE:
			offhook_idle(p);
			break;
		case FXS_RINGING:
			/* Answer. DAHDI rings on until told: taking the line off-hook stops
			 * it (as chan_dahdi answers an FXO-signalled channel). */
			timer_stop(p);
			cid_stop(p);
			p->hook_off = analog_hook(port_fd(p), ANALOG_OFFHOOK) == 0;
			set_state(p, FXS_CONNECTED);
			if (l)
				answer_leg(p, l);
			break;
		default:
			break;
		}
		break;
	case ANALOG_EV_ONHOOK:
		p->offhook = false;
		if (p->hook_off) {	/* the phone hung up: DAHDI's side too, to ring again */
			p->hook_off = false;
			(void)analog_hook(port_fd(p), ANALOG_ONHOOK);
		}
		switch (p->st) {
		case FXS_CALLING:
		case FXS_CONNECTED:
			to_idle(p);
			if (l && !l->over) {
				PLOG(LL_INFO, p, "on-hook: the call clears (cause 16)");
				l->ev_cleared = true;
				l->cause = CAUSE_NORMAL_CLEARING;
				leg_over(p, l, CAUSE_NORMAL_CLEARING);
			}
			cw_recall(p);
			break;
		case FXS_RINGING:
			break;	/* ringing on a CAS line shows as hook changes: not the phone */
		default:
			to_idle(p);
			cw_recall(p);
			break;
		}
		break;
	case ANALOG_EV_FLASH:
		if (!cw_flash(p))
			flash(p);
		break;
	case ANALOG_EV_RINGER_OFF:
		/* Between the first and the second ring (of a distinctive ring: in the long
		 * pause), no sooner than 500 ms after the ring (Telcordia GR-30-CORE, ETSI
		 * EN 300 659-1): a phone's receiver settles first. */
		if (p->st == FXS_RINGING && ++p->bursts >= p->cid_after && p->cid_wanted &&
		    !p->cid_done && p->cp.caller_id != CID_NONE)
			(void)gw_timer_arm(p->d, &p->cid_timer, on_cid_timer, p, CID_AFTER_RING_MS);
		break;
	default:
		break;
	}
}

/* ---- leg operations --------------------------------------------------------------------- */

/* The ring cadence for a call: the one the INVITE's Alert-Info names (the port's
 * distinctive_ring table, then Bellcore dr1-dr5), else the zone's. Caller ID goes in the
 * longest pause of a cycle (after the first burst for the zone's single burst), where a
 * phone waits for it. Returns the count of on/off values. */
static unsigned ring_cadence(struct fxs_port *p, const char *alert_info, struct call *c,
			     unsigned cad[DRING_MAX_MS])
{
	char name[DRING_NAME_MAX], text[96] = "";
	unsigned n = 0, longest = 0;
	int k;

	dring_name(alert_info, name, sizeof(name));
	k = name[0] ? dring_cadence(p->cp.distinctive_ring, name, cad) : 0;
	if (k > 0) {
		n = (unsigned)k;
		for (unsigned i = 0; i < n; i++) {
			size_t l = strlen(text);
			snprintf(text + l, sizeof(text) - l, "%s%u", i ? "/" : "", cad[i]);
		}
		CLOG(LL_INFO, c, "port %u:%u: distinctive ring %s (Alert-Info %s): %s ms", p->spanno,
		     p->pos, name, alert_info, text);
	} else {
		if (name[0])
			CLOG(LL_NOTICE, c, "port %u:%u: Alert-Info %s names ring '%s', which the port "
			     "does not know: the zone's cadence", p->spanno, p->pos, alert_info, name);
		n = analog_zone_ring_cadence(p->cp.tone_zone, cad, DRING_MAX_MS);
	}
	p->cid_after = 1;
	for (unsigned i = 1; i < n; i += 2)
		if (cad[i] > longest) {
			longest = cad[i];
			p->cid_after = i / 2 + 1;
		}
	p->bursts = 0;
	return n;
}

static int fxs_place(struct leg *leg, const struct leg_place *lp, int *cause)
{
	struct leg_fxs *l = lf_of(leg);
	struct fxs_port *p = l->port;
	int fd = p ? port_fd(p) : -1;

	if (!p || fd < 0) {
		*cause = CAUSE_NETWORK_OUT_OF_ORDER;
		return ENODEV;
	}
	if (cw_can_wait(p))
		return cw_place(p, l, lp, cause);
	if (p->st != FXS_IDLE || p->offhook || p->leg || p->other) {
		CLOG(LL_NOTICE, leg->call, "port %u:%u is busy (%s%s): cause 17", p->spanno, p->pos,
		     fxs_state_names[p->st], p->other ? ", a second call already" : "");
		*cause = CAUSE_USER_BUSY;
		return EBUSY;
	}
	cid_stop(p);	/* a message waiting indicator still going out */
	cid_from_caller(p, lp->caller);
	p->cid_wanted = true;
	p->cid_done = false;

	unsigned cad[DRING_MAX_MS];
	unsigned ncad = ring_cadence(p, lp->alert_info, leg->call, cad);
	if (ncad >= 2)
		(void)analog_set_cadence(fd, cad, ncad / 2);
	int err = analog_hook(fd, ANALOG_RING);
	if (err) {
		CLOG(LL_WARN, leg->call, "port %u:%u: cannot ring: %s", p->spanno, p->pos,
		     strerror(err));
		*cause = CAUSE_TEMPORARY_FAILURE;
		return err;
	}
	p->leg = l;
	leg->live = true;
	set_state(p, FXS_RINGING);
	timer_start(p, p->cp.ring_timeout * 1000);
	CLOG(LL_INFO, leg->call, "ringing port %u:%u (%s)", p->spanno, p->pos,
	     p->number[0] ? p->number : "no number");
	l->ev_alerting = true;
	defer(p, l);
	return 0;
}

static void fxs_proceeding(struct leg *leg) { (void)leg; }

static void fxs_alerting(struct leg *leg, bool inband)
{
	struct leg_fxs *l = lf_of(leg);

	/* Without early media the ringback is ours: the zone's, from DAHDI. */
	if (!inband && l->port && !l->over)
		tone(l->port, ANALOG_TONE_RINGBACK);
}

static void fxs_progress(struct leg *leg, bool inband) { (void)leg; (void)inband; }

static void fxs_answer(struct leg *leg)
{
	struct leg_fxs *l = lf_of(leg);

	l->talking = true;
	if (l->port && !l->over)
		tone(l->port, ANALOG_TONE_OFF);
}

static void fxs_clear(struct leg *leg, int cause)
{
	struct leg_fxs *l = lf_of(leg);
	struct fxs_port *p = l->port;

	if (!p || l->over)
		return;
	if (l != p->leg) {	/* the held or waiting call: the talking one goes on */
		if (l->waiting && p->cw != CW_NONE) {
			/* A CANCEL crossing the alert: no caller ID after it. A tone and CAS
			 * still playing end first (the talking call's stream would flush them
			 * from the channel mid-signal, and a phone that caught part of a CAS
			 * mutes for an FSK that never comes); else the call's audio is back
			 * at once. */
			uint64_t now = clock_now_us();
			unsigned ms = p->cw == CW_ACK && p->cw_heard_at > now ?
				      (unsigned)((p->cw_heard_at - now) / 1000) + 20 : 0;
			CLOG(LL_INFO, leg->call, "port %u:%u: the waiting call cleared during the "
			     "call-waiting alert (%s): the alert stops%s", p->spanno, p->pos,
			     cw_step_names[p->cw], ms ? " once the tone and CAS have played" : "");
			if (ms)
				cw_step(p, CW_PLAY, ms);
			else
				cw_stop(p);
		}
		if (l->waiting && p->wait_timer)
			su_timer_reset(p->wait_timer);
		CLOG(LL_INFO, leg->call, "port %u:%u: the %s call cleared", p->spanno, p->pos,
		     l->held ? "held" : "waiting");
		leg_end(p, l, cause);
		return;
	}
	if (p->st == FXS_RINGING) {
		(void)analog_hook(port_fd(p), ANALOG_RINGOFF);
		to_idle(p);
	} else if (p->offhook) {
		/* The far end cleared: busy for a busy callee, reorder otherwise; then the
		 * off-hook warning if the phone stays off-hook. */
		timer_stop(p);
		cw_stop(p);
		cid_stop(p);
		set_state(p, FXS_CLEARED);
		p->cleared_tone = cause == CAUSE_USER_BUSY || cause == CAUSE_NORMAL_CLEARING ?
				  ANALOG_TONE_BUSY : ANALOG_TONE_CONGESTION;
		tone(p, p->cleared_tone);
		timer_start(p, p->cp.howler_after * 1000);
	} else {
		to_idle(p);
	}
	leg_over(p, l, cause);
}

static int fxs_digits(struct leg *leg, const char *digits)
{
	(void)leg;
	(void)digits;
	return ENOTSUP;		/* a phone has no overlap receiving: the number was complete */
}

static int fxs_media(struct leg *leg, struct leg_media *m)
{
	struct leg_fxs *l = lf_of(leg);
	struct fxs_port *p = l->port;
	int fd = p ? port_fd(p) : -1;

	/* a second call: only the one the phone talks to, and not during the call-waiting
	 * alert (the channel plays it) */
	if (!p || l->over || fd < 0 || (l->b && p->st != FXS_CONNECTED) || l != p->leg ||
	    l->held || p->cw != CW_NONE)
		return EAGAIN;
	reading(p, false);	/* the media engine reads the channel from now on */
	tone(p, ANALOG_TONE_OFF);
	*m = (struct leg_media){ .kind = LEG_MEDIA_TDM, .fd = fd, .rtcp_fd = -1,
				 .alaw = p->law == G711_LAW_ALAW,
				 .echocan_taps = echocan(p, true) };
	return 0;
}

/* The call's stream let go of the channel: a call-waiting alert may write it now (the
 * engine's last frames are queued before it, none after). */
static void fxs_media_released(struct leg *leg)
{
	struct leg_fxs *l = lf_of(leg);
	struct fxs_port *p = l->port;

	if (p && p->cw == CW_MUTE && l == p->leg)
		cw_step(p, CW_MUTE, 0);
}

static void fxs_summary(const struct leg *leg, char *buf, size_t len)
{
	const struct leg_fxs *l = clf_of(leg);

	snprintf(buf, len, "port %u:%u", l->spanno, l->pos);
}

static void fxs_debug(const struct leg *leg, char *buf, size_t len)
{
	const struct leg_fxs *l = clf_of(leg);

	if (l->port)
		snprintf(buf, len, "port %u:%u, %s, %s%s", l->port->spanno, l->port->pos,
			 fxs_state_names[l->port->st], l->port->offhook ? "off-hook" : "on-hook",
			 l->over ? ", over" : "");
	else
		snprintf(buf, len, "port gone");
}

static void fxs_destroy(struct leg *leg)
{
	struct leg_fxs *l = lf_of(leg);
	struct fxs_port *p = l->home;

	if (l->port && l->port->leg == l)
		l->port->leg = NULL;
	if (l->port && l->port->other == l)
		l->port->other = NULL;
	for (unsigned i = 0; p && i < p->npend; i++)
		if (p->pend[i] == l)
			p->pend[i] = p->pend[--p->npend];
	/* The call is freed once the media engine let go of the channel. Its last writes
	 * stopped DAHDI's tone (a write replaces the tone): start it again now. */
	if (p && !p->leg && p->st == FXS_CLEARED)
		tone(p, p->cleared_tone);
	free(l);
}

static const struct leg_ops fxs_ops = {
	.side = "tdm",
	.line_side = true,
	.answer_name = "off-hook",
	.place = fxs_place,
	.proceeding = fxs_proceeding,
	.alerting = fxs_alerting,
	.progress = fxs_progress,
	.answer = fxs_answer,
	.clear = fxs_clear,
	.digits = fxs_digits,
	.media = fxs_media,
	.media_released = fxs_media_released,
	.summary = fxs_summary,
	.tag = fxs_summary,
	.debug = fxs_debug,
	.destroy = fxs_destroy,
};

/* ---- the daemon's side ------------------------------------------------------------------ */

static struct fxs_port *port_find(struct daemon *d, unsigned span, unsigned pos)
{
	struct analog_ports *ap = d->analog;

	for (unsigned i = 0; ap && i < ap->n; i++)
		if (ap->ports[i].spanno == span && ap->ports[i].pos == pos)
			return &ap->ports[i];
	return NULL;
}

static struct fxs_port *port_by_number(struct daemon *d, unsigned span, const char *number)
{
	struct analog_ports *ap = d->analog;
	const char *n = number[0] == '+' ? number + 1 : number;

	for (unsigned i = 0; ap && i < ap->n; i++)
		if (ap->ports[i].spanno == span && ap->ports[i].number[0] &&
		    !strcmp(ap->ports[i].number, n))
			return &ap->ports[i];
	return NULL;
}

/* "2001" + 3 -> "2004", "line07" + 3 -> "line10": a range's numbers and user names count
 * up their trailing digits, keeping the length. */
static void number_plus(char *out, size_t len, const char *first, unsigned k)
{
	size_t n = strlen(first), d = n;

	while (d && first[d - 1] >= '0' && first[d - 1] <= '9')
		d--;
	if (!first[0] || d == n) {
		snprintf(out, len, "%s", first);
		return;
	}
	unsigned long long v = strtoull(first + d, NULL, 10) + k;
	snprintf(out, len, "%.*s%0*llu", (int)d, first, (int)(n - d), v);
}

/* ---- per-port registration (RFC 3261 §10; sip/reg.h) ------------------------------------ */

/* Messages waiting or not: the next dial tones stutter or not. */
/* Visual message waiting (GR-30-CORE §2.3, EN 300 659-1 §6.1.2): an on-hook FSK message
 * 0x82 with the VMWI parameter, sent with the line held powered (on-hook transmission) so
 * the phone's lamp follows. Only an idle port with FSK caller ID; a ring or an off-hook
 * stops it (cid_stop) and the next change sends the state again. */
static void vmwi_send(struct fxs_port *p)
{
	struct callerid id = { .mwi = p->mwi, .number_absent = CALLERID_PRESENT };
	enum callerid_std std = p->cp.caller_id == CID_V23 ? CALLERID_V23 : CALLERID_BELL202;
	int err;

	if (p->st != FXS_IDLE || p->offhook || p->cid_audio ||
	    (p->cp.caller_id != CID_BELL202 && p->cp.caller_id != CID_V23))
		return;
	if (cid_render(p, std, &id, "message waiting indicator"))
		return;
	/* FXS modules (wctdm, wcaxx) power the line for on-hook data on request; a driver
	 * without the request (ENOTTY: dahdi_dynamic's CAS) passes on-hook audio as it is, as
	 * it does caller ID between rings. */
	err = analog_onhook_transfer(port_fd(p), (unsigned)(p->cid_len / 8) + 300);
	if (err && err != ENOTTY) {
		PLOG(LL_WARN, p, "message waiting indicator not sent: on-hook transmission: %s",
		     strerror(err));
		cid_stop(p);
		return;
	}
	PLOG(LL_INFO, p, "message waiting indicator %s sent (%s FSK, %zu ms%s)",
	     p->mwi ? "on" : "off", callerid_std_name(std), p->cid_len / 8,
	     err ? "; the driver has no on-hook transmission request" : "");
	cid_push(p);
}

static void port_mwi(struct fxs_port *p, bool waiting)
{
	if (p->mwi != waiting)
		PLOG(LL_NOTICE, p, "messages waiting: %s (%s)", waiting ? "yes" : "no",
		     waiting ? "stutter dial tone" : "steady dial tone");
	p->mwi = waiting;
	vmwi_send(p);
}

static void on_sub_mwi(const struct mwi_summary *s, void *arg)
{
	port_mwi(arg, s->waiting);
}

/* A port with register = trunk NAME: its registration, started. 0 or an errno value. */
static int port_register(struct fxs_port *p)
{
	struct daemon *d = p->d;
	struct gw_trunk *gt = gw_trunk_get(d, p->cp.reg.trunk);
	char name[2 * CONF_NAME_MAX + 32];

	if (!gt) {
		PLOG(LL_ERROR, p, "register: trunk %s does not run", p->cp.reg.trunk);
		return ENOENT;
	}
	/* its log lines: "port 5:1 as 2001 (trunk pbx): registered (expires 3600 s)" */
	snprintf(name, sizeof(name), "port %u:%u as %s (trunk %s)", p->spanno, p->pos,
		 p->username, gt->name);
	struct sip_reg_params rp = {
		.name = name,
		.user = p->username,
		.password = p->cp.password[0] ? p->cp.password : NULL,
		.expires = gt->conf.expires,
	};
	int err = sip_reg_alloc(&p->reg, d->ua, gt->trunk, &rp);
	if (err) {
		PLOG(LL_ERROR, p, "register as %s: %s", p->username, strerror(err));
		return err;
	}
	p->reg_trunk = gw_trunk_ref(gt);
	if (p->cp.mwi == MWI_SUBSCRIBE) {
		struct sip_mwi_sub_params sp = {
			.name = name, .user = p->username, .password = rp.password,
			.expires = gt->conf.expires, .mwih = on_sub_mwi, .arg = p,
		};
		err = sip_mwi_sub_alloc(&p->mwi_sub, d->ua, gt->trunk, &sp);
		if (err) {
			PLOG(LL_ERROR, p, "SUBSCRIBE as %s: %s", p->username, strerror(err));
			return err;
		}
	}
	/* an INVITE for the port's user (or its Contact's) rings it, as "to = port N:P" */
	snprintf(p->reg_route.name, sizeof(p->reg_route.name), "port-%u-%u", p->spanno, p->pos);
	p->reg_route.to.kind = EP_PORT;
	p->reg_route.to.span = p->spanno;
	p->reg_route.to.pos = p->pos;
	p->reg_route.dest.n = 1;
	sip_reg_start(p->reg);
	return 0;
}

static void port_unregister(struct fxs_port *p)
{
	sip_mwi_sub_free(p->mwi_sub);
	p->mwi_sub = NULL;
	sip_reg_free(p->reg);
	p->reg = NULL;
	gw_trunk_unref(p->reg_trunk);
	p->reg_trunk = NULL;
}

const struct conf_route *leg_fxs_registered_route(struct daemon *d, const char *trunk,
						 const char *user)
{
	struct analog_ports *ap = d->analog;

	for (unsigned i = 0; ap && user && user[0] && i < ap->n; i++) {
		const struct fxs_port *p = &ap->ports[i];
		if (p->reg && !p->reg_trunk->removed && !strcmp(p->reg_trunk->name, trunk) &&
		    (!strcmp(user, p->username) || !strcmp(user, sip_reg_contact_user(p->reg)) ||
		     (p->number[0] && !strcmp(user, p->number))))
			return &p->reg_route;
	}
	return NULL;
}

int leg_fxs_mwi(struct daemon *d, const char *trunk, const char *user, bool waiting)
{
	struct analog_ports *ap = d->analog;
	const struct conf_route *r = leg_fxs_registered_route(d, trunk, user);

	for (unsigned i = 0; ap && user && user[0] && i < ap->n; i++) {
		struct fxs_port *p = &ap->ports[i];
		/* a registered port by its user; a port sharing the trunk by its number */
		if (r ? &p->reg_route != r : p->reg || !p->number[0] || strcmp(p->number, user))
			continue;
		port_mwi(p, waiting);
		return 200;
	}
	return 481;
}

void leg_fxs_trunk_changed(struct daemon *d, const char *trunk, bool removed)
{
	struct analog_ports *ap = d->analog;

	for (unsigned i = 0; ap && i < ap->n; i++) {
		struct fxs_port *p = &ap->ports[i];
		if (!p->reg || strcmp(p->reg_trunk->name, trunk))
			continue;
		if (removed) {
			/* the registrar forgets the port: no calls reach it that way any more */
			PLOG(LL_NOTICE, p, "trunk %s removed: registration withdrawn", trunk);
			(void)sip_reg_withdraw(p->reg, true);
		} else {
			(void)sip_reg_withdraw(p->reg, false);
			sip_reg_start(p->reg);	/* at the trunk's new registrar */
		}
	}
}

int leg_fxs_ports_alloc(struct daemon *d)
{
	const struct conf *conf = d->conf;
	struct analog_ports *ap = calloc(1, sizeof(*ap));
	unsigned n = conf_ports_count(conf, SIG_FXS);

	if (!ap)
		return ENOMEM;
	ap->ports = calloc(n ? n : 1, sizeof(*ap->ports));
	if (!ap->ports) {
		free(ap);
		return ENOMEM;
	}
	d->analog = ap;
	for (unsigned i = 0; i < conf->nports; i++) {
		const struct conf_port *cp = &conf->ports[i];
		const struct conf_span *cs = conf_span_find(conf, cp->span);
		struct tdm_span *span = gw_span_find(d, cp->span);
		unsigned k = 0;

		if (!cs || cs->sig != SIG_FXS || !span)
			continue;
		struct dialplan *plan = NULL;
		if (cp->dial_plan[0]) {
			char err[128];
			int e = dialplan_parse(cp->dial_plan, &plan, err, sizeof(err));
			if (e) {
				LOGE(LS_CONF, "[port %u:%s] dial_plan: %s", cp->span, cp->list, err);
				return e < 0 ? -e : e;
			}
		}
		for (unsigned pos = 1; pos <= TDM_MAX_POS; pos++) {
			if (!(cp->chans & (1u << pos)))
				continue;
			struct fxs_port *p = &ap->ports[ap->n++];
			p->d = d;
			p->span = span;
			p->spanno = cp->span;
			p->pos = pos;
			p->cp = *cp;
			p->law = cs->law == LAW_ALAW ? G711_LAW_ALAW : G711_LAW_ULAW;
			/* the range's ports share the plan; the first one frees it */
			p->plan = plan;
			number_plus(p->number, sizeof(p->number), cp->number, k);
			if (cp->reg.kind == EP_TRUNK)
				number_plus(p->username, sizeof(p->username),
					    cp->username[0] ? cp->username : cp->number, k);
			k++;
			if (dtmf_det_alloc(&p->det))
				return ENOMEM;
			if (cp->reg.kind == EP_TRUNK) {
				int err = port_register(p);
				if (err)
					return err;
			}
		}
		LOGI(LS_CALL, "span %u: FXS ports %s, numbers from %s, zone %s, caller ID %s, "
		     "dial plan %s", cp->span, cp->list, cp->number[0] ? cp->number : "(none)",
		     cp->tone_zone, cp->caller_id == CID_NONE ? "none" :
		     cp->caller_id == CID_V23 ? "v23" : cp->caller_id == CID_DTMF ? "dtmf" : "bell202",
		     cp->dial_plan[0] ? cp->dial_plan : "(until a route matches)");
	}
	return 0;
}

void leg_fxs_ports_reload(struct daemon *d)
{
	for (unsigned i = 0; d->analog && i < d->analog->n; i++) {
		struct fxs_port *p = &d->analog->ports[i];
		const struct conf_port *cp = conf_port_find(d->conf, p->spanno, p->pos);

		if (cp)
			conf_port_take_reloadable(&p->cp, cp);
	}
}

void leg_fxs_ports_free(struct daemon *d)
{
	struct analog_ports *ap = d->analog;

	if (!ap)
		return;
	for (unsigned i = 0; i < ap->n; i++) {
		struct fxs_port *p = &ap->ports[i];
		if (p->leg)
			p->leg->port = NULL;
		port_unregister(p);
		if (p->other)
			p->other->port = NULL;
		if (p->cw_timer)
			su_timer_destroy(p->cw_timer);
		if (p->wait_timer)
			su_timer_destroy(p->wait_timer);
		if (p->timer)
			su_timer_destroy(p->timer);
		if (p->defer)
			su_timer_destroy(p->defer);
		if (p->cid_timer)
			su_timer_destroy(p->cid_timer);
		free(p->cid_audio);
		dtmf_det_free(p->det);
		if (p->plan && (i == 0 || ap->ports[i - 1].plan != p->plan))
			dialplan_free(p->plan);
	}
	free(ap->ports);
	free(ap);
	d->analog = NULL;
}

bool leg_fxs_on_event(struct daemon *d, unsigned span, unsigned pos, int event)
{
	struct fxs_port *p = port_find(d, span, pos);
	struct analog_event ev;

	if (!p)
		return false;
	analog_event_decode(event, &ev);
	PLOG(LL_DEBUG, p, "event %s (%d) in state %s", analog_event_name(ev.type), event,
	     fxs_state_names[p->st]);
	/* in a call, a too short flash: say so, or it vanishes without a trace */
	if (ev.type == ANALOG_EV_PULSE_DIGIT && p->cw != CW_ACK &&
	    (p->st == FXS_CALLING || p->st == FXS_CONNECTED))
		PLOG(LL_INFO, p, "on-hook of %u-%u ms in state %s: dial pulses (digit %c), no "
		     "flash: ignored", ANALOG_PULSE_MIN_MS, ANALOG_PULSE_MAX_MS,
		     fxs_state_names[p->st], ev.digit);
	else if (ev.type == ANALOG_EV_PULSE_DIGIT)
		on_digit(p, ev.digit);
	else
		on_line(p, &ev);
	return true;
}

bool leg_fxs_on_readable(struct daemon *d, unsigned span, int fd)
{
	struct analog_ports *ap = d->analog;
	uint8_t buf[DAHDI_FRAME_BYTES * 4];
	int16_t lin[sizeof(buf)];

	for (unsigned i = 0; ap && i < ap->n; i++) {
		struct fxs_port *p = &ap->ports[i];
		if (p->spanno != span || port_fd(p) != fd)
			continue;
		if (!p->reading)
			return true;
		/* ELAST (an event queued) or EAGAIN: the event comes with POLLPRI, the next
		 * block with the next POLLIN. */
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return true;
		g711_block_decode(p->law, lin, buf, (size_t)r);
		struct dtmf_det_event evs[8];
		unsigned n = dtmf_det_process(p->det, lin, (int)r, evs, 8, NULL);
		for (unsigned k = 0; k < n && p->reading; k++)
			if (evs[k].end)
				on_digit(p, evs[k].digit);
		return true;
	}
	return false;
}

int leg_fxs_alloc_out(struct leg **lp, struct daemon *d, const struct conf_endpoint *to,
		      const char *called, bool *alaw, int *cause)
{
	struct fxs_port *p = to->pos ? port_find(d, to->span, to->pos) :
				       port_by_number(d, to->span, called);
	struct leg_fxs *l;

	if (!p) {
		*cause = CAUSE_UNALLOCATED_NUMBER;
		return ENOENT;
	}
	l = leg_new(p, true);
	if (!l) {
		*cause = CAUSE_TEMPORARY_FAILURE;
		return ENOMEM;
	}
	*alaw = p->law == G711_LAW_ALAW;
	*lp = &l->leg;
	return 0;
}

unsigned leg_fxs_port_rows(struct daemon *d, struct ctl_port_row *rows, unsigned max)
{
	struct analog_ports *ap = d->analog;
	uint64_t now = clock_now_us();
	unsigned n = 0;

	for (unsigned i = 0; ap && i < ap->n; i++, n++) {
		const struct fxs_port *p = &ap->ports[i];
		if (n >= max)
			continue;
		struct ctl_port_row *r = &rows[n];
		enum sip_reg_state rs = sip_reg_state(p->reg);
		uint64_t at = p->reg ? sip_reg_expires_at(p->reg) : 0;
		*r = (struct ctl_port_row){
			.span = p->spanno, .pos = p->pos, .kind = "fxs",
			.offhook = p->offhook, .ringing = p->st == FXS_RINGING,
			.state = fxs_state_names[p->st],
			.reg = !p->reg ? "-" : rs == SIP_REG_WAIT ? "failed" : sip_reg_state_name(rs),
			.expires = at > now ? (int)((at - now) / 1000000u) : -1,
			.call_id = p->leg && p->leg->leg.call ? call_id(p->leg->leg.call) : 0,
		};
		snprintf(r->number, sizeof(r->number), "%s", p->number);
		if (p->reg)
			snprintf(r->user, sizeof(r->user), "%s", p->username);
	}
	return n;
}
