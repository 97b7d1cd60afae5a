/* The FXO leg: the gateway as a phone on an exchange line or a PBX extension (a DAHDI
 * fxsks channel; tdm/analog.h).
 *
 * In: the line rings; caller ID (the port's standard) is decoded from the line between the
 * first and second ring (the loop reads the fd until then); at the second ring (or the
 * caller ID, whichever is first) the call goes to the port's destination as leg A, with the
 * caller in From/P-Asserted-Identity. The line is answered (off-hook) when the far end
 * answers. If the ringing stops first, the caller gave up: cause 16.
 * Out (a route "to = port N:P"): off-hook, wait dial_delay_ms (the test bed has no dial
 * tone detection of its own to wait for), dial the number as DTMF (DAHDI_DIAL); then answer
 * supervision as the port says (answer_supervision): immediate once dialled (a loop-start
 * line gives no answer signal), or the port waits ("answer wait") for battery reversal
 * (DAHDI's POLARITY event; the test bed's dynamic spans cannot reverse it) or for voice: the
 * call gets progress with the line's audio as early media (183, RFC 3960: the caller hears
 * the exchange's ringback) while the media engine listens for audio that is none of the
 * zone's tones (media/stage_answer.h) and tells the leg (line_heard): voice answers, busy
 * tone clears with cause 17, congestion with 34; ring_timeout without an answer: cause 19.
 * Disconnect supervision: loop current drop (kewlstart: the exchange going on-hook shows as
 * an on-hook event on the fxsks channel); and in band, for exchanges and PBXs that signal
 * the far end's hang-up only with tone: the port's media endpoint asks the media engine to
 * listen for the zone's busy and congestion tones (disconnect_tone) and for silence
 * (silence_timeout) in the line's audio (media/stage_disconnect.h); what it hears clears
 * the answered call with cause 16 (gateway/call_env.c), which puts the port on-hook. */
#include "gateway/gw.h"
#include "gateway/legs.h"

#include "common/log.h"
#include "gateway/call.h"
#include "gateway/ctl_cmd.h"
#include "gateway/cause.h"
#include "gateway/leg.h"
#include "gateway/route.h"
#include "media/callerid.h"
#include "media/g711.h"
#include "media/stage_answer.h"
#include "media/stage_disconnect.h"
#include "tdm/analog.h"
#include "tdm/dahdi.h"
#include "tdm/span.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RING_GONE_MS	8000	/* [ms] no ring this long: the caller gave up (US: 6 s period) */

enum fxo_state {
	FXO_IDLE,		/* on-hook */
	FXO_RINGING,		/* the line rings: caller ID awaited */
	FXO_OFFERED,		/* leg A of a call, still ringing, not answered */
	FXO_SEIZED,		/* leg B: off-hook, waiting to dial */
	FXO_DIALLING,		/* leg B: DTMF going out */
	FXO_ANSWER_WAIT,	/* leg B: dialled, answer supervision (polarity, voice) waits */
	FXO_CONNECTED,		/* off-hook in a call */
	FXO_STATE_COUNT
};

static const char *const fxo_state_names[FXO_STATE_COUNT] = {
	[FXO_IDLE] = "idle", [FXO_RINGING] = "ringing", [FXO_OFFERED] = "offered",
	[FXO_SEIZED] = "seized", [FXO_DIALLING] = "dialling", [FXO_ANSWER_WAIT] = "answer wait",
	[FXO_CONNECTED] = "connected",
};

struct leg_fxo;

struct fxo_port {
	struct daemon *d;
	struct tdm_span *span;
	unsigned spanno, pos;
	char number[CONF_NAME_MAX];
	struct conf_port cp;
	enum g711_law law;
	enum fxo_state st;
	bool reading;
	bool echocan;			/* the call's echo canceller runs */
	unsigned rings;
	struct callerid_rx *cid_rx;
	bool cid_have;
	struct callerid cid;
	char dial[33];
	su_timer_t *timer;		/* ring gone, dial delay */
	su_timer_t *defer;
	struct leg_fxo *leg;
};

