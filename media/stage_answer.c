/* Answer supervision by voice: see stage_answer.h. */
#include "media/stage_answer.h"
#include "media/tone_detect.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RATE 8000			/* [samples/s] */
#define FULL_SCALE_DBM0 3.14		/* SpanDSP's scale: a full-scale sine is +3.14 dBm0 */

static int detector(const char *text, struct tone_detect **out)
{
	struct tone_spec *ts = NULL;
	int err;

	*out = NULL;
	if (!text[0])
		return 0;
	err = tone_spec_parse(text, &ts);
	if (!err)
		err = tone_detect_new(out, ts, STAGE_ANSWER_CYCLES);
	tone_spec_free(ts);
	return err == -ENOMEM ? ENOMEM : err ? EINVAL : 0;
}

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
		err = detector(sup->ans_busy, &s->busy);
	if (!err)
		err = detector(sup->ans_congestion, &s->congestion);
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
	double sum = 0, tone = 0;

	for (unsigned i = 0; i < n; i++)
		sum += (double)lin[i] * lin[i];
	if (!n || sum == 0)
		return false;
	/* [dBm0] -> the frame's power, in the same units as tone_level_dbm0()'s */
	double total = 10 * log10(sum / n / (32767.0 * 32767.0 / 2)) + FULL_SCALE_DBM0;
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
