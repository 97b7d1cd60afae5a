/* A TDM ⇄ TDM pipeline, I/O-free: two B-channels bridged (PRI pass-through, or an analog
 * port to a PRI channel), each block read on one side written to the other, law-converted
 * when an E1 (A-law) line meets a T1 (µ-law) one (ITU-T G.711 Tables 1a/1b via
 * media/g711.c). Stages that act on both directions (tone detection, echo-canceller control)
 * belong here: disconnect supervision (media/stage_disconnect.h) listens to a side whose line
 * tells a hang-up only in band (an FXO port). */
#ifndef STROWGER_MEDIA_PIPE_TDM_H
#define STROWGER_MEDIA_PIPE_TDM_H

#include <stdint.h>

#include "media/engine.h"
#include "media/g711.h"

#define PIPE_TDM_FRAME 160	/* [bytes] one B-channel block, 20 ms */

struct stage_disconnect;

struct pipe_tdm {
	enum g711_law law[2];		/* side 0 (a), side 1 (b) */
	uint64_t frames[2];		/* frames read on each side */
	struct stage_disconnect *sup[2];	/* supervision of what each side's line sends;
						 * NULL: none */
};

/* sup_a, sup_b: disconnect supervision of each side (NULL, or one that asks for nothing:
 * none). Return 0, EINVAL (a tone that does not parse) or ENOMEM; nothing to release then. */
int pipe_tdm_init(struct pipe_tdm *p, enum g711_law law_a, enum g711_law law_b,
		  const struct media_line_sup *sup_a, const struct media_line_sup *sup_b);
void pipe_tdm_release(struct pipe_tdm *p);
/* A block read on side `from` (0: a, 1: b): the block to write to the other side. Returns
 * what that side's supervision recognised with this block, else MEDIA_DISC_NONE. */
enum media_disconnect pipe_tdm_frame(struct pipe_tdm *p, unsigned from, const uint8_t *in,
				     uint8_t *out);

#endif