struct leg_fxo {
	struct leg leg;			/* first */
	struct fxo_port *port;		/* NULL once gone */
	unsigned spanno, pos;
	bool b;
	bool over;
	bool ev_progress, ev_answer, ev_cleared, ev_gone;
	int cause;
};

struct fxo_ports {
	struct fxo_port *ports;
	unsigned n;
};

static const struct leg_ops fxo_ops;

static struct leg_fxo *lo_of(struct leg *l) { return (struct leg_fxo *)l; }
static const struct leg_fxo *clo_of(const struct leg *l) { return (const struct leg_fxo *)l; }

#define PLOG(lvl, p, fmt, ...) \
	LOG_AT(LS_CALL, lvl, "port %u:%u: " fmt, (p)->spanno, (p)->pos, ##__VA_ARGS__)

static int port_fd(const struct fxo_port *p)
{
	return tdm_span_chan_fd(p->span, p->pos);
}

static void set_state(struct fxo_port *p, enum fxo_state st)
{
	if (p->st == st)
		return;
	PLOG(LL_INFO, p, "%s -> %s", fxo_state_names[p->st], fxo_state_names[st]);
	p->st = st;
}

static void reading(struct fxo_port *p, bool on)
{
	gw_port_reading(p->d, port_fd(p), &p->reading, on);
}

/* The call's audio runs through the span's echo canceller, if it has one; off when the
 * port goes idle (to_idle). */
static unsigned echocan(struct fxo_port *p, bool on)
{
	return gw_port_echocan(p->d, p->spanno, p->pos, port_fd(p), &p->echocan, on);
}

static void on_timer(struct daemon *d, su_timer_t *t, void *arg);

static void timer_start(struct fxo_port *p, unsigned ms)
{
	(void)gw_timer_arm(p->d, &p->timer, on_timer, p, ms);
}

static void timer_stop(struct fxo_port *p)
{
	if (p->timer)
		su_timer_reset(p->timer);
}

static void hook(struct fxo_port *p, enum analog_hook_op op)
{
	int err = analog_hook(port_fd(p), op);

	if (err)
		PLOG(LL_WARN, p, "%s: %s", op == ANALOG_OFFHOOK ? "off-hook" : "on-hook",
		     strerror(err));
}

/* ---- events to the call, from a zero timer --------------------------------------------- */

static void on_defer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxo_port *p = arg;
	struct leg_fxo *l = p->leg;
	struct leg_event ev = { 0 };

	if (!l)
		return;
	if (l->ev_progress && !l->over) {
		l->ev_progress = false;
		ev = (struct leg_event){ .type = LEG_EV_PROGRESS, .inband = true };
		(void)call_leg_event(&l->leg, &ev);
		if (p->leg != l)
			return;
	}
	if (l->ev_answer && !l->over) {
		l->ev_answer = false;
		ev.type = LEG_EV_ANSWER;
		(void)call_leg_event(&l->leg, &ev);
		if (p->leg != l)
			return;
	}
	if (l->ev_cleared) {
		l->ev_cleared = false;
		ev = (struct leg_event){ .type = LEG_EV_CLEARED, .cause = l->cause };
		(void)call_leg_event(&l->leg, &ev);
		if (p->leg != l)
			return;
	}
	if (l->ev_gone) {
		p->leg = NULL;
		l->port = NULL;
		ev = (struct leg_event){ .type = LEG_EV_GONE, .cause = l->cause };
		(void)call_leg_event(&l->leg, &ev);	/* l may be freed */
	}
}

static void defer(struct fxo_port *p)
{
	(void)gw_timer_arm(p->d, &p->defer, on_defer, p, 0);
}

static bool offhook(const struct fxo_port *p)
{
	return p->st == FXO_SEIZED || p->st == FXO_DIALLING || p->st == FXO_ANSWER_WAIT ||
	       p->st == FXO_CONNECTED;
}

static void to_idle(struct fxo_port *p)
{
	timer_stop(p);
	reading(p, false);
	(void)echocan(p, false);
	if (offhook(p))
		hook(p, ANALOG_ONHOOK);
	p->rings = 0;
	p->cid_have = false;
	set_state(p, FXO_IDLE);
}

