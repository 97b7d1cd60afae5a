/* Call progress tones: libtonezone's tone strings, a DFT-bin + cadence detector. */
#include "media/tone_detect.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* 20 ms blocks: the resolution of every duration measured here. */
enum { BLOCK = 160, RATE = 8000 };
enum { ELEM_MAX = 16, FREQ_MAX = 8, SET_MAX = ELEM_MAX };
/* Runs remembered: enough for 8 cycles of the longest cadence. */
enum { HIST_MAX = 2 * ELEM_MAX * 8 + 2 };
/* Presence: each frequency at least -35 dBm0, the two of a pair within 10 dB of each other
 * (twist), and the tone carrying at least half of the block's power (speech and noise spread
 * theirs over the band). */
#define MIN_LEVEL_DBM0 (-35.0)
#define MAX_TWIST_DB 10.0
#define MIN_TONE_SHARE 0.5
/* Frequency: within 2 %, measured from the phase the tone gains from one block to the next
 * (a tone at f + d turns by 2 pi d 20 ms a block in f's DFT bin). That is unambiguous up to
 * +-25 Hz; the tolerance stops at 20 Hz (above 1 kHz) so that a tone 50 Hz off cannot alias
 * into it, and 1 Hz more covers the other tone's leakage into the bin. */
#define FREQ_TOL 0.02
#define FREQ_TOL_MAX_HZ 20.0
#define FREQ_TOL_SLACK_HZ 1.0
/* SpanDSP's dBm0 scale: a full-scale sine is +3.14 dBm0. */
#define FULL_SCALE_DBM0 3.14
/* A continuous tone is recognised after this long [ms]. */
enum { CONTINUOUS_MS = 500 };
/* Cadence tolerance: +-20 % of the on or off time, at least 50 ms (2.5 blocks). */
#define CADENCE_TOL 0.20
enum { CADENCE_MIN_TOL_MS = 50 };

struct tone_elem {
	unsigned nfreq;
	double freq[2];		/* [Hz] */
	unsigned ms;		/* [ms], 0 = continuous */
	bool once;		/* '!': played once, not repeated */
};

struct tone_spec {
	unsigned n;
	struct tone_elem e[ELEM_MAX];
};

/* A run the detector measures or expects: which frequency set (0 = none of them) and how long. */
struct seg {
	unsigned set;
	unsigned ms;
	bool partial;	/* the run going on when we began listening: its start unseen */
};

enum detect_mode { MODE_CONTINUOUS, MODE_CADENCE, MODE_SEQUENCE };

struct tone_detect {
	enum detect_mode mode;
	unsigned nset;				/* frequency sets; set k is sets[k - 1] */
	struct { unsigned nfreq; unsigned idx[2]; } sets[SET_MAX];
	unsigned nfreq;
	double freq[FREQ_MAX];			/* distinct frequencies [Hz] */
	float cos_t[FREQ_MAX][BLOCK], sin_t[FREQ_MAX][BLOCK];	/* one block's DFT kernels */
	double prev_phase[FREQ_MAX];		/* [rad] of the last block's bin */
	bool prev_level[FREQ_MAX];		/* ... and whether it was loud enough */
	unsigned continuous_set;		/* MODE_CONTINUOUS */
	struct seg pat[ELEM_MAX];		/* MODE_CADENCE: one cycle; SEQUENCE: the whole */
	unsigned npat, cycles;
	/* state */
	int16_t buf[BLOCK];
	unsigned fill;
	struct seg hist[HIST_MAX];		/* closed runs, newest last */
	unsigned nhist;
	struct seg cur;				/* the open run */
	bool found;
};

/* --- parsing --- */

static const char *parse_num(const char *s, double *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return NULL;
	*v = strtod(s, &end);
	return end == s ? NULL : end;
}

/* One element: [!]f1[+f2|*f2][/ms]. libtonezone's f1*f2 is f1 amplitude-modulated by f2: the
 * detector listens for the carrier f1. */
static int parse_elem(const char *s, const char *end, struct tone_elem *e)
{
	double f1, f2 = 0, ms = 0;

	memset(e, 0, sizeof(*e));
	if (s < end && *s == '!') {
		e->once = true;
		s++;
	}
	if (!(s = parse_num(s, &f1)) || s > end)
		return -EINVAL;
	bool am = false;
	if (s < end && (*s == '+' || *s == '*')) {
		am = *s == '*';
		if (!(s = parse_num(s + 1, &f2)) || s > end || f2 <= 0)
			return -EINVAL;
	}
	if (s < end && *s == '/') {
		if (!(s = parse_num(s + 1, &ms)) || s > end || ms < 0 || ms > 60000 ||
		    ms != floor(ms))
			return -EINVAL;
	}
	if (s != end || f1 < 0 || f1 >= RATE / 2 || f2 >= RATE / 2 || (f1 == 0 && f2 > 0))
		return -EINVAL;
	if (f1 > 0)
		e->freq[e->nfreq++] = f1;
	if (f2 > 0 && !am)
		e->freq[e->nfreq++] = f2;
	e->ms = (unsigned)ms;
	return 0;
}

