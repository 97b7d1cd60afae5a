/* PSTN simulator: tone/DTMF generation and checking on G.711 bytes (SpanDSP underneath). */
#include "tests/pstnsim/audio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

/* SpanDSP's scale: a full-scale sine is +3.14 dBm0 (G.711 digital milliwatt, G.168). */
#define DBM0_FULL_SCALE_SINE	3.14
#define SILENCE_RMS		90.0	/* [linear] ~ -45 dBm0: below this a block is silent */
#define TONE_RATIO		0.6	/* Goertzel power / block energy for "the tone is there" */

int sim_law_parse(const char *s, enum sim_law *law)
{
	if (!s || !law)
		return EINVAL;
	if (!strcmp(s, "alaw") || !strcmp(s, "a"))
		*law = SIM_LAW_ALAW;
	else if (!strcmp(s, "ulaw") || !strcmp(s, "mulaw") || !strcmp(s, "u"))
		*law = SIM_LAW_ULAW;
	else
		return EINVAL;
	return 0;
}

const char *sim_law_name(enum sim_law law)
{
	return law == SIM_LAW_ALAW ? "alaw" : "ulaw";
}

void sim_law_encode(enum sim_law law, const int16_t *lin, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = law == SIM_LAW_ALAW ? linear_to_alaw(lin[i]) : linear_to_ulaw(lin[i]);
}

void sim_law_decode(enum sim_law law, const uint8_t *in, int16_t *lin, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lin[i] = law == SIM_LAW_ALAW ? alaw_to_linear(in[i]) : ulaw_to_linear(in[i]);
}

size_t sim_gapf_run(struct sim_gapf *g, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (g->run && in[i] == g->byte) {
			g->run++;
			if (g->run == SIM_GAP_RUN)
				g->gap += SIM_GAP_RUN;	/* the held bytes become gap */
			else if (g->run > SIM_GAP_RUN)
				g->gap++;
			continue;
		}
		/* the run ends: release it if it was too short to be a gap */
		if (g->run && g->run < SIM_GAP_RUN)
			for (unsigned k = 0; k < g->run; k++)
				out[o++] = g->byte;
		g->byte = in[i];
		g->run = 1;
	}
	return o;
}

/* ---------------------------------------------------------------- transmit */

struct sim_tx {
	enum sim_law law;
	unsigned freq;			/* [Hz] 0 = silence */
	double amp;			/* [linear] peak */
	double re, im;			/* phasor: sample = amp * im */
	double rot_re, rot_im;		/* its rotation per sample */
	dtmf_tx_state_t *dtmf;
	bool dtmf_active;
	char sent[SIM_MAX_DIGITS + 1];	/* digits queued, for the summary */
};

static double dbm0_to_amp(int level)
{
	return 32767.0 * pow(10.0, (level - DBM0_FULL_SCALE_SINE) / 20.0);
}

int sim_tx_alloc(struct sim_tx **txp, enum sim_law law)
{
	struct sim_tx *tx;

	if (!txp)
		return EINVAL;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return ENOMEM;
	tx->law = law;
	tx->dtmf = dtmf_tx_init(NULL);
	if (!tx->dtmf) {
		free(tx);
		return ENOMEM;
	}
	*txp = tx;
	return 0;
}

void sim_tx_free(struct sim_tx *tx)
{
	if (!tx)
		return;
	dtmf_tx_free(tx->dtmf);
	free(tx);
}

int sim_tx_tone(struct sim_tx *tx, unsigned freq, int level_dbm0)
{
	if (!tx || freq >= SIM_RATE / 2 || level_dbm0 > 3)
		return EINVAL;
	tx->freq = freq;
	tx->amp = dbm0_to_amp(level_dbm0);
	tx->rot_re = cos(2.0 * M_PI * freq / SIM_RATE);
	tx->rot_im = sin(2.0 * M_PI * freq / SIM_RATE);
	if (tx->re == 0 && tx->im == 0)
		tx->re = 1.0;
	return 0;
}

int sim_tx_dtmf(struct sim_tx *tx, const char *digits, unsigned on_ms, unsigned off_ms)
{
	size_t used;

	if (!tx || !digits || !*digits)
		return EINVAL;
	if (strspn(digits, "0123456789*#ABCDabcd") != strlen(digits))
		return EINVAL;
	used = strlen(tx->sent);
	if (used + strlen(digits) > SIM_MAX_DIGITS)
		return ENOSPC;
	dtmf_tx_set_timing(tx->dtmf, (int)on_ms, (int)off_ms);
	if (dtmf_tx_put(tx->dtmf, digits, -1) != 0)
		return ENOSPC;
	memcpy(tx->sent + used, digits, strlen(digits) + 1);
	tx->dtmf_active = true;
	return 0;
}