/* The call on the port ends: idle, CLEARED (when the line ended it) and GONE. A call the
 * far side refused while the line still rings leaves the port "offered": the rest of that
 * ringing is the same call, not a new one to offer again at the next ring (on_timer idles
 * the port once the rings stop). */
static void leg_end(struct fxo_port *p, bool cleared, int cause)
{
	struct leg_fxo *l = p->leg;

	if (p->st == FXO_OFFERED && !cleared) {
		reading(p, false);
		p->cid_have = false;
		PLOG(LL_INFO, p, "the call was refused (cause %d): the rest of this ringing is "
		     "ignored", cause);
	} else {
		to_idle(p);
	}
	if (!l || l->over)
		return;
	l->over = true;
	l->ev_cleared = cleared;
	l->ev_gone = true;
	l->cause = cause;
	defer(p);
}

static struct leg_fxo *leg_new(struct fxo_port *p, bool b)
{
	struct leg_fxo *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->leg.ops = &fxo_ops;
	l->port = p;
	l->spanno = p->spanno;
	l->pos = p->pos;
	l->b = b;
	return l;
}

/* ---- in: the line rings ------------------------------------------------------------------ */

static void offer(struct fxo_port *p)
{
	struct daemon *d = p->d;
	const char *called = p->cp.to_number[0] ? p->cp.to_number : p->number;
	struct leg_fxo *a;
	struct leg *b;
	struct call *c;

	reading(p, false);
	if (p->cp.to.kind != EP_TRUNK) {
		PLOG(LL_NOTICE, p, "rings, but the port has no destination (to = trunk NAME): "
		     "not answered");
		set_state(p, FXO_OFFERED);	/* ignore the rest of this ringing */
		return;
	}
	a = leg_new(p, false);
	if (!a || leg_sip_alloc_out(&b, d)) {
		free(a);
		PLOG(LL_ERROR, p, "out of memory");
		return;
	}
	a->leg.live = true;
	if (call_alloc(&c, &d->calls, &a->leg, b))
		return;
	p->leg = a;
	set_state(p, FXO_OFFERED);
	d->stats.calls_in_tdm++;
	struct call_info *ci = call_info(c);
	snprintf(ci->called, sizeof(ci->called), "%s", called);
	memset(&ci->caller, 0, sizeof(ci->caller));
	if (p->cid_have && p->cid.number_absent == CALLERID_PRIVATE) {
		ci->caller.pres = Q931_PRES_RESTRICTED;
	} else if (p->cid_have && p->cid.number[0]) {
		snprintf(ci->caller.number.digits, sizeof(ci->caller.number.digits), "%.*s",
			 (int)sizeof(ci->caller.number.digits) - 1, p->cid.number);
		snprintf(ci->caller.name, sizeof(ci->caller.name), "%.*s",
			 (int)sizeof(ci->caller.name) - 1, p->cid.name);
		ci->caller.pres = Q931_PRES_ALLOWED;
	} else {
		ci->caller.pres = Q931_PRES_UNAVAILABLE;
	}
	snprintf(ci->calling, sizeof(ci->calling), "%s", ci->caller.number.digits);
	CLOG(LL_INFO, c, "port %u:%u rings: caller %s%s%s%s -> %s", p->spanno, p->pos,
	     ci->calling[0] ? ci->calling : ci->caller.pres == Q931_PRES_RESTRICTED ?
	     "withheld (private)" : "(no caller ID)", ci->caller.name[0] ? ", name '" : "",
	     ci->caller.name, ci->caller.name[0] ? "'" : "", called);
	struct leg_place lp = {
		.called = ci->called,
		.caller = &ci->caller,
		.plan = route_span_plan(d, p->spanno),
		.to = &p->cp.to,
		.route = "port",
		.alaw = p->law == G711_LAW_ALAW,
	};
	(void)call_place(c, &lp);
}

