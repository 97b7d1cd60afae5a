/* media/stage_answer: FXO answer supervision by voice. The exchange's ringback (in its
 * cadence, any number of cycles) and dial tone do not answer; speech-like audio after the
 * ringback answers within 0.5 s; busy and congestion are reported as themselves, never as an
 * answer; the disconnect stage listens for the answer first and for a hang-up after it. */
#include <criterion/criterion.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "media/stage_answer.h"
#include "media/stage_disconnect.h"
#include "tone_src.h"

/* The US zone as libtonezone writes it */
#define US_BUSY "480+620/500,0/500"
#define US_CONGESTION "480+620/250,0/250"
#define US_RINGBACK "440+480/2000,0/4000"
#define US_DIAL "350+440"

/* Band-limited noise (about 300-3000 Hz) gated at syllable rate: talk. */
static void speech_frame(struct src *g, int16_t *out, double dbm0)
{
	static double lp, hp_in, hp;
	double a = 32767.0 * pow(10, (dbm0 - 3.14) / 20) * 3;

	for (unsigned i = 0; i < 160; i++, g->t++) {
		g->seed = g->seed * 1103515245u + 12345u;
		double w = (double)(g->seed >> 8 & 0xffff) / 32768.0 - 1.0;
		lp += 0.75 * (w - lp);			/* low-pass ~3 kHz */
		hp = 0.8 * (hp + lp - hp_in);		/* high-pass ~300 Hz */
		hp_in = lp;
		double env = 0.6 + 0.4 * sin(2 * M_PI * 4.0 * (double)g->t / 8000);
		double v = a * hp * env;
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

enum what { RINGBACK, BUSY, CONGESTION, DIAL, SPEECH, WARBLE, SILENCE, TONE1K };

static void frame(struct src *g, enum what w, int16_t *f)
{
	unsigned long ph = g->t / 8;	/* [ms] since the source began */

	switch (w) {
	case RINGBACK: {
		bool on = ph % 6000 < 2000;
		tone_frame(g, f, on ? 440 : 0, on ? 480 : 0, -19);
		break;
	}
	case BUSY: tone_frame(g, f, (ph / 500) % 2 ? 0 : 480, (ph / 500) % 2 ? 0 : 620, -24); break;
	case CONGESTION: tone_frame(g, f, (ph / 250) % 2 ? 0 : 480, (ph / 250) % 2 ? 0 : 620, -24); break;
	case DIAL: tone_frame(g, f, 350, 440, -13); break;
	case SPEECH: speech_frame(g, f, -20); break;
	/* alternating frequencies, 60 ms each: 700, 1300, 2100 Hz */
	case WARBLE: tone_frame(g, f, (double[]){ 700, 1300, 2100 }[(ph / 60) % 3], 0, -18); break;
	case SILENCE: memset(f, 0, 320); g->t += 160; break;
	case TONE1K: tone_frame(g, f, 1004, 0, -16); break;
	}
}

static struct media_line_sup us_sup(void)
{
	struct media_line_sup sup = { .answer_voice = true };

	strcpy(sup.ans_busy, US_BUSY);
	strcpy(sup.ans_congestion, US_CONGESTION);
	strcpy(sup.ans_ringback, US_RINGBACK);
	strcpy(sup.ans_dialtone, US_DIAL);
	return sup;
}

/* ms of w; the first report and the time (ms into this run) it came at; -1: none. */
static enum media_disconnect run(struct stage_answer *s, struct src *g, enum what w,
				 unsigned ms, long *at)
{
	int16_t f[160];

	*at = -1;
	for (unsigned k = 0; k < ms / 20; k++) {
		frame(g, w, f);
		enum media_disconnect d = stage_answer_frame(s, f, 160);
		if (d) {
			*at = (long)k * 20 + 20;
			return d;
		}
	}
	return MEDIA_DISC_NONE;
}

Test(stage_answer, ringback_does_not_answer)
{
	struct media_line_sup sup = us_sup();
	struct stage_answer s;
	struct src g = { .seed = 1 };
	long at;

	cr_assert_eq(stage_answer_init(&s, &sup), 0);
	cr_assert_eq(s.nfreq, 4, "350 440 480 620, got %u", s.nfreq);
	/* 4 whole cycles of 2 s on, 4 s off */
	cr_assert_eq(run(&s, &g, RINGBACK, 24000, &at), MEDIA_DISC_NONE, "answered at %ld ms", at);
	stage_answer_release(&s);
}

Test(stage_answer, dial_tone_and_silence_do_not_answer)
{
	struct media_line_sup sup = us_sup();
	struct stage_answer s;
	struct src g = { .seed = 2 };
	long at;

	cr_assert_eq(stage_answer_init(&s, &sup), 0);
	cr_assert_eq(run(&s, &g, DIAL, 5000, &at), MEDIA_DISC_NONE);
	cr_assert_eq(run(&s, &g, SILENCE, 5000, &at), MEDIA_DISC_NONE);
	stage_answer_release(&s);
}

static void ringback_then(enum what voice, unsigned seed)
{
	struct media_line_sup sup = us_sup();
	struct stage_answer s;
	struct src g = { .seed = seed };
	long at;

	cr_assert_eq(stage_answer_init(&s, &sup), 0);
	/* 5 s of ringback, cut as an answer cuts it: in its second burst */
	cr_assert_eq(run(&s, &g, RINGBACK, 7000, &at), MEDIA_DISC_NONE, "answered at %ld", at);
	cr_assert_eq(run(&s, &g, voice, 2000, &at), MEDIA_DISC_VOICE);
	cr_assert(at >= STAGE_ANSWER_VOICE_MS && at <= 500, "answered %ld ms into the voice", at);
	/* once only */
	cr_assert_eq(run(&s, &g, voice, 1000, &at), MEDIA_DISC_NONE);
	stage_answer_release(&s);
}

Test(stage_answer, speech_after_ringback_answers) { ringback_then(SPEECH, 3); }
Test(stage_answer, alternating_frequencies_answer) { ringback_then(WARBLE, 4); }
Test(stage_answer, a_tone_not_the_zones_answers) { ringback_then(TONE1K, 5); }

Test(stage_answer, busy_is_busy_not_an_answer)
{
	struct media_line_sup sup = us_sup();
	struct stage_answer s;
	struct src g = { .seed = 6 };
	long at;

	cr_assert_eq(stage_answer_init(&s, &sup), 0);
	cr_assert_eq(run(&s, &g, BUSY, 6000, &at), MEDIA_DISC_BUSY);
	cr_assert(at > 1000 && at < 3000, "busy after %ld ms", at);
	stage_answer_release(&s);

	cr_assert_eq(stage_answer_init(&s, &sup), 0);
	g = (struct src){ .seed = 7 };
	cr_assert_eq(run(&s, &g, CONGESTION, 6000, &at), MEDIA_DISC_CONGESTION);
	stage_answer_release(&s);
}

/* Without the zone's tones (a zone that has none to give) the ringback would answer: the
 * exclusion is what the rule rests on. */
Test(stage_answer, ringback_answers_when_not_a_zone_tone)
{
	struct media_line_sup sup = { .answer_voice = true };
	struct stage_answer s;
	struct src g = { .seed = 8 };
	long at;

	cr_assert_eq(stage_answer_init(&s, &sup), 0);
	cr_assert_eq(s.nfreq, 0);
	cr_assert_eq(run(&s, &g, RINGBACK, 2000, &at), MEDIA_DISC_VOICE);
	stage_answer_release(&s);
}

Test(stage_answer, bad_tones_refused)
{
	struct media_line_sup sup = us_sup();
	struct stage_answer s;

	strcpy(sup.ans_ringback, "440+x/2000");
	cr_assert_eq(stage_answer_init(&s, &sup), EINVAL);
	sup = us_sup();
	memset(sup.ans_dialtone, 'a', sizeof sup.ans_dialtone);	/* no NUL */
	cr_assert_eq(stage_answer_init(&s, &sup), EINVAL);
}

/* In the disconnect stage: the answer first (busy tone before it is the answer stage's
 * report, once), then the hang-up supervision. */
Test(stage_answer, disconnect_stage_answers_then_supervises)
{
	struct media_line_sup sup = us_sup();
	struct stage_disconnect d;
	struct src g = { .seed = 9 };
	int16_t f[160];
	unsigned n[MEDIA_DISC_VOICE + 1] = { 0 };

	strcpy(sup.busy, US_BUSY);
	cr_assert(stage_disconnect_wanted(&sup));
	cr_assert_eq(stage_disconnect_init(&d, &sup), 0);
	for (unsigned k = 0; k < 7000 / 20; k++) {
		frame(&g, RINGBACK, f);
		n[stage_disconnect_frame(&d, f, 160)]++;
	}
	for (unsigned k = 0; k < 3000 / 20; k++) {
		frame(&g, SPEECH, f);
		n[stage_disconnect_frame(&d, f, 160)]++;
	}
	cr_assert_eq(n[MEDIA_DISC_VOICE], 1);
	cr_assert_eq(n[MEDIA_DISC_BUSY], 0);
	g.t = 0;
	for (unsigned k = 0; k < 4000 / 20; k++) {
		frame(&g, BUSY, f);
		n[stage_disconnect_frame(&d, f, 160)]++;
	}
	cr_assert_geq(n[MEDIA_DISC_BUSY], 1, "the hang-up is heard after the answer");
	cr_assert_eq(n[MEDIA_DISC_VOICE], 1);
	stage_disconnect_release(&d);
}