bool sim_tx_busy(const struct sim_tx *tx)
{
	return tx && tx->dtmf_active;
}

unsigned sim_tx_freq(const struct sim_tx *tx)
{
	return tx ? tx->freq : 0;
}

const char *sim_tx_digits(const struct sim_tx *tx)
{
	return tx ? tx->sent : "";
}

void sim_tx_fill(struct sim_tx *tx, uint8_t *out, size_t n)
{
	int16_t lin[SIM_BLOCK];

	while (n) {
		size_t chunk = n < SIM_BLOCK ? n : SIM_BLOCK, k = 0;

		if (tx->dtmf_active) {
			k = (size_t)dtmf_tx(tx->dtmf, lin, (int)chunk);
			if (k < chunk)
				tx->dtmf_active = false;
		}
		/* a rotating phasor instead of sin() per sample: the guest runs 30 of these */
		for (; k < chunk; k++) {
			double re = tx->re;

			if (!tx->freq) {
				lin[k] = 0;
				continue;
			}
			lin[k] = (int16_t)(tx->amp * tx->im);
			tx->re = re * tx->rot_re - tx->im * tx->rot_im;
			tx->im = re * tx->rot_im + tx->im * tx->rot_re;
		}
		if (tx->freq) {	/* keep the phasor on the unit circle */
			double mag = sqrt(tx->re * tx->re + tx->im * tx->im);
			tx->re /= mag;
			tx->im /= mag;
		}
		sim_law_encode(tx->law, lin, out, chunk);
		out += chunk;
		n -= chunk;
	}
}

/* ---------------------------------------------------------------- receive */

struct sim_rx {
	enum sim_law law;
	struct sim_gapf gapf;
	bool raw;			/* DTMF without the gap filter (sim_rx_set_raw) */
	uint64_t in_samples;		/* received, gaps included */
	dtmf_rx_state_t *dtmf;
	char digits[SIM_MAX_DIGITS + 1];
	size_t ndigits;

	int16_t block[SIM_BLOCK];	/* stitched samples awaiting analysis */
	size_t nblock;

	/* the running tone check */
	bool check;
	struct sim_tone_params p;
	goertzel_descriptor_t gdesc;
	uint64_t start_in;		/* in_samples when the check (or its window) began */
	uint64_t start_gap;		/* gapf.gap at that moment */
	unsigned match_blocks, silent_blocks;
	struct sim_freq_hist hist;		/* what was heard */
	struct sim_tone_result res;
};

static void dtmf_digits_h(void *arg, const char *digits, int len)
{
	struct sim_rx *rx = arg;

	for (int i = 0; i < len && rx->ndigits < SIM_MAX_DIGITS; i++)
		rx->digits[rx->ndigits++] = digits[i];
	rx->digits[rx->ndigits] = '\0';
}

int sim_rx_alloc(struct sim_rx **rxp, enum sim_law law)
{
	struct sim_rx *rx;

	if (!rxp)
		return EINVAL;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return ENOMEM;
	rx->law = law;
	rx->dtmf = dtmf_rx_init(NULL, dtmf_digits_h, rx);
	if (!rx->dtmf) {
		free(rx);
		return ENOMEM;
	}
	*rxp = rx;
	return 0;
}

void sim_rx_free(struct sim_rx *rx)
{
	if (!rx)
		return;
	dtmf_rx_free(rx->dtmf);
	free(rx);
}

const char *sim_rx_digits(const struct sim_rx *rx)
{
	return rx->digits;
}

uint64_t sim_rx_audio_ms(const struct sim_rx *rx)
{
	return rx->in_samples / 8;
}

void sim_freq_hist_reset(struct sim_freq_hist *h)
{
	memset(h, 0, sizeof(*h));
}

/* Frequency of a block from its upward zero crossings, interpolated; 0 if none. */
static double block_freq(const int16_t *x, size_t n)
{
	double first = -1, last = -1;
	int periods = -1;

	for (size_t i = 1; i < n; i++) {
		if (x[i - 1] < 0 && x[i] >= 0) {
			double t = (double)(i - 1) + (double)-x[i - 1] / (double)(x[i] - x[i - 1]);
			if (first < 0)
				first = t;
			last = t;
			periods++;
		}
	}
	if (periods < 1 || last <= first)
		return 0;
	return periods * (double)SIM_RATE / (last - first);
}

