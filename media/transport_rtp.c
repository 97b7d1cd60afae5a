/* Plain RTP over UDP (RFC 3550): packets go out as built and come in as they are. */
#include "media/transport.h"

#include <errno.h>
#include <string.h>

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

static int rtp_seal_rtcp(struct media_transport *t, uint8_t *pkt, size_t *len, size_t cap)
{
	return rtp_seal(t, pkt, len, cap);
}

static int rtp_open_rtcp(struct media_transport *t, uint8_t *pkt, size_t *len)
{
	(void)t;
	(void)pkt;
	(void)len;
	return 0;
}

static void rtp_free(struct media_transport *t)
{
	(void)t;	/* embedded in the pipe */
}

const struct media_transport_ops transport_rtp_ops = {
	.name = "RTP/AVP",
	.seal = rtp_seal,
	.open = rtp_open,
	.seal_rtcp = rtp_seal_rtcp,
	.open_rtcp = rtp_open_rtcp,
	.free = rtp_free,
};

const char *transport_strerror(int err)
{
	switch (err) {
	case EPROTONOSUPPORT:
		return "an unexpected payload type";
	case EACCES:
		return "a packet that failed SRTP authentication";
	case EALREADY:
		return "a replayed SRTP packet";
	default:
		return strerror(err);
	}
}

void transport_rtp_init(struct media_transport *t, const struct media_transport_pts *pts)
{
	t->ops = &transport_rtp_ops;
	t->pts = *pts;
}