static void on_ring(struct fxo_port *p)
{
	p->rings++;
	timer_start(p, RING_GONE_MS);
	switch (p->st) {
	case FXO_IDLE:
		set_state(p, FXO_RINGING);
		if (p->cp.caller_id != CID_NONE) {
			/* the caller ID comes after this first ring */
			enum callerid_std std = p->cp.caller_id == CID_V23 ? CALLERID_V23 :
				p->cp.caller_id == CID_DTMF ? CALLERID_DTMF : CALLERID_BELL202;
			callerid_rx_free(p->cid_rx);
			p->cid_rx = NULL;
			if (callerid_rx_new(&p->cid_rx, std) == 0)
				reading(p, true);
			else
				offer(p);
		} else {
			offer(p);
		}
		break;
	case FXO_RINGING:
		offer(p);	/* the second ring: no (more) caller ID to wait for */
		break;
	default:
		break;
	}
}

/* ---- out: leg B --------------------------------------------------------------------------- */

static void answered(struct fxo_port *p)
{
	timer_stop(p);
	set_state(p, FXO_CONNECTED);
	if (p->leg) {
		p->leg->ev_answer = true;
		defer(p);
	}
}

/* The number is out: answer now (immediate), or wait for the line to say so, with its
 * audio (the exchange's ringback) to the caller meanwhile. */
static void dialled(struct fxo_port *p)
{
	if (p->cp.answer_supervision == ANSWER_SUP_IMMEDIATE) {
		answered(p);
		return;
	}
	set_state(p, FXO_ANSWER_WAIT);
	timer_start(p, p->cp.ring_timeout * 1000);
	PLOG(LL_INFO, p, "dialled: waiting up to %u s for the answer (%s)", p->cp.ring_timeout,
	     p->cp.answer_supervision == ANSWER_SUP_VOICE ? "voice" : "battery reversal");
	if (p->leg) {
		p->leg->ev_progress = true;
		defer(p);
	}
}

static int fxo_place(struct leg *leg, const struct leg_place *lp, int *cause)
{
	struct leg_fxo *l = lo_of(leg);
	struct fxo_port *p = l->port;
	size_t k = 0;

	if (!p || port_fd(p) < 0) {
		*cause = CAUSE_NETWORK_OUT_OF_ORDER;
		return ENODEV;
	}
	if (p->st != FXO_IDLE || p->leg) {
		CLOG(LL_NOTICE, leg->call, "port %u:%u is busy (%s): cause 17", p->spanno, p->pos,
		     fxo_state_names[p->st]);
		*cause = CAUSE_USER_BUSY;
		return EBUSY;
	}
	for (const char *s = lp->called; *s && k + 1 < sizeof(p->dial); s++)
		if ((*s >= '0' && *s <= '9') || *s == '*' || *s == '#')
			p->dial[k++] = *s;
	p->dial[k] = '\0';
	hook(p, ANALOG_OFFHOOK);
	p->leg = l;
	leg->live = true;
	set_state(p, FXO_SEIZED);
	timer_start(p, p->cp.dial_delay_ms ? p->cp.dial_delay_ms : 1);
	CLOG(LL_INFO, leg->call, "port %u:%u off-hook, dialling %s in %u ms", p->spanno, p->pos,
	     p->dial, p->cp.dial_delay_ms);
	return 0;
}

static void on_timer(struct daemon *d, su_timer_t *t, void *arg)
{
	struct fxo_port *p = arg;
	int err;

	switch (p->st) {
	case FXO_RINGING:
	case FXO_OFFERED:
		PLOG(LL_INFO, p, "the ringing stopped: the caller gave up");
		leg_end(p, true, CAUSE_NORMAL_CLEARING);
		break;
	case FXO_ANSWER_WAIT:
		PLOG(LL_INFO, p, "no answer within %u s (ring_timeout): cause %d",
		     p->cp.ring_timeout, CAUSE_NO_ANSWER);
		leg_end(p, true, CAUSE_NO_ANSWER);
		break;
	case FXO_SEIZED:
		if (!p->dial[0]) {
			dialled(p);
			break;
		}
		/* DAHDI plays a dial string only after the audio queued for sending, and a
		 * write cancels it: nothing may be queued (the last call's audio). */
		(void)dahdi_chan_flush(port_fd(p));
		err = analog_dial(port_fd(p), p->dial);
		if (err) {
			PLOG(LL_WARN, p, "cannot dial %s: %s", p->dial, strerror(err));
			leg_end(p, true, CAUSE_TEMPORARY_FAILURE);
			break;
		}
		set_state(p, FXO_DIALLING);
		break;
	default:
		break;
	}
}

