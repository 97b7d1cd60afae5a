/* media/pipe: the whole per-channel pipeline without sockets: B-channel frames become
 * RTP packets (numbered, law-converted, none without a peer or on hold, counted only
 * when sent), received packets play back law-converted, and direction and the
 * transport's refusals are honoured. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "media/g711.h"
#include "media/pipe.h"
#include "media/rtp.h"

struct sink {
	unsigned n, events;
	int fail;			/* send_h returns this */
	uint8_t last[256];
	size_t last_len;
};

static int sink_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	struct sink *k = arg;

	(void)te;
	if (k->fail)
		return k->fail;
	k->n++;
	memcpy(k->last, pkt, len);
	k->last_len = len;
	return 0;
}

static void sink_event(void *arg, const struct media_event *ev)
{
	(void)ev;
	((struct sink *)arg)->events++;
}

static const struct pipe_io io = { .send_h = sink_send, .event_h = sink_event };
static const struct jbuf_params jp = { .frame_ms = 20, .min_ms = 20, .max_ms = 200,
				       .clock_rate = 8000, .max_payload = 160 };

static struct rtp_hdr last_hdr(struct sink *k, const uint8_t **pl)
{
	struct rtp_hdr h;
	size_t plen;

	cr_assert_eq(rtp_decode(&h, k->last, k->last_len, pl, &plen), 0);
	cr_assert_eq(plen, 160);
	return h;
}

Test(media_pipe, tdm_to_rtp)
{
	static struct media_pipe p;
	struct sink k = { 0 };
	struct media_chan_params cp = { .tdm_law = G711_LAW_ALAW, .pt = 0, .ssrc = 42,
					.seq0 = 100, .ts0 = 8000 };
	uint8_t in[160];
	const uint8_t *pl;
	struct rtp_hdr h;
	struct media_fax_report rep;

	for (int i = 0; i < 160; i++)
		in[i] = g711_linear_to_alaw((int16_t)(i * 40 - 3200));
	cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &k), 0);
	pipe_from_tdm(&p, in, 0, true);
	cr_assert_eq(k.n, 1);
	h = last_hdr(&k, &pl);
	cr_expect_eq(h.pt, 0);
	cr_expect_eq(h.seq, 100);
	cr_expect_eq(h.ts, 8000);
	cr_expect(h.marker, "first packet starts a talkspurt");
	for (int i = 0; i < 160; i++)
		cr_expect_eq(pl[i], g711_alaw_to_ulaw(in[i]), "A-law → PCMU at %d", i);

	pipe_from_tdm(&p, in, 20000, false);	/* no peer: numbered, not sent */
	cr_expect_eq(k.n, 1);
	pipe_from_tdm(&p, in, 40000, true);
	h = last_hdr(&k, &pl);
	cr_expect_eq(h.seq, 102, "the unsent packet counts as lost");
	cr_expect_eq(h.ts, 8320);
	cr_expect_not(h.marker);

	cp.no_send = true;		/* hold: nothing sent, time passes */
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	pipe_from_tdm(&p, in, 60000, true);
	cr_expect_eq(k.n, 2);
	cp.no_send = false;
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	pipe_from_tdm(&p, in, 80000, true);
	h = last_hdr(&k, &pl);
	cr_expect_eq(h.seq, 103);
	cr_expect_eq(h.ts, 8640);
	cr_expect(h.marker, "resuming starts a talkspurt");

	k.fail = ENOBUFS;		/* a failed send is not counted */
	pipe_from_tdm(&p, in, 100000, true);
	cr_expect_eq(p.st.packets_sent, 3);
	cr_expect_eq(p.st.octets_sent, 480);
	cr_expect_eq(k.events, 0);
	pipe_release(&p);
}

static size_t pcmu(uint8_t *buf, uint16_t seq, uint8_t pt, uint8_t v)
{
	uint8_t pl[160];
	struct rtp_hdr h = { .pt = pt, .seq = seq, .ts = 160u * seq, .ssrc = 77 };
	size_t len;

	memset(pl, v, sizeof pl);
	cr_assert_eq(rtp_encode(&h, pl, sizeof pl, buf, 256, &len), 0);
	return len;
}

Test(media_pipe, rtp_to_tdm)
{
	static struct media_pipe p;
	struct sink k = { 0 };
	struct media_chan_params cp = { .tdm_law = G711_LAW_ALAW, .pt = 0 };
	uint8_t buf[256], out[160], v = g711_linear_to_ulaw(-2000);
	struct media_rx rx;
	struct media_chan_stats st;
	uint64_t now = 0;
	int played = 0;
	struct media_fax_report rep;

	cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &k), 0);
	for (uint16_t seq = 0; seq < 8; seq++, now += 20000) {
		size_t len = pcmu(buf, seq, 0, v);

		cr_assert_eq(pipe_from_net(&p, buf, len, now, &rx), 0);
		cr_expect_eq(rx.kind, MEDIA_RX_AUDIO);
		if (pipe_to_tdm(&p, now, out) == JBUF_FRAME) {
			played++;
			cr_expect_eq(out[10], g711_ulaw_to_alaw(v), "PCMU → A-law");
		}
	}
	cr_expect_geq(played, 6);
	cr_expect_eq(pipe_from_net(&p, buf, pcmu(buf, 8, 8, v), now, &rx), EPROTONOSUPPORT,
		     "PCMA is not this stream's payload type");
	pipe_stats(&p, &st);
	cr_expect_eq(st.packets_received, 8);
	cr_expect_eq(st.packets_lost, 0);

	cp.no_recv = true;		/* hold: counted, not played */
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	for (uint16_t seq = 9; seq < 12; seq++, now += 20000) {
		cr_assert_eq(pipe_from_net(&p, buf, pcmu(buf, seq, 0, v), now, &rx), 0);
		cr_expect_eq(pipe_to_tdm(&p, now, out), JBUF_IDLE);
		cr_expect_eq(out[10], G711_ALAW_SILENCE);
	}
	pipe_stats(&p, &st);
	cr_expect_eq(st.packets_received, 11);
	cr_expect_eq(st.packets_lost, 1, "seq 8 was refused, so it counts as lost");
	pipe_release(&p);
}
