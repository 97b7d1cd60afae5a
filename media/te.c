/* RFC 4733 telephone-events: payload codec (§2.3), sender (§2.5.1), receiver (§2.5.2). */
#include "media/te.h"

#include <errno.h>

#define TE_MAX_END_COUNT 4	/* keeps the packets of one call within TE_TX_MAX_PKTS */

int te_encode(const struct te_payload *p, uint8_t *buf, size_t size)
{
	if (!p || !buf || p->volume > TE_MAX_VOLUME)
		return EINVAL;
	if (size < TE_PAYLOAD_LEN)
		return EMSGSIZE;
	/* §2.3: event (8) | E (1) R (1) volume (6) | duration (16), network order */
	buf[0] = p->event;
	buf[1] = (uint8_t)((p->end ? 0x80 : 0) | p->volume);
	buf[2] = (uint8_t)(p->duration >> 8);
	buf[3] = (uint8_t)p->duration;
	return 0;
}

int te_decode(struct te_payload *p, const uint8_t *buf, size_t len)
{
	if (!p || !buf)
		return EINVAL;
	if (len < TE_PAYLOAD_LEN)
		return EMSGSIZE;
	if (len % TE_PAYLOAD_LEN)
		return EBADMSG;
	p->event = buf[0];
	p->end = buf[1] & 0x80;
	p->volume = buf[1] & 0x3F;	/* R (0x40) is ignored on receipt, §2.3.3 */
	p->duration = (uint16_t)(buf[2] << 8 | buf[3]);
	return 0;
}

/* ---- sender ---- */

void te_tx_init(struct te_tx *s, const struct te_tx_params *p)
{
	*s = (struct te_tx){ 0 };
	if (p)
		s->p = *p;
	if (!s->p.volume)
		s->p.volume = 10;
	if (s->p.volume > TE_MAX_VOLUME)
		s->p.volume = TE_MAX_VOLUME;
	if (!s->p.update_samples)
		s->p.update_samples = 400;
	if (!s->p.max_duration)
		s->p.max_duration = TE_MAX_DURATION;
	if (!s->p.end_count)
		s->p.end_count = 3;
	if (s->p.end_count > TE_MAX_END_COUNT)
		s->p.end_count = TE_MAX_END_COUNT;
}

static bool due(uint32_t now, uint32_t t)
{
	return (int32_t)(now - t) >= 0;
}

static unsigned flush_finals(struct te_tx *s, struct te_pkt *out, unsigned n)
{
	while (s->final_left) {
		out[n++] = s->final;
		s->final_left--;
	}
	return n;
}

/* A final packet (event end with E, or a segment's end without it): send it now and
 * end_count-1 more times at the update interval (§2.5.1.4). */
static unsigned emit_final(struct te_tx *s, uint32_t now, uint32_t dur, bool end,
			   struct te_pkt *out, unsigned n)
{
	n = flush_finals(s, out, n);
	s->final = (struct te_pkt){ .ts = s->seg_ts, .marker = !s->sent,
				    .pl = { .event = s->event, .end = end,
					    .volume = s->p.volume,
					    .duration = (uint16_t)dur } };
	out[n++] = s->final;
	s->final_left = (uint8_t)(s->p.end_count - 1);
	s->final_due = now + s->p.update_samples;
	s->sent = true;
	return n;
}

/* §2.5.1.3: a segment that reached max_duration ends; the next starts where it ended. */
static unsigned split_segment(struct te_tx *s, uint32_t now, struct te_pkt *out, unsigned n)
{
	if (now - s->seg_ts <= s->p.max_duration)
		return n;
	n = emit_final(s, now, s->p.max_duration, false, out, n);
	s->seg_ts += s->p.max_duration;
	s->next_due = now;	/* report the new segment at once */
	return n;
}