/* ---- operations ----------------------------------------------------------------------------- */

static void fxo_nop(struct leg *leg) { (void)leg; }
static void fxo_nop_inband(struct leg *leg, bool inband) { (void)leg; (void)inband; }

static void fxo_answer(struct leg *leg)
{
	struct leg_fxo *l = lo_of(leg);
	struct fxo_port *p = l->port;

	/* The far end answered the call the line brought: answer the line. */
	if (!p || l->over || p->st != FXO_OFFERED)
		return;
	timer_stop(p);
	hook(p, ANALOG_OFFHOOK);
	set_state(p, FXO_CONNECTED);
}

static void fxo_clear(struct leg *leg, int cause)
{
	struct leg_fxo *l = lo_of(leg);
	struct fxo_port *p = l->port;

	if (!p || l->over)
		return;
	leg_end(p, false, cause);
}

static int fxo_digits(struct leg *leg, const char *digits)
{
	(void)leg;
	(void)digits;
	return ENOTSUP;
}

/* Answer supervision by voice: the zone's tones are not the answer (a tone too long for
 * the media interface is left out: it would answer the call, which is logged). */
static void answer_sup(const struct fxo_port *p, struct media_line_sup *sup)
{
	static const struct { enum analog_tone tone; size_t off; } tones[] = {
		{ ANALOG_TONE_BUSY, offsetof(struct media_line_sup, ans_busy) },
		{ ANALOG_TONE_CONGESTION, offsetof(struct media_line_sup, ans_congestion) },
		{ ANALOG_TONE_RINGBACK, offsetof(struct media_line_sup, ans_ringback) },
		{ ANALOG_TONE_DIAL, offsetof(struct media_line_sup, ans_dialtone) },
	};

	sup->answer_voice = true;
	for (size_t i = 0; i < sizeof tones / sizeof tones[0]; i++) {
		const char *t = analog_zone_tone(p->cp.tone_zone, tones[i].tone);
		char *dst = (char *)sup + tones[i].off;

		if (t && strlen(t) < MEDIA_TONE_SPEC_MAX)
			snprintf(dst, MEDIA_TONE_SPEC_MAX, "%s", t);
		else if (t)
			PLOG(LL_WARN, p, "zone %s: tone '%s' too long to listen for", p->cp.tone_zone, t);
	}
	struct stage_answer chk;
	if (stage_answer_init(&chk, sup)) {
		PLOG(LL_WARN, p, "zone %s: its tones cannot be listened for: the first audio "
		     "answers", p->cp.tone_zone);
		sup->ans_busy[0] = sup->ans_congestion[0] = '\0';
		sup->ans_ringback[0] = sup->ans_dialtone[0] = '\0';
	} else {
		stage_answer_release(&chk);
	}
}

/* Disconnect supervision in the line's audio: the zone's tones as libtonezone writes them
 * (a zone without one is not listened for), the silence timeout. */
