/* Packet loss concealment with the PLC's history handed over only when a loss begins. */
#include "media/conceal.h"

#include <string.h>

void conceal_init(struct conceal *c)
{
	memset(c, 0, sizeof(*c));
	plc_init(&c->plc);
}

void conceal_frame(struct conceal *c, enum g711_law from, enum g711_law to,
		   const uint8_t *in, uint8_t *out)
{
	int16_t lin[CONCEAL_FRAME];

	if (c->plc.missing_samples) {
		/* after a loss: the PLC smooths the real audio in from its synthetic one */
		g711_block_decode(from, lin, in, CONCEAL_FRAME);
		plc_rx(&c->plc, lin, CONCEAL_FRAME);
		g711_block_encode(to, out, lin, CONCEAL_FRAME);
		c->unseen = 0;
		return;
	}
	/* Otherwise plc_rx() would only copy the frame into its history: keep it for a loss
	 * to come. Its history is 280 samples, so two frames are all it could need. */
	c->newest ^= 1;
	memcpy(c->last[c->newest], in, CONCEAL_FRAME);
	c->last_law[c->newest] = from;
	if (c->unseen < 2)
		c->unseen++;
	g711_block_transcode(from, to, out, in, CONCEAL_FRAME);
}

/* SpanDSP 0.0.6's plc_fillin() first rotates its history ring to the start with an
 * overlapping memcpy (undefined; later releases use memmove). Rotate it here first,
 * with memmove, so that it has nothing to do. */
static void rotate_history(plc_state_t *p)
{
	int16_t tmp[PLC_HISTORY_LEN];
	size_t head = (size_t)p->buf_ptr;

	if (!head)
		return;
	memcpy(tmp, p->history, head * sizeof(tmp[0]));
	memmove(p->history, p->history + head, (PLC_HISTORY_LEN - head) * sizeof(tmp[0]));
	memcpy(p->history + PLC_HISTORY_LEN - head, tmp, head * sizeof(tmp[0]));
	p->buf_ptr = 0;
}

void conceal_fill(struct conceal *c, enum g711_law to, uint8_t *out)
{
	int16_t lin[2 * CONCEAL_FRAME];

	if (!c->plc.missing_samples && c->unseen) {
		/* A loss begins: the frames the PLC has not had, oldest first. */
		unsigned i = c->unseen == 2 ? c->newest ^ 1 : c->newest;

		for (unsigned k = 0; k < c->unseen; k++, i ^= 1)
			g711_block_decode(c->last_law[i], lin + k * CONCEAL_FRAME, c->last[i],
					  CONCEAL_FRAME);
		plc_rx(&c->plc, lin, (int)(c->unseen * CONCEAL_FRAME));
		c->unseen = 0;
	}
	if (!c->plc.missing_samples)
		rotate_history(&c->plc);
	plc_fillin(&c->plc, lin, CONCEAL_FRAME);
	g711_block_encode(to, out, lin, CONCEAL_FRAME);
}
