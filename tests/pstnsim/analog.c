/* PSTN simulator: an analog line instead of a PRI (--analog CHAN). As a phone (--role phone,
 * an fxsks channel facing the gateway's FXS port) it goes off-hook, hears tones, dials DTMF,
 * counts the ring bursts and decodes caller ID between them; as an exchange line (--role
 * exchange, an fxoks channel facing the gateway's FXO port) it rings the line with caller
 * ID, sees the gateway seize and release it, and drops loop current. The line is the one
 * "call" of the run ("line"): tone, dtmf, expect-tone and expect-dtmf work on it as on a
 * B-channel. */
#include "tests/pstnsim/pstnsim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <dahdi/user.h>

#include "media/callerid.h"

#define MAX_RINGS	32
#define CID_AFTER_RING_MS	500	/* [ms] */
#define LINE_TX_LEAD		6	/* blocks of SIM_BLOCK samples: 120 ms */
#define TONE_RATIO	0.6	/* share of a block's energy at the tone's frequencies */
#define TONE_RATIO_EACH	0.12	/* ... and at each of two */
#define TONE_FLOOR	(8.0 * 8.0)	/* mean square of a block below it: silence (~-60 dBm0) */

struct sim_line {
	int fd;
	bool exchange;
	bool offhook;			/* our own hook state */
	bool ringing;			/* the exchange: ring-line until answered */
	bool pulsing;			/* the phone: DAHDI pulse-dials, nothing written meanwhile */
	/* events seen, not yet consumed by an expectation */
	unsigned rings, offhooks, onhooks;
	uint64_t ring_t[MAX_RINGS];	/* [ms] every ring burst seen */
	unsigned nring_t;
	/* the tone check of expect-tones, fed block by block */
	bool tchk;
	unsigned f1, f2;
	unsigned within_blocks, dur_blocks, waited, measured, matched;
	bool started;
	unsigned run, runs_on[64], runs_off[64], non, noff;
	bool run_on;
	int16_t blk[SIM_BLOCK];
	size_t nblk;
	/* caller ID seen between the rings */
	struct callerid_rx *cid;
	struct callerid cid_got;
	bool cid_have;
	/* call waiting: the CAS heard off-hook ([ms] its length), then type II caller ID */
	unsigned cas_run, cas_ms;
	bool cas_have, cid_offhook;
	/* the exchange: caller ID to send after the first ring burst */
	int16_t *cid_tx;
	size_t cid_tx_len, cid_tx_pos;
	bool cid_tx_armed;
	uint64_t cid_tx_at;		/* [ms] not before */
	/* line-tone: the exchange's busy/congestion tone, in its cadence, loop current kept */
	unsigned lt_f1, lt_f2;		/* [Hz] 0: off */
	unsigned lt_on, lt_off;		/* [ms] cadence; 0: continuous */
	double lt_amp;			/* per frequency */
	uint64_t lt_pos;		/* [samples] since the tone began */
	double lt_ph1, lt_ph2;
};