static void line_sup(const struct fxo_port *p, struct media_line_sup *sup)
{
	memset(sup, 0, sizeof *sup);
	if (p->cp.disconnect_tone) {
		const char *busy = analog_zone_tone(p->cp.tone_zone, ANALOG_TONE_BUSY);
		const char *cong = analog_zone_tone(p->cp.tone_zone, ANALOG_TONE_CONGESTION);

		if (busy && strlen(busy) < sizeof sup->busy)
			snprintf(sup->busy, sizeof sup->busy, "%s", busy);
		/* a zone whose congestion tone is its busy tone listens once */
		if (cong && strlen(cong) < sizeof sup->congestion && (!busy || strcmp(cong, busy)))
			snprintf(sup->congestion, sizeof sup->congestion, "%s", cong);
	}
	sup->silence_ms = p->cp.silence_timeout * 1000;
	if (p->cp.answer_supervision == ANSWER_SUP_VOICE && p->leg && p->leg->b)
		answer_sup(p, sup);
	/* a tone the detector cannot take is left out, not the call */
	struct stage_disconnect chk;
	if ((sup->busy[0] || sup->congestion[0]) && stage_disconnect_init(&chk, sup)) {
		PLOG(LL_WARN, p, "zone %s: busy '%s' / congestion '%s' cannot be listened for: "
		     "no disconnect tone supervision", p->cp.tone_zone, sup->busy, sup->congestion);
		sup->busy[0] = sup->congestion[0] = '\0';
	} else if (sup->busy[0] || sup->congestion[0]) {
		stage_disconnect_release(&chk);
	}
}

static int fxo_media(struct leg *leg, struct leg_media *m)
{
	struct leg_fxo *l = lo_of(leg);
	struct fxo_port *p = l->port;
	int fd = p ? port_fd(p) : -1;

	if (!p || l->over || fd < 0 ||
	    (l->b && p->st != FXO_CONNECTED && p->st != FXO_ANSWER_WAIT))
		return EAGAIN;
	reading(p, false);
	*m = (struct leg_media){ .kind = LEG_MEDIA_TDM, .fd = fd, .rtcp_fd = -1,
				 .alaw = p->law == G711_LAW_ALAW,
				 .echocan_taps = echocan(p, true) };
	line_sup(p, &m->sup);
	return 0;
}

static void fxo_summary(const struct leg *leg, char *buf, size_t len)
{
	snprintf(buf, len, "port %u:%u", clo_of(leg)->spanno, clo_of(leg)->pos);
}

static void fxo_debug(const struct leg *leg, char *buf, size_t len)
{
	const struct leg_fxo *l = clo_of(leg);

	snprintf(buf, len, "port %u:%u, %s%s", l->spanno, l->pos,
		 l->port ? fxo_state_names[l->port->st] : "gone", l->over ? ", over" : "");
}

static void fxo_destroy(struct leg *leg)
{
	struct leg_fxo *l = lo_of(leg);

	if (l->port && l->port->leg == l)
		l->port->leg = NULL;
	free(l);
}

/* What the line said while the call waits for the answer (answer_supervision voice). */
static void fxo_line_heard(struct leg *leg, enum media_disconnect what)
{
	struct leg_fxo *l = lo_of(leg);
	struct fxo_port *p = l->port;

	if (!p || l->over || p->st != FXO_ANSWER_WAIT)
		return;
	switch (what) {
	case MEDIA_DISC_VOICE:
		CLOG(LL_INFO, leg->call, "port %u:%u: voice on the line: answered", p->spanno,
		     p->pos);
		answered(p);
		break;
	case MEDIA_DISC_BUSY:
		CLOG(LL_INFO, leg->call, "port %u:%u: busy tone on the line: cause %d", p->spanno,
		     p->pos, CAUSE_USER_BUSY);
		leg_end(p, true, CAUSE_USER_BUSY);
		break;
	case MEDIA_DISC_CONGESTION:
		CLOG(LL_INFO, leg->call, "port %u:%u: congestion tone on the line: cause %d",
		     p->spanno, p->pos, CAUSE_NO_CIRCUIT_AVAILABLE);
		leg_end(p, true, CAUSE_NO_CIRCUIT_AVAILABLE);
		break;
	case MEDIA_DISC_NONE:
	case MEDIA_DISC_SILENCE:
		break;
	}
}

static const struct leg_ops fxo_ops = {
	.side = "tdm",
	.line_side = true,
	.answer_name = "dialled",
	.place = fxo_place,
	.proceeding = fxo_nop,
	.alerting = fxo_nop_inband,
	.progress = fxo_nop_inband,
	.answer = fxo_answer,
	.clear = fxo_clear,
	.digits = fxo_digits,
	.media = fxo_media,
	.line_heard = fxo_line_heard,
	.summary = fxo_summary,
	.tag = fxo_summary,
	.debug = fxo_debug,
	.destroy = fxo_destroy,
};

