/* The T.38 gateway stage: see stage_t38gw.h. */
#include "media/stage_t38gw.h"

#include <errno.h>
#include <string.h>

#include <spandsp.h>

#include "media/udptl.h"

#define FLUSH_QUIET_US	100000	/* [µs] no datagram this long: give up a held gap */
/* Datagrams that end a burst (the last HDLC or image data, an indicator) are sent twice at
 * once and then TAIL_REPEATS times TAIL_GAP_US apart while nothing follows them: nothing
 * may follow for seconds, so no later datagram carries them as redundancy, and a loss
 * burst should not take every copy. The receiver drops the duplicates. */
#define END_REPEAT	2
#define TAIL_REPEATS	3
#define TAIL_GAP_US	20000	/* [µs] */

/*
 * Which IFP packets are image data (T.38 Annex A, IFPPacket ::= type-of-msg CHOICE, PER
 * aligned): bit 6 of the first octet chooses t30-data over t30-indicator, bit 5 is the
 * extension bit of the data type, the root types sit in bits 4..1 (V.21 is 0: control),
 * the extension index is a normally small number over the next 6 bits.
 */
static bool ifp_is_image(const uint8_t *ifp, size_t len)
{
	unsigned t;

	if (!len || !(ifp[0] & 0x40))
		return false;			/* an indicator */
	if (!(ifp[0] & 0x20))
		return ((ifp[0] >> 1) & 0x0F) != T38_DATA_V21;
	if (len < 2)
		return false;
	t = T38_DATA_V8 + (((ifp[0] & 0x0Fu) << 2) | (ifp[1] >> 6));
	return t == T38_DATA_V34_PRI_CH || t == T38_DATA_V33_12000 || t == T38_DATA_V33_14400;
}

static void send_dg(struct stage_t38gw *s, const uint8_t *dg, size_t len)
{
	if (s->send_h(s->arg, dg, len))
		s->send_failed++;
	else
		s->sent++;
}

/* t38_core: one IFP packet to send; count is the repeat count of its category. */
static int tx_ifp(t38_core_state_t *core, void *arg, const uint8_t *buf, int len, int count)
{
	struct stage_t38gw *s = arg;
	uint8_t dg[STAGE_T38GW_DATAGRAM];
	size_t dlen;
	bool image = len > 0 && ifp_is_image(buf, (size_t)len);
	unsigned red = image ? s->p.redundancy_image : s->p.redundancy;

	(void)core;
	if (image)	/* a page passes: tells a new page from a command asked again */
		t30_observe_image(&s->obs);
	if (len <= 0 || udptl_encode(s->u, buf, (size_t)len, (int)red, dg, sizeof dg, &dlen))
		return -1;
	for (int i = 0; i < (count > 0 ? count : 1); i++)
		send_dg(s, dg, dlen);
	s->tail_left = 0;
	if (count > 1) {	/* an end category (init): repeat it while nothing follows */
		memcpy(s->tail, dg, dlen);
		s->tail_len = dlen;
		s->tail_left = TAIL_REPEATS;
		s->tail_due = s->now + TAIL_GAP_US;
	}
	return 0;
}

/* t38_gateway: a T.30 control frame passed through (from_modem: it came from the audio side). */
static void rt_frame(t38_gateway_state_t *gw, void *arg, int from_modem, const uint8_t *msg,
		     int len)
{
	struct stage_t38gw *s = arg;

	(void)gw;
	if (len > 0)
		t30_observe_frame(&s->obs, from_modem != 0, msg, (size_t)len, true);
}

static void rx_ifp(uint16_t seq, const uint8_t *ifp, size_t len, void *arg)
{
	struct stage_t38gw *s = arg;

	if (ifp_is_image(ifp, len))
		t30_observe_image(&s->obs);
	(void)t38_core_rx_ifp_packet(t38_gateway_get_t38_core_state(s->gw), ifp, (int)len, seq);
}

static void norm_params(struct media_t38_params *p)
{
	if (!p->max_datagram)
		p->max_datagram = STAGE_T38GW_MAX_DATAGRAM_DEFAULT;
	if (p->redundancy > UDPTL_MAX_REDUNDANCY)
		p->redundancy = UDPTL_MAX_REDUNDANCY;
	if (p->redundancy_image > UDPTL_MAX_REDUNDANCY)
		p->redundancy_image = UDPTL_MAX_REDUNDANCY;
}