static double goertzel(const int16_t *x, size_t n, double f)
{
	double c = 2.0 * cos(2.0 * M_PI * f / SIM_RATE), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* Does this block carry the tone (both frequencies when two)? */
static bool block_match(const struct sim_line *l, const int16_t *x, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	if (e / n < TONE_FLOOR)
		return false;
	double norm = e * n / 2.0;
	double r1 = goertzel(x, n, l->f1) / norm;
	double r2 = l->f2 ? goertzel(x, n, l->f2) / norm : 0;
	if (l->f2)
		return r1 + r2 >= TONE_RATIO && r1 >= TONE_RATIO_EACH && r2 >= TONE_RATIO_EACH;
	return r1 >= TONE_RATIO;
}

/* The CAS (GR-30-CORE: 2130 + 2750 Hz, 75-85 ms; ETSI DT-AS the same), off-hook: blocks
 * with both frequencies, each a share of the energy, at least 2 in a row (an 80 ms CAS
 * fills 3 whole 20 ms blocks however it falls). Its end arms the type II decoder. */
static void cas_feed(struct sim_line *l, const int16_t *x, size_t n)
{
	if (!l->offhook)
		return;
	for (size_t off = 0; off + SIM_BLOCK <= n; off += SIM_BLOCK) {
		const int16_t *b = x + off;
		double e = 0;

		for (size_t i = 0; i < SIM_BLOCK; i++)
			e += (double)b[i] * b[i];
		double norm = e * SIM_BLOCK / 2.0;
		bool m = e / SIM_BLOCK >= TONE_FLOOR &&
			 goertzel(b, SIM_BLOCK, 2130) / norm >= TONE_RATIO_EACH * 2 &&
			 goertzel(b, SIM_BLOCK, 2750) / norm >= TONE_RATIO_EACH * 2;
		if (m) {
			l->cas_run++;
			continue;
		}
		if (l->cas_run >= 2) {
			l->cas_ms = l->cas_run * 1000 * SIM_BLOCK / SIM_RATE;
			l->cas_have = true;
			l->cid_offhook = true;
			l->cid_have = false;
		}
		l->cas_run = 0;
	}
}

static void run_end(struct sim_line *l)
{
	if (!l->run)
		return;
	if (l->run_on && l->non < 64)
		l->runs_on[l->non++] = l->run;
	else if (!l->run_on && l->noff < 64)
		l->runs_off[l->noff++] = l->run;
	l->run = 0;
}

static void tone_block(struct sim_line *l, const int16_t *x)
{
	bool m = block_match(l, x, SIM_BLOCK);

	if (!l->started) {
		if (m)
			l->started = true;
		else if (++l->waited >= l->within_blocks)
			l->tchk = false;	/* never started: the step fails */
		if (!l->started)
			return;
	}
	if (l->measured >= l->dur_blocks)
		return;
	l->measured++;
	l->matched += m;
	if (m != l->run_on)
		run_end(l);
	l->run_on = m;
	l->run++;
}

/* A lead of silence in the send buffer: each block read sends one block, so a simulator
 * descheduled for less than this leaves no gap in what it sends (a gap in the caller ID's
 * FSK garbles it). */
static void tx_lead(struct sim *s, int fd)
{
	int16_t zero[SIM_BLOCK] = { 0 };
	uint8_t blk[SIM_BLOCK];

	sim_law_encode(s->o.law, zero, blk, SIM_BLOCK);
	for (int i = 0; i < LINE_TX_LEAD; i++)
		if (write(fd, blk, sizeof(blk)) != (ssize_t)sizeof(blk))
			break;
}

int sim_analog_open(struct sim *s)
{
	struct sim_line *l = calloc(1, sizeof(*l));
	struct dahdi_params p = { 0 };
	struct sim_call *call;
	int fd;

	if (!l)
		return ENOMEM;
	fd = sim_chan_open(s->o.analog, SIM_BLOCK);
	if (fd < 0) {
		free(l);
		return -fd;
	}
	p.channo = s->o.analog;
	if (ioctl(fd, DAHDI_GET_PARAMS, &p) == 0 && !s->o.law_given)
		s->o.law = p.curlaw == DAHDI_LAW_ALAW ? SIM_LAW_ALAW : SIM_LAW_ULAW;
	l->fd = fd;
	l->exchange = !s->o.network;	/* --role exchange */
	tx_lead(s, fd);
	s->line = l;
	call = sim_call_new(s, false, "line");
	if (!call)
		return ENOMEM;
	call->fd = fd;
	call->state = CS_ACTIVE;
	sim_rx_set_raw(call->rx, true);
	s->cur = call;
	(void)callerid_rx_new(&l->cid, (enum callerid_std)s->o.cid_std);
	sim_say(s, "analog line: DAHDI channel %d (%s, span %d), %s, as %s", s->o.analog, p.name,
		p.spanno, sim_law_name(s->o.law), l->exchange ? "an exchange line" : "a phone");
	return 0;
}

void sim_analog_close(struct sim *s)
{
	struct sim_line *l = s->line;

	if (!l)
		return;
	for (struct sim_call *c = s->calls; c; c = c->next)
		if (c->fd == l->fd)
			c->fd = -1;
	close(l->fd);
	callerid_rx_free(l->cid);
	free(l->cid_tx);
	free(l);
	s->line = NULL;
}

static const char *ev_name(int ev)
{
	switch (ev) {
	case DAHDI_EVENT_ONHOOK: return "on-hook";
	case DAHDI_EVENT_RINGOFFHOOK: return "ring/off-hook";
	case DAHDI_EVENT_WINKFLASH: return "wink/flash";
	case DAHDI_EVENT_RINGERON: return "ringer on";
	case DAHDI_EVENT_RINGEROFF: return "ringer off";
	case DAHDI_EVENT_HOOKCOMPLETE: return "hook complete";
	case DAHDI_EVENT_RINGBEGIN: return "ring begin";
	case DAHDI_EVENT_POLARITY: return "polarity";
	default: return "other";
	}
}

static int hook(struct sim_line *l, int op)
{
	int x = op;

	if (ioctl(l->fd, DAHDI_HOOK, &x) && errno != EINPROGRESS)
		return errno;
	return 0;
}

void sim_analog_event(struct sim *s, int ev)
{
	struct sim_line *l = s->line;

	if (!l || !ev)
		return;
	sim_say(s, "evt   line: %s (%d)", ev_name(ev), ev);
	switch (ev) {
	case DAHDI_EVENT_RINGOFFHOOK:
		/* fxsks (the phone): ringing voltage; fxoks (the exchange): the far end
		 * (the gateway's FXO port) went off-hook. */
		if (l->exchange) {
			l->offhooks++;
			/* answered: stop ringing, loop current on */
			if (l->ringing && hook(l, DAHDI_OFFHOOK) == 0) {
				l->offhook = true;
				l->ringing = false;
			}
		} else if (!l->offhook) {	/* off-hook, the CAS bits' echo is no ring */
			l->rings++;
			if (l->nring_t < MAX_RINGS)
				l->ring_t[l->nring_t++] = sim_now(s);
		}
		break;
	case DAHDI_EVENT_ONHOOK:
		l->onhooks++;
		break;
	case DAHDI_EVENT_RINGEROFF:
		/* The exchange: the first burst is over; the caller ID goes out 500 ms later, as
		 * Telcordia GR-30-CORE and ETSI EN 300 659-1 ask. The line's fxsks end hears of
		 * the ring only when it is over (DAHDI's 50 ms ring trailer), so sooner would
		 * start the FSK before the receiver can know it is coming. */
		if (l->cid_tx_armed) {
			l->cid_tx_armed = false;
			l->cid_tx_pos = 0;
			l->cid_tx_at = sim_now(s) + CID_AFTER_RING_MS;
		}
		break;
	default:
		break;
	}
}

void sim_analog_audio(struct sim *s, const uint8_t *buf, size_t n)
{
	struct sim_line *l = s->line;
	int16_t lin[SIM_BLOCK * 4];

	if (!l)
		return;
	if (n > sizeof(lin) / sizeof(lin[0]))
		n = sizeof(lin) / sizeof(lin[0]);
	sim_law_decode(s->o.law, buf, lin, n);
	cas_feed(l, lin, n);
	if (l->cid && !l->cid_have && (!l->offhook || l->cid_offhook) &&
	    callerid_rx_feed(l->cid, lin, n) == 1) {
		l->cid_offhook = false;
		l->cid_got = *callerid_rx_result(l->cid);
		l->cid_have = true;
		sim_say(s, "evt   line: caller ID number '%s' name '%s' date %s", l->cid_got.number,
			l->cid_got.name, l->cid_got.datetime);
	}
	for (size_t i = 0; i < n && l->tchk; i++) {
		l->blk[l->nblk++] = lin[i];
		if (l->nblk == SIM_BLOCK) {
			l->nblk = 0;
			tone_block(l, l->blk);
		}
	}
}

/* The line tone's next n samples. */
static void line_tone(struct sim_line *l, int16_t *lin, size_t n)
{
	uint64_t period = (uint64_t)(l->lt_on + l->lt_off) * (SIM_RATE / 1000);

	for (size_t i = 0; i < n; i++, l->lt_pos++) {
		bool on = !period || l->lt_pos % period < (uint64_t)l->lt_on * (SIM_RATE / 1000);
		double v = on ? l->lt_amp * sin(l->lt_ph1) : 0;

		if (on && l->lt_f2)
			v += l->lt_amp * sin(l->lt_ph2);
		l->lt_ph1 = fmod(l->lt_ph1 + 2 * M_PI * l->lt_f1 / SIM_RATE, 2 * M_PI);
		l->lt_ph2 = fmod(l->lt_ph2 + 2 * M_PI * l->lt_f2 / SIM_RATE, 2 * M_PI);
		lin[i] = (int16_t)lrint(v);
	}
}

bool sim_analog_quiet(const struct sim *s)
{
	return s->line && s->line->pulsing;
}

bool sim_analog_tx(struct sim *s, uint8_t *buf, size_t n)
{
	struct sim_line *l = s->line;
	int16_t lin[SIM_BLOCK * 4];

	if (!l || n > sizeof(lin) / sizeof(lin[0]))
		return false;
	if (l->cid_tx && !l->cid_tx_armed && l->cid_tx_pos < l->cid_tx_len &&
	    sim_now(s) >= l->cid_tx_at) {
		for (size_t i = 0; i < n; i++)
			lin[i] = l->cid_tx_pos < l->cid_tx_len ? l->cid_tx[l->cid_tx_pos++] : 0;
	} else if (l->lt_f1) {
		line_tone(l, lin, n);
	} else {
		return false;
	}
	sim_law_encode(s->o.law, lin, buf, n);
	return true;
}


/* [ms] the mean length of the runs. */
static unsigned runs_mean(const unsigned *runs, unsigned n)
{
	unsigned sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += runs[i];
	return n ? sum * 20 / n : 0;
}

static bool near(unsigned got, unsigned want)
{
	unsigned d = got > want ? got - want : want - got;

	return d <= want * 3 / 10 || d <= 60;
}

/* Rotary dialling by DAHDI's own pulse dialler: DAHDI_DIAL "P<digits>" makes each digit
 * that many loop breaks (0: ten) on the channel's hook bits, then pauses pulseaftertime
 * (750 ms) before the next. A dial's 10 pulses per second, 60 ms break and 40 ms make;
 * DAHDI's defaults are 50/50. Pending until DAHDI_DIALING says it is done. Any write() on
 * the channel meanwhile cancels the rest (dahdi_chan_write() clears pdialcount and the dial
 * string), so the line sends nothing while it dials, as a rotary phone's transmitter is
 * shunted while the dial turns; the lead of silence goes out again after. */
#define PULSE_BREAK_MS	60
#define PULSE_MAKE_MS	40

static int pulse(struct sim *s, const struct sim_cmd *c, bool first, uint64_t elapsed,
		 unsigned limit, char *msg, size_t len)
{
	struct sim_line *l = s->line;
	int dialing = 0;

	if (first) {
		struct dahdi_params pa;
		struct dahdi_dialoperation op = { .op = DAHDI_DIAL_OP_REPLACE };

		if (!l->offhook) {
			snprintf(msg, len, "pulse: the phone is on-hook");
			return -1;
		}
		memset(&pa, 0, sizeof(pa));
		if (ioctl(l->fd, DAHDI_GET_PARAMS, &pa)) {
			snprintf(msg, len, "DAHDI_GET_PARAMS: %s", strerror(errno));
			return -1;
		}
		pa.pulsebreaktime = PULSE_BREAK_MS;
		pa.pulsemaketime = PULSE_MAKE_MS;
		if (ioctl(l->fd, DAHDI_SET_PARAMS, &pa)) {
			snprintf(msg, len, "DAHDI_SET_PARAMS: %s", strerror(errno));
			return -1;
		}
		snprintf(op.dialstr, sizeof(op.dialstr), "P%s", c->digits);
		if (ioctl(l->fd, DAHDI_DIAL, &op)) {
			snprintf(msg, len, "DAHDI_DIAL: %s", strerror(errno));
			return -1;
		}
		l->pulsing = true;
	}
	if (ioctl(l->fd, DAHDI_DIALING, &dialing)) {
		snprintf(msg, len, "DAHDI_DIALING: %s", strerror(errno));
		l->pulsing = false;
		return -1;
	}
	if (!dialing || elapsed >= limit) {
		l->pulsing = false;
		tx_lead(s, l->fd);
	}
	if (!dialing) {
		snprintf(msg, len, "pulse-dialled %s (%d/%d ms break/make) in %llu ms", c->digits,
			 PULSE_BREAK_MS, PULSE_MAKE_MS, (unsigned long long)elapsed);
		return 1;
	}
	if (elapsed >= limit) {
		snprintf(msg, len, "pulse dialling of %s not done within %u ms", c->digits, limit);
		return -1;
	}
	return 0;
}

int sim_analog_step(struct sim *s, const struct sim_cmd *c, bool first, uint64_t elapsed,
		    unsigned limit, char *msg, size_t len)
{
	struct sim_line *l = s->line;
	int err;

	if (!l) {
		snprintf(msg, len, "not an analog line (--analog CHAN)");
		return -1;
	}
	switch (c->op) {
	case OP_OFFHOOK:
	case OP_ONHOOK:
		err = hook(l, c->op == OP_OFFHOOK ? DAHDI_OFFHOOK : DAHDI_ONHOOK);
		if (err) {
			snprintf(msg, len, "DAHDI_HOOK: %s", strerror(err));
			return -1;
		}
		l->offhook = c->op == OP_OFFHOOK;
		if (l->offhook)
			l->rings = 0;	/* rings before the answer are used up */
		snprintf(msg, len, "%s", l->offhook ? "off-hook" : "on-hook");
		return 1;
	case OP_FLASH:
		if (c->dur_ms) {	/* DAHDI's flash lasts the channel's flashtime */
			struct dahdi_params pa;

			memset(&pa, 0, sizeof(pa));
			if (ioctl(l->fd, DAHDI_GET_PARAMS, &pa) == 0) {
				pa.flashtime = (int)c->dur_ms;
				err = ioctl(l->fd, DAHDI_SET_PARAMS, &pa) ? errno : 0;
			} else {
				err = errno;
			}
			if (err) {
				snprintf(msg, len, "flash time %u ms: %s", c->dur_ms, strerror(err));
				return -1;
			}
		}
		err = hook(l, DAHDI_FLASH);
		snprintf(msg, len, err ? "DAHDI_HOOK flash: %s" : "flash%s", err ? strerror(err) : "");
		return err ? -1 : 1;
	case OP_PULSE:
		return pulse(s, c, first, elapsed, limit, msg, len);
	case OP_LINE_TONE:
		l->lt_f1 = c->freq;
		l->lt_f2 = c->freq2;
		l->lt_on = c->cad_on;
		l->lt_off = c->cad_off;
		l->lt_amp = 32767.0 * pow(10, (c->level - 3.14) / 20);
		l->lt_pos = 0;
		l->lt_ph1 = l->lt_ph2 = 0;
		if (!c->freq)
			snprintf(msg, len, "line tone off");
		else
			snprintf(msg, len, "line tone %u%s%.0u Hz at %d dBm0%s%.0u%s%.0u", c->freq,
				 c->freq2 ? "+" : "", c->freq2, c->level, c->cad_on ? ", cadence " : "",
				 c->cad_on, c->cad_on ? "/" : "", c->cad_off);
		return 1;
	case OP_RING_LINE:
		free(l->cid_tx);
		l->cid_tx = NULL;
		if (c->from[0] || c->pres > 0) {
			struct callerid id = { .mwi = -1 };
			size_t max = callerid_max_samples();
			int n;
			if (c->pres == 1)
				id.number_absent = id.name_absent = CALLERID_PRIVATE;
			else if (c->pres == 2)
				id.number_absent = id.name_absent = CALLERID_UNAVAILABLE;
			snprintf(id.number, sizeof(id.number), "%s", c->from);
			snprintf(id.name, sizeof(id.name), "%s", c->cname);
			if (!id.name[0] && !id.name_absent)
				id.name_absent = CALLERID_UNAVAILABLE;
			l->cid_tx = malloc(max * sizeof(*l->cid_tx));
			n = l->cid_tx ? callerid_render((enum callerid_std)s->o.cid_std, &id,
							l->cid_tx, max) : -ENOMEM;
			if (n <= 0) {
				snprintf(msg, len, "caller ID: %s", strerror(n ? -n : EINVAL));
				return -1;
			}
			l->cid_tx_len = (size_t)n;
			l->cid_tx_armed = true;
		}
		err = hook(l, DAHDI_RING);
		l->ringing = !err;
		snprintf(msg, len, err ? "DAHDI_HOOK ring: %s" : "ringing%s", err ? strerror(err) : "");
		return err ? -1 : 1;
	case OP_EXPECT_RINGING: {
		unsigned want = c->count ? c->count : 1;
		if (first && l->offhook)
			l->rings = 0;
		if (l->rings < want) {
			if (elapsed < limit)
				return 0;
			snprintf(msg, len, "%u of %u ring%s within %u ms", l->rings, want,
				 want == 1 ? "" : "s", limit);
			return -1;
		}
		l->rings -= want;
		unsigned period = 0;
		if (l->nring_t >= 2)
			period = (unsigned)(l->ring_t[l->nring_t - 1] - l->ring_t[l->nring_t - 2]);
		if (c->cad_on && (l->nring_t < 2 || !near(period, c->cad_on))) {
			snprintf(msg, len, "%u ring%s, period %u ms, expected %u ms", want,
				 want == 1 ? "" : "s", period, c->cad_on);
			return -1;
		}
		snprintf(msg, len, "%u ring%s after %llu ms%s", want, want == 1 ? "" : "s",
			 (unsigned long long)elapsed, "");
		if (period) {
			size_t k = strlen(msg);
			snprintf(msg + k, len - k, ", period %u ms", period);
		}
		return 1;
	}
	case OP_EXPECT_OFFHOOK:
	case OP_EXPECT_ONHOOK: {
		unsigned *n = c->op == OP_EXPECT_OFFHOOK ? &l->offhooks : &l->onhooks;
		if (*n) {
			(*n)--;
			snprintf(msg, len, "%s after %llu ms", c->op == OP_EXPECT_OFFHOOK ?
				 "off-hook" : "on-hook", (unsigned long long)elapsed);
			return 1;
		}
		if (elapsed < limit)
			return 0;
		snprintf(msg, len, "no %s within %u ms", c->op == OP_EXPECT_OFFHOOK ? "off-hook" :
			 "on-hook", limit);
		return -1;
	}
	case OP_EXPECT_TONES: {
		unsigned dur = c->dur_ms ? c->dur_ms : 1000, pct = c->min_pct ? c->min_pct : 80;
		char f[24];
		if (c->freq2)
			snprintf(f, sizeof(f), "%u+%u Hz", c->freq, c->freq2);
		else
			snprintf(f, sizeof(f), "%u Hz", c->freq);
		if (first) {
			memset(l->runs_on, 0, sizeof(l->runs_on));
			l->f1 = c->freq;
			l->f2 = c->freq2;
			l->within_blocks = (c->within_ms ? c->within_ms : 5000) / 20;
			l->dur_blocks = dur / 20;
			l->waited = l->measured = l->matched = l->run = l->non = l->noff = 0;
			l->started = l->run_on = false;
			l->nblk = 0;
			l->tchk = true;
		}
		if (l->tchk && l->measured < l->dur_blocks) {
			if (elapsed < limit)
				return 0;
			l->tchk = false;
			snprintf(msg, len, "%s: audio stopped (%u of %u ms measured)", f,
				 l->measured * 20, dur);
			return -1;
		}
		if (!l->started) {
			l->tchk = false;
			snprintf(msg, len, "%s did not start within %u ms", f, l->within_blocks * 20);
			return -1;
		}
		l->tchk = false;
		/* the run the window cut is left out: the recorded ones are whole (the first
		 * starts at the onset) */
		unsigned on = runs_mean(l->runs_on, l->non);
		unsigned off = runs_mean(l->runs_off, l->noff);
		bool ok = l->matched * 100 >= pct * l->measured;
		if (c->cad_on && (!near(on, c->cad_on) || !near(off, c->cad_off)))
			ok = false;
		snprintf(msg, len, "%s %s: heard for %u ms of %u (%u%%, min %u%%), onset after "
			 "%u ms%s", f, ok ? "ok" : "FAIL", l->matched * 20, l->measured * 20,
			 l->measured ? l->matched * 100 / l->measured : 0, pct, l->waited * 20, "");
		if (c->cad_on) {
			size_t k = strlen(msg);
			snprintf(msg + k, len - k, ", cadence %u/%u ms (expected %u/%u)", on, off,
				 c->cad_on, c->cad_off);
		} else if (!ok) {	/* how it broke up: whole runs heard and missed */
			size_t k = strlen(msg);
			snprintf(msg + k, len - k, ", %u runs on (mean %u ms), %u off (mean %u ms)",
				 l->non, on, l->noff, off);
		}
		return ok ? 1 : -1;
	}
	case OP_EXPECT_CAS:
		if (first)
			l->cas_have = false;	/* only one that comes now */
		if (!l->cas_have) {
			if (elapsed < limit)
				return 0;
			snprintf(msg, len, "no CAS (2130+2750 Hz) within %u ms", limit);
			return -1;
		}
		l->cas_have = false;
		snprintf(msg, len, "CAS 2130+2750 Hz, %u ms in whole blocks, after %llu ms", l->cas_ms,
			 (unsigned long long)elapsed);
		return 1;
	case OP_EXPECT_CID:
		if (!l->cid_have) {
			if (elapsed < limit)
				return 0;
			snprintf(msg, len, "no caller ID within %u ms", limit);
			return -1;
		}
		{
			const struct callerid *id = &l->cid_got;
			bool ok = (!c->from[0] || !strcmp(c->from, id->number)) &&
				  (!c->cname[0] || !strcmp(c->cname, id->name)) &&
				  (c->pres != 1 || id->number_absent == CALLERID_PRIVATE) &&
				  (c->pres != 2 || id->number_absent == CALLERID_UNAVAILABLE) &&
				  (!c->mwi || id->mwi == (c->mwi == 1));
			snprintf(msg, len, "caller ID number '%s'%s name '%s' date '%s'%s%s", id->number,
				 id->number_absent == CALLERID_PRIVATE ? " (private)" :
				 id->number_absent == CALLERID_UNAVAILABLE ? " (unavailable)" : "",
				 id->name, id->datetime, id->mwi < 0 ? "" : id->mwi ?
				 " message waiting on" : " message waiting off",
				 ok ? "" : ": not as expected");
			l->cid_have = false;
			return ok ? 1 : -1;
		}
	default:
		snprintf(msg, len, "not a step for an analog line");
		return -1;
	}
}