/* ---- the daemon's side ------------------------------------------------------------------ */

static struct fxo_port *port_find(struct daemon *d, unsigned span, unsigned pos)
{
	struct fxo_ports *fp = d->fxo;

	for (unsigned i = 0; fp && i < fp->n; i++)
		if (fp->ports[i].spanno == span && fp->ports[i].pos == pos)
			return &fp->ports[i];
	return NULL;
}

int leg_fxo_ports_alloc(struct daemon *d)
{
	const struct conf *conf = d->conf;
	struct fxo_ports *fp = calloc(1, sizeof(*fp));
	unsigned n = conf_ports_count(conf, SIG_FXO);

	if (!fp)
		return ENOMEM;
	fp->ports = calloc(n ? n : 1, sizeof(*fp->ports));
	if (!fp->ports) {
		free(fp);
		return ENOMEM;
	}
	d->fxo = fp;
	for (unsigned i = 0; i < conf->nports; i++) {
		const struct conf_port *cp = &conf->ports[i];
		const struct conf_span *cs = conf_span_find(conf, cp->span);
		struct tdm_span *span = gw_span_find(d, cp->span);
		unsigned k = 0;

		if (!cs || cs->sig != SIG_FXO || !span)
			continue;
		for (unsigned pos = 1; pos <= TDM_MAX_POS; pos++) {
			if (!(cp->chans & (1u << pos)))
				continue;
			struct fxo_port *p = &fp->ports[fp->n++];
			p->d = d;
			p->span = span;
			p->spanno = cp->span;
			p->pos = pos;
			p->cp = *cp;
			p->law = cs->law == LAW_ALAW ? G711_LAW_ALAW : G711_LAW_ULAW;
			if (cp->number[0])
				snprintf(p->number, sizeof(p->number), "%0*llu",
					 (int)strlen(cp->number),
					 strtoull(cp->number, NULL, 10) + k);
			k++;
		}
		char to[CONF_NAME_MAX + 16], sil[32] = "";
		if (cp->silence_timeout)
			snprintf(sil, sizeof(sil), ", %u s of silence", cp->silence_timeout);
		LOGI(LS_CALL, "span %u: FXO ports %s, numbers from %s, calls to %s%s%s; disconnect "
		     "supervision: loop current%s%s", cp->span,
		     cp->list, cp->number[0] ? cp->number : "(none)",
		     route_endpoint_str(&cp->to, to, sizeof(to)),
		     cp->to_number[0] ? " number " : "", cp->to_number,
		     cp->disconnect_tone ? ", busy/congestion tone" : "", sil);
	}
	return 0;
}

void leg_fxo_ports_reload(struct daemon *d)
{
	for (unsigned i = 0; d->fxo && i < d->fxo->n; i++) {
		struct fxo_port *p = &d->fxo->ports[i];
		const struct conf_port *cp = conf_port_find(d->conf, p->spanno, p->pos);

		if (cp)
			conf_port_take_reloadable(&p->cp, cp);
	}
}

void leg_fxo_ports_free(struct daemon *d)
{
	struct fxo_ports *fp = d->fxo;

	if (!fp)
		return;
	for (unsigned i = 0; i < fp->n; i++) {
		struct fxo_port *p = &fp->ports[i];
		if (p->leg)
			p->leg->port = NULL;
		if (p->timer)
			su_timer_destroy(p->timer);
		if (p->defer)
			su_timer_destroy(p->defer);
		callerid_rx_free(p->cid_rx);
	}
	free(fp->ports);
	free(fp);
	d->fxo = NULL;
}