int tone_spec_parse(const char *text, struct tone_spec **out)
{
	if (!text || !out)
		return -EINVAL;
	struct tone_spec *ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;

	const char *s = text;
	for (;;) {
		while (*s == ' ')
			s++;
		const char *end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		const char *e = end;
		while (e > s && e[-1] == ' ')
			e--;
		if (e == s || ts->n >= ELEM_MAX || parse_elem(s, e, &ts->e[ts->n])) {
			free(ts);
			return -EINVAL;
		}
		ts->n++;
		if (!*end)
			break;
		s = end + 1;
	}
	*out = ts;
	return 0;
}

void tone_spec_free(struct tone_spec *ts)
{
	free(ts);
}

/* --- measuring --- */

/* Goertzel: the squared magnitude of the DFT of s at freq, normalised so that a sine of
 * amplitude A at freq gives A * A. */
static double goertzel_amp2(const int16_t *s, size_t n, double freq)
{
	double k = 2 * cos(2 * M_PI * freq / RATE), q1 = 0, q2 = 0;

	for (size_t i = 0; i < n; i++) {
		double q0 = k * q1 - q2 + s[i];
		q2 = q1;
		q1 = q0;
	}
	double m2 = q1 * q1 + q2 * q2 - k * q1 * q2;
	return 4 * m2 / ((double)n * (double)n);
}

static double amp2_dbm0(double a2)
{
	if (a2 <= 0)
		return -120.0;
	double db = 10 * log10(a2 / (32767.0 * 32767.0)) + FULL_SCALE_DBM0;
	return db < -120.0 ? -120.0 : db;
}

double tone_level_dbm0(const int16_t *samples, size_t n, double freq)
{
	if (!samples || !n)
		return -120.0;
	return amp2_dbm0(goertzel_amp2(samples, n, freq));
}

double tone_power_dbm0(const int16_t *samples, size_t n)
{
	double sum = 0;

	if (!samples || !n)
		return -120.0;
	for (size_t i = 0; i < n; i++)
		sum += (double)samples[i] * samples[i];
	return amp2_dbm0(2 * sum / (double)n);	/* a sine of amplitude A: mean power A*A/2 */
}

/* --- detecting --- */

static unsigned add_freq(struct tone_detect *td, double f)
{
	for (unsigned i = 0; i < td->nfreq; i++)
		if (td->freq[i] == f)
			return i;
	td->freq[td->nfreq] = f;
	return td->nfreq++;
}

/* The set number (1..) of an element's frequencies, 0 for silence; -1 if too many. */
static int elem_set(struct tone_detect *td, const struct tone_elem *e)
{
	if (!e->nfreq)
		return 0;
	if (td->nfreq + e->nfreq > FREQ_MAX)
		return -1;
	unsigned idx[2] = { 0, 0 };
	for (unsigned i = 0; i < e->nfreq; i++)
		idx[i] = add_freq(td, e->freq[i]);
	for (unsigned k = 0; k < td->nset; k++) {
		if (td->sets[k].nfreq != e->nfreq)
			continue;
		bool same = e->nfreq == 1 ? td->sets[k].idx[0] == idx[0]
					  : (td->sets[k].idx[0] == idx[0] && td->sets[k].idx[1] == idx[1]) ||
						    (td->sets[k].idx[0] == idx[1] && td->sets[k].idx[1] == idx[0]);
		if (same)
			return (int)k + 1;
	}
	td->sets[td->nset].nfreq = e->nfreq;
	td->sets[td->nset].idx[0] = idx[0];
	td->sets[td->nset].idx[1] = idx[1];
	return (int)++td->nset;
}

/* Append to a pattern, merging a run into the one before it when the set is the same. */
static void pat_push(struct tone_detect *td, unsigned set, unsigned ms)
{
	if (td->npat && td->pat[td->npat - 1].set == set) {
		td->pat[td->npat - 1].ms += ms;
		return;
	}
	td->pat[td->npat].set = set;
	td->pat[td->npat].ms = ms;
	td->npat++;
}

