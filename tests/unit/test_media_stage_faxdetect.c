/* media/stage_faxdetect: a calling fax machine's CNG, an answering one's CED and V.21
 * preamble are each reported once; a plain tone and silence are not fax. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <spandsp.h>

#include "media/stage_faxdetect.h"

struct seen {
	unsigned n[4];			/* per enum media_fax_tone */
	unsigned first_frame[4];
};

/* frames of 20 ms from a SpanDSP fax machine (calling or not) through the detector */
static void run_fax(bool calling, unsigned frames, struct seen *sn)
{
	static struct stage_faxdetect s;
	fax_state_t *fax = fax_init(NULL, calling);
	int16_t amp[160];
	enum media_fax_tone t[STAGE_FAXDETECT_MAX];

	cr_assert(fax);
	memset(sn, 0, sizeof *sn);
	fax_set_transmit_on_idle(fax, 1);
	cr_assert_eq(stage_faxdetect_init(&s), 0);
	for (unsigned f = 0; f < frames; f++) {
		int n = fax_tx(fax, amp, 160);
		unsigned k;

		if (n < 160)
			memset(amp + n, 0, (size_t)(160 - n) * sizeof *amp);
		k = stage_faxdetect_frame(&s, amp, 160, t);
		for (unsigned i = 0; i < k; i++) {
			cr_assert(t[i] >= MEDIA_FAX_CNG && t[i] <= MEDIA_FAX_V21);
			if (!sn->n[t[i]]++)
				sn->first_frame[t[i]] = f;
		}
	}
	stage_faxdetect_release(&s);
	fax_free(fax);
}

Test(media_stage_faxdetect, cng_from_a_calling_machine)
{
	struct seen sn;

	run_fax(true, 400, &sn);	/* 8 s: CNG repeats every 3.5 s */
	cr_expect_eq(sn.n[MEDIA_FAX_CNG], 1, "CNG reported once");
	cr_expect_lt(sn.first_frame[MEDIA_FAX_CNG], 60, "within the first burst (0.5 s + detection)");
	cr_expect_eq(sn.n[MEDIA_FAX_CED], 0);
	cr_expect_eq(sn.n[MEDIA_FAX_V21], 0);
}

Test(media_stage_faxdetect, ced_and_preamble_from_an_answering_machine)
{
	struct seen sn;

	run_fax(false, 400, &sn);	/* CED 2.6-4 s, then DIS in V.21 */
	cr_expect_eq(sn.n[MEDIA_FAX_CED], 1, "CED reported once");
	cr_expect_eq(sn.n[MEDIA_FAX_CNG], 0);
	cr_expect_eq(sn.n[MEDIA_FAX_V21], 1, "the V.21 preamble of DIS, once");
	cr_expect_gt(sn.first_frame[MEDIA_FAX_V21], sn.first_frame[MEDIA_FAX_CED]);
}

Test(media_stage_faxdetect, voice_band_tone_is_not_fax)
{
	static struct stage_faxdetect s;
	int16_t amp[160];
	enum media_fax_tone t[STAGE_FAXDETECT_MAX];
	unsigned total = 0;

	cr_assert_eq(stage_faxdetect_init(&s), 0);
	for (unsigned f = 0; f < 250; f++) {
		for (unsigned i = 0; i < 160; i++) {
			double x = (f * 160.0 + i) / 8000.0;

			/* dial tone (350 + 440 Hz), then silence */
			amp[i] = f < 150 ? (int16_t)(4000 * (sin(2 * M_PI * 350 * x) +
							     sin(2 * M_PI * 440 * x))) : 0;
		}
		total += stage_faxdetect_frame(&s, amp, 160, t);
	}
	cr_expect_eq(total, 0);
	stage_faxdetect_release(&s);
}
