/* media/stage_playout: received audio plays law-converted after the jitter buffer's
 * depth, a gap is concealed, nothing stale plays after a flush, and an RFC 4733 digit is
 * reported and played as a tone in place of the audio. */
#include <criterion/criterion.h>
#include <string.h>

#include "media/g711.h"
#include "media/stage_playout.h"

static const struct jbuf_params jp = { .frame_ms = 20, .min_ms = 20, .max_ms = 200,
				       .clock_rate = 8000, .max_payload = 160 };

static struct media_rx audio_rx(uint16_t seq, const uint8_t *pl)
{
	return (struct media_rx){ .kind = MEDIA_RX_AUDIO, .h = { .pt = 0, .seq = seq,
			.ts = 160u * seq, .ssrc = 5 }, .pl = pl, .plen = 160 };
}

Test(media_stage_playout, audio_conceal_flush)
{
	static struct stage_playout s;
	struct stage_playout_events evs;
	uint8_t pl[160], out[160];
	uint8_t want = g711_ulaw_to_alaw(g711_linear_to_ulaw(1000));
	uint64_t now = 0;
	int frames = 0, conceals = 0;
	enum jbuf_result r, prev = JBUF_IDLE;

	memset(pl, g711_linear_to_ulaw(1000), sizeof pl);
	cr_assert_eq(stage_playout_init(&s, &jp), 0);
	cr_expect_eq(stage_playout_frame(&s, now, G711_LAW_ULAW, G711_LAW_ALAW, out, &evs),
		     JBUF_IDLE);
	cr_expect_eq(out[0], G711_ALAW_SILENCE);
	for (uint16_t seq = 0; seq < 10; seq++, now += 20000) {
		struct media_rx rx = audio_rx(seq, pl);

		if (seq != 6)	/* one lost */
			stage_playout_audio(&s, &rx, now);
		r = stage_playout_frame(&s, now, G711_LAW_ULAW, G711_LAW_ALAW, out, &evs);
		switch (r) {
		case JBUF_FRAME:
			frames++;
			if (prev == JBUF_FRAME)	/* (after a loss the PLC fades back in) */
				cr_expect_eq(out[80], want, "PCMU 1000 played as A-law");
			break;
		case JBUF_CONCEAL:
			conceals++;
			break;
		case JBUF_IDLE:
			break;
		}
		cr_expect_eq(evs.n, 0);
		prev = r;
	}
	cr_expect_geq(frames, 7);
	cr_expect_eq(conceals, 1, "the lost packet is concealed once");
	struct media_rx rx = audio_rx(10, pl);

	stage_playout_audio(&s, &rx, now);
	stage_playout_flush(&s);
	cr_expect_eq(stage_playout_frame(&s, now + 20000, G711_LAW_ULAW, G711_LAW_ALAW, out, &evs),
		     JBUF_IDLE, "nothing stale after a flush");
	stage_playout_release(&s);
}

Test(media_stage_playout, rfc4733_digit_played)
{
	static struct stage_playout s;
	struct stage_playout_events evs;
	uint8_t out[160];
	int loud = 0;
	bool ended = false;

	cr_assert_eq(stage_playout_init(&s, &jp), 0);
	for (int i = 0; i < 12; i++) {
		struct media_rx rx = { .kind = MEDIA_RX_EVENT,
				       .h = { .pt = 101, .seq = (uint16_t)i, .ts = 8000, .ssrc = 9 },
				       .tev = { .event = 5, .volume = 10, .end = i >= 9,
						.duration = (uint16_t)(160 * (i + 1)) } };
		int peak = 0;

		stage_playout_event(&s, &rx, (uint64_t)i * 20000, &evs);
		for (unsigned k = 0; k < evs.n; k++) {
			cr_expect_eq(evs.ev[k].digit, '5');
			cr_expect_eq(evs.ev[k].end, i != 0, "start on the first packet");
			if (evs.ev[k].end) {
				ended = true;
				cr_expect_eq(evs.ev[k].duration_ms, 200);
				cr_expect_not(evs.ev[k].timed_out);
			}
		}
		stage_playout_frame(&s, (uint64_t)i * 20000, G711_LAW_ULAW, G711_LAW_ULAW, out,
				    &evs);
		for (int j = 0; j < 160; j++)
			peak = abs(g711_ulaw_to_linear(out[j])) > peak ?
				       abs(g711_ulaw_to_linear(out[j])) : peak;
		loud += peak > 1000;
	}
	cr_expect(ended);
	cr_expect_geq(loud, 5, "the digit is played as a tone (%d loud frames)", loud);
	stage_playout_release(&s);
}