int tone_detect_new(struct tone_detect **out, const struct tone_spec *ts, unsigned cycles)
{
	if (!out || !ts || !ts->n)
		return -EINVAL;
	struct tone_detect *td = calloc(1, sizeof(*td));
	if (!td)
		return -ENOMEM;
	int set[ELEM_MAX];
	bool timed = false, tone = false;

	for (unsigned i = 0; i < ts->n; i++) {
		if ((set[i] = elem_set(td, &ts->e[i])) < 0) {
			free(td);
			return -EINVAL;
		}
		if (!ts->e[i].once) {
			timed |= ts->e[i].ms > 0;
			tone |= ts->e[i].nfreq > 0;
		}
	}
	td->cycles = cycles ? cycles : 1;
	if (timed) {
		/* the repeated part's cadence, e.g. busy "480+620/500,0/500" */
		td->mode = MODE_CADENCE;
		for (unsigned i = 0; i < ts->n; i++)
			if (!ts->e[i].once && ts->e[i].ms)
				pat_push(td, (unsigned)set[i], ts->e[i].ms);
		/* cyclic: a last run of the first run's set is the same run */
		if (td->npat > 1 && td->pat[td->npat - 1].set == td->pat[0].set) {
			td->pat[0].ms += td->pat[td->npat - 1].ms;
			td->npat--;
		}
		if (td->npat < 2) {
			/* "425/1000" repeated is just 425 continuously */
			td->mode = MODE_CONTINUOUS;
			td->continuous_set = td->pat[0].set;
		}
	} else if (tone) {
		/* a steady tone, perhaps after a stutter played once ("!350+440/100,...,350+440") */
		td->mode = MODE_CONTINUOUS;
		for (unsigned i = 0; i < ts->n; i++)
			if (!ts->e[i].once && ts->e[i].nfreq)
				td->continuous_set = (unsigned)set[i];
	} else {
		/* played once, then silence: a sequence such as the SIT "!950/330,!1400/330,
		 * !1800/330,0", recognised once whatever cycles says */
		td->mode = MODE_SEQUENCE;
		for (unsigned i = 0; i < ts->n; i++)
			if (ts->e[i].once && ts->e[i].ms)
				pat_push(td, (unsigned)set[i], ts->e[i].ms);
		while (td->npat && td->pat[td->npat - 1].set == 0)
			td->npat--;
		while (td->npat && td->pat[0].set == 0)
			memmove(td->pat, td->pat + 1, --td->npat * sizeof(td->pat[0]));
		td->cycles = 1;
	}
	if ((td->mode != MODE_CONTINUOUS && !td->npat) ||
	    (td->mode == MODE_CONTINUOUS && !td->continuous_set) ||
	    (td->mode == MODE_CADENCE &&
	     (td->cycles > HIST_MAX || td->npat * td->cycles + 1 > HIST_MAX))) {
		free(td);
		return -EINVAL;
	}
	for (unsigned i = 0; i < td->nfreq; i++) {
		for (unsigned k = 0; k < BLOCK; k++) {
			td->cos_t[i][k] = (float)cos(2 * M_PI * td->freq[i] * k / RATE);
			td->sin_t[i][k] = (float)sin(2 * M_PI * td->freq[i] * k / RATE);
		}
	}
	tone_detect_reset(td);
	*out = td;
	return 0;
}

void tone_detect_reset(struct tone_detect *td)
{
	if (!td)
		return;
	td->fill = 0;
	td->nhist = 0;
	td->cur.set = 0;
	td->cur.ms = 0;
	td->cur.partial = true;
	td->found = false;
	memset(td->prev_level, 0, sizeof(td->prev_level));
}

void tone_detect_free(struct tone_detect *td)
{
	free(td);
}

/* Which frequency set is on in this block: 0 for none. */
static unsigned classify(struct tone_detect *td, const int16_t *s)
{
	double a2[FREQ_MAX], energy = 0;
	bool ok[FREQ_MAX];

	for (unsigned i = 0; i < BLOCK; i++)
		energy += (double)s[i] * s[i];
	energy /= BLOCK;	/* mean power; a sine of amplitude A has A * A / 2 */
	for (unsigned i = 0; i < td->nfreq; i++) {
		double f = td->freq[i], re = 0, im = 0;

		for (unsigned k = 0; k < BLOCK; k++) {
			re += s[k] * td->cos_t[i][k];
			im -= s[k] * td->sin_t[i][k];
		}
		a2[i] = 4 * (re * re + im * im) / ((double)BLOCK * BLOCK);
		bool level = amp2_dbm0(a2[i]) >= MIN_LEVEL_DBM0;
		double phase = atan2(im, re);
		ok[i] = level;
		/* the first block of a tone has no phase to compare with: taken on its level */
		if (level && td->prev_level[i]) {
			/* the turn beyond f's own, wrapped to +-pi */
			double d = phase - td->prev_phase[i] - 2 * M_PI * f * BLOCK / RATE;
			d -= 2 * M_PI * floor(d / (2 * M_PI) + 0.5);
			double off = fabs(d) / (2 * M_PI) * RATE / BLOCK;	/* [Hz] */
			double tol = f * FREQ_TOL < FREQ_TOL_MAX_HZ ? f * FREQ_TOL : FREQ_TOL_MAX_HZ;
			ok[i] = off <= tol + FREQ_TOL_SLACK_HZ;
		}
		td->prev_phase[i] = phase;
		td->prev_level[i] = level;
	}
	if (energy <= 0)
		return 0;
	unsigned best = 0, best_n = 0;
	for (unsigned k = 0; k < td->nset; k++) {
		unsigned n = td->sets[k].nfreq;
		double share = 0;
		bool on = true;

		for (unsigned j = 0; j < n; j++) {
			on &= ok[td->sets[k].idx[j]];
			share += a2[td->sets[k].idx[j]] / 2;
		}
		if (!on || share < MIN_TONE_SHARE * energy)
			continue;
		if (n == 2 && fabs(amp2_dbm0(a2[td->sets[k].idx[0]]) -
				   amp2_dbm0(a2[td->sets[k].idx[1]])) > MAX_TWIST_DB)
			continue;
		if (n > best_n) {
			best = k + 1;
			best_n = n;
		}
	}
	return best;
}

