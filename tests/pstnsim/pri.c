/* PSTN simulator: the ISDN side, Q.931 call control (ITU-T Q.931 / ETSI EN 300 403) via libpri. */
#include "tests/pstnsim/pstnsim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <dahdi/user.h>
#include <libpri.h>

#include "common/log.h"
#include "tests/pstnsim/q931.h"

/* D-channel HDLC buffers: libpri reads one frame per pri_check_event(). */
#define DCHAN_NUMBUFS	16
#define DCHAN_BUFSIZE	1024

static void pri_message_h(struct pri *pri, char *msg)
{
	(void)pri;
	LOGD(LS_PRI, "%s", msg);
}

static void pri_error_h(struct pri *pri, char *msg)
{
	(void)pri;
	LOGW(LS_PRI, "%s", msg);
}

/* libpri's own D-channel I/O on a DAHDI fd (read/write of a frame plus its 2 FCS octets),
 * with one change: RESTARTs for the whole interface, which libpri cannot send (q931.h). */
static int dchan_read(struct pri *pri, void *buf, int buflen)
{
	struct sim *s = pri_get_userdata(pri);
	ssize_t n = read(s->dfd, buf, (size_t)buflen);

	if (n < 0) {
		if (errno != EAGAIN && errno != ELAST)
			LOGW(LS_PRI, "D-channel read: %s", strerror(errno));
		return 0;
	}
	if (s->relink == RELINK_DEAF)
		return 0;	/* the frame is lost */
	if (s->relink == RELINK_ARMED && n > 0)
		s->relink = RELINK_DEAF;
	return (int)n;
}

static int dchan_write(struct pri *pri, void *buf, int buflen)
{
	struct sim *s = pri_get_userdata(pri);
	uint8_t f[DCHAN_BUFSIZE];
	size_t len = (size_t)buflen;

	/* SABME (Q.921 §3.6.1: 011P1111 in the control octet) ends a relink's deafness */
	if (s->relink == RELINK_DEAF && len > 2 && (((const uint8_t *)buf)[2] & ~0x10) == 0x6f) {
		s->relink = RELINK_NONE;
		s->relinks++;
		sim_say(s, "evt   Q.921: SABME sent, re-establishing the link");
	}
	if (s->restart_class && len > 2 && len <= sizeof(f)) {
		memcpy(f, buf, len);
		len = sim_q931_restart_rewrite(f, len - 2, s->restart_class) + 2;
		buf = f;
	}
	if (write(s->dfd, buf, len) < 0) {
		if (errno != EAGAIN)
			LOGW(LS_PRI, "D-channel write: %s", strerror(errno));
		return 0;
	}
	return buflen;
}

int sim_pri_open(struct sim *s)
{
	struct dahdi_bufferinfo bi = { 0 };
	int ch = s->o.dchan;

	s->dfd = open("/dev/dahdi/channel", O_RDWR | O_NONBLOCK);
	if (s->dfd < 0)
		return errno;
	if (ioctl(s->dfd, DAHDI_SPECIFY, &ch))
		return errno;
	bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.numbufs = DCHAN_NUMBUFS;
	bi.bufsize = DCHAN_BUFSIZE;
	if (ioctl(s->dfd, DAHDI_SET_BUFINFO, &bi))
		return errno;
	pri_set_message(pri_message_h);
	pri_set_error(pri_error_h);
	s->pri = pri_new_cb(s->dfd, s->o.network ? PRI_NETWORK : PRI_CPE, s->o.switchtype,
			    dchan_read, dchan_write, s);
	if (!s->pri)
		return ENOMEM;
	pri_facility_enable(s->pri);	/* calling names on ni2/dms100/qsig */
	pri_display_options_send(s->pri, PRI_DISPLAY_OPTION_NAME_INITIAL);	/* euroisdn */
	pri_display_options_receive(s->pri, PRI_DISPLAY_OPTION_NAME_INITIAL);
	if (s->o.debug)
		pri_set_debug(s->pri, PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE);
	return 0;
}

