/* Unit tests for media/te (RFC 4733 payload codec, sender, receiver) and the DTMF player
 * of media/dtmf: exact bytes and exact packet sequences, clocks injected. */
#include <criterion/criterion.h>
#include <errno.h>
#include <spandsp.h>
#include <string.h>

#include "media/dtmf.h"
#include "media/rtp.h"
#include "media/te.h"

Test(media_te, payload_exact_bytes)
{
	uint8_t b[8];
	struct te_payload p = { .event = 11, .end = true, .volume = 10, .duration = 0x0320 };
	struct te_payload q;
	const uint8_t want[4] = { 0x0B, 0x8A, 0x03, 0x20 };
	const uint8_t rbit[4] = { 0x05, 0x7F, 0xFF, 0xFF };	/* R set, no E, vol 63 */

	cr_assert_eq(te_encode(&p, b, sizeof b), 0);
	cr_expect_arr_eq(b, want, 4);
	cr_assert_eq(te_decode(&q, want, 4), 0);
	cr_expect_eq(q.event, 11);
	cr_expect(q.end);
	cr_expect_eq(q.volume, 10);
	cr_expect_eq(q.duration, 800);
	cr_assert_eq(te_decode(&q, rbit, 4), 0);
	cr_expect_eq(q.event, 5);
	cr_expect(!q.end);
	cr_expect_eq(q.volume, 63);
	cr_expect_eq(q.duration, 0xFFFF);

	p.volume = 64;
	cr_expect_eq(te_encode(&p, b, sizeof b), EINVAL);
	p.volume = 0;
	cr_expect_eq(te_encode(&p, b, 3), EMSGSIZE);
	cr_expect_eq(te_decode(&q, want, 3), EMSGSIZE);
	cr_expect_eq(te_decode(&q, b, 6), EBADMSG);
	cr_expect_eq(te_decode(&q, b, 8), 0);
}

/* The whole first packet, header from the audio stream's packetiser. */
Test(media_te, first_packet_exact_bytes)
{
	struct rtp_packetiser pk;
	struct te_tx s;
	struct te_pkt tp[TE_TX_MAX_PKTS];
	uint8_t pkt[16];
	const uint8_t want[16] = { 0x80, 0xE5, 0x12, 0x34, 0x00, 0x00, 0x03, 0xE8,
				   0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x0A, 0x00, 0xA0 };

	rtp_packetiser_init(&pk, 0, 0xDEADBEEF, 0x1234, 1000);
	te_tx_init(&s, NULL);
	cr_assert_eq(te_tx_start(&s, 1, 1000, 1160, tp), 1);
	rtp_packetiser_other(&pk, pkt, 101, tp[0].ts, tp[0].marker);
	cr_assert_eq(te_encode(&tp[0].pl, pkt + 12, 4), 0);
	cr_expect_arr_eq(pkt, want, 16);
	cr_expect_eq(pk.seq, 0x1235);
	cr_expect_eq(pk.ts, 1000);	/* only the sequence number is shared */
}

struct exp_pkt {
	uint32_t now;		/* tick time that emitted it */
	uint32_t ts;
	bool m, e;
	uint16_t dur;
};

/* Drive a sender with 160-sample ticks; compare every packet. Events: start at t_start
 * (ts = t_start - 160), stop at t_stop; runs to t_end. */
static void run_sender(const struct te_tx_params *prm, uint32_t t_start, uint32_t t_stop,
		       uint32_t t_end, const struct exp_pkt *want, unsigned nwant)
{
	struct te_tx s;
	struct te_pkt tp[TE_TX_MAX_PKTS];
	unsigned got = 0;

	te_tx_init(&s, prm);
	for (uint32_t now = t_start; now <= t_end; now += 160) {
		unsigned n;

		if (now == t_start)
			n = te_tx_start(&s, 3, t_start - 160, now, tp);
		else if (now == t_stop)
			n = te_tx_stop(&s, now, tp);
		else
			n = te_tx_tick(&s, now, tp);
		for (unsigned i = 0; i < n; i++, got++) {
			cr_assert_lt(got, nwant, "extra packet at %u: ts %u dur %u", now, tp[i].ts,
				     tp[i].pl.duration);
			cr_expect_eq(now, want[got].now, "pkt %u: sent at %u", got, now);
			cr_expect_eq(tp[i].ts, want[got].ts, "pkt %u: ts %u", got, tp[i].ts);
			cr_expect_eq(tp[i].marker, want[got].m, "pkt %u: M", got);
			cr_expect_eq(tp[i].pl.end, want[got].e, "pkt %u: E", got);
			cr_expect_eq(tp[i].pl.duration, want[got].dur, "pkt %u: dur %u", got,
				     tp[i].pl.duration);
			cr_expect_eq(tp[i].pl.event, 3);
			cr_expect_eq(tp[i].pl.volume, 10);
		}
	}
	cr_expect_eq(got, nwant);
	cr_expect(!te_tx_busy(&s));
}