int stage_t38gw_init(struct stage_t38gw *s, const struct media_t38_params *p,
		     stage_t38gw_send_h *send_h, void *arg)
{
	/* No missing_h: SpanDSP 0.0.6 has no t38_core_rx_missing(); its core takes the gap
	 * from the sequence number of the next packet delivered (its own missing handler). */
	struct udptl_params up = { .ifp_h = rx_ifp, .arg = s };
	t38_core_state_t *core;
	int modems = T30_SUPPORT_V27TER;
	int err;

	memset(s, 0, sizeof *s);
	if (!p || !send_h || p->version > 3)
		return EINVAL;
	s->p = *p;
	norm_params(&s->p);
	s->send_h = send_h;
	s->arg = arg;
	t30_observe_init(&s->obs);
	up.redundancy = s->p.redundancy;
	up.max_datagram = s->p.max_datagram;
	err = udptl_alloc(&s->u, &up);
	if (err)
		return err;
	s->gw = t38_gateway_init(NULL, tx_ifp, s);
	if (!s->gw) {
		stage_t38gw_release(s);
		return ENOMEM;
	}
	/* Never V.17 alone: a sender that sees no V.29 in DIS may give up (ITU-T T.30 Table 2). */
	if (!s->p.max_bitrate || s->p.max_bitrate >= 9600)
		modems |= T30_SUPPORT_V29;
	if (!s->p.max_bitrate || s->p.max_bitrate >= 14400)
		modems |= T30_SUPPORT_V17;
	t38_gateway_set_supported_modems(s->gw, modems);
	t38_gateway_set_ecm_capability(s->gw, !s->p.no_ecm);
	t38_gateway_set_transmit_on_idle(s->gw, 1);	/* the B-channel always gets a frame */
	t38_gateway_set_real_time_frame_handler(s->gw, rt_frame, s);
	core = t38_gateway_get_t38_core_state(s->gw);
	t38_set_t38_version(core, (int)s->p.version);
	t38_set_data_rate_management_method(core, s->p.local_tcf ?
					    T38_DATA_RATE_MANAGEMENT_LOCAL_TCF :
					    T38_DATA_RATE_MANAGEMENT_TRANSFERRED_TCF);
	if (s->p.max_bitrate)
		t38_set_fastest_image_data_rate(core, (int)s->p.max_bitrate);
	t38_set_max_datagram_size(core, (int)s->p.max_datagram);
	/* Redundancy is UDPTL's (per IFP type, tx_ifp); the repeat count only for burst ends. */
	t38_set_redundancy_control(core, T38_PACKET_CATEGORY_INDICATOR, END_REPEAT);
	t38_set_redundancy_control(core, T38_PACKET_CATEGORY_CONTROL_DATA, 1);
	t38_set_redundancy_control(core, T38_PACKET_CATEGORY_CONTROL_DATA_END, END_REPEAT);
	t38_set_redundancy_control(core, T38_PACKET_CATEGORY_IMAGE_DATA, 1);
	t38_set_redundancy_control(core, T38_PACKET_CATEGORY_IMAGE_DATA_END, END_REPEAT);
	return 0;
}

void stage_t38gw_release(struct stage_t38gw *s)
{
	if (s->gw)
		t38_gateway_free(s->gw);
	udptl_free(s->u);
	s->gw = NULL;
	s->u = NULL;
}

void stage_t38gw_set_max_datagram(struct stage_t38gw *s, unsigned max_datagram)
{
	s->p.max_datagram = max_datagram ? max_datagram : STAGE_T38GW_MAX_DATAGRAM_DEFAULT;
	udptl_set_max_datagram(s->u, s->p.max_datagram);
	t38_set_max_datagram_size(t38_gateway_get_t38_core_state(s->gw), (int)s->p.max_datagram);
}

bool stage_t38gw_same(const struct stage_t38gw *s, const struct media_t38_params *p)
{
	struct media_t38_params a = s->p, b = *p;

	norm_params(&b);
	a.max_datagram = b.max_datagram;	/* applied in place */
	a.silence_ms = b.silence_ms;		/* the engine's, not the session's */
	return a.version == b.version && a.max_bitrate == b.max_bitrate &&
	       a.local_tcf == b.local_tcf && a.redundancy == b.redundancy &&
	       a.redundancy_image == b.redundancy_image && a.no_ecm == b.no_ecm;
}

void stage_t38gw_from_tdm(struct stage_t38gw *s, const int16_t *in, uint64_t now)
{
	int16_t amp[STAGE_T38GW_FRAME];

	s->now = now;
	memcpy(amp, in, sizeof amp);	/* SpanDSP takes a non-const buffer */
	(void)t38_gateway_rx(s->gw, amp, STAGE_T38GW_FRAME);
}

void stage_t38gw_to_tdm(struct stage_t38gw *s, int16_t *out, uint64_t now)
{
	int n;

	s->now = now;
	if (s->tail_left && now >= s->tail_due) {
		send_dg(s, s->tail, s->tail_len);
		s->tail_left--;
		s->tail_due += TAIL_GAP_US;
	}
	/* A gap the peer's redundancy did not fill: once the stream has gone quiet, give it
	 * up so that what is held behind it plays now rather than with the next burst. */
	if (s->held && now - s->last_rx_us > FLUSH_QUIET_US) {
		(void)udptl_flush(s->u);
		s->held = false;
	}
	n = t38_gateway_tx(s->gw, out, STAGE_T38GW_FRAME);
	if (n < 0)
		n = 0;
	if (n < STAGE_T38GW_FRAME)
		memset(out + n, 0, (size_t)(STAGE_T38GW_FRAME - n) * sizeof *out);
}

int stage_t38gw_from_net(struct stage_t38gw *s, const uint8_t *dg, size_t len, uint64_t now)
{
	int r;

	s->now = now;
	r = udptl_decode(s->u, dg, len);

	if (r == -EBADMSG)
		return EBADMSG;
	s->last_rx_us = now;
	s->held = true;
	return 0;
}

void stage_t38gw_report(const struct stage_t38gw *s, struct media_fax_report *r)
{
	struct udptl_stats us;

	memset(r, 0, sizeof *r);
	r->valid = true;
	r->t38 = true;
	t30_observe_report(&s->obs, &r->t30);
	udptl_stats(s->u, &us);
	r->udptl_sent = s->sent;
	r->udptl_received = us.rx_datagrams - us.rx_malformed;
	r->ifp_lost = us.rx_lost;
	r->ifp_recovered = us.rx_recovered_red + us.rx_recovered_fec;
	r->udptl_malformed = us.rx_malformed;
}