void sim_pri_close(struct sim *s)
{
	/* libpri 1.6 has no destructor for a controller: it lives until exit */
	if (s->dfd >= 0)
		close(s->dfd);
	s->dfd = -1;
}

#define RELINK_T203_MS	2000	/* [ms] T203 from a relink on: the loss is noticed sooner */
#define RELINK_T200_MS	500	/* [ms] T200 likewise: N200 (3) polls go unanswered */

void sim_pri_relink(struct sim *s)
{
	(void)pri_set_timer(s->pri, PRI_TIMER_T203, RELINK_T203_MS);
	(void)pri_set_timer(s->pri, PRI_TIMER_T200, RELINK_T200_MS);
	s->relink = RELINK_ARMED;
}

int sim_pri_timeout(struct sim *s, int cap)
{
	struct timeval *next = pri_schedule_next(s->pri), now;
	long ms;

	if (!next)
		return cap;
	gettimeofday(&now, NULL);
	ms = (next->tv_sec - now.tv_sec) * 1000L + (next->tv_usec - now.tv_usec + 999) / 1000;
	if (ms < 0)
		ms = 0;
	return ms < cap ? (int)ms : cap;
}

/* ---------------------------------------------------------------- channels */

static bool ts_usable(const struct sim *s, int ts)
{
	return ts > 0 && ts < SIM_MAX_TS && s->o.bchan[ts];
}

/* Any timeslot of ours, busy or not. */
static int ts_pick_any(const struct sim *s)
{
	for (int ts = 1; ts < SIM_MAX_TS; ts++)
		if (ts_usable(s, ts))
			return ts;
	return 1;
}

static int ts_pick(const struct sim *s)
{
	for (int ts = 1; ts < SIM_MAX_TS; ts++)
		if (ts_usable(s, ts) && !s->busy[ts])
			return ts;
	return 0;
}

/* Bind a call to a timeslot and open its B-channel (moving it if the far end chose another). */
static int call_take_ts(struct sim *s, struct sim_call *call, int ts)
{
	if (call->ts == ts && call->fd >= 0)
		return 0;
	if (call->ts) {
		sim_bchan_close(call);
		s->busy[call->ts] = false;
	}
	call->ts = ts;
	s->busy[ts] = true;
	return sim_bchan_open(s, call);
}

static void call_released(struct sim *s, struct sim_call *call)
{
	call->q = NULL;
	call->answer_at = 0;
	if (call->ts) {
		sim_bchan_close(call);
		s->busy[call->ts] = false;
	}
	if (!call->t_release)
		call->t_release = sim_now(s);
	sim_call_set_state(s, call, CS_RELEASED);
}

static struct sim_call *call_by_q(struct sim *s, q931_call *q)
{
	for (struct sim_call *c = s->calls; c; c = c->next)
		if (q && c->q == q)
			return c;
	return NULL;
}

/* Event channel encoding (libpri.h): low byte = B-channel, 0xff = any, -1 = none given. */
#define EV_CHAN(x)	((x) & 0xff)

static int event_ts(int channel)
{
	if (channel < 0 || EV_CHAN(channel) == 0xff)
		return -1;
	return EV_CHAN(channel);
}

/* The far end named the channel in CALL PROCEEDING / ALERTING / CONNECT (Q.931 §5.1.2). */
static void outgoing_channel(struct sim *s, struct sim_call *call, int channel)
{
	int ts = event_ts(channel);

	if (ts <= 0 || ts == call->ts)
		return;
	if (!ts_usable(s, ts)) {
		sim_say(s, "evt   %s: far end chose channel %d, not one of ours", call->name, ts);
		return;
	}
	sim_say(s, "evt   %s: far end moved the call to channel %d", call->name, ts);
	(void)call_take_ts(s, call, ts);
}

/* ---------------------------------------------------------------- commands */

