/* A media channel's pipeline: see pipe.h. */
#include "media/pipe.h"
#include "media/v21_listen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLES_PER_MS	8		/* RTP clock of G.711 */
#define PKT_CAP (RTP_HDR_LEN + MEDIA_PTIME_MAX_SAMPLES + TRANSPORT_MAX_OVERHEAD)
#define FAX_JB_MS	60	/* [ms] fax pass-through's fixed jitter buffer depth */

/* G.711 fax pass-through: a modem signal survives delay but not a buffer that stretches
 * or shrinks under it, nor PLC's invented audio (ITU-T V.152 §7; T.38 Appendix II). */
struct pipe_fax {
	struct jbuf *jb;		/* fixed depth: min = max */
	struct t30_observe obs;
	struct v21_listen from_tdm, to_tdm;	/* both directions' T.30 frames, for the report */
};

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
	reframe_init(&p->rf);
	p->ptime_samples = MEDIA_FRAME_SAMPLES;
	p->io = io;
	p->arg = arg;
	p->st.rtt_ms = -1;
	rtp_packetiser_init(&p->pk, cp->pt, cp->ssrc, cp->seq0, cp->ts0);
	transport_pts(cp, &pts);
	transport_rtp_init(&p->rtp_tr, &pts);
	p->tr = &p->rtp_tr;
	err = stage_dtmf_init(&p->dt, cp->dtmf_detect, cp->te_pt);
	if (!err)
		err = stage_playout_init(&p->po, jp);
	if (!err) {
		struct media_fax_report rep;

		err = pipe_modify(p, cp, &rep);
	}
	if (err) {
		pipe_release(p);
		return err;
	}
	return 0;
}

static void fax_detect_off(struct media_pipe *p)
{
	if (!p->fd)
		return;
	stage_faxdetect_release(p->fd);
	free(p->fd);
	p->fd = NULL;
}

#define FAX_TONES_ALL (1u << MEDIA_FAX_CNG | 1u << MEDIA_FAX_CED | 1u << MEDIA_FAX_V21)

static int fax_detect_on(struct media_pipe *p)
{
	if (p->fd || p->fax_raised == FAX_TONES_ALL)	/* nothing left to raise */
		return 0;
	p->fd = malloc(sizeof *p->fd);
	if (!p->fd || stage_faxdetect_init(p->fd)) {
		free(p->fd);
		p->fd = NULL;
		return ENOMEM;
	}
	p->fd->raised = p->fax_raised;	/* once per channel, across modifies */
	return 0;
}

static void sup_off(struct media_pipe *p)
{
	if (!p->sup)
		return;
	stage_disconnect_release(p->sup);
	free(p->sup);
	p->sup = NULL;
}

/* Supervision as sup asks: kept as it is when unchanged (a re-INVITE must not restart the
 * silence count), set up anew when it changed. */
static int sup_set(struct media_pipe *p, const struct media_line_sup *sup)
{
	int err;

	if (p->sup && !memcmp(&p->sup->sup, sup, sizeof *sup))
		return 0;
	sup_off(p);
	if (!stage_disconnect_wanted(sup))
		return 0;
	p->sup = malloc(sizeof *p->sup);
	if (!p->sup)
		return ENOMEM;
	err = stage_disconnect_init(p->sup, sup);
	if (err) {
		free(p->sup);
		p->sup = NULL;
	}
	return err;
}

static void t38_stop(struct media_pipe *p)
{
	if (!p->t38)
		return;
	stage_t38gw_release(p->t38);
	free(p->t38);
	p->t38 = NULL;
}

static void fax_stop(struct media_pipe *p)
{
	if (!p->fax)
		return;
	jbuf_free(p->fax->jb);
	v21_listen_release(&p->fax->from_tdm);
	v21_listen_release(&p->fax->to_tdm);
	free(p->fax);
	p->fax = NULL;
}

void pipe_release(struct media_pipe *p)
{
	if (p->tr)
		p->tr->ops->free(p->tr);
	p->tr = &p->rtp_tr;
	stage_dtmf_release(&p->dt);
	stage_playout_release(&p->po);
	fax_detect_off(p);
	sup_off(p);
	t38_stop(p);
	fax_stop(p);
}

