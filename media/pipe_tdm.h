/* A TDM ⇄ TDM pipeline, I/O-free: two B-channels bridged (PRI pass-through), each block
 * read on one side written to the other, law-converted when an E1 (A-law) line meets a T1
 * (µ-law) one (ITU-T G.711 Tables 1a/1b via media/g711.c). Stages that act on both
 * directions (tone detection, echo-canceller control) belong here. */
#ifndef STROWGER_MEDIA_PIPE_TDM_H
#define STROWGER_MEDIA_PIPE_TDM_H

#include <stdint.h>

#include "media/g711.h"

#define PIPE_TDM_FRAME 160	/* [bytes] one B-channel block, 20 ms */

struct pipe_tdm {
	enum g711_law law[2];		/* side 0 (a), side 1 (b) */
	uint64_t frames[2];		/* frames read on each side */
};

void pipe_tdm_init(struct pipe_tdm *p, enum g711_law law_a, enum g711_law law_b);
/* A block read on side `from` (0: a, 1: b): the block to write to the other side. */
void pipe_tdm_frame(struct pipe_tdm *p, unsigned from, const uint8_t *in, uint8_t *out);

#endif