static unsigned tick(struct te_tx *s, uint32_t now, struct te_pkt *out, unsigned n)
{
	uint32_t dur;

	if (s->final_left && due(now, s->final_due)) {
		out[n++] = s->final;
		s->final_left--;
		s->final_due += s->p.update_samples;
	}
	if (!s->active)
		return n;
	n = split_segment(s, now, out, n);
	dur = now - s->seg_ts;
	if (!dur || (s->sent && !due(now, s->next_due)))
		return n;
	out[n++] = (struct te_pkt){ .ts = s->seg_ts, .marker = !s->sent,
				    .pl = { .event = s->event, .volume = s->p.volume,
					    .duration = (uint16_t)dur } };
	s->sent = true;
	s->next_due += s->p.update_samples;
	if (due(now, s->next_due))	/* fell behind (or first packet): from now on */
		s->next_due = now + s->p.update_samples;
	return n;
}

unsigned te_tx_stop(struct te_tx *s, uint32_t now, struct te_pkt *out)
{
	unsigned n = 0;
	uint32_t dur;

	if (!s->active)
		return 0;
	n = split_segment(s, now, out, n);
	s->active = false;
	dur = now - s->seg_ts;
	if (!dur)	/* a zero-length event that never got a packet: nothing to end */
		return n;
	return emit_final(s, now, dur, true, out, n);
}

unsigned te_tx_start(struct te_tx *s, uint8_t event, uint32_t ts, uint32_t now,
		     struct te_pkt *out)
{
	unsigned n = te_tx_stop(s, now, out);

	n = flush_finals(s, out, n);
	s->active = true;
	s->sent = false;
	s->event = event;
	s->seg_ts = ts;
	s->next_due = now;
	return tick(s, now, out, n);
}

unsigned te_tx_tick(struct te_tx *s, uint32_t now, struct te_pkt *out)
{
	return tick(s, now, out, 0);
}

/* ---- receiver ---- */

void te_rx_init(struct te_rx *r, uint64_t timeout_us)
{
	*r = (struct te_rx){ .timeout_us = timeout_us ? timeout_us : TE_RX_TIMEOUT_US };
}

static unsigned rx_end(struct te_rx *r, bool timed_out, struct te_rx_event *out, unsigned n)
{
	out[n++] = (struct te_rx_event){ .end = true, .event = r->event, .volume = r->volume,
					 .duration = r->base + r->seg_dur,
					 .timed_out = timed_out };
	r->active = false;
	r->have_last = true;
	r->last_ts = r->seg_ts;
	return n;
}

unsigned te_rx_packet(struct te_rx *r, uint32_t ssrc, uint32_t ts, const struct te_payload *p,
		      uint64_t now_us, struct te_rx_event *out)
{
	unsigned n = 0;

	if (!p->duration)
		return 0;
	if (r->ssrc != ssrc) {
		if (r->active)
			n = rx_end(r, false, out, n);
		r->have_last = false;
		r->ssrc = ssrc;
	}
	if (r->active) {
		int32_t d = (int32_t)(ts - r->seg_ts);

		if (d < 0)
			return n;	/* late packet of an earlier segment */
		if (d == 0 && p->event != r->event)
			return n;	/* same timestamp, other event: broken sender */
		if (d > 0 && p->event == r->event && (uint32_t)d <= r->seg_dur) {
			/* The next segment of a long event (§2.5.1.3). */
			r->base += (uint32_t)d;
			r->seg_ts = ts;
			r->seg_dur = 0;
			d = 0;
		}
		if (d == 0) {
			if (p->duration > r->seg_dur)
				r->seg_dur = p->duration;
			r->volume = p->volume;
			r->last_rx_us = now_us;
			return p->end ? rx_end(r, false, out, n) : n;
		}
		n = rx_end(r, false, out, n);	/* a new event replaces this one */
	} else if (r->have_last && (int32_t)(ts - r->last_ts) <= 0) {
		return n;	/* retransmitted end, or a late packet of an ended event */
	}
	r->active = true;
	r->event = p->event;
	r->volume = p->volume;
	r->seg_ts = ts;
	r->seg_dur = p->duration;
	r->base = 0;
	r->last_rx_us = now_us;
	out[n++] = (struct te_rx_event){ .event = p->event, .volume = p->volume };
	return p->end ? rx_end(r, false, out, n) : n;
}

unsigned te_rx_tick(struct te_rx *r, uint64_t now_us, struct te_rx_event *out)
{
	if (!r->active || now_us - r->last_rx_us < r->timeout_us)
		return 0;
	return rx_end(r, true, out, 0);
}
