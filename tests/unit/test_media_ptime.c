/* Packetisation (RFC 4566 a=ptime) both ways: media/reframe cuts or joins received packets
 * of 10, 30 and 40 ms into the 20 ms frames of the B-channel, sample-exact, numbering them
 * for the jitter buffer (20 ms packets pass as they are); a lost packet leaves silence in
 * the frame it shared; a timestamp jump between consecutive packets continues the
 * numbering. media/pipe sends at the negotiated ptime: 10 ms packets two a frame, 30 and
 * 40 ms gathered, numbered and timed to the sample, and plays a 30 ms peer's stream back
 * whole. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "media/g711.h"
#include "media/pipe.h"
#include "media/reframe.h"
#include "media/rtp.h"

#define TOTAL 4800	/* [samples] 600 ms */

static uint8_t sample(unsigned n)
{
	return (uint8_t)(n * 7u + 3u + (n >> 8));
}

struct frames {
	unsigned n;
	uint16_t seq[64];
	uint32_t ts[64];
	uint8_t data[64][160];
};

static void take(struct frames *f, const struct reframe_out *out)
{
	for (unsigned i = 0; i < out->n; i++) {
		cr_assert_lt(f->n, 64);
		cr_assert_eq(out->f[i].len, 160);
		f->seq[f->n] = out->f[i].seq;
		f->ts[f->n] = out->f[i].ts;
		memcpy(f->data[f->n], out->f[i].data, 160);
		f->n++;
	}
}

/* A stream of ptime packets from seq0/ts0 (both wrapping), skipping packet `lose`. */
static void stream(unsigned ptime_ms, int lose, struct frames *f)
{
	static struct reframe r;
	static struct reframe_out out;
	unsigned len = ptime_ms * 8;
	uint8_t pl[640];
	uint16_t seq = 65530;
	uint32_t ts = 0xFFFFFF00u;

	reframe_init(&r);
	memset(f, 0, sizeof *f);
	for (unsigned k = 0, off = 0; off + len <= TOTAL; k++, off += len) {
		for (unsigned i = 0; i < len; i++)
			pl[i] = sample(off + i);
		if ((int)k != lose) {
			cr_assert_eq(reframe_packet(&r, 0x1234, (uint16_t)(seq + k), ts + off, pl,
						    len, 0xFF, &out), 0);
			take(f, &out);
		}
	}
}

Test(media_reframe, every_ptime_into_exact_frames)
{
	static const unsigned ptimes[] = { 10, 20, 30, 40 };
	static struct frames f;

	for (unsigned t = 0; t < 4; t++) {
		stream(ptimes[t], -1, &f);
		cr_expect_eq(f.n, TOTAL / 160, "ptime %u: %u frames", ptimes[t], f.n);
		for (unsigned j = 0; j < f.n; j++) {
			cr_expect_eq(f.seq[j], (uint16_t)(65530 + j), "ptime %u frame %u: seq %u",
				     ptimes[t], j, f.seq[j]);
			cr_expect_eq(f.ts[j], 0xFFFFFF00u + 160 * j);
			for (unsigned i = 0; i < 160; i++)
				if (f.data[j][i] != sample(160 * j + i)) {
					cr_expect_fail("ptime %u frame %u sample %u: %u, not %u",
						       ptimes[t], j, i, f.data[j][i],
						       sample(160 * j + i));
					break;
				}
		}
	}
}

Test(media_reframe, twenty_ms_pass_untouched)
{
	static struct reframe r;
	static struct reframe_out out;
	uint8_t pl[160] = { 1, 2, 3 };

	reframe_init(&r);
	cr_assert_eq(reframe_packet(&r, 9, 700, 5, pl, 160, 0xFF, &out), 0);
	cr_assert_eq(out.n, 1);
	cr_expect_eq(out.f[0].data, pl, "no copy");
	cr_expect_eq(out.f[0].seq, 700, "its own sequence number");
	cr_expect_eq(out.f[0].ts, 5);
	cr_assert_eq(reframe_packet(&r, 9, 703, 485, pl, 160, 0xFF, &out), 0);
	cr_expect_eq(out.f[0].seq, 703, "a gap stays a gap: the jitter buffer conceals it");
}