Test(media_te, sender_start_updates_three_ends)
{
	/* Updates due every 400 samples from the start packet, sent on the first tick at or
	 * after: 60 ms / 40 ms alternately; ends retransmitted at the update interval. */
	static const struct exp_pkt want[] = {
		{ 1160, 1000, true, false, 160 },
		{ 1640, 1000, false, false, 640 },
		{ 1960, 1000, false, false, 960 },
		{ 2280, 1000, false, true, 1280 },
		{ 2760, 1000, false, true, 1280 },
		{ 3080, 1000, false, true, 1280 },
	};

	run_sender(NULL, 1160, 2280, 4000, want, 6);
}

Test(media_te, sender_timestamp_wraps)
{
	static const struct exp_pkt want[] = {
		{ 96, 0xFFFFFFa0u, true, false, 192 },
		{ 576, 0xFFFFFFa0u, false, false, 672 },
		{ 736, 0xFFFFFFa0u, false, true, 832 },
		{ 1216, 0xFFFFFFa0u, false, true, 832 },
		{ 1536, 0xFFFFFFa0u, false, true, 832 },
	};
	struct te_tx s;
	struct te_pkt tp[TE_TX_MAX_PKTS];
	unsigned got = 0;

	/* As run_sender, but the event starts 96 samples before the wrap. */
	te_tx_init(&s, NULL);
	for (uint32_t now = 96; (int32_t)now <= 2000; now += 160) {
		unsigned n = now == 96 ? te_tx_start(&s, 3, 0xFFFFFFa0u, now, tp)
			   : now == 736 ? te_tx_stop(&s, now, tp) : te_tx_tick(&s, now, tp);

		for (unsigned i = 0; i < n; i++, got++) {
			cr_assert_lt(got, 5);
			cr_expect_eq(now, want[got].now);
			cr_expect_eq(tp[i].ts, want[got].ts);
			cr_expect_eq(tp[i].marker, want[got].m);
			cr_expect_eq(tp[i].pl.end, want[got].e);
			cr_expect_eq(tp[i].pl.duration, want[got].dur);
		}
	}
	cr_expect_eq(got, 5);
}

Test(media_te, sender_long_event_segments)
{
	/* Segments of 1000 samples (§2.5.1.3: the cap may be lower than 0xFFFF): the segment
	 * reaching it is reported with exactly 1000 and no E, three times; the next segment
	 * starts at ts + 1000 without M and is reported at once. */
	static const struct exp_pkt want[] = {
		{ 160, 0, true, false, 160 },
		{ 640, 0, false, false, 640 },
		{ 960, 0, false, false, 960 },
		{ 1120, 0, false, false, 1000 },	/* segment 1 final */
		{ 1120, 1000, false, false, 120 },	/* segment 2 first */
		{ 1600, 0, false, false, 1000 },	/* retransmission, due 1520 */
		{ 1600, 1000, false, false, 600 },	/* update, due 1520 */
		{ 1920, 0, false, false, 1000 },	/* third */
		{ 1920, 1000, false, false, 920 },
		{ 2080, 1000, false, false, 1000 },	/* segment 2 final */
		{ 2080, 2000, false, false, 80 },
		/* the end flushes segment 2's pending retransmissions first */
		{ 2400, 1000, false, false, 1000 },
		{ 2400, 1000, false, false, 1000 },
		{ 2400, 2000, false, true, 400 },
		{ 2880, 2000, false, true, 400 },
		{ 3200, 2000, false, true, 400 },
	};

	run_sender(&(struct te_tx_params){ .max_duration = 1000 }, 160, 2400, 5000, want,
		   sizeof want / sizeof want[0]);
}

