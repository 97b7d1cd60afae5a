/* Plain RTP over UDP (RFC 3550): packets go out as built and come in as they are. */
#include "media/transport.h"

#include <errno.h>

int transport_rtp_parse(const struct media_transport_pts *pts, const uint8_t *pkt, size_t len,
			struct media_rx *rx)
{
	int err = rtp_decode(&rx->h, pkt, len, &rx->pl, &rx->plen);

	if (err)
		return err;
	if (pts->rx_te_pt > 0 && rx->h.pt == pts->rx_te_pt) {
		rx->kind = MEDIA_RX_EVENT;
		return te_decode(&rx->tev, rx->pl, rx->plen);
	}
	if (rx->h.pt != pts->pt)
		return EPROTONOSUPPORT;
	rx->kind = MEDIA_RX_AUDIO;
	return 0;
}

static int rtp_seal(struct media_transport *t, uint8_t *pkt, size_t *len, size_t cap)
{
	(void)t;
	(void)pkt;
	return *len <= cap ? 0 : EMSGSIZE;
}

static int rtp_open(struct media_transport *t, uint8_t *pkt, size_t len, struct media_rx *rx)
{
	return transport_rtp_parse(&t->pts, pkt, len, rx);
}

const struct media_transport_ops transport_rtp_ops = {
	.name = "RTP/AVP",
	.seal = rtp_seal,
	.open = rtp_open,
};

void transport_rtp_init(struct media_transport *t, const struct media_transport_pts *pts)
{
	t->ops = &transport_rtp_ops;
	t->pts = *pts;
}