void sim_freq_hist_add(struct sim_freq_hist *h, const int16_t *x, size_t n)
{
	double f = block_freq(x, n);

	if (f > 0 && f < 4000) {
		h->n[(unsigned)f / SIM_HIST_STEP]++;
		h->sum[(unsigned)f / SIM_HIST_STEP] += f;
	}
}

unsigned sim_freq_hist_mode(const struct sim_freq_hist *h)
{
	unsigned best = 0;

	for (unsigned i = 1; i < SIM_HIST_N; i++)
		if (h->n[i] > h->n[best])
			best = i;
	if (!h->n[best])
		return 0;
	return (unsigned)lrint(h->sum[best] / h->n[best]);
}

static void check_begin_window(struct sim_rx *rx, uint64_t at)
{
	rx->res.state = SIM_TONE_MEASURE;
	rx->res.onset_ms = (unsigned)((at - rx->start_in) / 8);
	rx->start_in = at;
	rx->start_gap = rx->gapf.gap;
	rx->match_blocks = rx->silent_blocks = 0;
	sim_freq_hist_reset(&rx->hist);
}

static void analyse_block(struct sim_rx *rx)
{
	const int16_t *x = rx->block;
	double energy = 0, rms;
	bool silent, match;
	goertzel_state_t gs;

	for (size_t i = 0; i < SIM_BLOCK; i++)
		energy += (double)x[i] * x[i];
	rms = sqrt(energy / SIM_BLOCK);
	silent = rms < SILENCE_RMS;
	if (rx->p.freq) {
		goertzel_init(&gs, &rx->gdesc);
		goertzel_update(&gs, x, SIM_BLOCK);
		match = !silent && goertzel_result(&gs) / (SIM_BLOCK * energy) >= TONE_RATIO;
	} else {
		match = silent;
	}
	if (!silent)
		sim_freq_hist_add(&rx->hist, x, SIM_BLOCK);
	if (rx->res.state == SIM_TONE_WAIT && match)	/* onset: the window starts here */
		check_begin_window(rx, rx->in_samples >= SIM_BLOCK ? rx->in_samples - SIM_BLOCK : 0);
	if (rx->res.state == SIM_TONE_MEASURE) {
		rx->match_blocks += match;
		rx->silent_blocks += silent;
	}
}

/* Time-based transitions, on received audio time (gaps included). */
static void check_clock(struct sim_rx *rx)
{
	struct sim_tone_result *r = &rx->res;
	uint64_t elapsed = (rx->in_samples - rx->start_in) / 8;
	unsigned need;

	if (r->state == SIM_TONE_WAIT && elapsed >= rx->p.within_ms) {
		r->window_ms = (unsigned)elapsed;
		r->gap_ms = (unsigned)((rx->gapf.gap - rx->start_gap) / 8);
		r->heard_hz = sim_freq_hist_mode(&rx->hist);
		r->state = SIM_TONE_FAIL;
		return;
	}
	if (r->state != SIM_TONE_MEASURE || elapsed < rx->p.window_ms)
		return;
	r->window_ms = (unsigned)elapsed;
	r->gap_ms = (unsigned)((rx->gapf.gap - rx->start_gap) / 8);
	if (r->gap_ms > r->window_ms)
		r->gap_ms = r->window_ms;
	r->match_ms = rx->match_blocks * (SIM_BLOCK / 8);
	r->silent_ms = rx->silent_blocks * (SIM_BLOCK / 8);
	r->heard_hz = sim_freq_hist_mode(&rx->hist);
	if (rx->p.freq) {
		/* gaps are tolerated, but a window that is mostly gap heard nothing */
		need = (r->window_ms - r->gap_ms) * rx->p.min_pct / 100;
		r->state = r->gap_ms <= r->window_ms / 2 && r->match_ms > 0 && r->match_ms >= need
			   ? SIM_TONE_PASS : SIM_TONE_FAIL;
	} else {
		r->match_ms = r->silent_ms + r->gap_ms;
		if (r->match_ms > r->window_ms)
			r->match_ms = r->window_ms;
		need = r->window_ms * rx->p.min_pct / 100;
		r->state = r->match_ms >= need ? SIM_TONE_PASS : SIM_TONE_FAIL;
	}
}