Test(media_te, sender_next_digit_flushes_retransmissions)
{
	struct te_tx s;
	struct te_pkt tp[TE_TX_MAX_PKTS];

	te_tx_init(&s, &(struct te_tx_params){ .volume = 20 });
	cr_assert_eq(te_tx_start(&s, 1, 0, 160, tp), 1);
	cr_assert_eq(te_tx_stop(&s, 480, tp), 1);
	cr_expect(tp[0].pl.end && tp[0].pl.duration == 480 && tp[0].pl.volume == 20);
	/* The next digit 160 samples later: the two pending ends go first. */
	cr_assert_eq(te_tx_start(&s, 2, 640, 800, tp), 3);
	cr_expect(tp[0].pl.end && tp[1].pl.end && tp[0].ts == 0 && tp[1].ts == 0);
	cr_expect(tp[2].marker && tp[2].ts == 640 && tp[2].pl.event == 2 &&
		  tp[2].pl.duration == 160 && !tp[2].pl.end);
	/* A start while active ends the old event first (all three ends at once); a start
	 * with nothing to report yet (duration 0) waits for the next tick. */
	cr_assert_eq(te_tx_start(&s, 3, 960, 960, tp), 3);
	for (int i = 0; i < 3; i++)
		cr_expect(tp[i].pl.end && tp[i].pl.event == 2 && tp[i].pl.duration == 320);
	cr_assert_eq(te_tx_tick(&s, 1120, tp), 1);
	cr_expect(tp[0].marker && tp[0].pl.event == 3 && tp[0].pl.duration == 160);
}

/* ---- receiver ---- */

struct rx_case {
	uint64_t t;		/* [ms] arrival */
	uint32_t ts;
	uint8_t event;
	bool e;
	uint16_t dur;
	const char *want;	/* events: "S3" start of 3, "E3/800" end, "T3/800" timeout */
};

static void fmt_events(char *out, size_t size, const struct te_rx_event *ev, unsigned n)
{
	size_t k = 0;

	out[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		int w = ev[i].end ? snprintf(out + k, size - k, "%s%c%u/%u", k ? " " : "",
					     ev[i].timed_out ? 'T' : 'E', ev[i].event,
					     ev[i].duration)
				  : snprintf(out + k, size - k, "%sS%u", k ? " " : "",
					     ev[i].event);
		k += (size_t)w;
	}
}

/* Packets (ts 0 rows with dur 0 and event 255 are ticks at t). */
static void run_rx(const struct rx_case *c, unsigned n)
{
	struct te_rx r;

	te_rx_init(&r, 0);
	for (unsigned i = 0; i < n; i++) {
		struct te_rx_event ev[TE_RX_MAX_EVENTS];
		char got[64];
		unsigned k;

		if (c[i].event == 255) {
			k = te_rx_tick(&r, c[i].t * 1000, ev);
		} else {
			struct te_payload p = { .event = c[i].event, .end = c[i].e, .volume = 10,
						.duration = c[i].dur };

			k = te_rx_packet(&r, 0x1234, c[i].ts, &p, c[i].t * 1000, ev);
		}
		fmt_events(got, sizeof got, ev, k);
		cr_expect_str_eq(got, c[i].want, "row %u", i);
	}
}

#define TICK(t, want) { t, 0, 255, false, 0, want }

Test(media_te, receiver_normal_and_duplicates)
{
	static const struct rx_case c[] = {
		{ 0, 8000, 1, false, 160, "S1" },
		{ 1, 8000, 1, false, 160, "" },		/* duplicate */
		{ 50, 8000, 1, false, 560, "" },
		{ 40, 8000, 1, false, 400, "" },	/* reordered, older */
		{ 100, 8000, 1, true, 880, "E1/880" },
		{ 101, 8000, 1, true, 880, "" },	/* retransmitted ends */
		{ 150, 8000, 1, true, 880, "" },
		{ 200, 8000, 1, true, 880, "" },
		TICK(1000, ""),
		{ 300, 9600, 2, false, 0, "" },		/* duration 0: not a state, ignored */
		{ 310, 9600, 2, false, 160, "S2" },
		{ 320, 9200, 2, false, 160, "" },	/* older timestamp: late */
		{ 350, 9600, 2, true, 480, "E2/480" },
	};

	run_rx(c, sizeof c / sizeof c[0]);
}

Test(media_te, receiver_lost_start_and_lost_ends)
{
	static const struct rx_case c[] = {
		/* start lost: the first update starts the event */
		{ 60, 8000, 5, false, 640, "S5" },
		{ 100, 8000, 5, false, 960, "" },
		/* all ends lost: 200 ms without a packet ends it, last duration */
		TICK(120, ""),
		TICK(299, ""),
		TICK(300, "T5/960"),
		TICK(400, ""),
		{ 450, 8000, 5, true, 1280, "" },	/* a very late end: ignored */
		/* only an end packet of the next digit arrives: start and end at once */
		{ 500, 12000, 6, true, 800, "S6 E6/800" },
		{ 510, 12000, 6, true, 800, "" },
		/* a new timestamp while an event is active ends it */
		{ 600, 16000, 7, false, 160, "S7" },
		{ 640, 16800, 8, false, 160, "E7/160 S8" },
		{ 700, 16800, 8, true, 640, "E8/640" },
	};

	run_rx(c, sizeof c / sizeof c[0]);
}

