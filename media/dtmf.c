/* DTMF detection through SpanDSP's dtmf_rx, adapted to start/end events at one seam. */
#include "media/dtmf.h"

#include <errno.h>
/* dtmf_rx_state_t inside struct dtmf_det (SpanDSP's init-on-our-memory form): one
 * allocation, one cache miss less on every frame. */
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING 8

struct dtmf_det {
	dtmf_rx_state_t rx;
	struct dtmf_det_event pending[MAX_PENDING];
	unsigned npending;
	char current;		/* digit in progress, or 0 */
};

/* SpanDSP's realtime callback: the digit on a confirmed start, 0 on its end. */
static void on_tone(void *arg, int code, int level, int delay)
{
	struct dtmf_det *d = arg;

	(void)level;
	(void)delay;
	if (code) {
		if (d->current && d->npending < MAX_PENDING)
			d->pending[d->npending++] = (struct dtmf_det_event){ d->current, true };
		d->current = (char)code;
		if (d->npending < MAX_PENDING)
			d->pending[d->npending++] = (struct dtmf_det_event){ (char)code, false };
	} else if (d->current) {
		if (d->npending < MAX_PENDING)
			d->pending[d->npending++] = (struct dtmf_det_event){ d->current, true };
		d->current = 0;
	}
}

int dtmf_det_alloc(struct dtmf_det **dp)
{
	struct dtmf_det *d = calloc(1, sizeof(*d));

	if (!d)
		return ENOMEM;
	if (!dtmf_rx_init(&d->rx, NULL, NULL)) {
		free(d);
		return ENOMEM;
	}
	dtmf_rx_set_realtime_callback(&d->rx, on_tone, d);
	*dp = d;
	return 0;
}

void dtmf_det_free(struct dtmf_det *d)
{
	if (!d)
		return;
	dtmf_rx_release(&d->rx);
	free(d);
}

unsigned dtmf_det_process(struct dtmf_det *d, const int16_t *amp, int n,
			  struct dtmf_det_event *ev, unsigned max, bool *tone)
{
	unsigned k;

	d->npending = 0;
	(void)dtmf_rx(&d->rx, amp, n);
	if (tone)
		*tone = d->current || d->npending || dtmf_rx_status(&d->rx) != 0;
	k = d->npending < max ? d->npending : max;
	for (unsigned i = 0; i < k; i++)
		ev[i] = d->pending[i];
	return k;
}

static const char event_digits[16] = "0123456789*#ABCD";

int dtmf_digit_to_event(char digit)
{
	for (int i = 0; i < 16; i++)
		if (event_digits[i] == digit)
			return i;
	if (digit >= 'a' && digit <= 'd')
		return 12 + digit - 'a';
	return -1;
}

char dtmf_event_to_digit(int event)
{
	return event >= 0 && event < 16 ? event_digits[event] : 0;
}

/* ---- player ---- */

#define SAMPLES_PER_MS	8
#define TONE_MAX_MS	600000	/* [ms] dtmf_tx on-time: "until we cut it" */

enum gen_phase { GEN_IDLE, GEN_TONE, GEN_GAP };

struct gen_digit {
	char digit;
	uint8_t volume;		/* [-dBm0] */
	bool ended;
	uint32_t len;		/* [samples] when ended: how long the tone lasts */
};

struct dtmf_gen {
	dtmf_tx_state_t *tx;
	struct gen_digit q[DTMF_GEN_QUEUE];	/* q[head] plays when phase is GEN_TONE */
	unsigned head, count;
	enum gen_phase phase;
	uint32_t played;	/* [samples] of the current tone */
	uint32_t gap_left;	/* [samples] */
};

int dtmf_gen_alloc(struct dtmf_gen **gp)
{
	struct dtmf_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return ENOMEM;
	g->tx = dtmf_tx_init(NULL);
	if (!g->tx) {
		free(g);
		return ENOMEM;
	}
	*gp = g;
	return 0;
}