void sim_rx_feed(struct sim_rx *rx, const uint8_t *in, size_t n)
{
	uint8_t kept[SIM_BLOCK + SIM_GAP_RUN];
	int16_t lin[SIM_BLOCK + SIM_GAP_RUN];

	while (n) {
		size_t chunk = n < SIM_BLOCK ? n : SIM_BLOCK;
		size_t k = sim_gapf_run(&rx->gapf, in, chunk, kept);

		rx->in_samples += chunk;
		if (rx->raw) {	/* DTMF on the signal as it came */
			sim_law_decode(rx->law, in, lin, chunk);
			dtmf_rx(rx->dtmf, lin, (int)chunk);
		}
		sim_law_decode(rx->law, kept, lin, k);
		if (k && !rx->raw)
			dtmf_rx(rx->dtmf, lin, (int)k);
		for (size_t i = 0; i < k; i++) {
			rx->block[rx->nblock++] = lin[i];
			if (rx->nblock == SIM_BLOCK) {
				if (rx->check)
					analyse_block(rx);
				rx->nblock = 0;
			}
		}
		if (rx->check)
			check_clock(rx);
		in += chunk;
		n -= chunk;
	}
}

void sim_rx_set_raw(struct sim_rx *rx, bool raw)
{
	rx->raw = raw;
}

int sim_rx_tone_start(struct sim_rx *rx, const struct sim_tone_params *p)
{
	if (!rx || !p || !p->window_ms || p->min_pct > 100 || p->freq >= SIM_RATE / 2)
		return EINVAL;
	rx->p = *p;
	if (!rx->p.min_pct)
		rx->p.min_pct = 80;
	memset(&rx->res, 0, sizeof(rx->res));
	rx->res.freq = p->freq;
	rx->start_in = rx->in_samples;
	rx->start_gap = rx->gapf.gap;
	rx->match_blocks = rx->silent_blocks = 0;
	rx->nblock = 0;
	sim_freq_hist_reset(&rx->hist);
	rx->check = true;
	if (p->freq) {
		make_goertzel_descriptor(&rx->gdesc, (float)p->freq, SIM_BLOCK);
		rx->res.state = SIM_TONE_WAIT;
	} else {
		rx->res.state = SIM_TONE_MEASURE;
	}
	return 0;
}

enum sim_tone_state sim_rx_tone_result(const struct sim_rx *rx, struct sim_tone_result *r)
{
	if (r)
		*r = rx->res;
	return rx->res.state;
}

void sim_rx_tone_abort(struct sim_rx *rx)
{
	if (rx->res.state != SIM_TONE_WAIT && rx->res.state != SIM_TONE_MEASURE)
		return;
	rx->res.window_ms = (unsigned)((rx->in_samples - rx->start_in) / 8);
	rx->res.gap_ms = (unsigned)((rx->gapf.gap - rx->start_gap) / 8);
	rx->res.match_ms = rx->match_blocks * (SIM_BLOCK / 8);
	rx->res.heard_hz = sim_freq_hist_mode(&rx->hist);
	rx->res.state = SIM_TONE_FAIL;
}

void sim_tone_describe(const struct sim_tone_result *r, char *buf, size_t len)
{
	const char *verdict = r->state == SIM_TONE_PASS ? "ok" : "FAIL";
	char heard[48];

	if (r->heard_hz)
		snprintf(heard, sizeof(heard), "%u Hz", r->heard_hz);
	else
		snprintf(heard, sizeof(heard), "silence");
	if (!r->freq)
		snprintf(buf, len, "audio %s: silence for %u ms of %u (gaps %u ms; heard otherwise: %s)",
			 verdict, r->match_ms, r->window_ms, r->gap_ms, heard);
	else if (r->state == SIM_TONE_PASS)
		snprintf(buf, len, "audio ok: heard %u Hz for %u ms of %u (gaps %u ms, onset after %u ms)",
			 r->freq, r->match_ms, r->window_ms, r->gap_ms, r->onset_ms);
	else if (!r->heard_hz)
		snprintf(buf, len, "audio FAIL: expected %u Hz, heard silence for %u ms (gaps %u ms)",
			 r->freq, r->window_ms, r->gap_ms);
	else
		snprintf(buf, len, "audio FAIL: expected %u Hz, heard %s; %u Hz for %u ms of %u (gaps %u ms)",
			 r->freq, heard, r->freq, r->match_ms, r->window_ms, r->gap_ms);
}