Test(media_reframe, lost_packet_leaves_silence_in_its_part)
{
	static struct frames f;

	/* 30 ms: packet 1 (samples 240..479) lost: frame 1 keeps its first half (from
	 * packet 0) with silence after; frame 2 (320..479) never comes; frame 3 does. */
	stream(30, 1, &f);
	cr_assert_geq(f.n, 4);
	cr_expect_eq(f.seq[0], 65530);
	cr_expect_eq(f.seq[1], 65531);
	cr_expect_eq(f.data[1][0], sample(160));
	cr_expect_eq(f.data[1][79], sample(239));
	cr_expect_eq(f.data[1][80], 0xFF, "the lost half is silence");
	cr_expect_eq(f.data[1][159], 0xFF);
	cr_expect_eq(f.seq[2], 65533, "frame 2 was wholly in the lost packet");
	cr_expect_eq(f.data[2][0], sample(480));
	cr_expect_eq(f.n, TOTAL / 160 - 1);
}

Test(media_reframe, timestamp_jump_continues_numbering)
{
	static struct reframe r;
	static struct reframe_out out;
	uint8_t pl[240];

	memset(pl, 0x55, sizeof pl);
	reframe_init(&r);
	cr_assert_eq(reframe_packet(&r, 1, 10, 1000, pl, 240, 0xFF, &out), 0);
	cr_expect_eq(out.n, 1);		/* frame 0; frame 1 half-filled waits */
	/* silence suppression: the next packet (seq 11) starts 1 s later */
	cr_assert_eq(reframe_packet(&r, 1, 11, 9000, pl, 240, 0xFF, &out), 0);
	cr_assert_eq(out.n, 2, "the waiting frame, then the new packet's first frame");
	cr_expect_eq(out.f[0].seq, 11);
	cr_expect_eq(out.f[0].data[100], 0xFF);
	cr_expect_eq(out.f[1].seq, 12, "no gap in the numbering: nothing was lost");
	cr_expect_eq(out.f[1].ts, 9000);

	cr_expect_eq(reframe_packet(&r, 1, 12, 9240, pl, 0, 0xFF, &out), EMSGSIZE);
	cr_expect_eq(reframe_packet(&r, 1, 12, 9240, pl, 641, 0xFF, &out), EMSGSIZE);
	cr_expect_eq(reframe_packet(&r, 1, 9, 8760, pl, 240, 0xFF, &out), ETIME,
		     "a straggler from before the grid");
	cr_expect_eq(out.n, 0);
	/* a new SSRC starts a new stream; a 20 ms one passes as it is */
	cr_assert_eq(reframe_packet(&r, 2, 500, 0, pl, 160, 0xFF, &out), 0);
	cr_expect_eq(out.f[0].seq, 500);
}

/* ---- the pipe sends at ptime ----------------------------------------------------------- */

struct sink {
	unsigned n;
	size_t len[128];
	uint8_t pkt[128][400];
};

static int sink_send(void *arg, const uint8_t *pkt, size_t len, bool te)
{
	struct sink *k = arg;

	(void)te;
	cr_assert_lt(k->n, 128);
	cr_assert_leq(len, 400);
	memcpy(k->pkt[k->n], pkt, len);
	k->len[k->n++] = len;
	return 0;
}

static void sink_event(void *arg, const struct media_event *ev)
{
	(void)arg;
	(void)ev;
}

static const struct pipe_io io = { .send_h = sink_send, .event_h = sink_event };
static const struct jbuf_params jp = { .frame_ms = 20, .min_ms = 20, .max_ms = 200,
				       .clock_rate = 8000, .max_payload = 160 };

