/* Disconnect supervision by tone and silence: see stage_disconnect.h. */
#include "media/stage_disconnect.h"
#include "media/tone_detect.h"

#include <errno.h>
#include <string.h>

#define RATE 8000			/* [samples/s] */

static int detector(const char *text, struct tone_detect **out)
{
	return tone_detect_from_text(out, text, STAGE_DISCONNECT_CYCLES);
}

bool stage_disconnect_wanted(const struct media_line_sup *sup)
{
	return sup->busy[0] || sup->congestion[0] || sup->silence_ms || sup->answer_voice;
}

int stage_disconnect_init(struct stage_disconnect *s, const struct media_line_sup *sup)
{
	int err;

	memset(s, 0, sizeof *s);
	if (!memchr(sup->busy, 0, sizeof sup->busy) ||
	    !memchr(sup->congestion, 0, sizeof sup->congestion))
		return EINVAL;
	s->sup = *sup;
	err = detector(sup->busy, &s->busy);
	if (!err && sup->answer_voice) {
		err = stage_answer_init(&s->ans, sup);
		s->answering = !err;
	}
	if (!err)
		err = detector(sup->congestion, &s->congestion);
	if (err)
		stage_disconnect_release(s);
	return err;
}

void stage_disconnect_release(struct stage_disconnect *s)
{
	tone_detect_free(s->busy);
	tone_detect_free(s->congestion);
	s->busy = s->congestion = NULL;
	if (s->answering)
		stage_answer_release(&s->ans);
	s->answering = false;
}

enum media_disconnect stage_disconnect_frame(struct stage_disconnect *s, const int16_t *lin,
					     unsigned n)
{
	enum media_disconnect found = MEDIA_DISC_NONE;

	if (s->answering) {
		found = stage_answer_frame(&s->ans, lin, n);
		if (found) {
			stage_answer_release(&s->ans);
			s->answering = false;
		}
		return found;
	}
	if (s->busy && tone_detect_feed(s->busy, lin, n) == 1) {
		tone_detect_reset(s->busy);
		found = MEDIA_DISC_BUSY;
	}
	if (s->congestion && tone_detect_feed(s->congestion, lin, n) == 1) {
		tone_detect_reset(s->congestion);
		if (!found)
			found = MEDIA_DISC_CONGESTION;
	}
	if (s->sup.silence_ms) {
		if (tone_power_dbm0(lin, n) >= STAGE_DISCONNECT_SILENCE_DBM0) {
			s->silent_ms = 0;
		} else {
			s->silent_ms += n * 1000 / RATE;
			if (s->silent_ms >= s->sup.silence_ms) {
				s->silent_ms = 0;
				if (!found)
					found = MEDIA_DISC_SILENCE;
			}
		}
	}
	return found;
}