int sim_pri_call(struct sim *s, const struct sim_cmd *c, const char *name, struct sim_call **cp)
{
	struct pri_sr *sr;
	struct sim_call *call;
	int ts = 0, exclusive = 0, rc = 0;

	if (!s->up)
		return ENOTCONN;
	if (c->chan > 0) {
		if (!ts_usable(s, c->chan))
			return EINVAL;
		if (s->busy[c->chan])
			return EBUSY;
		ts = c->chan;
		exclusive = 1;
	} else if (c->chan == 0) {
		ts = ts_pick(s);
		if (!ts)
			return EBUSY;
		exclusive = s->o.network;	/* the network assigns; the user only prefers */
	}
	call = sim_call_new(s, true, name);
	if (!call)
		return ENOMEM;
	snprintf(call->called, sizeof(call->called), "%s", c->num);
	snprintf(call->calling, sizeof(call->calling), "%s", c->from);
	call->q = pri_new_call(s->pri);
	sr = pri_sr_new();
	if (!call->q || !sr) {
		rc = ENOMEM;
		goto out;
	}
	pri_sr_set_channel(sr, ts ? ts : -1, exclusive, 0);
	pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH,
			  s->o.law == SIM_LAW_ALAW ? PRI_LAYER_1_ALAW : PRI_LAYER_1_ULAW);
	/* complete = 0: no Sending Complete, the number continues in INFORMATION messages */
	/* plan octet: type of number (bits 7-5) and ISDN/E.164 numbering plan (Q.931 §4.5.10) */
	pri_sr_set_called(sr, call->called, c->called_ton > 0 ? c->called_ton << 4 | 1 : PRI_UNKNOWN,
			  c->overlap ? 0 : 1);
	snprintf(call->cname, sizeof(call->cname), "%s", c->cname);
	if (*c->from || c->pres >= 0 || *c->cname)
		pri_sr_set_caller(sr, *c->from ? call->calling : NULL,
				  *c->cname ? call->cname : NULL,
				  c->ton > 0 ? c->ton << 4 | 1 : PRI_UNKNOWN,
				  (c->pres > 0 ? c->pres : 0) << 5 | 0 /* user, not screened */);
	if (*c->rdnis) {	/* a forwarded call (Q.931 §4.5.13) */
		snprintf(call->rdnis, sizeof(call->rdnis), "%s", c->rdnis);
		pri_sr_set_redirecting(sr, call->rdnis, PRI_UNKNOWN, 0,
				       c->rdnis_reason >= 0 ? c->rdnis_reason : PRI_REDIR_UNKNOWN);
	}
	call->t_setup = sim_now(s);
	if (pri_setup(s->pri, call->q, sr)) {
		rc = EIO;
		goto out;
	}
	sim_call_set_state(s, call, CS_CALL_INITIATED);
	if (ts)
		rc = call_take_ts(s, call, ts);
out:
	if (sr)
		pri_sr_free(sr);
	if (rc && call->state == CS_NULL) {
		if (call->q)
			pri_destroycall(s->pri, call->q);
		call->q = NULL;
		call->failed = true;
		call_released(s, call);
	}
	*cp = call;
	return rc;
}

int sim_pri_info(struct sim *s, struct sim_call *call, const char *digits)
{
	if (!call->q)
		return EINVAL;
	/* One INFORMATION per digit, as a PBX sends them while the user dials (Q.931 §5.1.3). */
	for (const char *d = digits; *d; d++)
		if (pri_information(s->pri, call->q, *d))
			return EIO;
	snprintf(call->called + strlen(call->called), sizeof(call->called) - strlen(call->called),
		 "%s", digits);
	return 0;
}

int sim_pri_proceed(struct sim *s, struct sim_call *call)
{
	if (!call->q || call->outgoing || call->state != CS_PRESENT)
		return EINVAL;
	if (pri_proceeding(s->pri, call->q, call->ts, 0))
		return EIO;
	sim_call_set_state(s, call, CS_IN_PROCEEDING);
	return 0;
}

