/* Disconnect supervision on an analog line's B-channel (the gateway as FXO): many exchanges
 * and PBXs tell the far end's hang-up only in band, with busy, reorder or congestion tone and
 * no loop-current drop (the reason chan_dahdi has busydetect); and a line that went dead says
 * nothing at all. The stage listens for the zone's busy and congestion tones, each in its
 * cadence (media/tone_detect.h, STAGE_DISCONNECT_CYCLES on/off cycles so that speech cannot
 * pass for one), and for silence: no frame above STAGE_DISCONNECT_SILENCE_DBM0 for
 * silence_ms. Each reports once and then starts over, so that an event the call could not
 * act on (still ringing) comes again. I/O-free: linear frames in, what was heard out. */
#ifndef STROWGER_MEDIA_STAGE_DISCONNECT_H
#define STROWGER_MEDIA_STAGE_DISCONNECT_H

#include <stdint.h>

#include "media/engine.h"
#include "media/stage_answer.h"

#define STAGE_DISCONNECT_CYCLES 2		/* on/off cycles of a tone's cadence */
#define STAGE_DISCONNECT_SILENCE_DBM0 (-45.0)	/* [dBm0] a frame below this is silence */

struct tone_detect;

struct stage_disconnect {
	struct media_line_sup sup;		/* as set up, to tell a change on modify */
	struct tone_detect *busy, *congestion;	/* NULL: not listened for */
	unsigned silent_ms;			/* [ms] of silence so far */
	/* sup.answer_voice: answer supervision first (stage_answer.h); the disconnect
	 * supervision above listens only once it reported */
	struct stage_answer ans;
	bool answering;
};

/* Set up for sup (the tone strings as libtonezone writes them). Return 0, EINVAL (a tone
 * that does not parse, or one without a cadence or tone to listen for) or ENOMEM. */
int stage_disconnect_init(struct stage_disconnect *s, const struct media_line_sup *sup);
void stage_disconnect_release(struct stage_disconnect *s);
/* Whether sup asks for any supervision. */
bool stage_disconnect_wanted(const struct media_line_sup *sup);

/* One frame of n linear samples (20 ms = 160). Returns what was recognised with this
 * frame (while answering: the answer stage's report), else MEDIA_DISC_NONE. */
enum media_disconnect stage_disconnect_frame(struct stage_disconnect *s, const int16_t *lin,
					     unsigned n);

#endif
