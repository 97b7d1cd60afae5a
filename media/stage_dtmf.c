/* TDM → network DTMF stage: see stage_dtmf.h. */
#include "media/stage_dtmf.h"

#include <errno.h>
#include <string.h>

int stage_dtmf_init(struct stage_dtmf *s, bool detect, int te_pt)
{
	memset(s, 0, sizeof *s);
	s->te_pt = te_pt > 0 ? te_pt : 0;
	te_tx_init(&s->te, NULL);
	return detect || s->te_pt ? dtmf_det_alloc(&s->det) : 0;
}

void stage_dtmf_release(struct stage_dtmf *s)
{
	dtmf_det_free(s->det);
	s->det = NULL;
}

void stage_dtmf_set_te_pt(struct stage_dtmf *s, int te_pt)
{
	s->te_pt = te_pt > 0 ? te_pt : 0;
	if (!s->te_pt) {	/* sending turned off: drop an event in progress */
		te_tx_init(&s->te, NULL);
		s->req_wait = s->req_on = false;
	}
}

int stage_dtmf_send_event(struct stage_dtmf *s, uint8_t event, unsigned ms)
{
	if (!s->te_pt || !s->det)
		return ENOTCONN;
	if (s->req_wait)
		return EBUSY;
	s->req_wait = true;
	s->req_event = event;
	s->req_frames = ms / 20 ? ms / 20 : 1;
	return 0;
}

/* The requested event: it starts once no digit is being sent, and ends after its frames. */
static void requested(struct stage_dtmf *s, uint32_t ts, struct stage_dtmf_out *o)
{
	if (s->req_on && !--s->req_frames) {	/* it covered the frames since its start */
		o->npkt += te_tx_stop(&s->te, ts, o->pkt + o->npkt);
		s->req_on = false;
	} else if (s->req_wait && !s->te.active) {
		o->npkt += te_tx_start(&s->te, s->req_event, ts, ts + STAGE_FRAME, o->pkt + o->npkt);
		s->req_wait = false;
		s->req_on = true;
	}
}

/* Detector events: report them and, with te_pt, drive the RFC 4733 sender. ts_now is the
 * end of the held frame, the audio this tick accounts for: an event starts with the held
 * frame (the one before the frame its detection completed in, which carried the tone's
 * start anyway) and ends after the held frame of the tick its end was detected in, so
 * both edges carry the same detection delay. */
static void digits(struct stage_dtmf *s, const struct dtmf_det_event *dev, unsigned n,
		   uint32_t ts, uint64_t now, struct stage_dtmf_out *o)
{
	uint32_t ts_now = ts + STAGE_FRAME;

	for (unsigned i = 0; i < n; i++) {
		struct stage_dtmf_event *ev = &o->ev[o->nev++];

		*ev = (struct stage_dtmf_event){ .end = dev[i].end, .digit = dev[i].digit };
		if (!dev[i].end) {
			int code = dtmf_digit_to_event(dev[i].digit);

			s->digit = dev[i].digit;
			s->digit_start_us = now;
			s->req_on = false;	/* a digit ends a requested event */
			if (s->te_pt && code >= 0)
				o->npkt += te_tx_start(&s->te, (uint8_t)code, ts, ts_now,
						       o->pkt + o->npkt);
		} else {
			ev->duration_ms = (unsigned)((now - s->digit_start_us) / 1000);
			s->digit = 0;
			o->npkt += te_tx_stop(&s->te, ts_now, o->pkt + o->npkt);
		}
	}
}

void stage_dtmf_frame(struct stage_dtmf *s, const uint8_t *in, enum g711_law law, uint32_t ts,
		      uint64_t now, struct stage_dtmf_out *o)
{
	struct dtmf_det_event dev[STAGE_DTMF_MAX_EV];
	int16_t lin[STAGE_FRAME];
	bool tone, covered = s->te.active;
	unsigned n;

	o->npkt = o->nev = 0;
	o->skip = false;
	if (!s->det) {
		o->audio = in;
		return;
	}
	/* Hold audio one frame so the frame before a detected tone can be silenced too;
	 * tone frames go out as silence (digits travel as events). Without telephone-event
	 * the tone itself is the only way the digit reaches the peer (RFC 4733 §1: events
	 * replace in-band tones only where negotiated): it stays in the audio, reported. */
	g711_block_decode(law, lin, in, STAGE_FRAME);
	n = dtmf_det_process(s->det, lin, STAGE_FRAME, dev, STAGE_DTMF_MAX_EV, &tone);
	if (n)
		digits(s, dev, n, ts, now, o);
	if (s->req_wait || s->req_on)
		requested(s, ts, o);
	if (!s->te_pt)
		tone = false;
	if (te_tx_busy(&s->te)) {
		/* RFC 4733: updates and retransmissions; the held frame belongs to the event
		 * and is not sent as audio (§2.5.1.1 style replacement: the timestamp moves
		 * on, the next audio packet starts a talkspurt). */
		covered |= s->te.active;
		o->npkt += te_tx_tick(&s->te, ts + STAGE_FRAME, o->pkt + o->npkt);
	}
	o->audio = NULL;
	if (covered && s->held_valid)
		o->skip = true;
	else if (tone && s->held_valid)
		memset(s->held, g711_silence(law), sizeof s->held);
	if (s->held_valid && !covered) {
		memcpy(o->frame, s->held, sizeof o->frame);
		o->audio = o->frame;
	}
	if (tone)
		memset(s->held, g711_silence(law), sizeof s->held);
	else
		memcpy(s->held, in, sizeof s->held);
	s->held_valid = true;
	s->held_tone = tone;
}