static bool seg_matches(const struct seg *got, const struct seg *want, bool open, bool cadence)
{
	double tol = want->ms * CADENCE_TOL;

	if (tol < CADENCE_MIN_TOL_MS)
		tol = CADENCE_MIN_TOL_MS;
	if (got->set != want->set)
		return false;
	/* a cadence counts whole runs only; a sequence or a steady tone may have begun with us */
	if (got->partial && cadence)
		return false;
	if (open)	/* still running: long enough already, not yet too long */
		return got->ms + tol >= want->ms && got->ms <= want->ms + tol;
	return fabs((double)got->ms - want->ms) <= tol;
}

/* The last m runs (the open one last) against the pattern, starting at rotation r. */
static bool runs_match(const struct tone_detect *td, unsigned m, unsigned r)
{
	if (m > td->nhist + 1)
		return false;
	for (unsigned j = 0; j < m; j++) {
		bool open = j == m - 1;
		const struct seg *got = open ? &td->cur : &td->hist[td->nhist - (m - 1) + j];
		if (!seg_matches(got, &td->pat[(r + j) % td->npat], open, td->mode == MODE_CADENCE))
			return false;
	}
	return true;
}

static void check(struct tone_detect *td)
{
	switch (td->mode) {
	case MODE_CONTINUOUS:
		td->found |= td->cur.set == td->continuous_set && td->cur.ms >= CONTINUOUS_MS;
		break;
	case MODE_CADENCE:
		for (unsigned r = 0; r < td->npat && !td->found; r++)
			td->found = runs_match(td, td->npat * td->cycles, r);
		break;
	case MODE_SEQUENCE:
		td->found |= runs_match(td, td->npat, 0);
		break;
	}
}

static void block(struct tone_detect *td, const int16_t *s)
{
	enum { BLOCK_MS = BLOCK * 1000 / RATE };
	unsigned set = classify(td, s);

	if (set != td->cur.set) {
		if (td->cur.ms == BLOCK_MS && !td->cur.partial && td->nhist) {
			/* one block between two runs is the block that straddled their edge
			 * (or a click): it belongs to the run before */
			struct seg *last = &td->hist[td->nhist - 1];

			last->ms += BLOCK_MS;
			if (last->set == set) {
				td->cur = *last;
				td->nhist--;
				td->cur.ms += BLOCK_MS;
				check(td);
				return;
			}
		} else if (td->cur.ms) {
			if (td->nhist == HIST_MAX)
				memmove(td->hist, td->hist + 1, --td->nhist * sizeof(td->hist[0]));
			td->hist[td->nhist++] = td->cur;
		}
		td->cur.partial = td->cur.partial && !td->cur.ms;
		td->cur.set = set;
		td->cur.ms = 0;
	}
	td->cur.ms += BLOCK_MS;
	check(td);
}

int tone_detect_feed(struct tone_detect *td, const int16_t *samples, size_t n)
{
	if (!td || (!samples && n))
		return -EINVAL;
	while (n) {
		size_t k = BLOCK - td->fill;
		if (k > n)
			k = n;
		memcpy(td->buf + td->fill, samples, k * sizeof(*samples));
		td->fill += (unsigned)k;
		samples += k;
		n -= k;
		if (td->fill == BLOCK) {
			block(td, td->buf);
			td->fill = 0;
		}
	}
	return td->found ? 1 : 0;
}

int tone_detect_from_text(struct tone_detect **out, const char *text, unsigned cycles)
{
	struct tone_spec *ts = NULL;
	int err;

	*out = NULL;
	if (!text[0])
		return 0;
	err = tone_spec_parse(text, &ts);
	if (!err)
		err = tone_detect_new(out, ts, cycles);
	tone_spec_free(ts);
	return err == -ENOMEM ? ENOMEM : err ? EINVAL : 0;
}
