/* TDM ⇄ TDM pipeline: see pipe_tdm.h. */
#include "media/pipe_tdm.h"

#include <errno.h>
#include <stdlib.h>

#include "media/stage_disconnect.h"

void pipe_tdm_release(struct pipe_tdm *p)
{
	for (unsigned i = 0; i < 2; i++) {
		if (!p->sup[i])
			continue;
		stage_disconnect_release(p->sup[i]);
		free(p->sup[i]);
		p->sup[i] = NULL;
	}
}

int pipe_tdm_init(struct pipe_tdm *p, enum g711_law law_a, enum g711_law law_b,
		  const struct media_line_sup *sup_a, const struct media_line_sup *sup_b)
{
	const struct media_line_sup *sup[2] = { sup_a, sup_b };

	*p = (struct pipe_tdm){ .law = { law_a, law_b } };
	for (unsigned i = 0; i < 2; i++) {
		int err;

		if (!sup[i] || !stage_disconnect_wanted(sup[i]))
			continue;
		p->sup[i] = malloc(sizeof *p->sup[i]);
		err = p->sup[i] ? stage_disconnect_init(p->sup[i], sup[i]) : ENOMEM;
		if (err) {
			free(p->sup[i]);
			p->sup[i] = NULL;
			pipe_tdm_release(p);
			return err;
		}
	}
	return 0;
}

enum media_disconnect pipe_tdm_frame(struct pipe_tdm *p, unsigned from, const uint8_t *in,
				     uint8_t *out)
{
	from &= 1;
	p->frames[from]++;
	g711_block_transcode(p->law[from], p->law[from ^ 1], out, in, PIPE_TDM_FRAME);
	if (!p->sup[from])
		return MEDIA_DISC_NONE;
	int16_t lin[PIPE_TDM_FRAME];
	g711_block_decode(p->law[from], lin, in, PIPE_TDM_FRAME);
	return stage_disconnect_frame(p->sup[from], lin, PIPE_TDM_FRAME);
}
