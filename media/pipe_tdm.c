/* TDM ⇄ TDM pipeline: see pipe_tdm.h. */
#include "media/pipe_tdm.h"

void pipe_tdm_init(struct pipe_tdm *p, enum g711_law law_a, enum g711_law law_b)
{
	*p = (struct pipe_tdm){ .law = { law_a, law_b } };
}

void pipe_tdm_frame(struct pipe_tdm *p, unsigned from, const uint8_t *in, uint8_t *out)
{
	from &= 1;
	p->frames[from]++;
	g711_block_transcode(p->law[from], p->law[from ^ 1], out, in, PIPE_TDM_FRAME);
}
