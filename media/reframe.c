/* Received audio of any packetisation into 20 ms frames: see reframe.h. */
#include "media/reframe.h"

#include <errno.h>
#include <string.h>

#include "media/rtp.h"

/* A timestamp this far past the grid's end or before its start is a jump of the
 * sender's clock, not lost or late audio: restart the grid. */
#define MAX_GAP_FRAMES	64

void reframe_init(struct reframe *r)
{
	memset(r, 0, sizeof *r);
}

static void emit(struct reframe *r, struct reframe_out *out, uint32_t idx, const uint8_t *data,
		 bool copy)
{
	struct jbuf_pkt *f = &out->f[out->n];

	if (copy) {
		memcpy(out->buf[out->n], data, REFRAME_FRAME);
		data = out->buf[out->n];
	}
	*f = (struct jbuf_pkt){ .ssrc = r->ssrc, .seq = (uint16_t)(r->base_seq + idx),
				.ts = r->base_ts + idx * REFRAME_FRAME, .data = data,
				.len = REFRAME_FRAME };
	out->n++;
}

static void flush_pend(struct reframe *r, struct reframe_out *out)
{
	if (!r->pend)
		return;
	emit(r, out, r->pend_idx, r->pend_buf, true);
	r->pend = false;
}

/* Restart the grid at ts, its first frame numbered after every frame already sent. */
static void regrid(struct reframe *r, uint32_t ts, struct reframe_out *out)
{
	flush_pend(r, out);
	r->base_seq = (uint16_t)(r->base_seq + r->hi_idx);
	r->base_ts = ts;
	r->hi_idx = 0;
}

static void start(struct reframe *r, uint32_t ssrc, uint16_t seq, uint32_t ts, bool split)
{
	reframe_init(r);
	r->started = true;
	r->split = split;
	r->ssrc = ssrc;
	r->base_seq = seq;
	r->base_ts = ts;
}

int reframe_packet(struct reframe *r, uint32_t ssrc, uint16_t seq, uint32_t ts,
		   const uint8_t *pl, size_t len, uint8_t silence, struct reframe_out *out)
{
	bool fresh = !r->started || ssrc != r->ssrc, consecutive;
	uint32_t rel;

	out->n = 0;
	if (!len || len > REFRAME_MAX_SAMPLES)
		return EMSGSIZE;
	if (fresh)
		start(r, ssrc, seq, ts, len != REFRAME_FRAME);
	consecutive = !fresh && seq == (uint16_t)(r->last_seq + 1);
	if (!r->split) {
		if (len == REFRAME_FRAME) {	/* the common case: as it came */
			out->f[out->n++] = (struct jbuf_pkt){ .ssrc = ssrc, .seq = seq, .ts = ts,
							      .data = pl, .len = len };
			r->last_seq = seq;
			r->next_ts = ts + (uint32_t)len;
			return 0;
		}
		/* The packetisation changed (a re-INVITE's new ptime): frames from here on
		 * the grid, numbered on from the last 20 ms packet. */
		r->split = true;
		r->base_seq = (uint16_t)(r->last_seq + 1);
		r->base_ts = ts;
		r->hi_idx = 0;
	} else if (consecutive && ts != r->next_ts) {
		regrid(r, ts, out);
	}
	rel = ts - r->base_ts;
	if ((int32_t)rel < 0 && (int32_t)rel > -MAX_GAP_FRAMES * REFRAME_FRAME)
		return ETIME;
	if ((int32_t)rel < 0 || rel / REFRAME_FRAME > r->hi_idx + MAX_GAP_FRAMES) {
		regrid(r, ts, out);
		rel = 0;
	}
	for (size_t off = 0; off < len;) {
		uint32_t pos = rel + (uint32_t)off, idx = pos / REFRAME_FRAME;
		size_t o = pos % REFRAME_FRAME, k = REFRAME_FRAME - o;

		if (k > len - off)
			k = len - off;
		if (r->pend && r->pend_idx != idx)
			flush_pend(r, out);	/* the rest of it was lost */
		if (k == REFRAME_FRAME) {
			emit(r, out, idx, pl + off, false);
		} else {
			if (!r->pend) {
				memset(r->pend_buf, silence, REFRAME_FRAME);
				r->pend = true;
				r->pend_idx = idx;
			}
			memcpy(r->pend_buf + o, pl + off, k);
			if (o + k == REFRAME_FRAME && o)	/* the frame's end: send it on */
				flush_pend(r, out);
		}
		if (idx + 1 > r->hi_idx)
			r->hi_idx = idx + 1;
		off += k;
	}
	r->last_seq = seq;
	r->next_ts = ts + (uint32_t)len;
	return 0;
}