int sim_pri_alert(struct sim *s, struct sim_call *call)
{
	if (!call->q || call->outgoing ||
	    (call->state != CS_PRESENT && call->state != CS_IN_PROCEEDING))
		return EINVAL;
	if (pri_acknowledge(s->pri, call->q, call->ts, 1))	/* in-band information */
		return EIO;
	sim_call_set_state(s, call, CS_RECEIVED);
	return 0;
}

int sim_pri_answer(struct sim *s, struct sim_call *call)
{
	if (!call->q || call->outgoing || call->state == CS_ACTIVE ||
	    call->state >= CS_DISCONNECTING)
		return EINVAL;
	call->answer_at = 0;
	if (pri_answer(s->pri, call->q, call->ts, 0))
		return EIO;
	call->t_answer = sim_now(s);
	sim_call_set_state(s, call, CS_ACTIVE);
	return 0;
}

int sim_pri_hangup(struct sim *s, struct sim_call *call, int cause)
{
	if (!call->q || call->state >= CS_DISCONNECTING)
		return EINVAL;
	/*
	 * libpri 1.6 sends nothing for most causes on a call still in U6 and the caller
	 * times out with cause 18: CALL PROCEEDING first turns it into DISCONNECT (DESIGN §4).
	 */
	if (call->state == CS_PRESENT)
		(void)sim_pri_proceed(s, call);
	call->answer_at = 0;
	call->local_hangup = true;
	call->cause = cause;
	if (pri_hangup(s->pri, call->q, cause))
		return EIO;
	sim_call_set_state(s, call, CS_DISCONNECTING);
	return 0;
}

int sim_pri_restart(struct sim *s, int ts)
{
	if (!s->up)
		return ENOTCONN;
	if (ts && !ts_usable(s, ts))
		return EINVAL;
	for (struct sim_call *c = s->calls; c; c = c->next) {
		if (c->state == CS_RELEASED || (ts && c->ts != ts))
			continue;
		sim_say(s, "evt   %s: dropped for the RESTART of %s", c->name,
			ts ? "its channel" : "the interface");
		if (c->q)
			pri_destroycall(s->pri, c->q);
		c->local_hangup = true;
		call_released(s, c);
	}
	/* pri_reset() sends RESTART for one channel; dchan_write() makes it the interface's. */
	s->restart_class = ts ? SIM_RESTART_CHANNELS : SIM_RESTART_ALL;
	if (pri_reset(s->pri, ts ? ts : ts_pick_any(s)))
		return EIO;
	return 0;
}

void sim_pri_tick(struct sim *s)
{
	uint64_t now = sim_now(s);

	for (struct sim_call *c = s->calls; c; c = c->next)
		if (c->answer_at && now >= c->answer_at && sim_pri_answer(s, c))
			sim_say(s, "evt   %s: scheduled answer failed in state %s", c->name,
				sim_cstate_name(c->state));
}

/* ---------------------------------------------------------------- events */