Test(media_te, receiver_segments_and_ssrc)
{
	struct te_rx r;
	struct te_rx_event ev[TE_RX_MAX_EVENTS];
	struct te_payload p = { .event = 9, .volume = 7, .duration = 0xFFFF };
	static const struct rx_case c[] = {
		{ 0, 100, 4, false, 60000, "S4" },
		{ 50, 100, 4, false, 65535, "" },	/* segment 1 final (no E) */
		{ 60, 65635, 4, false, 400, "" },	/* segment 2 continues it */
		{ 70, 100, 4, false, 65535, "" },	/* late retransmission of seg 1 */
		{ 110, 65635, 4, true, 1000, "E4/66535" },
	};

	run_rx(c, sizeof c / sizeof c[0]);

	/* A new SSRC ends the active event and forgets the ended timestamp. */
	te_rx_init(&r, 50000);
	cr_expect_eq(te_rx_packet(&r, 1, 500, &p, 0, ev), 1);
	cr_expect_eq(te_rx_packet(&r, 2, 500, &p, 10, ev), 2);
	cr_expect(ev[0].end && !ev[1].end);
	cr_expect_eq(ev[1].volume, 7);
	cr_expect_eq(te_rx_tick(&r, 49999 + 10, ev), 0);	/* custom timeout */
	cr_expect_eq(te_rx_tick(&r, 50000 + 10, ev), 1);
	cr_expect(ev[0].timed_out);
}

/* ---- player ---- */

static void on_digit(void *arg, int code, int level, int delay)
{
	char *s = arg;
	size_t n = strlen(s);

	(void)level;
	(void)delay;
	if (code && n < 15) {
		s[n] = (char)code;
		s[n + 1] = 0;
	}
}

/* Samples of tone (|x| > 100) and the index of the first quiet block after it. */
static unsigned count_loud(const int16_t *a, int n)
{
	unsigned k = 0;

	for (int i = 0; i < n; i++)
		k += a[i] > 100 || a[i] < -100;
	return k;
}

Test(media_te, player_lengths_gap_and_decode)
{
	struct dtmf_gen *g;
	dtmf_rx_state_t *rx = dtmf_rx_init(NULL, NULL, NULL);
	static int16_t buf[80][160];
	char digits[16] = "";
	int frames = 0;

	dtmf_rx_set_realtime_callback(rx, on_digit, digits);
	cr_assert_eq(dtmf_gen_alloc(&g), 0);
	cr_expect(!dtmf_gen_frame(g, buf[0], 160));	/* idle: caller's audio */
	cr_expect_eq(dtmf_gen_start(g, 'x', 10), EINVAL);

	/* '4' for 800 samples (known at once), '#' whose end comes later, reported as 80
	 * samples (→ 40 ms minimum, but it has played longer by then: cut at once). */
	cr_assert_eq(dtmf_gen_start(g, '4', 10), 0);
	dtmf_gen_end(g, 800);
	cr_assert_eq(dtmf_gen_start(g, '#', 10), 0);
	while (frames < 80 && dtmf_gen_frame(g, buf[frames], 160)) {
		frames++;
		if (frames == 10)
			dtmf_gen_end(g, 80);
	}
	/* '4': 800 tone + 320 gap = 7 frames; '#' from 1120 to the end at frame 10 (1600),
	 * then its gap of 320 to 1920 = frame 12. */
	cr_expect_eq(frames, 12);
	cr_expect_eq(count_loud(buf[0], 800) > 700, 1);
	cr_expect_eq(count_loud(buf[0] + 800, 320), 0);
	cr_expect_eq(count_loud(buf[0] + 1120, 480) > 400, 1);
	cr_expect_eq(count_loud(buf[0] + 1600, 320), 0);
	for (int i = 0; i < frames + 5; i++)
		(void)dtmf_rx(rx, buf[i], 160);
	cr_expect_str_eq(digits, "4#");

	/* A short report plays the 40 ms minimum. */
	cr_assert_eq(dtmf_gen_start(g, '1', 10), 0);
	dtmf_gen_end(g, 8);
	frames = 0;
	while (frames < 80 && dtmf_gen_frame(g, buf[frames], 160))
		frames++;
	cr_expect_eq(frames, 4);	/* 320 tone + 320 gap = 640 */
	cr_expect_eq(count_loud(buf[0], 640), count_loud(buf[0], 320));
	cr_expect_gt(count_loud(buf[0], 320), 280);

	dtmf_gen_free(g);
	dtmf_rx_free(rx);
}