Test(media_ptime, sends_at_negotiated_ptime)
{
	static const unsigned ptimes[] = { 10, 20, 30, 40 };

	for (unsigned t = 0; t < 4; t++) {
		static struct media_pipe p;
		static struct sink k;
		struct media_chan_params cp = { .tdm_law = G711_LAW_ULAW, .pt = 0, .ssrc = 7,
						.seq0 = 65534, .ts0 = 1000,
						.ptime_ms = ptimes[t] };
		unsigned plen = ptimes[t] * 8, got = 0;
		uint8_t in[160];

		memset(&k, 0, sizeof k);
		cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &k), 0);
		for (unsigned j = 0; j < 12; j++) {	/* 240 ms */
			for (unsigned i = 0; i < 160; i++)
				in[i] = sample(160 * j + i);
			pipe_from_tdm(&p, in, j * 20000u, true);
		}
		cr_expect_eq(k.n, 240 / ptimes[t], "ptime %u: %u packets", ptimes[t], k.n);
		for (unsigned m = 0; m < k.n; m++) {
			struct rtp_hdr h;
			const uint8_t *pl;
			size_t n;

			cr_assert_eq(rtp_decode(&h, k.pkt[m], k.len[m], &pl, &n), 0);
			cr_expect_eq(n, plen, "ptime %u: packet %u has %zu samples", ptimes[t], m, n);
			cr_expect_eq(h.seq, (uint16_t)(65534 + m));
			cr_expect_eq(h.ts, 1000 + plen * m, "ptime %u: ts %u", ptimes[t], h.ts);
			cr_expect_eq(h.marker, m == 0);
			for (unsigned i = 0; i < n; i++, got++)
				if (pl[i] != sample(got)) {
					cr_expect_fail("ptime %u: sample %u is %u, not %u", ptimes[t],
						       got, pl[i], sample(got));
					break;
				}
		}
		pipe_release(&p);
	}
}

Test(media_ptime, hold_drops_what_waits_and_keeps_time)
{
	static struct media_pipe p;
	static struct sink k;
	struct media_chan_params cp = { .tdm_law = G711_LAW_ULAW, .pt = 0, .ssrc = 7,
					.seq0 = 0, .ts0 = 0, .ptime_ms = 30 };
	struct media_fax_report rep;
	uint8_t in[160];
	struct rtp_hdr h;
	const uint8_t *pl;
	size_t n;

	memset(in, 0x33, sizeof in);
	cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &k), 0);
	pipe_from_tdm(&p, in, 0, true);		/* 160 wait */
	cp.no_send = true;
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	pipe_from_tdm(&p, in, 20000, true);
	cp.no_send = false;
	cr_assert_eq(pipe_modify(&p, &cp, &rep), 0);
	pipe_from_tdm(&p, in, 40000, true);
	pipe_from_tdm(&p, in, 60000, true);
	cr_assert_eq(k.n, 1);
	cr_assert_eq(rtp_decode(&h, k.pkt[0], k.len[0], &pl, &n), 0);
	cr_expect_eq(h.ts, 320, "the held 40 ms passed unsent: ts %u", h.ts);
	cr_expect(h.marker, "a new talkspurt");
	cr_expect_eq(n, 240);
	pipe_release(&p);
}

/* A 30 ms peer, packets every 30 ms, played on the 20 ms TDM clock: every sample comes
 * out, in order, none concealed once playout runs. */
Test(media_ptime, plays_a_30ms_stream_whole)
{
	static struct media_pipe p;
	static struct sink k;
	struct media_chan_params cp = { .tdm_law = G711_LAW_ULAW, .pt = 0 };
	uint8_t pkt[12 + 240], out[160];
	unsigned sent = 0, played = 0, concealed = 0;
	int start = -1;
	struct media_rx rx;

	cr_assert_eq(pipe_init(&p, &cp, &jp, &io, &k), 0);
	for (uint64_t t = 0; t < 2000000; t += 1000) {	/* 2 s in 1 ms steps */
		if (t % 30000 == 0 && sent + 240 <= 3 * 8000) {
			struct rtp_packetiser pk;

			rtp_packetiser_init(&pk, 0, 77, (uint16_t)(sent / 240), sent);
			pk.talkspurt = false;
			rtp_packetiser_next(&pk, pkt, 240);
			for (unsigned i = 0; i < 240; i++)
				pkt[12 + i] = sample(sent + i);
			cr_assert_eq(pipe_from_net(&p, pkt, sizeof pkt, t, &rx), 0);
			sent += 240;
		}
		if (t % 20000 == 10000) {
			enum jbuf_result r = pipe_to_tdm(&p, t, out);

			if (r == JBUF_IDLE)
				continue;
			if (r == JBUF_CONCEAL) {
				concealed++;
				continue;
			}
			if (start < 0)
				start = 0;
			for (unsigned i = 0; i < 160; i++)
				if (out[i] != sample(played * 160 + i)) {
					cr_expect_fail("frame %u sample %u: %u, not %u", played, i,
						       out[i], sample(played * 160 + i));
					break;
				}
			played++;
		}
	}
	cr_expect_geq(played, 90, "%u frames played", played);
	cr_expect_eq(concealed, 0, "%u frames concealed", concealed);
	pipe_release(&p);
}
