/* Adaptive jitter buffer: sequence-indexed ring, playout paced by the caller's clock.
 *
 * Playout starts once the buffer holds target+1 frames. Each get plays the next sequence
 * number. A missing frame is concealed; when the buffer is below its target the playout
 * is held back (the frame may still come, and the delay grows by one frame), otherwise the
 * frame is skipped as lost. When the fewest frames buffered over a window exceeds the
 * target, one frame is dropped (shrink). The target follows the RFC 3550 §A.8 jitter
 * estimate: one frame plus three times the jitter, rounded up to frames.
 */
#include "media/jbuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp.h"

#define NSLOTS		32	/* power of two; > max depth + early arrivals */
#define SHRINK_WINDOW	25	/* [frames] window for the low-water mark */
#define MAX_OUT_OF_WINDOW 100	/* [packets] behind next_seq: "late" rather than a jump */

struct slot {
	bool used;
	uint16_t seq;
	uint16_t len;
	uint32_t ts;
	uint8_t *data;
};

struct jbuf {
	struct jbuf_params p;
	unsigned min_frames, max_frames;
	uint32_t frame_samples;

	bool started;		/* a stream is known (ssrc, next_seq) */
	bool playing;		/* prebuffering done */
	uint32_t ssrc;
	uint16_t next_seq;	/* to play next */
	uint16_t max_seq;	/* highest received */
	bool bad_valid;
	uint16_t bad_seq;	/* RFC 3550 §A.1 probation for a sequence jump */
	unsigned holds;		/* consecutive held frames */

	/* RFC 3550 §A.8 */
	bool have_transit;
	uint32_t transit;	/* [samples] */
	uint32_t jitter16;	/* [samples/16] */

	unsigned target;	/* [frames] beyond the one being played */
	int win_min;		/* [frames] low-water mark of avail over the window */
	unsigned win_n;

	struct jbuf_stats st;
	struct slot slots[NSLOTS];
	uint8_t *mem;
};

int jbuf_alloc(struct jbuf **jbp, const struct jbuf_params *p)
{
	struct jbuf *jb;

	if (!jbp || !p || !p->frame_ms || !p->clock_rate || !p->max_payload ||
	    p->max_payload > UINT16_MAX || p->min_ms < p->frame_ms || p->max_ms < p->min_ms ||
	    p->max_ms / p->frame_ms >= NSLOTS / 2)
		return EINVAL;
	jb = calloc(1, sizeof(*jb));
	if (!jb)
		return ENOMEM;
	jb->mem = malloc(NSLOTS * p->max_payload);
	if (!jb->mem) {
		free(jb);
		return ENOMEM;
	}
	jb->p = *p;
	jb->min_frames = (p->min_ms + p->frame_ms - 1) / p->frame_ms;
	jb->max_frames = p->max_ms / p->frame_ms;
	jb->frame_samples = p->clock_rate / 1000 * p->frame_ms;
	for (unsigned i = 0; i < NSLOTS; i++)
		jb->slots[i].data = jb->mem + i * p->max_payload;
	jbuf_reset(jb);
	*jbp = jb;
	return 0;
}

void jbuf_free(struct jbuf *jb)
{
	if (!jb)
		return;
	free(jb->mem);
	free(jb);
}

static void flush(struct jbuf *jb)
{
	for (unsigned i = 0; i < NSLOTS; i++)
		jb->slots[i].used = false;
	jb->started = false;
	jb->playing = false;
	jb->bad_valid = false;
	jb->have_transit = false;
	jb->holds = 0;
	jb->win_min = INT16_MAX;
	jb->win_n = 0;
}

void jbuf_reset(struct jbuf *jb)
{
	flush(jb);
	jb->jitter16 = 0;
	jb->target = jb->min_frames;
}

static void start_stream(struct jbuf *jb, const struct jbuf_pkt *pkt)
{
	jb->started = true;
	jb->playing = false;
	jb->ssrc = pkt->ssrc;
	jb->next_seq = pkt->seq;
	jb->max_seq = pkt->seq;
	jb->bad_valid = false;
}

static void resync(struct jbuf *jb, const struct jbuf_pkt *pkt)
{
	flush(jb);
	jb->st.resync++;
	start_stream(jb, pkt);
}

/* RFC 3550 §A.8, with arrival converted to the RTP clock. A transit change larger than
 * the largest depth is a timestamp discontinuity, not jitter: restart the estimate. */
static void update_jitter(struct jbuf *jb, uint32_t ts, uint64_t now_us)
{
	uint32_t arrival = (uint32_t)(now_us * jb->p.clock_rate / 1000000u);
	uint32_t transit = arrival - ts;
	int32_t d;
	unsigned t;

	if (jb->have_transit) {
		d = (int32_t)(transit - jb->transit);
		if (d < 0)
			d = -d;
		if ((uint32_t)d > jb->p.clock_rate / 1000u * jb->p.max_ms * 2u) {
			jb->st.ts_jumps++;
		} else {
			jb->jitter16 += (uint32_t)d;
			jb->jitter16 -= (jb->jitter16 + 8) >> 4;
		}
	}
	jb->transit = transit;
	jb->have_transit = true;

	/* Target: one frame plus 3 × jitter, in frames beyond the one playing. */
	t = (unsigned)((3u * (jb->jitter16 >> 4) + jb->frame_samples - 1) / jb->frame_samples);
	t += 1;
	if (t < jb->min_frames)
		t = jb->min_frames;
	if (t > jb->max_frames)
		t = jb->max_frames;
	jb->target = t;
}

