/* Network → TDM playout stage: see stage_playout.h. */
#include "media/stage_playout.h"

#include <errno.h>
#include <string.h>

#define SAMPLES_PER_MS 8	/* RTP clock of G.711 and its telephone-events */

int stage_playout_init(struct stage_playout *s, const struct jbuf_params *jp)
{
	int err;

	memset(s, 0, sizeof *s);
	te_rx_init(&s->terx, 0);
	conceal_init(&s->cc);
	err = jbuf_alloc(&s->jb, jp);
	/* The player is small; always there so that modify can enable rx_te_pt. */
	if (!err)
		err = dtmf_gen_alloc(&s->gen);
	if (err)
		stage_playout_release(s);
	return err;
}

void stage_playout_release(struct stage_playout *s)
{
	jbuf_free(s->jb);
	dtmf_gen_free(s->gen);
	s->jb = NULL;
	s->gen = NULL;
}

void stage_playout_flush(struct stage_playout *s)
{
	jbuf_reset(s->jb);
	s->playing = false;
}

void stage_playout_audio(struct stage_playout *s, const struct media_rx *rx, uint64_t now)
{
	(void)jbuf_put(s->jb, &(struct jbuf_pkt){ .ssrc = rx->h.ssrc, .seq = rx->h.seq,
						  .ts = rx->h.ts, .data = rx->pl,
						  .len = rx->plen }, now);
}

/* Received events and those ended by timeout: report them and play them. */
static void digits(struct stage_playout *s, const struct te_rx_event *rev, unsigned n,
		   struct stage_playout_events *evs)
{
	for (unsigned i = 0; i < n; i++) {
		char digit = dtmf_event_to_digit(rev[i].event);

		if (!digit)
			continue;	/* not DTMF (§3.2 covers only 0-15 here) */
		if (!rev[i].end) {
			if (!dtmf_gen_start(s->gen, digit, rev[i].volume))
				s->playing = true;
		} else {
			dtmf_gen_end(s->gen, rev[i].duration);
		}
		evs->ev[evs->n++] = (struct stage_playout_event){
			.end = rev[i].end, .digit = digit, .timed_out = rev[i].timed_out,
			.duration_ms = rev[i].end ? rev[i].duration / SAMPLES_PER_MS : 0 };
	}
}

void stage_playout_event(struct stage_playout *s, const struct media_rx *rx, uint64_t now,
			 struct stage_playout_events *evs)
{
	struct te_rx_event rev[TE_RX_MAX_EVENTS];
	unsigned k = te_rx_packet(&s->terx, rx->h.ssrc, rx->h.ts, &rx->tev, now, rev);

	evs->n = 0;
	digits(s, rev, k, evs);
}

enum jbuf_result stage_playout_frame(struct stage_playout *s, uint64_t now,
				     enum g711_law rtp_law, enum g711_law tdm_law, uint8_t *out,
				     struct stage_playout_events *evs)
{
	enum jbuf_result r;
	size_t len;

	evs->n = 0;
	switch ((r = jbuf_get(s->jb, now, out, &len))) {
	case JBUF_FRAME:
		if (len != CONCEAL_FRAME)
			memset(out + len, g711_silence(rtp_law), CONCEAL_FRAME - len);
		conceal_frame(&s->cc, rtp_law, tdm_law, out, out);
		break;
	case JBUF_CONCEAL:
		conceal_fill(&s->cc, tdm_law, out);
		break;
	case JBUF_IDLE:
		memset(out, g711_silence(tdm_law), CONCEAL_FRAME);
		break;
	}
	if (s->terx.active) {	/* end an event whose end packets were all lost */
		struct te_rx_event rev[TE_RX_MAX_EVENTS];
		unsigned k = te_rx_tick(&s->terx, now, rev);

		if (k)
			digits(s, rev, k, evs);
	}
	if (s->playing) {	/* received digits replace the jitter buffer's audio */
		int16_t lin[CONCEAL_FRAME];

		if (dtmf_gen_frame(s->gen, lin, CONCEAL_FRAME))
			g711_block_encode(tdm_law, out, lin, CONCEAL_FRAME);
		else
			s->playing = false;
	}
	return r;
}
