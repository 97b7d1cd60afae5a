/* media/stage_dtmf: a digit in B-channel audio becomes start/end reports; with te_pt RFC
 * 4733 packets and skipped time in the audio, never the tone itself; without te_pt the tone
 * stays in the audio (the peer has no other way to get the digit); audio passes one frame
 * late and unchanged otherwise; without detection it passes at once. */
#include <criterion/criterion.h>
#include <errno.h>
#include <spandsp.h>
#include <string.h>

#include "media/g711.h"
#include "media/stage_dtmf.h"

#define NF 30

/* A-law frames: the digit (SpanDSP: 50 ms on, 55 ms off) from frame 2, silence around. */
static void frames(const char *digits, uint8_t (*f)[160])
{
	dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
	int16_t lin[160];

	for (int i = 0; i < NF; i++) {
		int n = 0;

		if (i == 2)
			dtmf_tx_put(tx, digits, -1);
		if (i >= 2)
			n = dtmf_tx(tx, lin, 160);
		memset(lin + n, 0, (size_t)(160 - n) * 2);
		g711_block_encode(G711_LAW_ALAW, f[i], lin, 160);
	}
	dtmf_tx_free(tx);
}

static int energy(const uint8_t *a)
{
	int m = 0;

	for (int i = 0; i < 160; i++)
		m = abs(g711_alaw_to_linear(a[i])) > m ? abs(g711_alaw_to_linear(a[i])) : m;
	return m;
}

static void run(bool te, unsigned *starts, unsigned *ends, unsigned *pkts, unsigned *skips,
		int *loudest, unsigned *duration)
{
	static uint8_t f[NF][160];
	static struct stage_dtmf s;
	static struct stage_dtmf_out o;
	uint32_t ts = 1000;

	frames("7", f);
	cr_assert_eq(stage_dtmf_init(&s, true, te ? 101 : -1), 0);
	*starts = *ends = *pkts = *skips = 0;
	*loudest = 0;
	for (int i = 0; i < NF; i++) {
		stage_dtmf_frame(&s, f[i], G711_LAW_ALAW, ts, (uint64_t)i * 20000, &o);
		*pkts += o.npkt;
		for (unsigned k = 0; k < o.npkt; k++)
			cr_expect_eq(o.pkt[k].pl.event, 7);
		for (unsigned k = 0; k < o.nev; k++) {
			cr_expect_eq(o.ev[k].digit, '7');
			if (o.ev[k].end) {
				(*ends)++;
				*duration = o.ev[k].duration_ms;
			} else {
				(*starts)++;
			}
		}
		if (i == 0)
			cr_expect_null(o.audio, "audio is held one frame");
		if (o.audio) {
			int m = energy(o.audio);

			*loudest = m > *loudest ? m : *loudest;
			ts += 160;
		} else if (o.skip) {
			(*skips)++;
			ts += 160;
		}
	}
	stage_dtmf_release(&s);
}

Test(media_stage_dtmf, digit_in_band_and_reported)
{
	unsigned starts, ends, pkts, skips, dur = 0;
	int loudest;

	run(false, &starts, &ends, &pkts, &skips, &loudest, &dur);
	cr_expect_eq(starts, 1);
	cr_expect_eq(ends, 1);
	cr_expect_eq(pkts, 0, "no te_pt: no RFC 4733 packets");
	cr_expect_eq(skips, 0, "no events sent: every frame goes out as audio");
	cr_expect_gt(loudest, 1000, "no telephone-event: the tone must stay in the audio "
		     "(peak %d)", loudest);
	cr_expect(dur >= 30 && dur <= 80, "duration %u ms", dur);
}

Test(media_stage_dtmf, digit_sent_as_events)
{
	unsigned starts, ends, pkts, skips, dur = 0;
	int loudest;

	run(true, &starts, &ends, &pkts, &skips, &loudest, &dur);
	cr_expect_eq(starts, 1);
	cr_expect_eq(ends, 1);
	cr_expect_geq(pkts, 4, "start, updates and 3 end packets (RFC 4733 §2.5.1.4)");
	cr_expect_geq(skips, 2, "the event's frames are not sent as audio");
	cr_expect_lt(loudest, 16, "the tone leaked into audio (peak %d)", loudest);
}