/* stage_t38gw: a datagram to the peer, on the RTP path (no peer yet: not sent). */
static int t38_send(void *arg, const uint8_t *dg, size_t len)
{
	struct media_pipe *p = arg;

	if (!p->peer)
		return ENOTCONN;
	return p->io->send_h(p->arg, dg, len, false);
}

static int t38_start(struct media_pipe *p, const struct media_t38_params *tp)
{
	int err;

	p->t38 = malloc(sizeof *p->t38);
	if (!p->t38)
		return ENOMEM;
	err = stage_t38gw_init(p->t38, tp, t38_send, p);
	if (err) {
		free(p->t38);
		p->t38 = NULL;
	}
	return err;
}

static int fax_start(struct media_pipe *p)
{
	const struct jbuf_params jp = { .frame_ms = 20, .min_ms = FAX_JB_MS, .max_ms = FAX_JB_MS,
					.clock_rate = 8000, .max_payload = MEDIA_FRAME_SAMPLES };
	int err;

	p->fax = calloc(1, sizeof *p->fax);
	if (!p->fax)
		return ENOMEM;
	t30_observe_init(&p->fax->obs);
	err = jbuf_alloc(&p->fax->jb, &jp);
	if (!err)
		err = v21_listen_init(&p->fax->from_tdm, &p->fax->obs, true);
	if (!err)
		err = v21_listen_init(&p->fax->to_tdm, &p->fax->obs, false);
	if (err)
		fax_stop(p);
	return err;
}

void pipe_fax_report(const struct media_pipe *p, struct media_fax_report *rep)
{
	memset(rep, 0, sizeof *rep);
	if (p->mode == MEDIA_MODE_T38 && p->t38) {
		stage_t38gw_report(p->t38, rep);
	} else if (p->mode == MEDIA_MODE_FAX && p->fax) {
		rep->valid = true;
		t30_observe_report(&p->fax->obs, &rep->t30);
	}
}

/* Change mode: report and end the old one's state, start the new one's. */
static int set_mode(struct media_pipe *p, const struct media_chan_params *cp,
		    struct media_fax_report *rep)
{
	int err = 0;

	if (p->mode == MEDIA_MODE_T38 && cp->mode == MEDIA_MODE_T38 && p->t38 &&
	    stage_t38gw_same(p->t38, &cp->t38)) {
		/* a session refresh (RFC 4028 re-INVITE): the fax goes on */
		stage_t38gw_set_max_datagram(p->t38, cp->t38.max_datagram);
		p->t38->p.silence_ms = cp->t38.silence_ms;
		return 0;
	}
	if (p->mode == cp->mode && p->mode != MEDIA_MODE_T38)
		return 0;
	pipe_fax_report(p, rep);
	t38_stop(p);
	fax_stop(p);
	if (p->mode != MEDIA_MODE_AUDIO)	/* play nothing of before the fax */
		stage_playout_flush(&p->po);
	reframe_reset(&p->rf);		/* a new jitter buffer, or a new stream */
	p->mode = MEDIA_MODE_AUDIO;
	if (cp->mode == MEDIA_MODE_T38)
		err = t38_start(p, &cp->t38);
	else if (cp->mode == MEDIA_MODE_FAX)
		err = fax_start(p);
	if (!err)
		p->mode = cp->mode;
	return err;
}

/* Audio waiting for a longer packet is not sent (its time passes unsent, as on hold). */
static void tx_drop(struct media_pipe *p)
{
	if (p->txlen)
		rtp_packetiser_skip(&p->pk, p->txlen);
	p->txlen = 0;
}

static void set_ptime(struct media_pipe *p, unsigned ms)
{
	unsigned n = ms * SAMPLES_PER_MS;

	if (n == p->ptime_samples)
		return;
	tx_drop(p);
	p->ptime_samples = n;
}

