/* PSTN simulator: runs the script's steps against the calls, one verdict line per step. */
#include "tests/pstnsim/pstnsim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TARGETS	128
#define MSG_LEN		200

/* Defaults when a step gives no time [ms]. */
#define DEF_WAIT_UP	15000
#define DEF_EXPECT	10000
#define DEF_RELINK	20000
#define DEF_DTMF_WAIT	5000
#define DEF_TONE_FOR	1000
#define DEF_TONE_WITHIN	5000
#define TONE_SLACK	3000	/* wall-clock margin over the audio time of a tone check */
#define DEF_FAX		180000	/* a few pages at 2400 bit/s with retrains fit in it */
/*
 * [ms] the D-channel must stay up before wait-up passes. Both ends of a point-to-point
 * link send SABME (Q.921 §5.5.1); one end can see its UA and report "up" a T200 (1 s)
 * before the other, and a SETUP sent in between is refused with cause 101.
 */
#define UP_SETTLE	1500

enum verdict { V_PENDING, V_OK, V_FAIL };

struct sim_run {
	struct sim *s;
	const struct sim_script *sc;
	size_t pc;
	bool started;
	uint64_t t_start;		/* [ms] */
	unsigned ntg;
	struct sim_call *tg[MAX_TARGETS];
	enum verdict tv[MAX_TARGETS];
	char tmsg[MAX_TARGETS][MSG_LEN];
	char msg[MSG_LEN];		/* step-level message when there are no targets */
	bool all;			/* step addressed @all */
	unsigned restart_acks;		/* restart: ACKs counted before the RESTART went out */
	unsigned relinks;		/* relink: SABMEs counted before it */
};

int sim_run_alloc(struct sim_run **rp, struct sim *s, const struct sim_script *sc)
{
	struct sim_run *r;

	if (!rp || !s || !sc)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->s = s;
	r->sc = sc;
	*rp = r;
	return 0;
}

void sim_run_free(struct sim_run *r)
{
	free(r);
}

static bool released(const struct sim_call *c)
{
	return c->state == CS_RELEASED;
}

/* Resolve "@NAME", "@all" or the current call into r->tg. 0 or ENOENT (msg set). */
static int resolve(struct sim_run *r, const struct sim_cmd *c)
{
	struct sim *s = r->s;
	struct sim_call *call;

	r->ntg = 0;
	r->all = !strcmp(c->target, "all");
	if (r->all) {
		for (call = s->calls; call && r->ntg < MAX_TARGETS; call = call->next) {
			bool take = c->op == OP_EXPECT_HANGUP ? !call->hangup_checked : !released(call);
			if (take)
				r->tg[r->ntg++] = call;
		}
		return 0;
	}
	call = *c->target ? sim_call_find(s, c->target) : s->cur;
	if (!call) {
		snprintf(r->msg, sizeof(r->msg), "no call %s", *c->target ? c->target : "yet");
		return ENOENT;
	}
	r->tg[r->ntg++] = call;
	return 0;
}