Test(media_stage_dtmf, audio_passes)
{
	static struct stage_dtmf s;
	static struct stage_dtmf_out o;
	uint8_t a[160], b[160];

	for (int i = 0; i < 160; i++) {
		a[i] = g711_linear_to_alaw((int16_t)(i * 37 % 900 - 450));
		b[i] = g711_linear_to_alaw((int16_t)(i * 53 % 700 - 350));
	}
	cr_assert_eq(stage_dtmf_init(&s, true, 0), 0);
	stage_dtmf_frame(&s, a, G711_LAW_ALAW, 0, 0, &o);
	cr_expect_null(o.audio);
	stage_dtmf_frame(&s, b, G711_LAW_ALAW, 160, 20000, &o);
	cr_assert_not_null(o.audio);
	cr_expect_arr_eq(o.audio, a, 160, "the held frame comes out unchanged");
	stage_dtmf_release(&s);

	cr_assert_eq(stage_dtmf_init(&s, false, 0), 0);
	cr_expect_null(s.det);
	stage_dtmf_frame(&s, a, G711_LAW_ALAW, 0, 0, &o);
	cr_expect_eq(o.audio, a, "no detection: the frame passes at once");
	stage_dtmf_release(&s);
}

/* An event the line signalled otherwise (a hook flash, event 16) goes out as RFC 4733 from
 * the next frame: M on its first packet, its duration in the stream's clock, E at the end
 * (three copies), the audio under it skipped; refused without a telephone-event PT, and a
 * second one while the first waits is EBUSY. */
Test(media_stage_dtmf, requested_event)
{
	static struct stage_dtmf s;
	static struct stage_dtmf_out o;
	uint8_t quiet[160];
	uint32_t ts = 8000, start = 0;
	unsigned pkts = 0, ends = 0, marks = 0, skips = 0, last_dur = 0;

	memset(quiet, 0xd5, sizeof quiet);	/* A-law silence */
	cr_assert_eq(stage_dtmf_init(&s, true, -1), 0);
	cr_expect_eq(stage_dtmf_send_event(&s, 16, 300), ENOTCONN, "no telephone-event PT");
	stage_dtmf_release(&s);

	cr_assert_eq(stage_dtmf_init(&s, true, 101), 0);
	stage_dtmf_frame(&s, quiet, G711_LAW_ALAW, ts, 0, &o);	/* audio flowing */
	ts += 160;
	cr_assert_eq(stage_dtmf_send_event(&s, 16, 300), 0);
	cr_expect_eq(stage_dtmf_send_event(&s, 16, 300), EBUSY);
	for (int i = 0; i < 30; i++) {
		stage_dtmf_frame(&s, quiet, G711_LAW_ALAW, ts, (uint64_t)(i + 1) * 20000, &o);
		for (unsigned k = 0; k < o.npkt; k++) {
			const struct te_pkt *p = &o.pkt[k];

			cr_expect_eq(p->pl.event, 16);
			if (!pkts++)
				start = p->ts;
			cr_expect_eq(p->ts, start, "one event, one timestamp");
			marks += p->marker;
			if (p->pl.end) {
				ends++;
				last_dur = p->pl.duration;
			}
		}
		skips += o.skip;
		cr_expect_eq(o.nev, 0, "not a detected digit");
		if (!o.skip && !o.audio)
			cr_expect(i < 1, "audio or skipped time in every frame");
		ts += 160;
	}
	cr_expect_eq(marks, 1);
	cr_expect_eq(ends, 3, "the end sent three times (RFC 4733 §2.5.1.4)");
	cr_expect_eq(last_dur, 300 * 8, "duration 300 ms in samples, got %u", last_dur);
	cr_expect_eq(start, 8160, "the event starts with the frame after the request");
	cr_expect_geq(skips, 14, "its audio is replaced by the event");
	cr_expect_lt(skips, 20, "and then flows again");
	cr_expect_eq(stage_dtmf_send_event(&s, 16, 300), 0, "free for the next one");
	stage_dtmf_release(&s);
}