/* Plain RTP, or SRTP with these keys: the same keys keep the session (its rollover
 * counter and replay list), others start a new one (re-keying, RFC 4568 §7.1.4). On
 * failure the old transport stays. */
static int set_transport(struct media_pipe *p, const struct media_srtp_params *sp,
			 const struct media_transport_pts *pts)
{
	struct media_transport *t;
	int err;

	if (sp->suite == MEDIA_SRTP_OFF) {
		t = &p->rtp_tr;
	} else if (p->tr != &p->rtp_tr && transport_srtp_same(p->tr, sp)) {
		t = p->tr;
	} else {
		err = transport_srtp_alloc(&t, pts, sp);
		if (err)
			return err;
	}
	if (p->tr != t)
		p->tr->ops->free(p->tr);
	p->tr = t;
	p->tr->pts = *pts;
	return 0;
}

int pipe_modify(struct media_pipe *p, const struct media_chan_params *cp,
		struct media_fax_report *rep)
{
	struct media_transport_pts pts;
	int err;

	rep->valid = false;

	if (cp->no_recv && !p->no_recv) {	/* play nothing stale on hold */
		stage_playout_flush(&p->po);
		reframe_reset(&p->rf);
	}
	set_ptime(p, cp->ptime_ms ? cp->ptime_ms : 20);
	p->no_send = cp->no_send;
	p->no_recv = cp->no_recv;
	p->tdm_law = cp->tdm_law;
	p->rtp_law = pt_law(cp->pt);
	p->pk.pt = cp->pt;
	transport_pts(cp, &pts);
	err = set_transport(p, &cp->srtp, &pts);
	if (err)
		return err;
	stage_dtmf_set_te_pt(&p->dt, cp->te_pt);
	err = set_mode(p, cp, rep);
	if (cp->fax_detect && !err)
		err = fax_detect_on(p);
	else if (!cp->fax_detect)
		fax_detect_off(p);
	if (!err)
		err = sup_set(p, &cp->sup);
	return err;
}

/* Seal and hand one packet to the engine; count it once it is gone. */
static void send_pkt(struct media_pipe *p, uint8_t *pkt, size_t len, size_t plen, bool te)
{
	if (p->tr->ops->seal(p->tr, pkt, &len, PKT_CAP) || p->io->send_h(p->arg, pkt, len, te))
		return;
	p->st.packets_sent++;
	p->st.octets_sent += plen;
	p->we_sent = true;
}

/* One packet of n samples (RTP law) from audio. */
static void emit_audio(struct media_pipe *p, const uint8_t *audio, unsigned n, bool peer)
{
	uint8_t pkt[PKT_CAP];

	if (!peer) {
		p->pk.seq++;	/* keep the stream's clock running */
		p->pk.ts += n;
		return;
	}
	rtp_packetiser_next(&p->pk, pkt, n);
	memcpy(pkt + RTP_HDR_LEN, audio, n);
	send_pkt(p, pkt, RTP_HDR_LEN + n, n, false);
}

/* Frame time that is not sent (on hold, a digit sent as events, T.38): what waits for a
 * longer packet is not sent either; the next packet starts a talkspurt. */
static void skip_audio(struct media_pipe *p)
{
	tx_drop(p);
	rtp_packetiser_skip(&p->pk, MEDIA_FRAME_SAMPLES);
}

/* Audio waiting for a longer packet goes now, shorter (before RFC 4733 packets, which
 * carry a timestamp past it: RFC 4733 §2.5.1.2). */
static void tx_flush(struct media_pipe *p, bool peer)
{
	if (p->txlen)
		emit_audio(p, p->txbuf, p->txlen, peer);
	p->txlen = 0;
}

/* One 20 ms frame (TDM law) into packets of the negotiated ptime: two 10 ms ones, one
 * 20 ms one, or gathered until 30 or 40 ms are there. */
