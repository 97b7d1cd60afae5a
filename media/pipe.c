/* A media channel's pipeline: see pipe.h. */
#include "media/pipe.h"

#include <errno.h>
#include <string.h>

#define SAMPLES_PER_MS	8		/* RTP clock of G.711 */
#define PKT_CAP (RTP_HDR_LEN + MEDIA_FRAME_SAMPLES + TRANSPORT_MAX_OVERHEAD)

static enum g711_law pt_law(uint8_t pt)
{
	return pt == 8 ? G711_LAW_ALAW : G711_LAW_ULAW;
}

static void transport_pts(const struct media_chan_params *cp, struct media_transport_pts *pts)
{
	pts->pt = cp->pt;
	pts->rx_te_pt = cp->rx_te_pt > 0 ? cp->rx_te_pt : 0;
}

int pipe_init(struct media_pipe *p, const struct media_chan_params *cp,
	      const struct jbuf_params *jp, const struct pipe_io *io, void *arg)
{
	struct media_transport_pts pts;
	int err;

	memset(p, 0, sizeof *p);
	p->io = io;
	p->arg = arg;
	p->st.rtt_ms = -1;
	rtp_packetiser_init(&p->pk, cp->pt, cp->ssrc, cp->seq0, cp->ts0);
	transport_pts(cp, &pts);
	transport_rtp_init(&p->tr, &pts);
	err = stage_dtmf_init(&p->dt, cp->dtmf_detect, cp->te_pt);
	if (!err)
		err = stage_playout_init(&p->po, jp);
	if (err) {
		pipe_release(p);
		return err;
	}
	pipe_modify(p, cp);
	return 0;
}

void pipe_release(struct media_pipe *p)
{
	stage_dtmf_release(&p->dt);
	stage_playout_release(&p->po);
}

void pipe_modify(struct media_pipe *p, const struct media_chan_params *cp)
{
	struct media_transport_pts pts;

	if (cp->no_recv && !p->no_recv)		/* play nothing stale on hold */
		stage_playout_flush(&p->po);
	p->no_send = cp->no_send;
	p->no_recv = cp->no_recv;
	p->tdm_law = cp->tdm_law;
	p->rtp_law = pt_law(cp->pt);
	p->pk.pt = cp->pt;
	transport_pts(cp, &pts);
	p->tr.pts = pts;
	stage_dtmf_set_te_pt(&p->dt, cp->te_pt);
}

/* Seal and hand one packet to the engine; count it once it is gone. */
static void send_pkt(struct media_pipe *p, uint8_t *pkt, size_t len, size_t plen, bool te)
{
	if (p->tr.ops->seal(&p->tr, pkt, &len, PKT_CAP) || p->io->send_h(p->arg, pkt, len, te))
		return;
	p->st.packets_sent++;
	p->st.octets_sent += plen;
	p->we_sent = true;
}

static void send_audio(struct media_pipe *p, const uint8_t *audio, bool peer)
{
	uint8_t pkt[PKT_CAP];

	if (p->no_send) {	/* on hold: time passes, the next packet starts a talkspurt */
		rtp_packetiser_skip(&p->pk, MEDIA_FRAME_SAMPLES);
		return;
	}
	if (!peer) {
		p->pk.seq++;	/* keep the stream's clock running */
		p->pk.ts += MEDIA_FRAME_SAMPLES;
		return;
	}
	rtp_packetiser_next(&p->pk, pkt, MEDIA_FRAME_SAMPLES);
	g711_block_transcode(p->tdm_law, p->rtp_law, pkt + RTP_HDR_LEN, audio,
			     MEDIA_FRAME_SAMPLES);
	send_pkt(p, pkt, RTP_HDR_LEN + MEDIA_FRAME_SAMPLES, MEDIA_FRAME_SAMPLES, false);
}