bool leg_fxo_on_event(struct daemon *d, unsigned span, unsigned pos, int event)
{
	struct fxo_port *p = port_find(d, span, pos);
	struct analog_event ev;

	if (!p)
		return false;
	analog_event_decode(event, &ev);
	PLOG(LL_DEBUG, p, "event %s (%d) in state %s", analog_event_name(ev.type), event,
	     fxo_state_names[p->st]);
	switch (ev.type) {
	case ANALOG_EV_OFFHOOK:		/* fxsks: ringing voltage detected */
		if (p->st == FXO_IDLE || p->st == FXO_RINGING || p->st == FXO_OFFERED)
			on_ring(p);
		break;
	case ANALOG_EV_ONHOOK:		/* the exchange dropped loop current */
		if (offhook(p)) {
			PLOG(LL_INFO, p, "loop current dropped: the far end cleared (cause 16)");
			leg_end(p, true, CAUSE_NORMAL_CLEARING);
		}
		break;
	case ANALOG_EV_DIAL_DONE:
		if (p->st == FXO_DIALLING)
			dialled(p);
		break;
	case ANALOG_EV_POLARITY:	/* battery reversal: the far end answered */
		if (p->st == FXO_ANSWER_WAIT &&
		    p->cp.answer_supervision == ANSWER_SUP_POLARITY) {
			PLOG(LL_INFO, p, "battery reversal: answered");
			answered(p);
		}
		break;
	default:
		break;
	}
	return true;
}

bool leg_fxo_on_readable(struct daemon *d, unsigned span, int fd)
{
	struct fxo_ports *fp = d->fxo;
	uint8_t buf[DAHDI_FRAME_BYTES * 4];
	int16_t lin[sizeof(buf)];

	for (unsigned i = 0; fp && i < fp->n; i++) {
		struct fxo_port *p = &fp->ports[i];
		if (p->spanno != span || port_fd(p) != fd)
			continue;
		if (!p->reading)
			return true;
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			return true;	/* ELAST: the event comes with POLLPRI */
		g711_block_decode(p->law, lin, buf, (size_t)r);
		if (p->cid_rx && p->st == FXO_RINGING &&
		    callerid_rx_feed(p->cid_rx, lin, (size_t)r) == 1) {
			p->cid = *callerid_rx_result(p->cid_rx);
			p->cid_have = true;
			PLOG(LL_INFO, p, "caller ID: number '%s' name '%s'", p->cid.number,
			     p->cid.name);
			offer(p);
		}
		return true;
	}
	return false;
}

int leg_fxo_alloc_out(struct leg **lp, struct daemon *d, const struct conf_endpoint *to,
		      bool *alaw, int *cause)
{
	struct fxo_port *p = to->pos ? port_find(d, to->span, to->pos) : NULL;
	struct fxo_ports *fp = d->fxo;
	struct leg_fxo *l;

	/* "port N": the first idle port of the span */
	for (unsigned i = 0; !p && fp && i < fp->n; i++)
		if (fp->ports[i].spanno == to->span && fp->ports[i].st == FXO_IDLE &&
		    !fp->ports[i].leg)
			p = &fp->ports[i];
	if (!p) {
		*cause = to->pos ? CAUSE_UNALLOCATED_NUMBER : CAUSE_NO_CIRCUIT_AVAILABLE;
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

bool leg_fxo_is_port(struct daemon *d, unsigned span)
{
	struct fxo_ports *fp = d->fxo;

	for (unsigned i = 0; fp && i < fp->n; i++)
		if (fp->ports[i].spanno == span)
			return true;
	return false;
}

unsigned leg_fxo_port_rows(struct daemon *d, struct ctl_port_row *rows, unsigned max)
{
	struct fxo_ports *fp = d->fxo;
	unsigned n = 0;

	for (unsigned i = 0; fp && i < fp->n; i++, n++) {
		const struct fxo_port *p = &fp->ports[i];
		if (n >= max)
			continue;
		rows[n] = (struct ctl_port_row){
			.span = p->spanno, .pos = p->pos, .kind = "fxo",
			.offhook = offhook(p),
			.ringing = p->st == FXO_RINGING,
			.state = fxo_state_names[p->st],
			.reg = "-",
			.expires = -1,
			.call_id = p->leg && p->leg->leg.call ? call_id(p->leg->leg.call) : 0,
		};
		snprintf(rows[n].number, sizeof(rows[n].number), "%s", p->number);
	}
	return n;
}