static void on_ring(struct sim *s, const pri_event_ring *r)
{
	struct sim_call *call = sim_call_new(s, false, NULL);
	int want = event_ts(r->channel), ts = 0;

	if (!call) {
		pri_hangup(s->pri, r->call, PRI_CAUSE_SWITCH_CONGESTION);
		return;
	}
	call->q = r->call;
	call->t_setup = sim_now(s);
	snprintf(call->called, sizeof(call->called), "%.*s", SIM_NUM_LEN - 1, r->callednum);
	snprintf(call->calling, sizeof(call->calling), "%.*s", SIM_NUM_LEN - 1, r->callingnum);
	snprintf(call->cname, sizeof(call->cname), "%.*s", SIM_NUM_LEN - 1, r->callingname);
	call->calling_ton = (r->callingplan >> 4) & 7;
	call->called_ton = (r->calledplan >> 4) & 7;
	call->pres = (r->callingpres >> 5) & 3;
	snprintf(call->rdnis, sizeof(call->rdnis), "%.*s", SIM_NUM_LEN - 1, r->redirectingnum);
	call->rdnis_reason = r->redirectingreason;
	if (*call->rdnis)
		sim_say(s, "evt   %s: redirected by %s (reason %d)", call->name, call->rdnis,
			call->rdnis_reason);
	sim_call_set_state(s, call, CS_PRESENT);
	sim_say(s, "evt   %s: SETUP to %s (%s) from %s (%s, %s%s%s), channel %d%s", call->name,
		*call->called ? call->called : "-", sim_ton_name(call->called_ton),
		*call->calling ? call->calling : "-", sim_ton_name(call->calling_ton),
		sim_pres_name(call->pres), *call->cname ? ", name " : "", call->cname, want,
		r->flexible ? " (preferred)" : "");
	/* libpri does not check the channel: do it here (Q.931 §5.2.3.1) */
	if (want > 0 && ts_usable(s, want) && !s->busy[want])
		ts = want;
	else if (want <= 0 || r->flexible)
		ts = ts_pick(s);
	if (!ts) {
		int cause = want > 0 && !r->flexible ? PRI_CAUSE_REQUESTED_CHAN_UNAVAIL
						      : PRI_CAUSE_NORMAL_CIRCUIT_CONGESTION;
		sim_say(s, "evt   %s: no channel for it, releasing with cause %d", call->name, cause);
		call->local_hangup = true;
		call->cause = cause;
		pri_hangup(s->pri, call->q, cause);	/* 34 and 44 give RELEASE COMPLETE */
		call_released(s, call);
		return;
	}
	if (call_take_ts(s, call, ts))
		sim_say(s, "evt   %s: cannot open B-channel %d", call->name, s->o.base + ts);
	/* always CALL PROCEEDING at once: it names the channel and stops the caller's T303 */
	(void)sim_pri_proceed(s, call);
	switch (s->on_ring) {
	case ON_RING_ANSWER:
		if (s->on_ring_delay)
			call->answer_at = sim_now(s) + s->on_ring_delay;
		else
			(void)sim_pri_answer(s, call);
		break;
	case ON_RING_RING:
		(void)sim_pri_alert(s, call);
		break;
	case ON_RING_REJECT:
		(void)sim_pri_hangup(s, call, s->on_ring_cause);
		break;
	case ON_RING_NONE:
		break;
	}
}