void dtmf_gen_free(struct dtmf_gen *g)
{
	if (!g)
		return;
	dtmf_tx_free(g->tx);
	free(g);
}

static struct gen_digit *gen_last(struct dtmf_gen *g)
{
	return g->count ? &g->q[(g->head + g->count - 1) % DTMF_GEN_QUEUE] : NULL;
}

int dtmf_gen_start(struct dtmf_gen *g, char digit, uint8_t volume)
{
	struct gen_digit *last = gen_last(g);

	if (dtmf_digit_to_event(digit) < 0)
		return EINVAL;
	if (last && !last->ended)	/* playing: cut it where it is; queued: shortest */
		dtmf_gen_end(g, g->count == 1 && g->phase == GEN_TONE ? g->played : 0);
	if (g->count == DTMF_GEN_QUEUE)
		return ENOSPC;
	g->q[(g->head + g->count++) % DTMF_GEN_QUEUE] = (struct gen_digit){
		.digit = digit, .volume = volume };
	return 0;
}

void dtmf_gen_end(struct dtmf_gen *g, uint32_t duration)
{
	struct gen_digit *last = gen_last(g);

	if (!last || last->ended)
		return;
	if (duration < DTMF_GEN_MIN_TONE_MS * SAMPLES_PER_MS)
		duration = DTMF_GEN_MIN_TONE_MS * SAMPLES_PER_MS;
	last->ended = true;
	last->len = duration;
}

/* Restart SpanDSP's generator on digit d: dtmf_tx_init() on our own state only resets it
 * (no allocation), the only way to cut a tone short in 0.0.6. Level and timing apply when
 * the digit is taken from its queue. */
static void gen_begin(struct dtmf_gen *g, const struct gen_digit *d)
{
	int vol = d->volume < 3 ? 3 : d->volume > 40 ? 40 : d->volume;

	(void)dtmf_tx_init(g->tx);
	/* The pair's total power is -vol dBm0: each tone 3 dB below. */
	dtmf_tx_set_level(g->tx, -vol - 3, 0);
	dtmf_tx_set_timing(g->tx, TONE_MAX_MS, 0);
	(void)dtmf_tx_put(g->tx, &d->digit, 1);
	g->played = 0;
	g->phase = GEN_TONE;
}

bool dtmf_gen_frame(struct dtmf_gen *g, int16_t *amp, int n)
{
	int pos = 0;

	if (g->phase == GEN_IDLE && !g->count)
		return false;
	while (pos < n) {
		struct gen_digit *d = &g->q[g->head];
		int k;

		switch (g->phase) {
		case GEN_IDLE:
			if (!g->count) {
				memset(amp + pos, 0, (size_t)(n - pos) * sizeof(*amp));
				return true;
			}
			gen_begin(g, d);
			break;
		case GEN_TONE:
			k = n - pos;
			if (d->ended) {
				uint32_t rem = d->len > g->played ? d->len - g->played : 0;

				if (rem < (uint32_t)k)
					k = (int)rem;
			}
			if (k > 0) {
				int got = dtmf_tx(g->tx, amp + pos, k);

				if (got < k)
					memset(amp + pos + got, 0, (size_t)(k - got) * sizeof(*amp));
				g->played += (uint32_t)k;
				pos += k;
			}
			if (d->ended && g->played >= d->len) {
				g->head = (g->head + 1) % DTMF_GEN_QUEUE;
				g->count--;
				g->phase = GEN_GAP;
				g->gap_left = DTMF_GEN_GAP_MS * SAMPLES_PER_MS;
			}
			break;
		case GEN_GAP:
			k = n - pos < (int)g->gap_left ? n - pos : (int)g->gap_left;
			memset(amp + pos, 0, (size_t)k * sizeof(*amp));
			pos += k;
			g->gap_left -= (uint32_t)k;
			if (!g->gap_left)
				g->phase = GEN_IDLE;
			break;
		}
	}
	return true;
}