/* RFC 4733 packets, numbered in the audio stream's sequence space. */
static void send_te(struct media_pipe *p, const struct te_pkt *tp, unsigned n, bool peer)
{
	uint8_t pkt[RTP_HDR_LEN + TE_PAYLOAD_LEN + TRANSPORT_MAX_OVERHEAD];

	if (p->no_send)
		return;
	for (unsigned i = 0; i < n; i++) {
		rtp_packetiser_other(&p->pk, pkt, (uint8_t)p->dt.te_pt, tp[i].ts, tp[i].marker);
		if (!peer)
			continue;
		(void)te_encode(&tp[i].pl, pkt + RTP_HDR_LEN, TE_PAYLOAD_LEN);
		send_pkt(p, pkt, RTP_HDR_LEN + TE_PAYLOAD_LEN, TE_PAYLOAD_LEN, true);
	}
}

void pipe_from_tdm(struct media_pipe *p, const uint8_t *in, uint64_t now, bool peer)
{
	struct stage_dtmf_out o;

	if (!p->dt.det) {	/* the common case, without the stage's bookkeeping */
		send_audio(p, in, peer);
		return;
	}
	stage_dtmf_frame(&p->dt, in, p->tdm_law, p->pk.ts, now, &o);
	if (o.npkt)
		send_te(p, o.pkt, o.npkt, peer);
	if (o.skip)
		rtp_packetiser_skip(&p->pk, MEDIA_FRAME_SAMPLES);
	else if (o.audio)
		send_audio(p, o.audio, peer);
	for (unsigned i = 0; i < o.nev; i++) {
		struct media_event ev = { .type = o.ev[i].end ? MEDIA_EV_DTMF_END
							       : MEDIA_EV_DTMF_START,
					  .digit = o.ev[i].digit, .dir = MEDIA_DTMF_FROM_TDM,
					  .duration_ms = o.ev[i].duration_ms };

		p->io->event_h(p->arg, &ev);
	}
}

static void rx_events(struct media_pipe *p, const struct stage_playout_events *evs)
{
	for (unsigned i = 0; i < evs->n; i++) {
		const struct stage_playout_event *e = &evs->ev[i];
		struct media_event ev = { .type = e->end ? MEDIA_EV_RTP_DTMF_END
							 : MEDIA_EV_RTP_DTMF_START,
					  .digit = e->digit, .dir = MEDIA_DTMF_FROM_RTP,
					  .duration_ms = e->duration_ms,
					  .timed_out = e->timed_out };

		p->io->event_h(p->arg, &ev);
	}
}

int pipe_from_net(struct media_pipe *p, uint8_t *pkt, size_t len, uint64_t now,
		  struct media_rx *rx)
{
	int err = p->tr.ops->open(&p->tr, pkt, len, rx);

	if (err)
		return err;
	/* Receiver statistics (§A.1) count what arrived, on hold too. */
	if (!p->have_src || rx->h.ssrc != p->src_ssrc) {
		rtcp_source_init(&p->src, rx->h.seq);
		p->have_src = true;
		p->src_ssrc = rx->h.ssrc;
	}
	(void)rtcp_source_update(&p->src, rx->h.seq);
	p->st.packets_received++;
	p->st.octets_received += rx->plen;
	if (p->no_recv) {
		/* inactive/sendonly: discard; the B-channel hears silence */
	} else if (rx->kind == MEDIA_RX_EVENT) {
		struct stage_playout_events evs;

		stage_playout_event(&p->po, rx, now, &evs);
		if (evs.n)
			rx_events(p, &evs);
	} else {
		stage_playout_audio(&p->po, rx, now);
	}
	return 0;
}

enum jbuf_result pipe_to_tdm(struct media_pipe *p, uint64_t now, uint8_t *out)
{
	struct stage_playout_events evs;
	enum jbuf_result r = stage_playout_frame(&p->po, now, p->rtp_law, p->tdm_law, out, &evs);

	if (evs.n)
		rx_events(p, &evs);
	return r;
}

void pipe_stats(const struct media_pipe *p, struct media_chan_stats *st)
{
	struct jbuf_stats js;

	*st = p->st;
	if (p->have_src && !p->src.probation)
		st->packets_lost = rtcp_source_lost(&p->src);
	jbuf_stats(p->po.jb, &js);
	st->jitter_ms = js.jitter / (double)SAMPLES_PER_MS;
}
