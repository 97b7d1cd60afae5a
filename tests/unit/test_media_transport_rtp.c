/* media/transport_rtp: plain RTP's seal/open through the vtable: audio and telephone-event
 * payload types are told apart, anything else is refused with the reason. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "media/rtp.h"
#include "media/te.h"
#include "media/transport.h"

static size_t build(uint8_t *buf, uint8_t pt, const uint8_t *pl, size_t plen)
{
	struct rtp_hdr h = { .pt = pt, .seq = 7, .ts = 1600, .ssrc = 0xabcdef01 };
	size_t len;

	cr_assert_eq(rtp_encode(&h, pl, plen, buf, 256, &len), 0);
	return len;
}

Test(media_transport_rtp, open_classifies_by_payload_type)
{
	struct media_transport t;
	struct media_rx rx;
	uint8_t buf[256], audio[160], ev[4];
	size_t len;

	transport_rtp_init(&t, &(struct media_transport_pts){ .pt = 8, .rx_te_pt = 101 });
	cr_assert_str_eq(t.ops->name, "RTP/AVP");
	memset(audio, 0x55, sizeof audio);
	len = build(buf, 8, audio, sizeof audio);
	cr_assert_eq(t.ops->open(&t, buf, len, &rx), 0);
	cr_expect_eq(rx.kind, MEDIA_RX_AUDIO);
	cr_expect_eq(rx.h.seq, 7);
	cr_expect_eq(rx.h.ssrc, 0xabcdef01u);
	cr_expect_eq(rx.plen, 160);
	cr_expect_eq(rx.pl[0], 0x55);

	cr_assert_eq(te_encode(&(struct te_payload){ .event = 11, .end = true, .volume = 10,
						     .duration = 800 }, ev, sizeof ev), 0);
	len = build(buf, 101, ev, sizeof ev);
	cr_assert_eq(t.ops->open(&t, buf, len, &rx), 0);
	cr_expect_eq(rx.kind, MEDIA_RX_EVENT);
	cr_expect_eq(rx.tev.event, 11);
	cr_expect(rx.tev.end);
	cr_expect_eq(rx.tev.duration, 800);

	len = build(buf, 0, audio, sizeof audio);
	cr_expect_eq(t.ops->open(&t, buf, len, &rx), EPROTONOSUPPORT, "PCMU not accepted");
	len = build(buf, 101, ev, 3);
	cr_expect_eq(t.ops->open(&t, buf, len, &rx), EMSGSIZE, "a short event payload");
	buf[0] = 0x40;		/* version 1 */
	cr_expect_eq(t.ops->open(&t, buf, len, &rx), EPROTO);
	cr_expect_eq(t.ops->open(&t, buf, 5, &rx), EMSGSIZE, "shorter than a header");

	/* no telephone-event PT: PT 101 is just an unexpected payload type */
	t.pts.rx_te_pt = 0;
	len = build(buf, 101, ev, sizeof ev);
	cr_expect_eq(t.ops->open(&t, buf, len, &rx), EPROTONOSUPPORT);
}

Test(media_transport_rtp, seal_leaves_the_packet_as_built)
{
	struct media_transport t;
	uint8_t buf[256], copy[256], audio[160] = { 1, 2, 3 };
	size_t len, len0;

	transport_rtp_init(&t, &(struct media_transport_pts){ .pt = 0 });
	len0 = len = build(buf, 0, audio, sizeof audio);
	memcpy(copy, buf, len);
	cr_assert_eq(t.ops->seal(&t, buf, &len, sizeof buf), 0);
	cr_expect_eq(len, len0);
	cr_expect_arr_eq(buf, copy, len0);
	cr_expect_eq(t.ops->seal(&t, buf, &len, len0 - 1), EMSGSIZE, "no room is refused");
}