static void tset(struct sim_run *r, unsigned i, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void tset(struct sim_run *r, unsigned i, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	r->tv[i] = v;
	va_start(ap, fmt);
	vsnprintf(r->tmsg[i], MSG_LEN, fmt, ap);
	va_end(ap);
}

static void audio_note(struct sim_call *call, const struct sim_tone_result *res)
{
	size_t n = strlen(call->audio);

	snprintf(call->audio + n, sizeof(call->audio) - n, "%s%u:%s:%u/%u", n ? "," : "",
		 res->freq, res->state == SIM_TONE_PASS ? "ok" : "fail", res->match_ms,
		 res->window_ms);
}

/* The CALL line's fax field: "send:3:14400:ecm:0" (code -1: T.30 never ended). */
static void fax_note(struct sim_call *call, const struct sim_fax_result *fr)
{
	snprintf(call->faxsum, sizeof(call->faxsum), "%s:%d:%d:%s:%d", fr->send ? "send" : "recv",
		 fr->pages, fr->bit_rate, fr->ecm ? "ecm" : "noecm", fr->code);
}

static const char *cause_str(int cause)
{
	static char buf[16];

	if (cause < 0)
		return "none";
	snprintf(buf, sizeof(buf), "%d", cause);
	return buf;
}

/* ---------------------------------------------------------------- step start */

static unsigned step_limit(const struct sim_cmd *c);

/* Start the step; return V_PENDING to keep polling, else its verdict (msg set). */
static enum verdict begin(struct sim_run *r, const struct sim_cmd *c)
{
	struct sim *s = r->s;
	int rc = 0;

	r->msg[0] = '\0';
	r->ntg = 0;
	switch (c->op) {
	case OP_WAIT_UP:
	case OP_SLEEP:
	case OP_EXPECT_RING:
		return V_PENDING;
	case OP_OFFHOOK:
	case OP_ONHOOK:
	case OP_FLASH:
	case OP_PULSE:
	case OP_RING_LINE:
	case OP_LINE_TONE:
	case OP_EXPECT_RINGING:
	case OP_EXPECT_OFFHOOK:
	case OP_EXPECT_ONHOOK:
	case OP_EXPECT_TONES:
	case OP_EXPECT_CID:
	case OP_EXPECT_CAS: {
		int v = sim_analog_step(s, c, true, 0, step_limit(c), r->msg, sizeof(r->msg));
		return v > 0 ? V_OK : v < 0 ? V_FAIL : V_PENDING;
	}
	case OP_EXIT:
		snprintf(r->msg, sizeof(r->msg), "end of script");
		return V_OK;
	case OP_ON_RING:
		s->on_ring = c->on_ring;
		s->on_ring_cause = c->cause > 0 ? c->cause : 21;
		s->on_ring_delay = c->dur_ms;
		return V_OK;
	case OP_USE: {
		struct sim_call *call = sim_call_find(s, c->name);
		if (!call) {
			snprintf(r->msg, sizeof(r->msg), "no call %s", c->name);
			return V_FAIL;
		}
		s->cur = call;
		return V_OK;
	}
	case OP_RESTART: {
		int ts = c->chan;

		if (!ts) {	/* the current (or @NAME) call's channel */
			rc = resolve(r, c);
			if (!rc && r->all)
				snprintf(r->msg, sizeof(r->msg), "name a channel or 'all', not @all");
			else if (!rc && !r->tg[0]->ts)
				snprintf(r->msg, sizeof(r->msg), "%s has no channel", r->tg[0]->name);
			else if (!rc)
				ts = r->tg[0]->ts;
			r->ntg = 0;
			r->all = false;
			if (!ts)
				return V_FAIL;
		}
		r->restart_acks = s->restart_acks;
		rc = sim_pri_restart(s, ts < 0 ? 0 : ts);
		if (rc) {
			snprintf(r->msg, sizeof(r->msg), "RESTART not sent: %s",
				 rc == ENOTCONN ? "D-channel down" :
				 rc == EINVAL ? "channel not ours" : strerror(rc));
			return V_FAIL;
		}
		if (ts < 0)
			snprintf(r->msg, sizeof(r->msg), "RESTART of the interface");
		else
			snprintf(r->msg, sizeof(r->msg), "RESTART of channel %d", ts);
		return V_PENDING;
	}
	case OP_RELINK:
		if (!s->up) {
			snprintf(r->msg, sizeof(r->msg), "D-channel down");
			return V_FAIL;
		}
		r->relinks = s->relinks;
		sim_pri_relink(s);
		snprintf(r->msg, sizeof(r->msg), "layer 2 loss");
		return V_PENDING;
	case OP_CALL: {
		unsigned count = c->count ? c->count : 1;
		for (unsigned i = 0; i < count; i++) {
			char name[SIM_NAME_LEN + 8];
			struct sim_call *call = NULL;

			if (*c->name && count > 1)
				snprintf(name, sizeof(name), "%.10s%u", c->name, (i + 1) % 10000);
			else
				snprintf(name, sizeof(name), "%s", c->name);
			rc = sim_pri_call(s, c, *name ? name : NULL, &call);
			if (call)
				s->cur = call;
			if (rc) {
				snprintf(r->msg, sizeof(r->msg), "call %u of %u: %s", i + 1, count,
					 rc == EBUSY ? "no free B-channel" :
					 rc == ENOTCONN ? "D-channel down" :
					 rc == EINVAL ? "channel not ours" : strerror(rc));
				return V_FAIL;
			}
		}
		if (count == 1)
			snprintf(r->msg, sizeof(r->msg), "%s: SETUP to %s on channel %d", s->cur->name,
				 s->cur->called, s->cur->ts);
		else
			snprintf(r->msg, sizeof(r->msg), "%u SETUPs to %s, last %s", count, c->num,
				 s->cur->name);
		return V_OK;
	}
	default:
		break;
	}

	if (resolve(r, c))
		return V_FAIL;
	for (unsigned i = 0; i < r->ntg; i++) {
		struct sim_call *call = r->tg[i];
		struct sim_tone_params tp = { 0 };

		r->tv[i] = V_PENDING;
		r->tmsg[i][0] = '\0';
		switch (c->op) {
		case OP_ANSWER:
			if (c->dur_ms && !released(call) && !call->outgoing) {
				call->answer_at = sim_now(s) + c->dur_ms;
				tset(r, i, V_OK, "answer in %u ms", c->dur_ms);
			} else if (sim_pri_answer(s, call)) {
				tset(r, i, V_FAIL, "cannot answer in state %s", sim_cstate_name(call->state));
			} else {
				tset(r, i, V_OK, "CONNECT sent");
			}
			break;
		case OP_RING:
			if (sim_pri_alert(s, call))
				tset(r, i, V_FAIL, "cannot alert in state %s", sim_cstate_name(call->state));
			else
				tset(r, i, V_OK, "ALERTING sent");
			break;
		case OP_PROCEED:
			if (sim_pri_proceed(s, call))
				tset(r, i, V_FAIL, "cannot proceed in state %s", sim_cstate_name(call->state));
			else
				tset(r, i, V_OK, "CALL PROCEEDING sent");
			break;
		case OP_REJECT:
		case OP_HANGUP: {
			int cause = c->cause > 0 ? c->cause : c->op == OP_REJECT ? 21 : 16;

			if (sim_pri_hangup(s, call, cause))
				tset(r, i, V_FAIL, "cannot clear in state %s", sim_cstate_name(call->state));
			else
				tset(r, i, V_OK, "clearing with cause %d", cause);
			break;
		}
		case OP_TONE:
			rc = sim_tx_tone(call->tx, c->freq, c->level);
			if (c->freq)
				tset(r, i, rc ? V_FAIL : V_OK, "sending %u Hz at %d dBm0", c->freq, c->level);
			else
				tset(r, i, V_OK, "sending silence");
			break;
		case OP_INFO:
			rc = sim_pri_info(s, call, c->digits);
			tset(r, i, rc ? V_FAIL : V_OK, rc ? "cannot send INFORMATION: %s" :
			     "INFORMATION %s, number now %s", rc ? strerror(rc) : c->digits, call->called);
			break;
		case OP_DTMF:
			if (call->fd < 0) {
				tset(r, i, V_FAIL, "no B-channel (state %s)", sim_cstate_name(call->state));
				break;
			}
			rc = sim_tx_dtmf(call->tx, c->digits, s->o.dtmf_on_ms, s->o.dtmf_off_ms);
			if (rc)
				tset(r, i, V_FAIL, "cannot queue digits: %s", strerror(rc));
			break;
		case OP_FAX_SEND:
		case OP_FAX_RECV: {
			struct sim_fax_params fp = {
				.law = s->o.law, .calling = call->outgoing, .send = c->op == OP_FAX_SEND,
				.file = c->file, .ecm = c->ecm, .ident = c->ident,
			};

			if (call->fd < 0) {
				tset(r, i, V_FAIL, "no B-channel (state %s)", sim_cstate_name(call->state));
				break;
			}
			if (call->fax) {
				tset(r, i, V_FAIL, "a fax machine already runs on this call");
				break;
			}
			rc = sim_fax_alloc(&call->fax, &fp);
			if (rc)
				tset(r, i, V_FAIL, "fax machine not started: %s", strerror(rc));
			else
				tset(r, i, V_OK, "%s fax machine %s %s, ECM %s",
				     fp.calling ? "calling" : "answering", fp.send ? "sending" : "receiving into",
				     c->file, c->ecm ? "offered" : "off");
			break;
		}
		case OP_EXPECT_TONE:
		case OP_EXPECT_SILENCE:
			tp.freq = c->op == OP_EXPECT_TONE ? c->freq : 0;
			tp.window_ms = c->dur_ms ? c->dur_ms : DEF_TONE_FOR;
			tp.within_ms = c->within_ms ? c->within_ms : DEF_TONE_WITHIN;
			tp.min_pct = c->min_pct;
			if (call->fd < 0) {
				tset(r, i, V_FAIL, "no B-channel (state %s)", sim_cstate_name(call->state));
				break;
			}
			(void)sim_rx_tone_start(call->rx, &tp);
			break;
		default:
			break;
		}
	}
	return V_PENDING;
}

/* ---------------------------------------------------------------- polling */

static unsigned step_limit(const struct sim_cmd *c)
{
	unsigned t = c->timeout_ms;

	switch (c->op) {
	case OP_WAIT_UP:
		return t ? t : DEF_WAIT_UP;
	case OP_EXPECT_DTMF:
		return t ? t : DEF_DTMF_WAIT;
	case OP_EXPECT_TONE:
		return (c->within_ms ? c->within_ms : DEF_TONE_WITHIN) +
		       (c->dur_ms ? c->dur_ms : DEF_TONE_FOR) + TONE_SLACK;
	case OP_EXPECT_SILENCE:
		return (c->dur_ms ? c->dur_ms : DEF_TONE_FOR) + TONE_SLACK;
	case OP_EXPECT_TONES:
		return (c->within_ms ? c->within_ms : DEF_TONE_WITHIN) +
		       (c->dur_ms ? c->dur_ms : DEF_TONE_FOR) + TONE_SLACK;
	case OP_DTMF:
		return 3000 + (unsigned)strlen(c->digits) * 400;
	case OP_PULSE:		/* up to ten 100 ms pulses and the inter-digit pause each */
		return 3000 + (unsigned)strlen(c->digits) * 2000;
	case OP_EXPECT_FAX:
		return t ? t : DEF_FAX;
	case OP_RELINK:		/* the T203 running (libpri's 10 s) + N200 x T200 */
		return t ? t : DEF_RELINK;
	default:
		return t ? t : DEF_EXPECT;
	}
}

static void poll_target(struct sim_run *r, const struct sim_cmd *c, unsigned i, bool late)
{
	struct sim *s = r->s;
	struct sim_call *call = r->tg[i];
	uint64_t now = sim_now(s);
	struct sim_tone_result res;
	const char *got, *hit;

	switch (c->op) {
	case OP_EXPECT_PROCEEDING:
	case OP_EXPECT_ALERTING:
	case OP_EXPECT_ANSWER: {
		bool seen = c->op == OP_EXPECT_PROCEEDING ? call->seen_proceeding || call->seen_alerting ||
							    call->t_answer
			  : c->op == OP_EXPECT_ALERTING ? call->seen_alerting : call->t_answer != 0;
		if (seen)
			tset(r, i, V_OK, "%s after %llu ms, channel %d",
			     c->op == OP_EXPECT_ANSWER ? "answered" : "seen",
			     (unsigned long long)((c->op == OP_EXPECT_ANSWER ? call->t_answer : now) -
						  call->t_setup), call->ts);
		else if (released(call))
			tset(r, i, V_FAIL, "cleared with cause %s instead", cause_str(call->cause));
		else if (late)
			tset(r, i, V_FAIL, "nothing within %u ms (state %s)", step_limit(c),
			     sim_cstate_name(call->state));
		break;
	}
	case OP_EXPECT_HANGUP:
		if (released(call)) {
			call->hangup_checked = true;
			if (c->cause > 0 && call->cause != c->cause)
				tset(r, i, V_FAIL, "cleared with cause %s, expected %d",
				     cause_str(call->cause), c->cause);
			else
				tset(r, i, V_OK, "cleared by %s, cause %s", call->local_hangup ? "us" : "far end",
				     cause_str(call->cause));
		} else if (late) {
			tset(r, i, V_FAIL, "still %s after %u ms", sim_cstate_name(call->state),
			     step_limit(c));
		}
		break;
	case OP_EXPECT_TONE:
	case OP_EXPECT_SILENCE:
		if (late)
			sim_rx_tone_abort(call->rx);
		if (sim_rx_tone_result(call->rx, &res) == SIM_TONE_PASS || res.state == SIM_TONE_FAIL) {
			char d[MSG_LEN];

			sim_tone_describe(&res, d, sizeof(d));
			audio_note(call, &res);
			tset(r, i, res.state == SIM_TONE_PASS ? V_OK : V_FAIL, "%s%s", d,
			     late ? " (timed out: audio stopped?)" : "");
		} else if (released(call)) {
			sim_rx_tone_abort(call->rx);
			tset(r, i, V_FAIL, "call cleared (cause %s) during the check",
			     cause_str(call->cause));
		}
		break;
	case OP_EXPECT_DTMF:
		got = sim_rx_digits(call->rx) + call->digits_used;
		hit = strstr(got, c->digits);
		if (hit) {
			int skipped = (int)(hit - got);
			call->digits_used += (size_t)skipped + strlen(c->digits);
			tset(r, i, V_OK, "got %s%s%.*s", c->digits, skipped ? " after extra " : "",
			     skipped, got);
		} else if (late || released(call)) {
			tset(r, i, V_FAIL, "expected %s, got '%s'%s", c->digits, got,
			     released(call) ? " before the call cleared" : "");
		}
		break;
	case OP_EXPECT_FAX: {
		struct sim_fax_result fr;
		char d[MSG_LEN];

		if (!call->fax) {
			tset(r, i, V_FAIL, "no fax machine on this call (fax-send/fax-recv first)");
			break;
		}
		if (!sim_fax_result(call->fax, &fr) && !released(call) && !late)
			break;
		if (!fr.done) {
			/* the far end cleared, or time ran out: T.30 never reached phase E */
			fr.code_text = released(call) ? "call cleared during the fax" : "timed out";
		}
		sim_fax_describe(&fr, d, sizeof(d));
		fax_note(call, &fr);
		if (fr.done && fr.code == 0 && (!c->pages || fr.pages == (int)c->pages))
			tset(r, i, V_OK, "%s", d);
		else if (fr.done && fr.code == 0)
			tset(r, i, V_FAIL, "%s; expected %u pages", d, c->pages);
		else
			tset(r, i, V_FAIL, "%s", d);
		break;
	}
	case OP_DTMF:
		if (!sim_tx_busy(call->tx))
			tset(r, i, V_OK, "sent %s", c->digits);
		else if (late || released(call))
			tset(r, i, V_FAIL, "digits not sent (state %s)", sim_cstate_name(call->state));
		break;
	default:
		break;
	}
}

/* Poll a started step: V_PENDING, or its verdict with messages set. */
static enum verdict poll_step(struct sim_run *r, const struct sim_cmd *c)
{
	struct sim *s = r->s;
	uint64_t elapsed = sim_now(s) - r->t_start;
	bool late = elapsed >= step_limit(c);
	unsigned pending = 0, nfail = 0;

	switch (c->op) {
	case OP_PULSE:
	case OP_EXPECT_RINGING:
	case OP_EXPECT_OFFHOOK:
	case OP_EXPECT_ONHOOK:
	case OP_EXPECT_TONES:
	case OP_EXPECT_CID:
	case OP_EXPECT_CAS: {
		int v = sim_analog_step(s, c, false, elapsed, step_limit(c), r->msg, sizeof(r->msg));
		return v > 0 ? V_OK : v < 0 ? V_FAIL : V_PENDING;
	}
	case OP_WAIT_UP:
		if (s->up && sim_now(s) - s->up_since >= UP_SETTLE) {
			snprintf(r->msg, sizeof(r->msg), "D-channel up and stable after %llu ms",
				 (unsigned long long)elapsed);
			return V_OK;
		}
		if (late) {
			snprintf(r->msg, sizeof(r->msg), "D-channel not up within %u ms", step_limit(c));
			return V_FAIL;
		}
		return V_PENDING;
	case OP_SLEEP:
		return elapsed >= c->dur_ms ? V_OK : V_PENDING;
	case OP_RELINK: {
		size_t n = strlen(r->msg);

		if (s->relinks > r->relinks && s->up && s->up_since + elapsed >= sim_now(s)) {
			snprintf(r->msg + n, sizeof(r->msg) - n, ": link re-established after %llu ms",
				 (unsigned long long)elapsed);
			return V_OK;
		}
		if (!late)
			return V_PENDING;
		snprintf(r->msg + n, sizeof(r->msg) - n, ": link not re-established within %u ms",
			 step_limit(c));
		return V_FAIL;
	}
	case OP_RESTART: {
		size_t n = strlen(r->msg);

		if (s->restart_acks > r->restart_acks) {
			snprintf(r->msg + n, sizeof(r->msg) - n, ": acknowledged after %llu ms",
				 (unsigned long long)elapsed);
			return V_OK;
		}
		if (!late)
			return V_PENDING;
		snprintf(r->msg + n, sizeof(r->msg) - n, ": no RESTART ACKNOWLEDGE within %u ms",
			 step_limit(c));
		return V_FAIL;
	}
	case OP_EXPECT_RING: {
		unsigned want = c->count ? c->count : 1, have = 0;
		struct sim_call *last = NULL;

		for (struct sim_call *call = s->calls; call; call = call->next)
			if (!call->outgoing && !call->ring_consumed)
				have++;
		if (have < want) {
			if (!late)
				return V_PENDING;
			snprintf(r->msg, sizeof(r->msg), "%u of %u incoming calls within %u ms", have,
				 want, step_limit(c));
			return V_FAIL;
		}
		for (struct sim_call *call = s->calls; call && want; call = call->next) {
			if (call->outgoing || call->ring_consumed)
				continue;
			call->ring_consumed = true;
			want--;
			last = call;
			if (*c->num && strcmp(call->called, c->num)) {
				snprintf(r->msg, sizeof(r->msg), "%s: called number %s, expected %s",
					 call->name, call->called, c->num);
				nfail++;
			}
			if (*c->from && strcmp(call->calling, c->from)) {
				snprintf(r->msg, sizeof(r->msg), "%s: calling number %s, expected %s",
					 call->name, call->calling, c->from);
				nfail++;
			}
			if (c->ton >= 0 && call->calling_ton != c->ton) {
				snprintf(r->msg, sizeof(r->msg), "%s: calling type of number %s, "
					 "expected %s", call->name, sim_ton_name(call->calling_ton),
					 sim_ton_name(c->ton));
				nfail++;
			}
			if (c->called_ton >= 0 && call->called_ton != c->called_ton) {
				snprintf(r->msg, sizeof(r->msg), "%s: called type of number %s, "
					 "expected %s", call->name, sim_ton_name(call->called_ton),
					 sim_ton_name(c->called_ton));
				nfail++;
			}
			if (c->pres >= 0 && call->pres != c->pres) {
				snprintf(r->msg, sizeof(r->msg), "%s: presentation %s, expected %s",
					 call->name, sim_pres_name(call->pres), sim_pres_name(c->pres));
				nfail++;
			}
			if (*c->rdnis && strcmp(call->rdnis, c->rdnis)) {
				snprintf(r->msg, sizeof(r->msg), "%s: redirecting number '%s', "
					 "expected '%s'", call->name, call->rdnis, c->rdnis);
				nfail++;
			}
			if (c->rdnis_reason >= 0 && call->rdnis_reason != c->rdnis_reason) {
				snprintf(r->msg, sizeof(r->msg), "%s: redirection reason %d, "
					 "expected %d", call->name, call->rdnis_reason,
					 c->rdnis_reason);
				nfail++;
			}
			if (*c->cname && strcmp(call->cname, c->cname)) {
				snprintf(r->msg, sizeof(r->msg), "%s: calling name '%s', expected '%s'",
					 call->name, call->cname, c->cname);
				nfail++;
			}
			if (*c->name)
				snprintf(call->name, sizeof(call->name), "%s", c->name);
		}
		s->cur = last;
		if (nfail) {
			last->failed = true;
			return V_FAIL;
		}
		snprintf(r->msg, sizeof(r->msg), "%s: SETUP to %s from %s on channel %d", last->name,
			 *last->called ? last->called : "-", *last->calling ? last->calling : "-",
			 last->ts);
		if (c->count > 1)
			snprintf(r->msg, sizeof(r->msg), "%u calls, last %s on channel %d", c->count,
				 last->name, last->ts);
		return V_OK;
	}
	default:
		break;
	}
	if (!r->ntg && !*r->msg)
		snprintf(r->msg, sizeof(r->msg), "no calls");
	for (unsigned i = 0; i < r->ntg; i++) {
		if (r->tv[i] == V_PENDING)
			poll_target(r, c, i, late);
		pending += r->tv[i] == V_PENDING;
		nfail += r->tv[i] == V_FAIL;
	}
	if (pending)
		return V_PENDING;
	return nfail ? V_FAIL : V_OK;
}

/* ---------------------------------------------------------------- reporting */

static void report(struct sim_run *r, const struct sim_cmd *c, enum verdict v)
{
	struct sim *s = r->s;
	bool pass = (v == V_OK) != c->negate;
	unsigned nok = 0;
	char detail[MSG_LEN * 2];

	if (r->ntg == 1 && !r->all) {
		snprintf(detail, sizeof(detail), "%s: %s", r->tg[0]->name, r->tmsg[0]);
	} else if (r->ntg) {
		for (unsigned i = 0; i < r->ntg; i++)
			nok += r->tv[i] == V_OK;
		snprintf(detail, sizeof(detail), "%u/%u calls ok; %s: %s", nok, r->ntg,
			 r->tg[0]->name, r->tmsg[0]);
	} else {
		snprintf(detail, sizeof(detail), "%s", r->msg);
	}
	sim_say(s, "%-4s  L%-3u %s: %s%s", pass ? "ok" : "FAIL", c->line, c->text,
		c->negate ? (pass ? "failed as required: " : "should have failed: ") : "", detail);
	if (r->ntg > 1 || r->all)
		for (unsigned i = 0; i < r->ntg; i++)
			if (r->tv[i] == V_FAIL && !c->negate)
				sim_say(s, "FAIL  L%-3u %s: %s: %s", c->line, c->text, r->tg[i]->name,
					r->tmsg[i]);
	if (!pass) {
		s->failures++;
		for (unsigned i = 0; i < r->ntg; i++)
			if (r->tv[i] == V_FAIL || c->negate)
				r->tg[i]->failed = true;
	}
}

bool sim_run_step(struct sim_run *r)
{
	const struct sim_cmd *c;
	enum verdict v;

	while (r->pc < r->sc->n) {
		c = &r->sc->cmds[r->pc];
		if (!r->started) {
			r->started = true;
			r->t_start = sim_now(r->s);
			v = begin(r, c);
			if (v == V_PENDING)
				v = poll_step(r, c);
		} else {
			v = poll_step(r, c);
		}
		if (v == V_PENDING)
			return false;
		report(r, c, v);
		r->started = false;
		r->pc++;
		if (c->op == OP_EXIT || (((v == V_OK) == c->negate) && !r->s->o.keep_going))
			r->pc = r->sc->n;
	}
	return true;
}

void sim_print_summary(struct sim *s)
{
	for (struct sim_call *c = s->calls; c; c = c->next) {
		char setup[24] = "-";
		struct sim_fax_result fr;

		/* a fax no step waited for is reported as it stands */
		if (c->fax && !*c->faxsum) {
			(void)sim_fax_result(c->fax, &fr);
			fax_note(c, &fr);
		}

		if (c->t_answer)
			snprintf(setup, sizeof(setup), "%llu",
				 (unsigned long long)(c->t_answer - c->t_setup));
		printf("CALL %s%sname=%s dir=%s chan=%d called=%s calling=%s setup_ms=%s answered=%s "
		       "cause=%s cleared_by=%s audio=%s dtmf_tx=%s dtmf_rx=%s fax=%s result=%s\n",
		       s->o.tag ? s->o.tag : "", s->o.tag ? " " : "", c->name,
		       c->outgoing ? "out" : "in", c->ts ? s->o.base + c->ts : 0,
		       *c->called ? c->called : "-", *c->calling ? c->calling : "-", setup,
		       c->t_answer ? "yes" : "no", cause_str(c->cause),
		       !released(c) ? "-" : c->local_hangup ? "local" : "remote",
		       *c->audio ? c->audio : "-",
		       *sim_tx_digits(c->tx) ? sim_tx_digits(c->tx) : "-",
		       *sim_rx_digits(c->rx) ? sim_rx_digits(c->rx) : "-",
		       *c->faxsum ? c->faxsum : "-", c->failed ? "fail" : "pass");
	}
	fflush(stdout);
}
