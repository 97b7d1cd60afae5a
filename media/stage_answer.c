/* Answer supervision by voice: see stage_answer.h. */
#include "media/stage_answer.h"
#include "media/tone_detect.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 8000			/* [samples/s] */

/* The frequencies of a tone as libtonezone writes it ("!350+440/100,0/100,350+440"; f1*f2
 * modulated counts both): each element's part before '/', split at '+' and '*'. */
static int freqs_add(struct stage_answer *s, const char *text)
{
	const char *p = text;

	while (*p) {
		if (*p == '!' || *p == ',' || *p == '+' || *p == '*') {
			p++;
			continue;
		}
		if (*p == '/') {	/* a duration: up to the next element */
			p += strcspn(p, ",");
			continue;
		}
		char *end;
		double f = strtod(p, &end);
		if (end == p)
			return EINVAL;
		p = end;
		if (f <= 0)
			continue;	/* silence */
		bool have = false;
		for (unsigned i = 0; i < s->nfreq; i++)
			have = have || fabs(s->freq[i] - f) < 1;
		if (have)
			continue;
		if (s->nfreq >= STAGE_ANSWER_MAX_FREQS)
			return EINVAL;
		s->freq[s->nfreq++] = f;
	}
	return 0;
}

int stage_answer_init(struct stage_answer *s, const struct media_line_sup *sup)
{
	const char *const tones[] = { sup->ans_busy, sup->ans_congestion, sup->ans_ringback,
				      sup->ans_dialtone };
	int err = 0;

	memset(s, 0, sizeof *s);
	for (unsigned i = 0; i < sizeof tones / sizeof tones[0]; i++)
		if (!memchr(tones[i], 0, MEDIA_TONE_SPEC_MAX))
			return EINVAL;
	for (unsigned i = 0; !err && i < sizeof tones / sizeof tones[0]; i++)
		err = freqs_add(s, tones[i]);
	if (!err)
		err = tone_detect_from_text(&s->busy, sup->ans_busy, STAGE_ANSWER_CYCLES);
	if (!err)
		err = tone_detect_from_text(&s->congestion, sup->ans_congestion,
					    STAGE_ANSWER_CYCLES);
	if (err)
		stage_answer_release(s);
	return err;
}

void stage_answer_release(struct stage_answer *s)
{
	tone_detect_free(s->busy);
	tone_detect_free(s->congestion);
	s->busy = s->congestion = NULL;
}

/* Whether the frame is voice: loud enough, and not mostly the zone's tones. */
static bool voice_frame(const struct stage_answer *s, const int16_t *lin, unsigned n)
{
	double tone = 0, total = tone_power_dbm0(lin, n);

	if (total < STAGE_ANSWER_LEVEL_DBM0)
		return false;
	for (unsigned i = 0; i < s->nfreq; i++)
		tone += pow(10, tone_level_dbm0(lin, n, s->freq[i]) / 10);
	return tone < STAGE_ANSWER_TONE_SHARE * pow(10, total / 10);
}

enum media_disconnect stage_answer_frame(struct stage_answer *s, const int16_t *lin,
					 unsigned n)
{
	unsigned ms = n * 1000 / RATE;

	if (s->done)
		return MEDIA_DISC_NONE;
	if (s->busy && tone_detect_feed(s->busy, lin, n) == 1) {
		s->done = true;
		return MEDIA_DISC_BUSY;
	}
	if (s->congestion && tone_detect_feed(s->congestion, lin, n) == 1) {
		s->done = true;
		return MEDIA_DISC_CONGESTION;
	}
	if (voice_frame(s, lin, n))
		s->voice_ms += ms;
	else
		s->voice_ms = s->voice_ms > ms ? s->voice_ms - ms : 0;
	if (s->voice_ms >= STAGE_ANSWER_VOICE_MS) {
		s->done = true;
		return MEDIA_DISC_VOICE;
	}
	return MEDIA_DISC_NONE;
}
