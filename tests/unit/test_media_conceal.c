/* Unit tests for media/conceal: byte for byte the output of SpanDSP's PLC fed every
 * received frame (the reference), over random runs of frames and losses in both laws;
 * and that a loss is filled in and the audio after it faded in. */
#include <criterion/criterion.h>
#include <math.h>
#include <spandsp.h>
#include <stdlib.h>
#include <string.h>

#include "media/conceal.h"
#include "media/g711.h"

/* The reference: plc_rx() on every frame, plc_fillin() on every loss. The ring rotation
 * plc_fillin() starts with is done first with memmove (0.0.6 uses an overlapping memcpy,
 * which ASan rejects); it is the same rotation. */
struct ref {
	plc_state_t plc;
};

static void ref_frame(struct ref *r, enum g711_law from, enum g711_law to, const uint8_t *in,
		      uint8_t *out)
{
	int16_t lin[CONCEAL_FRAME];
	bool after_loss = r->plc.missing_samples != 0;

	g711_block_decode(from, lin, in, CONCEAL_FRAME);
	plc_rx(&r->plc, lin, CONCEAL_FRAME);
	if (after_loss)
		g711_block_encode(to, out, lin, CONCEAL_FRAME);
	else
		g711_block_transcode(from, to, out, in, CONCEAL_FRAME);
}

static void ref_fill(struct ref *r, enum g711_law to, uint8_t *out)
{
	int16_t lin[CONCEAL_FRAME];

	if (!r->plc.missing_samples && r->plc.buf_ptr) {
		int16_t tmp[PLC_HISTORY_LEN];
		int n = r->plc.buf_ptr;

		memcpy(tmp, r->plc.history + n, (size_t)(PLC_HISTORY_LEN - n) * 2);
		memcpy(tmp + PLC_HISTORY_LEN - n, r->plc.history, (size_t)n * 2);
		memcpy(r->plc.history, tmp, sizeof tmp);
		r->plc.buf_ptr = 0;
	}
	plc_fillin(&r->plc, lin, CONCEAL_FRAME);
	g711_block_encode(to, out, lin, CONCEAL_FRAME);
}

/* Voiced-like audio: a harmonic-rich tone at a pitch of 2.5-10 ms, plus some noise. */
static void speech(uint8_t *out, enum g711_law law, unsigned *seed, double *phase, double f0)
{
	for (int i = 0; i < CONCEAL_FRAME; i++) {
		double v = 0;

		for (int h = 1; h <= 4; h++)
			v += 3000.0 / h * sin(h * *phase);
		v += (rand_r(seed) % 600) - 300;
		*phase += 2 * M_PI * f0 / 8000;
		out[i] = law == G711_LAW_ALAW ? g711_linear_to_alaw((int16_t)v)
					      : g711_linear_to_ulaw((int16_t)v);
	}
}

Test(media_conceal, same_as_plc_fed_every_frame)
{
	static struct conceal c;
	static struct ref r;
	unsigned seed = 4733;
	double phase = 0;
	unsigned frames = 0, fills = 0, faded = 0;

	for (int run = 0; run < 40; run++) {
		enum g711_law from = run % 3 ? G711_LAW_ULAW : G711_LAW_ALAW;
		enum g711_law to = run % 2 ? G711_LAW_ALAW : G711_LAW_ULAW;
		double f0 = 100 + rand_r(&seed) % 300;

		conceal_init(&c);
		memset(&r, 0, sizeof r);
		plc_init(&r.plc);
		for (int i = 0; i < 300; i++) {
			uint8_t in[CONCEAL_FRAME], got[CONCEAL_FRAME], want[CONCEAL_FRAME];
			/* runs of received frames (1-12) and of losses (1-8: past the fade) */
			bool lost = (i / 4 + run) % 3 == 0 && rand_r(&seed) % 2;

			if (lost) {
				conceal_fill(&c, to, got);
				ref_fill(&r, to, want);
				fills++;
			} else {
				bool after = r.plc.missing_samples != 0;

				speech(in, from, &seed, &phase, f0);
				conceal_frame(&c, from, to, in, got);
				ref_frame(&r, from, to, in, want);
				frames++;
				if (after) {
					uint8_t plain[CONCEAL_FRAME];

					g711_block_transcode(from, to, plain, in, CONCEAL_FRAME);
					faded += memcmp(plain, got, sizeof got) != 0;
				}
			}
			cr_assert_arr_eq(got, want, sizeof got, "run %d frame %d (%s)", run, i,
					 lost ? "lost" : "received");
		}
	}
	cr_expect_gt(frames, 3000);
	cr_expect_gt(fills, 1000);
	cr_expect_gt(faded, 100, "the frame after a loss is not faded in");
}

/* In place (out == in), and a law change between the frames it holds and the loss. */
Test(media_conceal, in_place_and_law_change)
{
	static struct conceal c;
	static struct ref r;
	unsigned seed = 1;
	double phase = 0;
	uint8_t a[CONCEAL_FRAME], b[CONCEAL_FRAME], got[CONCEAL_FRAME], want[CONCEAL_FRAME];

	conceal_init(&c);
	plc_init(&r.plc);
	speech(a, G711_LAW_ALAW, &seed, &phase, 180);
	memcpy(b, a, sizeof a);
	conceal_frame(&c, G711_LAW_ALAW, G711_LAW_ULAW, a, a);
	ref_frame(&r, G711_LAW_ALAW, G711_LAW_ULAW, b, want);
	cr_assert_arr_eq(a, want, sizeof a);
	speech(a, G711_LAW_ULAW, &seed, &phase, 180);
	conceal_frame(&c, G711_LAW_ULAW, G711_LAW_ULAW, a, got);
	ref_frame(&r, G711_LAW_ULAW, G711_LAW_ULAW, a, want);
	cr_assert_arr_eq(got, want, sizeof got);
	conceal_fill(&c, G711_LAW_ULAW, got);
	ref_fill(&r, G711_LAW_ULAW, want);
	cr_assert_arr_eq(got, want, sizeof got);
	/* voiced history: the fill-in is not silence */
	bool loud = false;

	for (int i = 0; i < CONCEAL_FRAME; i++)
		loud |= abs(g711_ulaw_to_linear(got[i])) > 1000;
	cr_expect(loud);
}