static void on_event(struct sim *s, pri_event *e)
{
	struct sim_call *call;

	switch (e->e) {
	case PRI_EVENT_DCHAN_UP:
		if (!s->up) {
			sim_say(s, "evt   D-channel up");
			s->up_since = sim_now(s);
		}
		s->up = true;
		break;
	case PRI_EVENT_DCHAN_DOWN:
		if (s->up)
			sim_say(s, "evt   D-channel down");
		s->up = false;
		break;
	case PRI_EVENT_RING:
		on_ring(s, &e->ring);
		break;
	case PRI_EVENT_PROCEEDING:
		call = call_by_q(s, e->proceeding.call);
		if (!call)
			break;
		call->seen_proceeding = true;
		outgoing_channel(s, call, e->proceeding.channel);
		if (call->state == CS_CALL_INITIATED)
			sim_call_set_state(s, call, CS_OUT_PROCEEDING);
		break;
	case PRI_EVENT_PROGRESS:
		call = call_by_q(s, e->proceeding.call);
		if (call)
			sim_say(s, "evt   %s: PROGRESS", call->name);
		break;
	case PRI_EVENT_RINGING:
		call = call_by_q(s, e->ringing.call);
		if (!call)
			break;
		call->seen_alerting = true;
		outgoing_channel(s, call, e->ringing.channel);
		if (call->state < CS_DELIVERED)
			sim_call_set_state(s, call, CS_DELIVERED);
		break;
	case PRI_EVENT_ANSWER:
		call = call_by_q(s, e->answer.call);
		if (!call)
			break;
		outgoing_channel(s, call, e->answer.channel);
		call->t_answer = sim_now(s);
		sim_call_set_state(s, call, CS_ACTIVE);
		break;
	case PRI_EVENT_HANGUP_REQ:	/* DISCONNECT received: answer with RELEASE */
		call = call_by_q(s, e->hangup.call);
		if (!call) {
			pri_hangup(s->pri, e->hangup.call, e->hangup.cause);
			break;
		}
		if (!call->local_hangup)
			call->cause = e->hangup.cause;
		if (call->state < CS_DISCONNECTING) {
			pri_hangup(s->pri, call->q, e->hangup.cause);
			sim_call_set_state(s, call, CS_DISCONNECTING);
		}
		break;
	case PRI_EVENT_HANGUP:		/* RELEASE (COMPLETE) received: libpri wants a last hangup */
		call = call_by_q(s, e->hangup.call);
		pri_hangup(s->pri, e->hangup.call, e->hangup.cause);
		if (!call)
			break;
		if (!call->local_hangup)
			call->cause = e->hangup.cause;
		call_released(s, call);
		break;
	case PRI_EVENT_HANGUP_ACK:	/* our clearing completed; libpri frees the call */
		call = call_by_q(s, e->hangup.call);
		if (call)
			call_released(s, call);
		break;
	case PRI_EVENT_INFO_RECEIVED:
		call = call_by_q(s, e->ring.call);
		if (call) {
			size_t n = strlen(call->called);
			snprintf(call->called + n, sizeof(call->called) - n, "%.*s", SIM_NUM_LEN - 1,
				 e->ring.callednum);
			sim_say(s, "evt   %s: INFORMATION, number now %s", call->name, call->called);
		}
		break;
	case PRI_EVENT_KEYPAD_DIGIT:
		call = call_by_q(s, e->digit.call);
		sim_say(s, "evt   %s: keypad digits %s", call ? call->name : "?", e->digit.digits);
		break;
	case PRI_EVENT_RESTART: {
		/* Q.931 §5.5.2: libpri has acknowledged; the calls there return to idle, cause
		 * 41 as the gateway's own side does */
		int ts = event_ts(e->restart.channel);	/* -1: the whole interface */
		if (ts < 0)
			sim_say(s, "evt   RESTART of the interface");
		else
			sim_say(s, "evt   RESTART channel %d", ts);
		for (struct sim_call *c = s->calls; c; c = c->next) {
			if (c->state == CS_RELEASED || (ts >= 0 && c->ts != ts))
				continue;
			sim_say(s, "evt   %s: cleared by the far end's RESTART", c->name);
			if (c->q)
				pri_destroycall(s->pri, c->q);
			c->cause = 41;
			call_released(s, c);
		}
		break;
	}
	case PRI_EVENT_RESTART_ACK:
		s->restart_acks++;
		if (e->restartack.channel < 0)
			sim_say(s, "evt   RESTART ACKNOWLEDGE for the interface");
		else
			sim_say(s, "evt   RESTART ACKNOWLEDGE channel %d", EV_CHAN(e->restartack.channel));
		break;
	default:
		LOGD(LS_PRI, "event %s", pri_event2str(e->e));
		break;
	}
}

void sim_pri_poll(struct sim *s, bool readable, bool exception)
{
	pri_event *e;

	if (exception) {
		int ev = 0;

		if (!ioctl(s->dfd, DAHDI_GETEVENT, &ev) && ev)
			sim_say(s, "evt   D-channel DAHDI event %d%s", ev,
				ev == DAHDI_EVENT_ALARM ? " (alarm)" :
				ev == DAHDI_EVENT_NOALARM ? " (alarm cleared)" : "");
	}
	if (readable) {
		e = pri_check_event(s->pri);
		if (e)
			on_event(s, e);
	}
	e = pri_schedule_run(s->pri);
	if (e)
		on_event(s, e);
}
