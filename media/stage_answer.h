/* Answer supervision by voice on an analog line (the gateway as FXO dialling out): a
 * loop-start line says nothing when the far end answers, so the gateway listens. Before the
 * answer the line carries the exchange's call progress tones (dial tone, ringback, busy,
 * congestion: the zone's, as libtonezone writes them); an answer is the first sustained audio
 * that is none of them. The rule, per 20 ms frame: a frame is "voice" when its power is at
 * least STAGE_ANSWER_LEVEL_DBM0 and less than STAGE_ANSWER_TONE_SHARE of it lies at the
 * zone's tone frequencies (a DFT bin each); a count goes up by one per voice frame and down
 * by one per other frame, and STAGE_ANSWER_VOICE_MS of it is the answer (a short pause in
 * speech does not start over; a click does not answer). Busy and congestion are recognised
 * in their cadence (media/tone_detect.h, STAGE_ANSWER_CYCLES cycles) and reported instead:
 * the called line is busy, or the exchange has no way. Reports once; then the stage is
 * done. I/O-free: linear frames in, what was heard out. */
#ifndef STROWGER_MEDIA_STAGE_ANSWER_H
#define STROWGER_MEDIA_STAGE_ANSWER_H

#include <stdbool.h>
#include <stdint.h>

#include "media/engine.h"

#define STAGE_ANSWER_LEVEL_DBM0 (-40.0)	/* [dBm0] quieter frames are not voice */
#define STAGE_ANSWER_TONE_SHARE 0.25		/* of the frame's power at zone tone frequencies */
#define STAGE_ANSWER_VOICE_MS 300		/* [ms] net voice frames that answer */
#define STAGE_ANSWER_CYCLES 2			/* on/off cycles of busy/congestion */
#define STAGE_ANSWER_MAX_FREQS 16

struct tone_detect;

struct stage_answer {
	struct tone_detect *busy, *congestion;	/* NULL: not listened for */
	double freq[STAGE_ANSWER_MAX_FREQS];	/* [Hz] the zone's tone frequencies */
	unsigned nfreq;
	unsigned voice_ms;			/* [ms] the net count */
	bool done;				/* reported: listens no more */
};

/* Set up from sup's ans_* tones (answer_voice must be set). Return 0, EINVAL (a tone that
 * does not parse, or too many frequencies) or ENOMEM. */
int stage_answer_init(struct stage_answer *s, const struct media_line_sup *sup);
void stage_answer_release(struct stage_answer *s);

/* One frame of n linear samples (20 ms = 160). Returns MEDIA_DISC_VOICE (answered),
 * MEDIA_DISC_BUSY, MEDIA_DISC_CONGESTION once, else MEDIA_DISC_NONE. */
enum media_disconnect stage_answer_frame(struct stage_answer *s, const int16_t *lin,
					 unsigned n);

#endif