int jbuf_put(struct jbuf *jb, const struct jbuf_pkt *pkt, uint64_t now_us)
{
	struct slot *s;
	int d;

	if (pkt->len > jb->p.max_payload) {
		jb->st.invalid++;
		return EMSGSIZE;
	}
	if (!jb->started)
		start_stream(jb, pkt);
	else if (pkt->ssrc != jb->ssrc)
		resync(jb, pkt);

	d = rtp_seq_diff(pkt->seq, jb->next_seq);
	if (d >= NSLOTS || d < -MAX_OUT_OF_WINDOW) {
		/* A jump: accept it once the next packet confirms it (§A.1). */
		if (jb->bad_valid && pkt->seq == jb->bad_seq) {
			resync(jb, pkt);
			d = 0;
		} else {
			jb->bad_valid = true;
			jb->bad_seq = (uint16_t)(pkt->seq + 1);
			jb->st.invalid++;
			return ERANGE;
		}
	}
	jb->bad_valid = false;
	update_jitter(jb, pkt->ts, now_us);
	if (d < 0 && !jb->playing && rtp_seq_diff(jb->max_seq, pkt->seq) < NSLOTS / 2) {
		/* Reordered before playout began: start from the earlier one. */
		jb->next_seq = pkt->seq;
		d = 0;
	}
	if (d < 0) {
		jb->st.late++;
		return ETIME;
	}
	s = &jb->slots[pkt->seq & (NSLOTS - 1)];
	if (s->used && s->seq == pkt->seq) {
		jb->st.dup++;
		return EALREADY;
	}
	s->used = true;
	s->seq = pkt->seq;
	s->ts = pkt->ts;
	s->len = (uint16_t)pkt->len;
	memcpy(s->data, pkt->data, pkt->len);
	if (rtp_seq_diff(pkt->seq, jb->max_seq) > 0)
		jb->max_seq = pkt->seq;
	jb->st.put++;
	return 0;
}

static void drop_next(struct jbuf *jb)
{
	jb->slots[jb->next_seq & (NSLOTS - 1)].used = false;
	jb->next_seq++;
}

enum jbuf_result jbuf_get(struct jbuf *jb, uint64_t now_us, uint8_t *out, size_t *lenp)
{
	struct slot *s;
	int avail;

	(void)now_us;
	if (!jb->started)
		return JBUF_IDLE;
	avail = rtp_seq_diff(jb->max_seq, jb->next_seq) + 1;
	if (!jb->playing) {
		if (avail < (int)jb->target + 1)
			return JBUF_IDLE;
		jb->playing = true;
		jb->win_min = INT16_MAX;
		jb->win_n = 0;
	}

	/* Above the ceiling: drop the oldest at once. */
	while (avail - 1 > (int)jb->max_frames) {
		drop_next(jb);
		jb->st.overflow++;
		avail--;
	}
	/* Shrink when even the low-water mark of the window stayed above the target. */
	if (avail < jb->win_min)
		jb->win_min = avail;
	if (++jb->win_n >= SHRINK_WINDOW) {
		if (jb->win_min - 1 > (int)jb->target && avail > 1) {
			drop_next(jb);
			jb->st.shrunk++;
			avail--;
		}
		jb->win_min = INT16_MAX;
		jb->win_n = 0;
	}
	jb->st.level_ms = (avail - 1) * (int)jb->p.frame_ms;

	s = &jb->slots[jb->next_seq & (NSLOTS - 1)];
	if (s->used && s->seq == jb->next_seq) {
		memcpy(out, s->data, s->len);
		*lenp = s->len;
		s->used = false;
		jb->next_seq++;
		jb->holds = 0;
		jb->st.played++;
		return JBUF_FRAME;
	}
	if (avail - 1 < (int)jb->target) {
		/* Below target: wait for the frame, growing the delay by one frame. After the
		 * longest depth of nothing at all, the stream has paused: buffer again. */
		if (++jb->holds > jb->max_frames && avail <= 0) {
			jb->playing = false;
			jb->holds = 0;
			return JBUF_IDLE;
		}
		jb->st.held++;
		return JBUF_CONCEAL;
	}
	/* Lost. When over target (e.g. after holding for what turns out to be a burst
	 * loss), skip further missing frames at once rather than conceal each in turn. */
	do {
		drop_next(jb);
		jb->st.lost++;
		avail--;
		s = &jb->slots[jb->next_seq & (NSLOTS - 1)];
	} while (!(s->used && s->seq == jb->next_seq) && avail - 1 >= (int)jb->target);
	jb->holds = 0;
	return JBUF_CONCEAL;
}

void jbuf_stats(const struct jbuf *jb, struct jbuf_stats *st)
{
	*st = jb->st;
	st->jitter = jb->jitter16 >> 4;
	st->target_ms = jb->target * jb->p.frame_ms;
}