static void send_audio(struct media_pipe *p, const uint8_t *audio, bool peer)
{
	if (p->no_send) {	/* on hold: time passes, the next packet starts a talkspurt */
		skip_audio(p);
		return;
	}
	if (p->ptime_samples == MEDIA_FRAME_SAMPLES && !p->txlen) {	/* the common case */
		uint8_t pkt[PKT_CAP];

		if (!peer) {
			p->pk.seq++;
			p->pk.ts += MEDIA_FRAME_SAMPLES;
			return;
		}
		rtp_packetiser_next(&p->pk, pkt, MEDIA_FRAME_SAMPLES);
		g711_block_transcode(p->tdm_law, p->rtp_law, pkt + RTP_HDR_LEN, audio,
				     MEDIA_FRAME_SAMPLES);
		send_pkt(p, pkt, RTP_HDR_LEN + MEDIA_FRAME_SAMPLES, MEDIA_FRAME_SAMPLES, false);
		return;
	}
	g711_block_transcode(p->tdm_law, p->rtp_law, p->txbuf + p->txlen, audio,
			     MEDIA_FRAME_SAMPLES);
	p->txlen += MEDIA_FRAME_SAMPLES;
	if (p->txlen < p->ptime_samples)
		return;
	unsigned off = 0;

	while (p->txlen - off >= p->ptime_samples) {
		emit_audio(p, p->txbuf + off, p->ptime_samples, peer);
		off += p->ptime_samples;
	}
	p->txlen -= off;
	memmove(p->txbuf, p->txbuf + off, p->txlen);
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

/* FAX: a direction's audio (law) to its V.21 listener. */
static void fax_listen(struct v21_listen *l, enum g711_law law, const uint8_t *audio)
{
	int16_t lin[MEDIA_FRAME_SAMPLES];

	g711_block_decode(law, lin, audio, MEDIA_FRAME_SAMPLES);
	v21_listen_audio(l, lin, MEDIA_FRAME_SAMPLES);
}

/* T38: the frame goes to the gateway; the RTP stream's clock keeps running for a
 * return to voice. FAX: audio as it is, no DTMF stage. */
static void fax_from_tdm(struct media_pipe *p, const uint8_t *in, uint64_t now, bool peer)
{
	if (p->mode == MEDIA_MODE_T38) {
		int16_t lin[MEDIA_FRAME_SAMPLES];

		g711_block_decode(p->tdm_law, lin, in, MEDIA_FRAME_SAMPLES);
		p->peer = peer;
		stage_t38gw_from_tdm(p->t38, lin, now);
		skip_audio(p);
		return;
	}
	fax_listen(&p->fax->from_tdm, p->tdm_law, in);
	send_audio(p, in, peer);
}

static void fax_tones(struct media_pipe *p, const uint8_t *in)
{
	int16_t lin[MEDIA_FRAME_SAMPLES];
	enum media_fax_tone t[STAGE_FAXDETECT_MAX];
	unsigned n;

	g711_block_decode(p->tdm_law, lin, in, MEDIA_FRAME_SAMPLES);
	n = stage_faxdetect_frame(p->fd, lin, MEDIA_FRAME_SAMPLES, t);
	for (unsigned i = 0; i < n; i++) {
		struct media_event ev = { .type = MEDIA_EV_FAX_TONE, .fax_tone = t[i] };

		p->fax_raised |= 1u << t[i];
		p->io->event_h(p->arg, &ev);
	}
	if (!p->fd->cng && !p->fd->ced)		/* all said */
		fax_detect_off(p);
}

int pipe_send_event(struct media_pipe *p, uint8_t event, unsigned ms)
{
	if (p->mode != MEDIA_MODE_AUDIO)
		return ENOTCONN;
	return stage_dtmf_send_event(&p->dt, event, ms);
}

static void supervise(struct media_pipe *p, const uint8_t *in)
{
	int16_t lin[MEDIA_FRAME_SAMPLES];
	enum media_disconnect d;

	g711_block_decode(p->tdm_law, lin, in, MEDIA_FRAME_SAMPLES);
	d = stage_disconnect_frame(p->sup, lin, MEDIA_FRAME_SAMPLES);
	if (d) {
		struct media_event ev = { .type = MEDIA_EV_DISCONNECT, .disconnect = d };

		p->io->event_h(p->arg, &ev);
	}
}

void pipe_from_tdm(struct media_pipe *p, const uint8_t *in, uint64_t now, bool peer)
{
	struct stage_dtmf_out o;

	if (p->mode != MEDIA_MODE_AUDIO) {
		fax_from_tdm(p, in, now, peer);
		return;
	}
	if (p->fd)
		fax_tones(p, in);
	if (p->sup)
		supervise(p, in);
	if (!p->dt.det) {	/* the common case, without the stage's bookkeeping */
		send_audio(p, in, peer);
		return;
	}
	stage_dtmf_frame(&p->dt, in, p->tdm_law, p->pk.ts + p->txlen, now, &o);
	if (o.npkt) {
		tx_flush(p, peer && !p->no_send);
		send_te(p, o.pkt, o.npkt, peer);
	}
	if (o.skip)
		skip_audio(p);
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

/* Received audio into the jitter buffer as 20 ms frames, whatever the peer's ptime. */
static void audio_in(struct media_pipe *p, const struct media_rx *rx, uint64_t now)
{
	struct jbuf *jb = p->mode == MEDIA_MODE_FAX ? p->fax->jb : p->po.jb;
	struct reframe_out out;

	if (reframe_packet(&p->rf, rx->h.ssrc, rx->h.seq, rx->h.ts, rx->pl, rx->plen,
			   g711_silence(p->rtp_law), &out))
		return;
	for (unsigned i = 0; i < out.n; i++)
		(void)jbuf_put(jb, &out.f[i], now);
}

int pipe_from_net(struct media_pipe *p, uint8_t *pkt, size_t len, uint64_t now,
		  struct media_rx *rx)
{
	int err;

	if (p->mode == MEDIA_MODE_T38) {	/* UDPTL: no SSRC, no RTP statistics */
		memset(rx, 0, sizeof *rx);
		rx->kind = MEDIA_RX_AUDIO;
		return stage_t38gw_from_net(p->t38, pkt, len, now);
	}
	err = p->tr->ops->open(p->tr, pkt, len, rx);
	if (err) {
		p->st.srtp_auth_failed += err == EACCES;
		p->st.srtp_replayed += err == EALREADY;
		return err;
	}
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

		if (p->mode == MEDIA_MODE_FAX)
			return 0;	/* no RFC 4733 in a fax */
		stage_playout_event(&p->po, rx, now, &evs);
		if (evs.n)
			rx_events(p, &evs);
	} else {
		audio_in(p, rx, now);
	}
	return 0;
}

/* T38: the gateway's audio. FAX: the fixed buffer's frame, silence for a lost one. */
static enum jbuf_result fax_to_tdm(struct media_pipe *p, uint64_t now, uint8_t *out)
{
	enum jbuf_result r;
	size_t len;

	if (p->mode == MEDIA_MODE_T38) {
		int16_t lin[MEDIA_FRAME_SAMPLES];

		stage_t38gw_to_tdm(p->t38, lin, now);
		g711_block_encode(p->tdm_law, out, lin, MEDIA_FRAME_SAMPLES);
		return JBUF_FRAME;
	}
	r = jbuf_get(p->fax->jb, now, out, &len);
	if (r == JBUF_FRAME) {
		if (len < MEDIA_FRAME_SAMPLES)
			memset(out + len, g711_silence(p->rtp_law), MEDIA_FRAME_SAMPLES - len);
		g711_block_transcode(p->rtp_law, p->tdm_law, out, out, MEDIA_FRAME_SAMPLES);
	} else {
		memset(out, g711_silence(p->tdm_law), MEDIA_FRAME_SAMPLES);
	}
	fax_listen(&p->fax->to_tdm, p->tdm_law, out);
	return r;
}

enum jbuf_result pipe_to_tdm(struct media_pipe *p, uint64_t now, uint8_t *out)
{
	struct stage_playout_events evs;
	enum jbuf_result r;

	if (p->mode != MEDIA_MODE_AUDIO)
		return fax_to_tdm(p, now, out);
	r = stage_playout_frame(&p->po, now, p->rtp_law, p->tdm_law, out, &evs);

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
